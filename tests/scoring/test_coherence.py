"""The coherence model, fitted on real reference passages, ranks held-out originals above their damaged copies."""

import random

import numpy as np
import pandas as pd
import pytest

from tests.conftest import PROJECT
from winnow.quality.degrade import FAMILIES, Resources, degrade, read_lines, read_thesaurus
from winnow.scoring.coherence import FEATURES, CoherenceModel


@pytest.fixture(scope="module")
def reference():
    return pd.read_json(PROJECT / "data/01_raw/reference/reference.jsonl.gz", lines=True)


@pytest.fixture(scope="module")
def fitted(reference):
    train = reference.groupby("source").head(120)  # every genre, ~1,100 passages: a few seconds
    resources = Resources(synonyms=read_thesaurus(PROJECT / "data/01_raw/reference/thesaurus_wordnet.tsv.gz"),
                          boilerplate=read_lines(PROJECT / "data/01_raw/reference/boilerplate_train.txt"))
    model = CoherenceModel(n_buckets=2**18, copies=2, seed=0)
    return model, model.fit(train["text"].tolist(), resources, groups=train["url"].tolist())


def test_fit_reports_held_out_pair_accuracy_per_family(fitted):
    _, metrics = fitted
    assert metrics["heldout_pair_accuracy"] > 0.85
    assert {f"heldout_pair_accuracy.{f}" for f in FAMILIES} <= set(metrics)
    assert metrics["heldout_pair_accuracy.word_shuffle"] > 0.9


def test_unseen_passages_score_above_their_damaged_copies(fitted, reference):
    """Passages the model never saw (the tail of each source), damaged with a resource it never saw:
    a chain over those passages themselves."""
    model, _ = fitted
    unseen = reference.groupby("source").tail(15)["text"].tolist()
    resources = Resources(chain_texts=unseen, synonyms={}, boilerplate=["Share this page"])
    rng = random.Random(5)
    for family in ("ngram_chain", "word_shuffle", "char_noise", "boilerplate"):
        damaged = [degrade(t, family, rng, resources) for t in unseen]
        original_p = model.score_texts(unseen)["coherence_prob"].to_numpy()
        damaged_p = model.score_texts(damaged)["coherence_prob"].to_numpy()
        assert np.mean(original_p > damaged_p) > 0.8, family


def test_features_are_defined_for_short_empty_and_one_line_texts(fitted):
    model, _ = fitted
    features = model.features(["", "ok", "One sentence only.", "a\nb\nc"])
    assert list(features.columns) == list(FEATURES) and len(features) == 4
    scores = model.score_texts(["", "One sentence only."])
    assert scores["coherence_prob"].between(0, 1).all()


def test_too_few_groups_to_split_is_a_clear_error(reference):
    model = CoherenceModel(n_buckets=2**16)
    with pytest.raises(ValueError, match="too few to split"):
        model.fit(reference["text"].head(3).tolist(), Resources(), groups=["a", "a", "a"])


def test_reference_order_signals():
    from winnow.scoring.coherence import _article_order, _quote_violations

    told = ["A man bought a lamp.", "The lamp was broken.", "The man took it back."]
    assert _article_order(told) == 1.0
    assert _article_order(told[::-1]) == 0.0
    assert np.isnan(_article_order(["No articles here."]))
    quoted = 'He said "the lamp is broken. It was so when I bought it." She laughed.'
    assert _quote_violations(quoted) == 0.0
    shuffled = 'It was so when I bought it." She laughed. He said "the lamp is broken.'
    assert _quote_violations(shuffled) == 0.5  # the first mark closes a quote never opened


def test_sentences_of_a_paragraph_belong_together_until_shuffled(reference):
    """Real passages of several paragraphs: sentences within a paragraph share more words than
    sentences across paragraphs; a shuffle into the same layout takes that away."""
    from winnow.scoring.coherence import _content_words, _paragraph_gain, _sentences

    def gain(text):
        sentences, paragraph = _sentences(text)
        words = [_content_words(s) for s in sentences]
        shared = np.array([[len(a & b) / (min(len(a), len(b)) or 1) for b in words] for a in words])
        return _paragraph_gain(shared, paragraph)

    passages = [t for t in reference["text"].head(400) if t.count("\n\n") >= 2][:100]
    rng = random.Random(3)
    original = np.array([gain(t) for t in passages])
    shuffled = np.array([gain(degrade(t, "sentence_shuffle", rng, Resources())) for t in passages])
    defined = ~np.isnan(original) & ~np.isnan(shuffled)
    assert defined.sum() > 50
    assert original[defined].mean() > 0.05 > abs(shuffled[defined].mean())
    assert np.isnan(gain("One paragraph. Only one. Three sentences."))


def test_a_headline_is_not_spliced_boilerplate(fitted):
    """Real BBC articles (the sample's; title, blank line, body): the headline does not count as a
    template line, while template lines spliced into the same articles still do."""
    model, _ = fitted
    articles = pd.read_json(PROJECT / "data/01_raw/sample/bbc_news.jsonl.gz", lines=True)["text"].head(60).tolist()
    bodies = [a.split("\n\n", 1)[1] for a in articles]
    assert all(a.split("\n", 1)[0] and "\n\n" in a for a in articles)
    lines = ["short_lines_rate", "unterminated_lines_rate"]
    with_title, without = model.features(articles)[lines], model.features(bodies)[lines]
    assert (with_title == without).all(axis=1).mean() > 0.9  # the rest: a body opening with a short line of its own
    assert (with_title["short_lines_rate"] == 0).mean() > 0.9
    spliced = [degrade(a, "boilerplate", random.Random(i), Resources(boilerplate=["Share this page", "Home | News"]))
               for i, a in enumerate(articles)]
    assert (model.features(spliced)["short_lines_rate"] > model.features(articles)["short_lines_rate"]).mean() > 0.9
    titled, plain = (model.score_texts(t)["coherence_prob"].to_numpy() for t in (articles, bodies))
    assert abs(np.median(titled) - np.median(plain)) < 0.1
