"""Fine-tuning a tiny pretrained GPT-2 and BERT on real movie reviews: heads, freezing, early stopping."""

import pandas as pd
import pytest
import torch

from tests.conftest import PROJECT
from tests.training.conftest import TINY
from winnow.training.finetune import FinetuneConfig, finetune_classifier, load_classifier, predict, save_classifier
from winnow.training.loop import TrainConfig, tokenize_stream, train_causal_lm
from winnow.training.model import LMConfig, build_model, save_lm

pytestmark = pytest.mark.usefixtures("torch_one_thread")
LABELS = ["fresh", "rotten"]


@pytest.fixture(scope="module")
def reviews() -> dict:
    task = pd.read_csv(PROJECT / "data/01_raw/downstream/rotten_tomatoes.csv.gz")
    pick = {"train": 240, "dev": 60, "test": 60}
    return {s: (task[task["split"] == s]["text"].head(n).tolist(),
                task[task["split"] == s]["label"].head(n).map(LABELS.index).tolist()) for s, n in pick.items()}


def pretrained(texts, tokenizer, directory, objective="causal"):
    model = build_model(LMConfig(**{**TINY.__dict__, "objective": objective}), tokenizer)
    train_causal_lm(model, tokenize_stream(texts, tokenizer), TrainConfig(token_budget=4096, batch_size=4, progress=False))
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
