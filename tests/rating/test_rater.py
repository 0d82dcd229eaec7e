"""The rater fitted on the shipped (simulated) ratings, applied to real sample documents it never saw."""

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from tests.rating.conftest import sample_texts
from winnow.ingest.text import normalise_text
from winnow.rating import DocumentFeatures, PreferenceRater, evaluate_rater, fit_pointwise, fit_preference_rater
from winnow.scoring.base import Scorer
from winnow.scoring.batch import score_in_chunks


@pytest.fixture(scope="module")
def rater(rated_documents, shipped_ratings) -> PreferenceRater:
    pairs, _, points, _ = shipped_ratings
    return fit_preference_rater(rated_documents, pairs, points)


def unrated(file: str, rated_documents, n: int = 150) -> pd.DataFrame:
    """The first `n` documents of a sample file that no shipped rating names (ids are not needed)."""
    texts = [normalise_text(t) for t in sample_texts(file)[: n * 2] if isinstance(t, str)]
    rated = set(rated_documents["text"])
    texts = [t for t in texts if t and t not in rated][:n]
    return pd.DataFrame({"id": [f"{file}:{i}" for i in range(len(texts))], "text": texts})


def test_clean_prose_scores_above_spam_and_keyword_lists(rater, rated_documents):
    news = rater.score(unrated("bbc_news.jsonl.gz", rated_documents))["rater_score"]
    for junk_file in ("sms_spam.jsonl.gz", "seo_keywords.jsonl.gz", "nav_boilerplate.jsonl.gz"):
        junk = rater.score(unrated(junk_file, rated_documents))["rater_score"]
        labels = np.r_[np.ones(len(news)), np.zeros(len(junk))]
        assert roc_auc_score(labels, np.r_[news, junk]) > 0.9, junk_file
        assert news.median() > junk.quantile(0.9), junk_file


def test_a_news_article_beats_a_spam_message(rater):
    article = ("Profits rise at media group\n\nThe company said on Tuesday that profits for the year rose by 12%, "
               "helped by strong advertising sales and a recovery in its magazine business. Analysts had expected "
               "a smaller increase, and the shares closed higher in London.")
    spam = ("WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! "
            "Call 09061701461 now")
    scores = rater.score_texts([article, spam])
    assert scores["rater_score"].iloc[0] > scores["rater_score"].iloc[1]
    assert scores["rater_bt"].iloc[0] > scores["rater_bt"].iloc[1]
    assert scores["rater_pointwise"].iloc[0] > scores["rater_pointwise"].iloc[1]
    assert scores["rater_score"].between(0, 1).all()


def test_heldout_agreement_is_reported_and_above_chance(rated_documents, shipped_ratings):
    pairs, quarantine, points, _ = shipped_ratings
    metrics = evaluate_rater(rated_documents, pairs, points, quarantine, test_fraction=0.2, seed=0)
    assert all(isinstance(v, float) for v in metrics.values())
    assert metrics["n_heldout_decisive"] > 200
    for model in ("bt", "pointwise", "combined"):
        assert metrics[f"heldout_agreement_{model}"] > 0.7, model  # chance is 0.5
    # the simulated raters' reliabilities are 0.92 > 0.85 > 0.75 > 0.65: the numbers must see it
    assert metrics["rater/r1/model_agreement"] > metrics["rater/r4/model_agreement"]
    assert metrics["rater/r1/majority_agreement"] > metrics["rater/r4/majority_agreement"]
    assert metrics["rater/r1/majority_kappa"] > metrics["rater/r4/majority_kappa"] > 0  # better than chance
    assert metrics["inter_rater_kappa"] < metrics["inter_rater_agreement"]  # chance takes its share
    assert metrics["rater/r1/self_consistency"] > metrics["rater/r4/self_consistency"]
    assert metrics["n_repeated"] >= 120


def test_rater_is_a_picklable_scorer_whose_scores_do_not_depend_on_the_batch(rater, rated_documents):
    docs = rated_documents.iloc[:60]
    assert isinstance(rater, Scorer) and rater.name == "rater"
    whole = rater.score(docs)
    chunked = score_in_chunks(pickle.loads(pickle.dumps(rater)), docs, chunk_rows=7)
    pd.testing.assert_frame_equal(whole, chunked)
    assert list(whole.columns) == ["id", "rater_bt", "rater_pointwise", "rater_score"]
    assert rater.score_texts([]).empty


def test_version_changes_when_the_ratings_change(rated_documents, shipped_ratings, rater):
    pairs, _, _, _ = shipped_ratings
    small, smaller = (fit_preference_rater(rated_documents, pairs.iloc[:n]) for n in (300, 299))
    assert rater.version.startswith("1-") and small.version.startswith("1-")
    assert len({rater.version, small.version, smaller.version}) == 3
    assert small.version == fit_preference_rater(rated_documents, pairs.iloc[:300]).version
    assert np.isnan(small.score_texts(["some text"])["rater_pointwise"]).all()  # no pointwise ratings, no model


def test_numeric_signals_are_used_when_configured(rated_documents, shipped_ratings):
    pairs, _, _, _ = shipped_ratings
    signals = pd.DataFrame({"id": rated_documents["id"], "n_chars": rated_documents["text"].str.len()})
    rater = fit_preference_rater(rated_documents, pairs.iloc[:400], signals=signals, signal_columns=["n_chars"])
    docs = rated_documents.iloc[:5]
    with pytest.raises(KeyError, match=r"fitted with signal columns \['n_chars'\]; documents lack \['n_chars'\]"):
        rater.score(docs)
    with pytest.raises(ValueError, match=r"uses signal columns \['n_chars'\]; pass `signals`"):
        rater.score_texts(docs["text"])
    with_signals = rater.score(docs.assign(n_chars=docs["text"].str.len()))
    assert with_signals["rater_score"].between(0, 1).all()
    with pytest.raises(KeyError, match="n_chars"):
        rater.score_texts(docs["text"], signals=pd.DataFrame({"other": range(5)}))


def test_pointwise_regression_recovers_scores_of_unseen_documents():
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(300, 10))
    score = np.clip(3 + dense @ rng.normal(0, 0.4, 10), 1, 5)
    features = DocumentFeatures([f"d{i}" for i in range(300)], sp.csr_matrix(dense))
    points = pd.DataFrame({"id": [f"d{i}" for i in range(200)], "rater": "r", "score": score[:200]})
    predicted = fit_pointwise(features, points, alpha=1.0).predict(features.matrix[200:])
    assert np.corrcoef(predicted, score[200:])[0, 1] > 0.9


def test_leave_one_source_out_refits_without_each_source_and_reports_its_agreement(rated_documents, shipped_ratings):
    """The shipped ratings (simulated from sources): every source with enough decisive judgments is
    held out in turn; a rater that only recognised sources would sit near chance on the held-out one."""
    from winnow.rating.agreement import leave_one_source_out

    pairs = shipped_ratings[0]
    metrics = leave_one_source_out(rated_documents, pairs, n_features=2**16)
    sources = {k.removeprefix("loso_agreement.") for k in metrics if k.startswith("loso_agreement.")}
    assert len(sources) >= 5 and {"bbc_news", "sms_spam"} <= sources
    assert all(metrics[f"loso_n.{s}"] >= 10 for s in sources)
    assert 0.5 < metrics["loso_agreement_mean"] <= 1.0
    assert metrics["loso_agreement.sms_spam"] > 0.6  # spam loses to prose it never saw paired with spam
