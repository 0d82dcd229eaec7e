"""Fine-tune a pretrained LM with a classification head: the downstream half of the experiment.

The pretrained directory (save_lm) is loaded with transformers' sequence-classification class for
its architecture (GPT-2 reads the last real token, BERT the first), a fresh head on top. Every
input starts with EOT, the token each pretraining document started with. AdamW, linear warmup and
decay, early stopping on the dev metric (the best dev weights are restored), and optionally the
embeddings plus the first `freeze_layers` blocks frozen.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, classification_report, f1_score
from transformers import (AutoModelForSequenceClassification, PreTrainedModel, PreTrainedTokenizerFast,
                          get_linear_schedule_with_warmup)

from winnow.training.data import eot_prefixed, pad_rows
from winnow.training.device import resolve_device
from winnow.training.tokenizer import load_tokenizer, save_tokenizer


@dataclass
class FinetuneConfig:
    epochs: int = 3
    batch_size: int = 32
    learning_rate: float = 1e-3  # tiny models pretrained briefly want far more than BERT's 2e-5
    warmup_ratio: float = 0.1
    weight_decay: float = 0.01
    grad_clip: float = 1.0  # global gradient-norm clip, as in pretraining
    max_length: int = 64  # tokens per example, EOT included (reviews: median ~25 tokens)
    freeze_layers: int = 0  # 0 = train everything; N = embeddings and the first N blocks frozen
    eval_every: int = 0  # steps between dev evaluations; 0 = once per epoch
    patience: int = 2  # dev evaluations without improvement before stopping
    metric: str = "macro_f1"  # dev metric for early stopping: macro_f1 | accuracy
    seed: int = 0
    device: str = "auto"


def _batch(rows: list[list[int]], pad: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    """(token ids, attention mask) of right-padded rows."""
    ids = pad_rows(rows, pad)
    lengths = torch.tensor([len(r) for r in rows])
    mask = (torch.arange(ids.size(1)) < lengths[:, None]).long()
    return ids.to(device), mask.to(device)


def freeze_bottom(model: PreTrainedModel, layers: int) -> None:
    """Freeze the embeddings and the first `layers` transformer blocks."""
    if layers <= 0:
        return
    base = model.base_model
    blocks = base.h if hasattr(base, "h") else base.encoder.layer
    if layers > len(blocks):
        raise ValueError(f"freeze_layers={layers} but the model has {len(blocks)} layers")
    embeddings = [base.wte, base.wpe] if hasattr(base, "wte") else [base.embeddings]
    for module in [*embeddings, *blocks[:layers]]:
        module.requires_grad_(False)


def load_for_classification(pretrained_dir: str | Path, label_names: list[str]) -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    tokenizer = load_tokenizer(pretrained_dir)
    model = AutoModelForSequenceClassification.from_pretrained(
        pretrained_dir, num_labels=len(label_names), id2label=dict(enumerate(label_names)),
        label2id={name: i for i, name in enumerate(label_names)}, pad_token_id=tokenizer.pad_token_id,
        attn_implementation="sdpa")
    return model, tokenizer


@torch.no_grad()
def predict(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, texts: list[str], max_length: int = 64,
            batch_size: int = 64) -> np.ndarray:
    """Label index per text."""
    model.eval()
    device = next(model.parameters()).device
    rows = eot_prefixed(texts, tokenizer, max_length)
    out = []
    for start in range(0, len(rows), batch_size):
        ids, mask = _batch(rows[start : start + batch_size], tokenizer.pad_token_id, device)
        out.append(model(input_ids=ids, attention_mask=mask).logits.argmax(-1).cpu())
    return torch.cat(out).numpy() if out else np.zeros(0, dtype=np.int64)


def finetune_classifier(pretrained_dir: str | Path, train: tuple[list[str], list[int]], dev: tuple[list[str], list[int]],
                        label_names: list[str], config: FinetuneConfig | None = None) -> tuple[PreTrainedModel, PreTrainedTokenizerFast, list[dict]]:
    """(fine-tuned model with the best dev weights, tokenizer, one record per dev evaluation)."""
    config = config or FinetuneConfig()
    if config.metric not in ("macro_f1", "accuracy"):
        raise ValueError(f"metric must be macro_f1 or accuracy, got {config.metric!r}")
    device = resolve_device(config.device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(config.seed)  # the new head's initial weights
        model, tokenizer = load_for_classification(pretrained_dir, label_names)
    freeze_bottom(model, config.freeze_layers)
    model.to(device)
    rows, labels = eot_prefixed(train[0], tokenizer, config.max_length), torch.tensor(train[1], dtype=torch.long)
    steps_per_epoch = math.ceil(len(rows) / config.batch_size)
    total_steps = steps_per_epoch * config.epochs
    eval_every = config.eval_every or steps_per_epoch
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=config.learning_rate, weight_decay=config.weight_decay)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(config.warmup_ratio * total_steps), total_steps)
    generator = torch.Generator().manual_seed(config.seed)
    history, best, best_state, stale, step = [], -math.inf, None, 0, 0
    for epoch in range(config.epochs):
        order = torch.randperm(len(rows), generator=generator)
        for start in range(0, len(rows), config.batch_size):
            model.train()
            index = order[start : start + config.batch_size]
            ids, mask = _batch([rows[i] for i in index], tokenizer.pad_token_id, device)
            loss = F.cross_entropy(model(input_ids=ids, attention_mask=mask).logits.float(), labels[index].to(device))
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, config.grad_clip)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad(set_to_none=True)
            step += 1
            if step % eval_every and step != total_steps:
                continue
            dev_metrics, _ = classification_metrics(dev[1], predict(model, tokenizer, dev[0], config.max_length), label_names)
            history.append({"step": step, "epoch": epoch + 1, "train_loss": loss.item(),
                            **{f"dev_{k}": v for k, v in dev_metrics.items()}})
            if dev_metrics[config.metric] > best:
                best, best_state, stale = dev_metrics[config.metric], copy.deepcopy(model.state_dict()), 0
            else:
                stale += 1
            if stale >= config.patience:
                break
        if stale >= config.patience:
            break
    model.load_state_dict(best_state)
    model.eval()
    return model, tokenizer, history


def classification_metrics(y_true, y_pred, label_names: list[str]) -> tuple[dict, str]:
    """({accuracy, macro_f1}, scikit-learn's classification report) for label indices."""
    labels = list(range(len(label_names)))
    metrics = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
    }
    report = classification_report(y_true, y_pred, labels=labels, target_names=label_names, digits=3, zero_division=0)
    return metrics, report


def save_classifier(model: PreTrainedModel, tokenizer: PreTrainedTokenizerFast, directory: str | Path) -> Path:
    directory = Path(directory)
    model.save_pretrained(directory, safe_serialization=True)
    save_tokenizer(tokenizer, directory)
    return directory


def load_classifier(directory: str | Path, device: str = "cpu") -> tuple[PreTrainedModel, PreTrainedTokenizerFast]:
    model = AutoModelForSequenceClassification.from_pretrained(directory, attn_implementation="sdpa")
    return model.to(device).eval(), load_tokenizer(directory)
