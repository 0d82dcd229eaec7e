"""Pairwise preferences: keys and orientation, ties, self-consistency, agreement between raters
(raw and Cohen's kappa), and Bradley–Terry recovering known qualities from noisy comparisons."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.stats import kendalltau, spearmanr

from winnow.rating import DocumentFeatures, fit_bradley_terry, read_pairwise_ratings
from winnow.rating.preferences import (keyed, orient, pair_key, rater_vs_majority, repeats, self_consistency,
                                       utility_agreement)
from winnow.rating.ratings import repeats_in_quarantine


def judgments(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rater", "a_id", "b_id", "preferred"])


def test_a_pair_has_one_key_and_a_judgment_reads_the_same_either_way_round():
    assert pair_key("y", "x") == pair_key("x", "y") == "x y"
    assert (orient("x", "y", "a"), orient("y", "x", "a"), orient("y", "x", "b")) == ("a", "b", "a")
    assert orient("y", "x", "tie") == orient("x", "y", "tie") == "tie"
    shown = keyed(judgments([("r", "x", "y", "a"), ("r", "y", "x", "b"), ("r", "y", "x", "tie")]))
    assert shown["key"].tolist() == ["x y"] * 3 and shown["outcome"].tolist() == ["a", "a", "tie"]


def test_self_consistency_is_one_definition_for_judgments_and_for_the_readers_quarantine(tmp_path):
    rows = [("r1", "x", "y", "a"), ("r1", "y", "x", "b"),      # repeated, sides swapped: alike
            ("r1", "u", "v", "tie"), ("r1", "v", "u", "tie"),  # a tie twice: alike
            ("r1", "p", "q", "a"), ("r1", "q", "p", "tie"),    # a win, then a tie: not alike
            ("r1", "s", "t", "a"), ("r2", "x", "y", "b")]      # judged once: not a repeat
    from_judgments = self_consistency(repeats(judgments(rows)))
    assert from_judgments == {"rater/r1/self_consistency": 2 / 3, "rater/r1/n_repeated": 3,
                              "self_consistency": 2 / 3, "n_repeated": 3}
    path = tmp_path / "ratings.csv"
    path.write_text("a_id,b_id,preferred,rater\n" + "".join(f"{a},{b},{p},{r}\n" for r, a, b, p in rows))
    _, quarantine = read_pairwise_ratings(path, "xyuvpqst")
    assert self_consistency(repeats_in_quarantine(quarantine)) == from_judgments


def two_raters() -> pd.DataFrame:
    """r1 and r2 on ten shared pairs, in key order: both a 4x, both b 2x, r1 a / r2 b 3x, r1 b / r2 a
    once. r2 saw pairs 5-9 the other way round. Pair 10: r1 tied; pair 11: only r1 judged it."""
    r1 = ["a"] * 4 + ["b"] * 2 + ["a"] * 3 + ["b"] + ["tie", "a"]
    r2 = ["a"] * 4 + ["b"] * 2 + ["b"] * 3 + ["a"] + ["a"]
    rows = [("r1", f"d{2 * k:02d}", f"d{2 * k + 1:02d}", p) for k, p in enumerate(r1)]
    for k, p in enumerate(r2):
        a, b = f"d{2 * k:02d}", f"d{2 * k + 1:02d}"
        rows.append(("r2", b, a, orient(b, a, p)) if k >= 5 else ("r2", a, b, p))
    return judgments(rows)


def test_agreement_between_raters_raw_and_chance_corrected_against_hand_computed_kappa():
    metrics = rater_vs_majority(two_raters())
    # each rater against the other: p_o = 6/10; p_e = 0.7 * 0.5 + 0.3 * 0.5 = 0.5; kappa = 0.1 / 0.5
    for rater in ("r1", "r2"):
        assert metrics[f"rater/{rater}/majority_agreement"] == pytest.approx(0.6)
        assert metrics[f"rater/{rater}/majority_kappa"] == pytest.approx(0.2)
        assert metrics[f"rater/{rater}/n_majority"] == 10  # the tied pair and r1's own pair left out
    # pooled, 20 comparisons, both sides 60 % a: p_e = 0.6² + 0.4² = 0.52; kappa = 0.08 / 0.48
    assert metrics["inter_rater_agreement"] == pytest.approx(0.6)
    assert metrics["inter_rater_kappa"] == pytest.approx(1 / 6)
    assert metrics["n_inter_rater"] == 20


def test_a_tie_is_no_vote_in_agreement_and_agreement_is_undefined_without_shared_decisions():
    only_ties = rater_vs_majority(judgments([("r1", "x", "y", "tie"), ("r2", "y", "x", "a"), ("r3", "x", "y", "tie")]))
    assert only_ties["n_inter_rater"] == 0 and np.isnan(only_ties["inter_rater_kappa"])
    assert np.isnan(only_ties["inter_rater_agreement"])
    unanimous = rater_vs_majority(judgments([("r1", "x", "y", "a"), ("r2", "y", "x", "b")]))
    assert unanimous["inter_rater_agreement"] == 1.0 and np.isnan(unanimous["inter_rater_kappa"])  # no chance to beat


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


def test_a_tie_counts_exactly_half_a_win_each_way():
    features, _, _ = simulate(n_docs=4, n_pairs=0)
    base = [("doc000", "doc002", "a")] * 6 + [("doc001", "doc003", "b")] * 6
    extra = {"two ties": [("doc000", "doc001", "tie")] * 2,
             "a win each way": [("doc000", "doc001", "a"), ("doc001", "doc000", "a")]}
    fitted = {}
    for name, rows in extra.items():
        pairs = pd.DataFrame(base + rows, columns=["a_id", "b_id", "preferred"]).assign(rater="r")
        fitted[name] = utilities(fit_bradley_terry(features, pairs), features)
    np.testing.assert_allclose(fitted["two ties"], fitted["a win each way"], atol=1e-8)


def test_a_model_is_scored_on_decisive_judgments_only_and_a_level_utility_is_a_coin_toss():
    preferred = np.array(["a", "b", "tie", "a"])
    share, n = utility_agreement(np.array([2.0, 0.0, 5.0, 1.0]), np.array([1.0, 1.0, 0.0, 1.0]), preferred)
    assert (share, n) == (2.5 / 3, 3)  # right, right, (tie left out), level: half
    assert utility_agreement(np.zeros(1), np.ones(1), np.array(["tie"]))[1] == 0
