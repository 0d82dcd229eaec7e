"""Bradley–Terry recovers known qualities from noisy comparisons; ties and column order behave."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import kendalltau, spearmanr

from winnow.rating import DocumentFeatures, fit_bradley_terry, fit_pointwise


def simulate(n_docs=40, n_pairs=2000, n_dims=None, seed=0, tie_band=0.0):
    """Documents with known latent quality and comparisons drawn from the Bradley–Terry model.

    n_dims=None: one indicator feature per document (classic BT over items); otherwise Gaussian
    features with quality = features · w. |quality gap| < tie_band is reported as a tie.
    """
    rng = np.random.default_rng(seed)
    ids = [f"doc{i:03d}" for i in range(n_docs)]
    if n_dims is None:
        matrix, quality = sp.identity(n_docs, format="csr"), rng.normal(0, 1.5, n_docs)
    else:
        dense = rng.normal(size=(n_docs, n_dims))
        matrix, quality = sp.csr_matrix(dense), dense @ rng.normal(size=n_dims)
    a, b = rng.integers(0, n_docs, size=(2, n_pairs))
    a, b = a[a != b], b[a != b]
    gap = quality[a] - quality[b]
    preferred = np.where(rng.random(len(a)) < 1 / (1 + np.exp(-gap)), "a", "b").astype(object)
    preferred[np.abs(gap) < tie_band] = "tie"
    pairs = pd.DataFrame({"a_id": np.array(ids)[a], "b_id": np.array(ids)[b], "preferred": preferred, "rater": "sim"})
    return DocumentFeatures(ids, matrix), pairs, quality


def utilities(model, features):
    return model.decision_function(features.matrix)


def test_recovers_known_ranking_of_items_from_noisy_comparisons():
    features, pairs, quality = simulate()
    recovered = utilities(fit_bradley_terry(features, pairs, C=10.0), features)
    assert kendalltau(recovered, quality).statistic > 0.8
    assert spearmanr(recovered, quality).statistic > 0.95


def test_recovers_quality_that_is_a_function_of_features_for_unseen_documents():
    features, pairs, quality = simulate(n_docs=400, n_pairs=6000, n_dims=20, seed=1)
    train_docs = set(features.ids[:300])
    train = pairs[pairs["a_id"].isin(train_docs) & pairs["b_id"].isin(train_docs)]
    recovered = utilities(fit_bradley_terry(features, train, C=10.0), features)
    assert kendalltau(recovered[300:], quality[300:]).statistic > 0.8  # 100 documents never compared


def test_listing_order_of_a_pair_does_not_change_the_fit():
    features, pairs, _ = simulate(n_pairs=300, seed=2, tie_band=0.3)
    swapped = pairs.assign(a_id=pairs["b_id"], b_id=pairs["a_id"],
                           preferred=pairs["preferred"].map({"a": "b", "b": "a", "tie": "tie"}))
    original = utilities(fit_bradley_terry(features, pairs), features)
    np.testing.assert_allclose(utilities(fit_bradley_terry(features, swapped), features), original, atol=1e-6)


def test_ties_pull_two_documents_together():
    features, pairs, _ = simulate(n_docs=10, n_pairs=0)
    decisive = pd.DataFrame({"a_id": ["doc000"] * 20 + ["doc001"] * 20, "b_id": ["doc002"] * 20 + ["doc003"] * 20,
                             "preferred": ["a"] * 20 + ["b"] * 20, "rater": "sim"})
    ties = pd.DataFrame({"a_id": ["doc000"] * 20, "b_id": ["doc001"] * 20, "preferred": "tie", "rater": "sim"})
    gap = lambda p: np.subtract(*utilities(fit_bradley_terry(features, p), features)[:2])  # noqa: E731
    assert gap(decisive) > 1.0
    assert 0 < gap(pd.concat([decisive, ties])) < gap(decisive) / 2


def test_bradley_terry_refuses_data_without_a_decision():
    features, _, _ = simulate(n_docs=3, n_pairs=0)
    with pytest.raises(ValueError, match="no pairwise judgments"):
        fit_bradley_terry(features, pd.DataFrame(columns=["a_id", "b_id", "preferred", "rater"]))
    ties = pd.DataFrame({"a_id": ["doc000"], "b_id": ["doc001"], "preferred": ["tie"], "rater": ["r"]})
    with pytest.raises(ValueError, match="every judgment is a tie"):
        fit_bradley_terry(features, ties)
    with pytest.raises(KeyError, match="no features for document id"):
        fit_bradley_terry(features, ties.assign(b_id="nope", preferred="a"))


def test_pointwise_regression_recovers_scores_of_unseen_documents():
    rng = np.random.default_rng(3)
    dense = rng.normal(size=(300, 10))
    score = np.clip(3 + dense @ rng.normal(0, 0.4, 10), 1, 5)
    features = DocumentFeatures([f"d{i}" for i in range(300)], sp.csr_matrix(dense))
    points = pd.DataFrame({"id": [f"d{i}" for i in range(200)], "rater": "r", "score": score[:200]})
    predicted = fit_pointwise(features, points, alpha=1.0).predict(features.matrix[200:])
    assert np.corrcoef(predicted, score[200:])[0, 1] > 0.9
