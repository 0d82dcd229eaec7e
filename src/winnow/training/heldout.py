"""How well an LM predicts held-out documents: per-document loss, and the token-weighted mean.

`document_nll` is the one place a causal LM's loss on whole documents is computed: the perplexity
scorer takes each document's mean from it, the experiment's held-out loss the mean over all tokens.
Besides nats per token, held-out text is scored in bits per UTF-8 byte of the text the predicted
tokens cover: a number no tokenizer can flatter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np
import torch
import torch.nn.functional as F
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from winnow.training.data import eot_prefixed, pad_rows
from winnow.training.device import autocast_for
from winnow.training.masking import mask_tokens, masked_lm_loss, masking_ids
from winnow.training.model import context_length, is_masked_lm


def encode_documents(texts: list[str], tokenizer: PreTrainedTokenizerFast, n_ctx: int) -> list[list[int]]:
    """EOT + the first tokens of each non-empty document: n_ctx + 1 ids, so a causal LM predicts n_ctx of them."""
    return [row for row in eot_prefixed(texts, tokenizer, n_ctx + 1) if len(row) > 1]


def covered_bytes(texts: list[str], tokenizer: PreTrainedTokenizerFast, n_ctx: int) -> int:
    """UTF-8 bytes of the text that `encode_documents`' predicted tokens (the first n_ctx) cover."""
    encoded = tokenizer(list(texts), add_special_tokens=False, return_offsets_mapping=True)
    total = 0
    for text, offsets in zip(texts, encoded["offset_mapping"]):
        if offsets:
            total += len(text[: offsets[min(n_ctx, len(offsets)) - 1][1]].encode("utf-8"))
    return total


def document_nll(model: PreTrainedModel, rows: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """(summed next-token loss in nats, float32; tokens predicted) of each EOT-prefixed row, one forward pass.

    Row i predicts rows[i][1:] from rows[i][:-1], so every row needs 2+ ids. The rows are right-padded
    and read without an attention mask: causal attention never looks to the right, so padding
    changes no loss. bf16 autocast on CUDA, logits and loss in fp32. The perplexity scorer's numbers
    (and the decision tables built on them) depend on every step here staying as it is.
    """
    device = next(model.parameters()).device
    # any id pads the inputs (nothing reads it); -100 pads the targets (cross_entropy ignores it)
    inputs, targets = pad_rows([r[:-1] for r in rows], rows[0][0]), pad_rows([r[1:] for r in rows], -100)
    with torch.inference_mode(), autocast_for(device):
        logits = model(input_ids=inputs.to(device)).logits
        flat = logits.float().reshape(-1, logits.size(-1))  # (rows x width, vocabulary), no copy in fp32
        losses = F.cross_entropy(flat, targets.to(device).reshape(-1), reduction="none").view(targets.shape)
    return losses.sum(1).cpu(), (targets != -100).sum(1)


def _masked_nll(model: PreTrainedModel, rows: list[list[int]], mask_prob: float, seed: int,
                step: int) -> tuple[float, int]:
    """(summed loss, tokens predicted) of a masked LM on a fixed (seeded) `mask_prob` of the rows' tokens."""
    device, pad = next(model.parameters()).device, model.config.pad_token_id
    inputs = pad_rows([r[1 : context_length(model) + 1] for r in rows], pad)  # a masked LM reads no leading EOT
    inputs, targets = mask_tokens(inputs, masking_ids(model), mask_prob, seed, step)
    attention = (inputs != pad).long()
    with torch.no_grad():
        total = masked_lm_loss(model, inputs.to(device), targets.to(device), attention.to(device), reduction="sum")
    return total.item(), int((targets != -100).sum())


def heldout_loss(model: PreTrainedModel, encoded: list[list[int]], batch_size: int = 16, seed: int = 0,
                 mask_prob: float = 0.15, n_bytes: int | None = None) -> dict:
    """Token-weighted mean cross-entropy over held-out documents (nats/token), its perplexity and,
    given the `covered_bytes` of the documents, bits per byte.

    Causal LMs predict every token after the leading EOT. Masked LMs predict a fixed (seeded)
    `mask_prob` of the tokens, so two models are scored on the same positions; their loss is not
    comparable with a causal LM's, and they get no bits per byte (they predict a sample of tokens,
    not the text).
    """
    masked = is_masked_lm(model)
    total, count = 0.0, 0
    for start in range(0, len(encoded), batch_size):
        rows = encoded[start : start + batch_size]
        if masked:
            batch_total, batch_count = _masked_nll(model, rows, mask_prob, seed, start)
        else:
            sums, counts = document_nll(model, rows)
            batch_total, batch_count = float(sums.double().sum()), int(counts.sum())
        total, count = total + batch_total, count + batch_count
    loss = total / max(count, 1)
    metrics = {"heldout_loss": loss, "heldout_ppl": float(np.exp(loss)), "heldout_tokens": count}
    if n_bytes and not masked:
        metrics["heldout_bpb"] = total / math.log(2) / n_bytes
    return metrics


def heldout_evaluator(texts: list[str] | Mapping[str, list[str]], tokenizer: PreTrainedTokenizerFast, n_ctx: int,
                      batch_size: int = 16, mask_prob: float = 0.15) -> Callable[[PreTrainedModel], dict]:
    """`evaluate` for the training loop: tokenise once, score the model on the same texts each time.

    `texts` is one list, or several domains by name: then every metric comes per domain
    (`heldout_bpb.<domain>`) and as the mean over domains (`heldout_bpb`; `heldout_ppl` is the
    exponent of the mean loss), so no domain counts more for having longer documents.
    `mask_prob` matters for masked LMs only: pass the `TrainConfig.mask_prob` the model was trained with.
    """
    domains = {"": texts} if not isinstance(texts, Mapping) else dict(texts)
    sets = {}
    for name, domain_texts in domains.items():
        domain_texts = list(domain_texts)
        encoded = encode_documents(domain_texts, tokenizer, n_ctx)
        if not encoded:
            raise ValueError(f"no held-out text to evaluate on{f' in domain {name!r}' if name else ''}")
        sets[name] = (encoded, covered_bytes(domain_texts, tokenizer, n_ctx))

    def evaluate(model: PreTrainedModel) -> dict:
        per_domain = {name: heldout_loss(model, encoded, batch_size, mask_prob=mask_prob, n_bytes=n_bytes)
                      for name, (encoded, n_bytes) in sets.items()}
        if "" in per_domain:
            return per_domain[""]
        metrics = {f"{key}.{name}": value for name, values in per_domain.items() for key, value in values.items()}
        for key in ("heldout_loss", "heldout_bpb"):
            if all(key in values for values in per_domain.values()):
                metrics[key] = float(np.mean([values[key] for values in per_domain.values()]))
        metrics["heldout_ppl"] = float(np.exp(metrics["heldout_loss"]))
        metrics["heldout_tokens"] = sum(values["heldout_tokens"] for values in per_domain.values())
        return metrics

    return evaluate
