"""Texts to token ids: the pretraining stream and its blocks, and EOT-prefixed rows of single documents.

Every document is preceded by <|endoftext|> (EOT), in pretraining, held-out evaluation, scoring and
fine-tuning alike, so a model always reads a document's first token right after an EOT. The stream
is all documents concatenated, read in blocks of n_ctx + 1 tokens (inputs = block[:-1], targets =
block[1:]) that overlap by one token, so each token of the stream is a target exactly once per epoch.
Block order is a pure function of (seed, step): a resumed run needs no data-loader state.

A curriculum reads a seeded random choice of blocks in stream order instead: with documents sorted
by a score, a budget under one epoch reads a uniform sample of the sorted stream from its start to
its end (what "select, then shuffle" reads of its own stream, in order). A budget of several
epochs sweeps the stream once per epoch.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import numpy as np
import torch
from transformers import PreTrainedTokenizerFast


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
def _epoch_order(seed: int, epoch: int, blocks: int, read: int | None = None) -> np.ndarray:
    """The epoch's shuffled blocks; with `read` (a curriculum), the first `read` of them in stream order."""
    order = np.random.default_rng([seed, epoch]).permutation(blocks)
    return order if read is None else np.sort(order[:read])


def get_batch(tokens: np.ndarray, n_ctx: int, step: int, batch_size: int, seed: int,
              curriculum_samples: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets) for `step`: sample i of the run is block order[i % n] of epoch i // n.

    `curriculum_samples` (the run's total samples, steps x batch size) turns on the curriculum: an
    epoch the run reads only k blocks of (the last, partial one) takes the k block positions a
    shuffled run would, sorted back into stream order, so every part of the stream is still seen.
    """
    blocks = n_blocks(tokens, n_ctx)
    samples = np.arange(step * batch_size, (step + 1) * batch_size)

    def order(epoch: int) -> np.ndarray:
        if curriculum_samples is None:
            return _epoch_order(seed, epoch, blocks)
        return _epoch_order(seed, epoch, blocks, min(blocks, curriculum_samples - epoch * blocks))

    starts = [int(order(s // blocks)[s % blocks]) * n_ctx for s in samples]
    batch = torch.from_numpy(np.stack([tokens[a : a + n_ctx + 1] for a in starts]).astype(np.int64))
    return batch[:, :-1], batch[:, 1:]
