"""Train a causal LM on a stream of texts for a fixed token budget (nanoGPT's train.py as functions).

Reads top to bottom: config, data (texts -> one token stream -> blocks), optimizer and schedule,
checkpoints, the loop. Data order is a pure function of (seed, step), so a resumed run needs no
data-loader state and ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from safetensors.torch import load_model, save_model
from transformers import PreTrainedModel, PreTrainedTokenizerFast, get_cosine_with_min_lr_schedule_with_warmup

from winnow.training.model import LMConfig, build_model, context_length, is_masked_lm
from winnow.training.tokenizer import load_tokenizer, save_tokenizer, train_bpe_tokenizer


@dataclass
class TrainConfig:
    token_budget: int = 1_000_000  # predicted tokens to train on; ~1.2 epochs of the reference corpus
    # At a ~1M-token budget a tiny model is short of steps, not of batch: held-out loss 5.64 nats at
    # batch 2 vs 5.99 at batch 16 on the reference corpus, and CPU tokens/s is no lower. Raise it
    # (with the learning rate) for GPU pretraining.
    batch_size: int = 2
    learning_rate: float = 3e-3  # best of 1e-3 / 3e-3 / 1e-2 at batch 2-4 for the default LMConfig
    min_lr_ratio: float = 0.1  # cosine decays to a tenth of the peak (Chinchilla)
    warmup_steps: int = 100  # ~5 % of the default run (1,953 steps)
    weight_decay: float = 0.1  # on weight matrices and embeddings only, never biases or LayerNorms
    beta1: float = 0.9
    beta2: float = 0.95  # GPT-3 / nanoGPT: steadier than 0.999 when the loss moves fast
    grad_clip: float = 1.0  # global gradient-norm clip
    seed: int = 0  # data order and dropout; the model's initial weights come from LMConfig.init_seed
    checkpoint_every: int = 0  # steps between checkpoints; 0 = only at the end (with a checkpoint_dir)
    device: str = "auto"  # "auto" = CUDA when present (bf16 autocast there), else CPU in fp32
    compile: bool = False  # torch.compile the model on CUDA (165k -> 372k tok/s for GPT-2 on an H100)
    eval_every: int = 0  # steps between calls of `evaluate` (and always at the last step); 0 = never
    mask_prob: float = 0.15  # masked LMs: share of tokens to predict (BERT: 80 % -> MASK, 10 % random, 10 % kept)
    progress: bool = True  # rich progress bar with loss and tokens/s

    def tokens_per_step(self, n_ctx: int) -> int:
        return self.batch_size * n_ctx

    def max_steps(self, n_ctx: int) -> int:
        """Steps that fit in the budget: training never sees more than `token_budget` tokens."""
        steps = self.token_budget // self.tokens_per_step(n_ctx)
        if steps < 1:
            raise ValueError(f"token_budget {self.token_budget} is below one step ({self.tokens_per_step(n_ctx)} tokens)")
        return steps


def resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


# ---------------------------------------------------------------------------------------------
# Data: every document preceded by <|endoftext|>, all concatenated, read in blocks of n_ctx + 1
# tokens (inputs = block[:-1], targets = block[1:]) that overlap by one token, so each token of the
# stream is a target exactly once per epoch.


def tokenize_stream(texts: Iterable[str], tokenizer: PreTrainedTokenizerFast, chunk: int = 1000) -> np.ndarray:
    """One int32 array: EOT doc EOT doc ... (the scorer also starts every document after an EOT)."""
    eot = tokenizer.eos_token_id
    parts: list[np.ndarray] = []
    batch: list[str] = []

    def flush() -> None:
        for ids in tokenizer(batch, add_special_tokens=False)["input_ids"]:
            parts.append(np.array([eot, *ids], dtype=np.int32))
        batch.clear()

    for text in texts:
        batch.append(text)
        if len(batch) == chunk:
            flush()
    if batch:
        flush()
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


def eot_prefixed(texts: Iterable[str], tokenizer: PreTrainedTokenizerFast, max_length: int) -> list[list[int]]:
    """EOT + the first `max_length - 1` tokens of each text: a document starts as it did in pretraining."""
    eot = tokenizer.eos_token_id
    return [[eot, *ids[: max_length - 1]] for ids in tokenizer(list(texts), add_special_tokens=False)["input_ids"]]


def pad_rows(rows: list[list[int]], pad: int) -> torch.Tensor:
    """Right-pad token rows with `pad` into one (rows, longest) tensor."""
    width = max(len(r) for r in rows)
    return torch.tensor([r + [pad] * (width - len(r)) for r in rows], dtype=torch.long)


def n_blocks(tokens: np.ndarray, n_ctx: int) -> int:
    return max((len(tokens) - 1) // n_ctx, 0)


@lru_cache(maxsize=4)
def _epoch_order(seed: int, epoch: int, blocks: int) -> np.ndarray:
    return np.random.default_rng([seed, epoch]).permutation(blocks)


def get_batch(tokens: np.ndarray, n_ctx: int, step: int, batch_size: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) for `step`: sample i of the run is block order[i % n] of epoch i // n."""
    blocks = n_blocks(tokens, n_ctx)
    samples = np.arange(step * batch_size, (step + 1) * batch_size)
    starts = [int(_epoch_order(seed, s // blocks, blocks)[s % blocks]) * n_ctx for s in samples]
    batch = torch.from_numpy(np.stack([tokens[a : a + n_ctx + 1] for a in starts]).astype(np.int64))
    return batch[:, :-1], batch[:, 1:]


def causal_lm_loss(model: PreTrainedModel, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy (nats), computed in fp32 even under bf16 autocast."""
    logits = model(input_ids=inputs).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))


def mask_tokens(inputs: torch.Tensor, ids: dict, mask_prob: float, seed: int, step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """BERT's dynamic masking: (masked inputs, labels with -100 where nothing is predicted).

    The mask is drawn from (seed, step), so a block seen twice gets two different masks and a
    resumed run draws the same masks as an uninterrupted one. Special tokens are never masked.
    """
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    special = torch.isin(inputs, torch.tensor(ids["special"]))
    chosen = (torch.rand(inputs.shape, generator=generator) < mask_prob) & ~special
    action = torch.rand(inputs.shape, generator=generator)
    random_ids = torch.randint(ids["vocab_size"], inputs.shape, generator=generator)
    masked = inputs.clone()
    masked[chosen & (action < 0.8)] = ids["mask"]
    swap = chosen & (action >= 0.8) & (action < 0.9)
    masked[swap] = random_ids[swap]
    return masked, torch.where(chosen, inputs, torch.full_like(inputs, -100))


def masked_lm_loss(model: PreTrainedModel, inputs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the masked positions only."""
    logits = model(input_ids=inputs).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), labels.reshape(-1), ignore_index=-100)


def masking_ids(model: PreTrainedModel) -> dict:
    """What masking needs from a masked LM's config (build_model stores the tokenizer's ids there)."""
    config = model.config
    special = [i for i in (config.eos_token_id, config.pad_token_id, config.mask_token_id) if i is not None]
    return {"mask": config.mask_token_id, "special": special, "vocab_size": config.vocab_size}


# ---------------------------------------------------------------------------------------------
# Optimizer and schedule


def make_optimizer(model: torch.nn.Module, config: TrainConfig, device: torch.device) -> torch.optim.AdamW:
    """AdamW with weight decay on tensors of 2+ dims (matrices, embeddings), none on biases and norms."""
    params = [p for p in model.parameters() if p.requires_grad]
    groups = [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": config.weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]
    betas = (config.beta1, config.beta2)
    return torch.optim.AdamW(groups, lr=config.learning_rate, betas=betas, fused=device.type == "cuda")


def make_schedule(optimizer: torch.optim.Optimizer, config: TrainConfig, max_steps: int):
    """Linear warmup to the peak LR, then cosine decay to `min_lr_ratio` of it at the last step."""
    warmup = min(config.warmup_steps, max_steps)
    return get_cosine_with_min_lr_schedule_with_warmup(optimizer, warmup, max_steps, min_lr_rate=config.min_lr_ratio)


# ---------------------------------------------------------------------------------------------
# Checkpoints: a directory with model.safetensors + config.json (the model) and state.pt
# (optimizer, scheduler, step, RNG, history, train config). Written to a sibling and swapped in,
# so an interruption mid-save leaves the previous checkpoint intact.


def save_checkpoint(directory: Path, model: PreTrainedModel, optimizer, scheduler, step: int, history: list[dict],
                    config: TrainConfig) -> None:
    staging = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_model(model, str(staging / "model.safetensors"))  # handles the tied input/output embeddings
    model.config.to_json_file(staging / "config.json")
    state = {
        "step": step,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "history": history,
        "train_config": asdict(config),
    }
    torch.save(state, staging / "state.pt")
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(directory: Path, model: PreTrainedModel, optimizer, scheduler,
                    config: TrainConfig) -> tuple[int, list[dict]]:
    """Restore everything `save_checkpoint` wrote into the given objects; returns (step, history)."""
    if not (directory / "state.pt").is_file():
        raise FileNotFoundError(f"{directory}: no checkpoint to resume from (state.pt missing)")
    state = torch.load(directory / "state.pt", map_location="cpu", weights_only=True)
    saved = state["train_config"]
    changed = [k for k in ("seed", "batch_size", "token_budget") if saved[k] != getattr(config, k)]
    if changed:
        raise ValueError(f"{directory}: checkpoint was trained with different {changed}: {[saved[k] for k in changed]}")
    load_model(model, str(directory / "model.safetensors"), device=str(next(model.parameters()).device))
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng_cpu"])
    if state["rng_cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng_cuda"])
    return state["step"], state["history"]


# ---------------------------------------------------------------------------------------------
# The loop


def _progress_bar(enabled: bool) -> Progress:
    return Progress(
        TextColumn("[bold]training"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.3f}  {task.fields[tok_s]:,.0f} tok/s"),
        TimeRemainingColumn(),
        disable=not enabled,
    )


def train_causal_lm(
    model: PreTrainedModel,
    tokens: np.ndarray,
    config: TrainConfig,
    checkpoint_dir: str | Path | None = None,
    init_from: str = "scratch",
    on_step: Callable[[dict], None] | None = None,
    evaluate: Callable[[PreTrainedModel], dict] | None = None,
) -> list[dict]:
    """Train `model` in place on `tokens` (from `tokenize_stream`) until the token budget is spent.

    A GPT-2 learns to predict the next token; a BERT (`is_masked_lm`) the masked ones, with a
    fresh mask every step. Either way `tokens` counts the tokens read, so budgets compare.

    With a `checkpoint_dir`, the last checkpoint is kept in `checkpoint_dir/checkpoint/`, written
    every `checkpoint_every` steps and at the end; `init_from="resume"` continues from it.

    Returns one record per step, `{step, tokens, loss, lr, tokens_per_s}`, where `tokens` counts
    predicted tokens so far; after a resume the records from before the interruption are included.
    `on_step(record)` is called after each step (and after that step's checkpoint): log from it.
    `evaluate(model)` runs every `eval_every` steps and at the last step, in eval mode without
    gradients; its numbers (e.g. held-out loss) join that step's record.
    """
    if init_from not in ("scratch", "resume"):
        raise ValueError(f"init_from must be 'scratch' or 'resume', got {init_from!r}")
    n_ctx = context_length(model)
    if n_blocks(tokens, n_ctx) == 0:
        raise ValueError(f"the texts give {len(tokens)} tokens, fewer than one block of {n_ctx + 1}")
    if init_from == "resume" and checkpoint_dir is None:
        raise ValueError("init_from='resume' needs a checkpoint_dir")
    checkpoint = Path(checkpoint_dir) / "checkpoint" if checkpoint_dir is not None else None

    device = resolve_device(config.device)
    model.to(device).train()
    max_steps = config.max_steps(n_ctx)
    optimizer = make_optimizer(model, config, device)
    scheduler = make_schedule(optimizer, config, max_steps)
    step, history = 0, []
    if init_from == "resume":
        step, history = load_checkpoint(checkpoint, model, optimizer, scheduler, config)
    else:
        torch.manual_seed(config.seed)  # dropout masks
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
    forward = torch.compile(model) if config.compile and device.type == "cuda" else model
    tokens_per_step = config.tokens_per_step(n_ctx)
    masking = masking_ids(model) if is_masked_lm(model) else None

    with _progress_bar(config.progress) as progress:
        task = progress.add_task("train", total=max_steps, completed=step, loss=math.nan, tok_s=0.0)
        while step < max_steps:
            started = time.perf_counter()
            lr = scheduler.get_last_lr()[0]
            inputs, targets = get_batch(tokens, n_ctx, step, config.batch_size, config.seed)
            if masking is not None:
                inputs, targets = mask_tokens(inputs, masking, config.mask_prob, config.seed, step)
            with autocast:
                loss_fn = masked_lm_loss if masking is not None else causal_lm_loss
                loss = loss_fn(forward, inputs.to(device), targets.to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            loss_value = loss.item()  # waits for the GPU, so the timing below is honest
            tokens_per_s = tokens_per_step / (time.perf_counter() - started)
            record = {"step": step, "tokens": step * tokens_per_step, "loss": loss_value, "lr": lr,
                      "tokens_per_s": tokens_per_s}
            if evaluate is not None and ((config.eval_every and step % config.eval_every == 0) or step == max_steps):
                record.update(_evaluated(model, evaluate, autocast))
            history.append(record)
            progress.update(task, completed=step, loss=loss_value, tok_s=tokens_per_s)
            due = config.checkpoint_every and step % config.checkpoint_every == 0
            if checkpoint is not None and (due or step == max_steps):
                save_checkpoint(checkpoint, model, optimizer, scheduler, step, history, config)
            if on_step is not None:
                on_step(record)
    model.eval()
    return history


def _evaluated(model: PreTrainedModel, evaluate: Callable[[PreTrainedModel], dict], autocast) -> dict:
    model.eval()
    with torch.no_grad(), autocast:
        metrics = evaluate(model)
    model.train()
    return metrics


def train_lm(
    texts: Iterable[str],
    lm_config: LMConfig | None = None,
    train_config: TrainConfig | None = None,
    checkpoint_dir: str | Path | None = None,
    init_from: str = "scratch",
    on_step: Callable[[dict], None] | None = None,
) -> tuple[PreTrainedModel, PreTrainedTokenizerFast, list[dict]]:
    """Tokenizer + model from scratch on `texts`: (model, tokenizer, per-step history).

    The tokenizer is saved beside the checkpoint, and a resume reuses it rather than retraining.
    """
    lm_config = lm_config or LMConfig()
    train_config = train_config or TrainConfig()
    texts = list(texts)
    if init_from == "resume" and checkpoint_dir is not None and (Path(checkpoint_dir) / "tokenizer.json").is_file():
        tokenizer = load_tokenizer(checkpoint_dir)
    else:
        tokenizer = train_bpe_tokenizer(texts, lm_config.vocab_size)
    if checkpoint_dir is not None:
        save_tokenizer(tokenizer, checkpoint_dir)
    model = build_model(lm_config, tokenizer)
    tokens = tokenize_stream(texts, tokenizer)
    history = train_causal_lm(model, tokens, train_config, checkpoint_dir, init_from, on_step)
    return model, tokenizer, history
