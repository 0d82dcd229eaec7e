"""Evaluation numbers checked against scikit-learn, hand arithmetic and a per-document loop."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.metrics import accuracy_score, f1_score

from tests.training.conftest import TINY
from winnow.training.evaluate import classification_metrics, encode_documents, heldout_loss
from winnow.training.model import build_model

pytestmark = pytest.mark.usefixtures("torch_one_thread")


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


def test_heldout_loss_matches_a_document_by_document_computation(texts, tokenizer):
    model = build_model(TINY, tokenizer).eval()
    encoded = encode_documents(texts[:7], tokenizer, 64)
    total, count = 0.0, 0
    with torch.no_grad():
        for ids in encoded:  # no padding, one document at a time
            logits = model(input_ids=torch.tensor([ids[:-1]])).logits[0]
            total += F.cross_entropy(logits, torch.tensor(ids[1:]), reduction="sum").item()
            count += len(ids) - 1
    result = heldout_loss(model, encoded, batch_size=3)  # batches of unequal lengths, padded
    assert result["heldout_tokens"] == count
    assert result["heldout_loss"] == pytest.approx(total / count, rel=1e-5)
    assert result["heldout_ppl"] == pytest.approx(np.exp(total / count), rel=1e-5)
