"""Held-out loss checked against a per-document loop, and the masked LM's mask share taken from the config."""

from dataclasses import replace

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from tests.training.conftest import TINY
from winnow.training.heldout import covered_bytes, document_nll, encode_documents, heldout_evaluator, heldout_loss
from winnow.training.model import build_model

pytestmark = pytest.mark.usefixtures("torch_one_thread")


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


def test_document_nll_is_the_same_alone_and_padded_in_a_batch(texts, tokenizer):
    model = build_model(TINY, tokenizer).eval()
    rows = [[tokenizer.eos_token_id, *ids] for ids in tokenizer(["Hi.", texts[0][:200], texts[1]])["input_ids"]]
    rows = [r[:65] for r in rows]
    sums, counts = document_nll(model, rows)
    assert counts.tolist() == [len(r) - 1 for r in rows] and counts[0] < counts[2]  # the first row is padded
    for row, total in zip(rows, sums):
        alone, _ = document_nll(model, [row])
        assert alone.item() == pytest.approx(total.item(), rel=1e-5)


def test_masked_heldout_loss_predicts_the_configured_share_of_tokens(texts, tokenizer):
    model = build_model(replace(TINY, objective="masked"), tokenizer).eval()
    counted = {p: heldout_evaluator(texts[:20], tokenizer, 64, mask_prob=p)(model)["heldout_tokens"]
               for p in (0.15, 0.5)}
    tokens = sum(len(r) - 1 for r in encode_documents(texts[:20], tokenizer, 64))
    assert counted[0.15] == pytest.approx(0.15 * tokens, rel=0.2)
    assert counted[0.5] == pytest.approx(0.5 * tokens, rel=0.1)


def test_bits_per_byte_divide_the_loss_by_the_bytes_the_predicted_tokens_cover(texts, tokenizer):
    docs = [texts[0], "Café, naïve — déjà vu.", texts[1]]
    rows = encode_documents(docs, tokenizer, 16)
    decoded = sum(len(tokenizer.decode(r[1:]).encode("utf-8")) for r in rows)  # byte-level BPE decodes exactly
    assert covered_bytes(docs, tokenizer, 16) == decoded
    assert covered_bytes(docs, tokenizer, 10_000) == sum(len(d.encode("utf-8")) for d in docs)
    model = build_model(TINY, tokenizer).eval()
    result = heldout_evaluator(docs, tokenizer, 16)(model)
    assert result["heldout_bpb"] == pytest.approx(result["heldout_loss"] * result["heldout_tokens"] / np.log(2) / decoded)


def test_domains_are_scored_apart_and_averaged_with_equal_weight(texts, tokenizer):
    model = build_model(TINY, tokenizer).eval()
    domains = {"short": texts[:3], "long": texts[3:20]}
    result = heldout_evaluator(domains, tokenizer, 32)(model)
    alone = {name: heldout_evaluator(t, tokenizer, 32)(model) for name, t in domains.items()}
    for name in domains:
        assert result[f"heldout_bpb.{name}"] == pytest.approx(alone[name]["heldout_bpb"])
    assert result["heldout_bpb"] == pytest.approx((alone["short"]["heldout_bpb"] + alone["long"]["heldout_bpb"]) / 2)
    assert result["heldout_ppl"] == pytest.approx(np.exp(result["heldout_loss"]))
    with pytest.raises(ValueError, match="in domain 'empty'"):
        heldout_evaluator({"empty": [""]}, tokenizer, 32)
