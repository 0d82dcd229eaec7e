"""Evaluation of pretrained and fine-tuned models: held-out LM loss and classification metrics."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, classification_report, f1_score
from transformers import PreTrainedModel, PreTrainedTokenizerFast

from winnow.training.loop import eot_prefixed, mask_tokens, masking_ids, pad_rows
from winnow.training.model import context_length, is_masked_lm


def encode_documents(texts: list[str], tokenizer: PreTrainedTokenizerFast, n_ctx: int) -> list[list[int]]:
    """EOT + the first tokens of each non-empty document: n_ctx + 1 ids, so a causal LM predicts n_ctx of them."""
    return [row for row in eot_prefixed(texts, tokenizer, n_ctx + 1) if len(row) > 1]


@torch.no_grad()
def heldout_loss(model: PreTrainedModel, encoded: list[list[int]], batch_size: int = 16, seed: int = 0,
                 mask_prob: float = 0.15) -> dict:
    """Token-weighted mean cross-entropy over held-out documents (nats/token) and its perplexity.

    Causal LMs predict every token after the leading EOT. Masked LMs predict a fixed (seeded) 15 %
    of the tokens, so two models are scored on the same positions; their loss is not comparable
    with a causal LM's.
    """
    device = next(model.parameters()).device
    masked = is_masked_lm(model)
    total, count = 0.0, 0
    for start in range(0, len(encoded), batch_size):
        rows = encoded[start : start + batch_size]
        if masked:
            inputs = pad_rows([r[1 : context_length(model) + 1] for r in rows], model.config.pad_token_id)
            inputs, targets = mask_tokens(inputs, masking_ids(model), mask_prob, seed, start)
            attention = (inputs != model.config.pad_token_id).long()
        else:
            batch = pad_rows(rows, -100)
            inputs, targets = batch[:, :-1].clamp(min=0), batch[:, 1:]
            attention = (batch[:, :-1] != -100).long()
        logits = model(input_ids=inputs.to(device), attention_mask=attention.to(device)).logits.float()
        targets = targets.to(device)
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-100,
                                 reduction="sum").item()
        count += int((targets != -100).sum())
    loss = total / max(count, 1)
    return {"heldout_loss": loss, "heldout_ppl": float(np.exp(loss)), "heldout_tokens": count}


def heldout_evaluator(texts: list[str], tokenizer: PreTrainedTokenizerFast, n_ctx: int,
                      batch_size: int = 16) -> Callable[[PreTrainedModel], dict]:
    """`evaluate` for the training loop: tokenise once, score the model on the same texts each time."""
    encoded = encode_documents(texts, tokenizer, n_ctx)
    if not encoded:
        raise ValueError("no held-out text to evaluate on")
    return lambda model: heldout_loss(model, encoded, batch_size)


def classification_metrics(y_true, y_pred, label_names: list[str]) -> tuple[dict, str]:
    """({accuracy, macro_f1}, scikit-learn's classification report) for label indices."""
    labels = list(range(len(label_names)))
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
    }
    report = classification_report(y_true, y_pred, labels=labels, target_names=label_names, digits=3, zero_division=0)
    return metrics, report
