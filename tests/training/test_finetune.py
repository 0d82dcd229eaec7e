"""Fine-tuning a tiny pretrained GPT-2 and BERT on real movie reviews: heads, freezing, early stopping."""

from dataclasses import replace

import pandas as pd
import pytest
import torch
from sklearn.metrics import accuracy_score, f1_score

from tests.conftest import PROJECT
from tests.training.conftest import TINY
from winnow.training.data import tokenize_stream
from winnow.training.finetune import (FinetuneConfig, classification_metrics, finetune_classifier, load_classifier,
                                      predict, save_classifier)
from winnow.training.loop import TrainConfig, train_lm
from winnow.training.model import build_model, save_lm

pytestmark = pytest.mark.usefixtures("torch_one_thread")
LABELS = ["fresh", "rotten"]


@pytest.fixture(scope="module")
def reviews() -> dict:
    task = pd.read_csv(PROJECT / "data/01_raw/downstream/rotten_tomatoes.csv.gz")
    pick = {"train": 240, "dev": 60, "test": 60}
    return {s: (task[task["split"] == s]["text"].head(n).tolist(),
                task[task["split"] == s]["label"].head(n).map(LABELS.index).tolist()) for s, n in pick.items()}


def pretrained(texts, tokenizer, directory, objective="causal"):
    model = build_model(replace(TINY, objective=objective), tokenizer)
    train_lm(model, tokenize_stream(texts, tokenizer), TrainConfig(token_budget=4096, batch_size=4, progress=False))
    return save_lm(model, tokenizer, directory)


@pytest.mark.parametrize("objective", ["causal", "masked"])
def test_finetuning_trains_the_head_and_only_unfrozen_layers(texts, tokenizer, reviews, tmp_path, objective):
    directory = pretrained(texts[:80], tokenizer, tmp_path / "lm", objective)
    config = FinetuneConfig(epochs=2, batch_size=16, freeze_layers=1, max_length=32)
    model, tok, history = finetune_classifier(directory, reviews["train"], reviews["dev"], LABELS, config)
    reference, _ = load_classifier_from_pretrained(directory)
    frozen = {n for n, p in model.named_parameters() if not p.requires_grad}
    assert frozen and all(("h.0." in n or ".layer.0." in n or "wte" in n or "wpe" in n or "embeddings" in n) for n in frozen)
    for name, param in model.named_parameters():
        same = torch.equal(param, reference[name])
        assert same == (name in frozen), name
    assert [r["epoch"] for r in history] == [1, 2] and {"dev_accuracy", "dev_macro_f1"} <= set(history[0])
    predictions = predict(model, tok, reviews["test"][0], config.max_length)
    save_classifier(model, tok, tmp_path / "clf")
    reloaded, reloaded_tok = load_classifier(tmp_path / "clf")
    assert (predict(reloaded, reloaded_tok, reviews["test"][0], config.max_length) == predictions).all()


def load_classifier_from_pretrained(directory):
    from winnow.training.finetune import load_for_classification

    model, tokenizer = load_for_classification(directory, LABELS)
    return dict(model.named_parameters()), tokenizer


def test_early_stopping_keeps_the_best_dev_weights(texts, tokenizer, reviews, tmp_path):
    directory = pretrained(texts[:80], tokenizer, tmp_path / "lm")
    config = FinetuneConfig(epochs=6, batch_size=32, learning_rate=0.0, warmup_ratio=0.0, patience=2, max_length=32)
    model, tok, history = finetune_classifier(directory, reviews["train"], reviews["dev"], LABELS, config)
    assert len(history) == 3  # no learning, so no dev improvement after the first evaluation: stop after 2 more
    assert len({r["dev_macro_f1"] for r in history}) == 1


def test_classification_metrics_on_a_hand_made_case():
    y_true, y_pred = [0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 0, 2]
    metrics, report = classification_metrics(y_true, y_pred, ["neg", "neu", "pos"])
    # per class F1: neg 1/2, neu 2/3, pos 1 -> macro (1/2 + 2/3 + 1) / 3
    assert metrics["accuracy"] == pytest.approx(4 / 6) == accuracy_score(y_true, y_pred)
    assert metrics["macro_f1"] == pytest.approx((0.5 + 2 / 3 + 1) / 3) == f1_score(y_true, y_pred, average="macro")
    assert "neu" in report and "macro avg" in report


def test_a_class_never_predicted_still_counts_in_macro_f1():
    metrics, _ = classification_metrics([0, 1, 1], [1, 1, 1], ["fresh", "rotten"])
    assert metrics["macro_f1"] == pytest.approx((0 + 0.8) / 2)


def test_the_configured_gradient_clip_is_applied(texts, tokenizer, reviews, tmp_path):
    directory = pretrained(texts[:80], tokenizer, tmp_path / "lm")
    config = FinetuneConfig(epochs=1, batch_size=32, weight_decay=0.0, grad_clip=0.0, max_length=32)
    model, _, _ = finetune_classifier(directory, reviews["train"], reviews["dev"], LABELS, config)
    initial, _ = load_classifier_from_pretrained(directory)  # same seed: the same fresh head
    assert all(torch.equal(p, initial[n]) for n, p in model.named_parameters())  # clipped to 0: nothing moves
