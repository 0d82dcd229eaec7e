"""One arm x seed of the experiment: pretrain (resumable), fine-tune, evaluate. No Kedro, no MLflow.

Each run owns a directory, `<output_dir>/<arm>/seed<k>/`:
    run_key.txt      what the run is (data ids, tokenizer, configs): a different key starts over
    checkpoint/      the last pretraining checkpoint (resume point)
    pretrained/      the finished LM (model.safetensors, config.json, tokenizer.json)
    history.json     per-step pretraining records, written when pretraining finishes
    classifiers/<task>/  each task's fine-tuned classifier (same layout, plus the label map in config.json)
A rerun with the same key loads a finished run instead of training it again, and continues an
interrupted one from its checkpoint, ending with the weights an uninterrupted run would have.
"""

from __future__ import annotations

import json
import logging
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from winnow.scoring.cache import fingerprint
from winnow.training.data import tokenize_stream
from winnow.training.finetune import (FinetuneConfig, classification_metrics, finetune_classifier, predict,
                                      save_classifier)
from winnow.training.heldout import heldout_evaluator
from winnow.training.loop import TrainConfig, train_lm
from winnow.training.model import LMConfig, build_model, save_lm

log = logging.getLogger(__name__)


def pretrain_run(corpus: pd.DataFrame, tokenizer, lm_config: LMConfig, train_config: TrainConfig, run_dir: Path,
                 curve_texts: list[str] | dict[str, list[str]]) -> list[dict]:
    """Pretrain one model on `corpus` (id, text) into `run_dir`; returns its per-step history.

    `curve_texts` (held-out; one list, or lists by domain) are scored every `train_config.eval_every`
    steps: the learning curve that data efficiency is read from.
    """
    run_dir = Path(run_dir)
    # the stream is the documents in their order (blocks cut across them), so the order is part of the run
    key = fingerprint(corpus["id"].tolist(), tokenizer.backend_tokenizer.to_str(), asdict(lm_config),
                      asdict(train_config) | {"progress": None, "device": None, "compile": None}, curve_texts)
    key_file = run_dir / "run_key.txt"
    same_run = key_file.is_file() and key_file.read_text() == key
    if same_run and (run_dir / "history.json").is_file() and (run_dir / "pretrained" / "model.safetensors").is_file():
        log.info("%s: finished earlier with the same data and settings, loaded", run_dir)
        return json.loads((run_dir / "history.json").read_text())
    resume = same_run and (run_dir / "checkpoint" / "state.pt").is_file()
    if not resume:
        shutil.rmtree(run_dir, ignore_errors=True)
        run_dir.mkdir(parents=True)
        key_file.write_text(key)
    log.info("%s: %s on %d documents", run_dir, "resuming pretraining" if resume else "pretraining", len(corpus))
    model = build_model(lm_config, tokenizer)
    tokens = tokenize_stream(corpus["text"], tokenizer)
    evaluate = heldout_evaluator(curve_texts, tokenizer, lm_config.n_ctx, mask_prob=train_config.mask_prob)
    history = train_lm(model, tokens, train_config, run_dir, "resume" if resume else "scratch", evaluate=evaluate)
    save_lm(model.cpu(), tokenizer, run_dir / "pretrained")
    (run_dir / "history.json").write_text(json.dumps(history))
    return history


def classifier_dir(run_dir: Path, task_name: str) -> Path:
    return Path(run_dir) / "classifiers" / task_name


def finetune_run(run_dir: Path, task: pd.DataFrame, config: FinetuneConfig,
                 task_name: str = "task") -> tuple[dict, str, list[dict]]:
    """Fine-tune `run_dir/pretrained` on `task` (text, label, split) into `classifier_dir(run_dir, task_name)`.

    Returns (test and dev metrics, the test classification report, per-evaluation history).
    """
    run_dir = Path(run_dir)
    label_names = sorted(task["label"].astype(str).unique())
    index = {name: i for i, name in enumerate(label_names)}
    splits = {name: (part["text"].tolist(), part["label"].astype(str).map(index).tolist())
              for name, part in task.groupby("split")}
    missing = {"train", "dev", "test"} - set(splits)
    if missing:
        raise ValueError(f"the downstream task {task_name!r} has no {sorted(missing)} split (column `split`)")
    model, tokenizer, history = finetune_classifier(run_dir / "pretrained", splits["train"], splits["dev"], label_names, config)
    save_classifier(model, tokenizer, classifier_dir(run_dir, task_name))
    metrics = {}
    for split in ("dev", "test"):
        texts, labels = splits[split]
        values, report = classification_metrics(labels, predict(model, tokenizer, texts, config.max_length), label_names)
        metrics.update({f"{split}_{k}": v for k, v in values.items()})
    return metrics, report, history
