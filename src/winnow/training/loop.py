"""Train an LM on a token stream for a fixed token budget (nanoGPT's train.py as functions).

Reads top to bottom: config, optimizer and schedule, progress bar, the loop. The data
(`winnow.training.data`), the masked objective (`.masking`) and checkpoints (`.checkpoints`) live
beside it. `train_lm` is the one function that trains an LM: the perplexity scorer's reference LM
and the experiment's arms both go through it.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from transformers import PreTrainedModel, get_cosine_with_min_lr_schedule_with_warmup

from winnow.training.checkpoints import load_checkpoint, save_checkpoint
from winnow.training.data import get_batch, n_blocks
from winnow.training.device import autocast_for, resolve_device
from winnow.training.masking import mask_tokens, masked_lm_loss, masking_ids
from winnow.training.model import context_length, is_masked_lm


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
    curriculum: bool = False  # read the chosen blocks in the order of the documents, not shuffled (data.get_batch)
    progress: bool = True  # rich progress bar with loss and tokens/s

    def tokens_per_step(self, n_ctx: int) -> int:
        return self.batch_size * n_ctx

    def max_steps(self, n_ctx: int) -> int:
        """Steps that fit in the budget: training never sees more than `token_budget` tokens."""
        steps = self.token_budget // self.tokens_per_step(n_ctx)
        if steps < 1:
            raise ValueError(f"token_budget {self.token_budget} is below one step ({self.tokens_per_step(n_ctx)} tokens)")
        return steps


def causal_lm_loss(model: PreTrainedModel, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy (nats), computed in fp32 even under bf16 autocast."""
    logits = model(input_ids=inputs).logits
    return F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), targets.reshape(-1))


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
# The loop


@contextlib.contextmanager
def _progress_bar(enabled: bool, total: int, completed: int):
    """Yields `show(completed=, loss=, tok_s=)`; rich is imported only when the bar is drawn, so a
    run with `progress=False` needs no rich (a bare GPU machine)."""
    if not enabled:
        yield lambda **fields: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    columns = [TextColumn("[bold]training"), BarColumn(), MofNCompleteColumn(),
               TextColumn("loss {task.fields[loss]:.3f}  {task.fields[tok_s]:,.0f} tok/s"), TimeRemainingColumn()]
    with Progress(*columns) as progress:
        task = progress.add_task("train", total=total, completed=completed, loss=math.nan, tok_s=0.0)
        yield lambda **fields: progress.update(task, **fields)


def train_lm(
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
    autocast = autocast_for(device)
    forward = torch.compile(model) if config.compile and device.type == "cuda" else model
    tokens_per_step = config.tokens_per_step(n_ctx)
    masking = masking_ids(model) if is_masked_lm(model) else None

    with _progress_bar(config.progress, max_steps, step) as show:
        while step < max_steps:
            started = time.perf_counter()
            lr = scheduler.get_last_lr()[0]
            inputs, targets = get_batch(tokens, n_ctx, step, config.batch_size, config.seed,
                                        max_steps * config.batch_size if config.curriculum else None)
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
            show(completed=step, loss=loss_value, tok_s=tokens_per_s)
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
