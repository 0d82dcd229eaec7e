"""Temperature sampling, per-source quotas, hard filters and score combination."""

import numpy as np
import pandas as pd
import pytest

from winnow.selection.combine import combine_weighted, learn_weights, rank_normal
from winnow.selection.select import decide, temperature_order

BASE = {"languages": [], "min_lang_score": 0.0, "drop_near_duplicates": False, "mode": "temperature",
        "top_fraction": 0.5, "temperature": 1.0, "seed": 7, "token_budget": 100, "min_score": 0.0,
        "hard_filters": {}, "quotas": {}, "redact_pii": False}


def corpus(n: int, sources=("news", "spam")) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(0)
    ids = [f"{i:04x}" for i in range(n)]
    docs = pd.DataFrame({"id": ids, "source": [sources[i % len(sources)] for i in range(n)], "file": "f",
                         "position": range(n), "n_chars": 400, "lang": "en", "lang_score": 0.9, "dup_cluster": ids})
    return docs, pd.DataFrame({"id": ids, "score": rng.normal(size=n)})


def test_temperature_sampling_draws_with_p_proportional_to_exp_score_over_tau():
    # two documents, keep one: P(first) = e^{s1/τ} / (e^{s1/τ} + e^{s2/τ})
    eligible = pd.DataFrame({"id": ["a", "b"], "score": [1.0, 0.0]})
    for tau in (0.5, 2.0):
        firsts = [temperature_order(eligible, tau, seed).idxmin() for seed in range(4000)]
        expected = np.exp(1 / tau) / (np.exp(1 / tau) + 1)
        assert np.mean(np.array(firsts) == 0) == pytest.approx(expected, abs=0.025)


def test_temperature_selection_is_deterministic_and_order_independent():
    docs, scores = corpus(400)
    first = decide(docs, scores, BASE).set_index("id")["kept"]
    again = decide(docs.sample(frac=1, random_state=3), scores.sample(frac=1, random_state=4), BASE)
    assert first.equals(again.set_index("id")["kept"].loc[first.index])
    other_seed = decide(docs, scores, {**BASE, "seed": 8}).set_index("id")["kept"]
    assert not first.equals(other_seed.loc[first.index])
    assert first.sum() == 200


def test_low_temperature_approaches_top_k_and_high_temperature_approaches_uniform():
    docs, scores = corpus(1000)
    top_half = set(scores.nlargest(500, "score")["id"])
    overlap = {}
    for tau in (0.01, 100.0):
        d = decide(docs, scores, {**BASE, "temperature": tau})
        overlap[tau] = len(top_half & set(d.loc[d["kept"], "id"])) / 500
    assert overlap[0.01] > 0.98  # only near-ties at the cut swap
    assert 0.4 < overlap[100.0] < 0.6
    reasons = decide(docs, scores, BASE)["reason"].value_counts()
    assert reasons.to_dict() == {"kept": 500, "not_sampled": 500}


def test_source_quota_caps_a_source_and_backfills_from_others():
    docs, scores = corpus(100)
    scores.loc[docs["source"] == "spam", "score"] += 10  # spam would take the whole top half
    d = decide(docs, scores, {**BASE, "mode": "top_fraction", "quotas": {"spam": 0.2}})
    kept = d[d["kept"]]
    assert len(kept) == 50 and (kept["source"] == "spam").sum() == 10
    assert (d["reason"] == "over_source_quota").sum() == 40


def test_hard_filter_drops_with_its_own_reason():
    docs, scores = corpus(10)
    scores["heuristic_score"] = [1.0] * 8 + [0.5, np.nan]
    d = decide(docs, scores, {**BASE, "mode": "top_fraction", "top_fraction": 1.0,
                              "hard_filters": {"heuristic_score": {"min": 0.75}}}).set_index("id")
    assert d.loc[["0008", "0009"], "reason"].tolist() == ["failed_heuristic_score"] * 2
    assert d["kept"].sum() == 8
    with pytest.raises(KeyError, match="'nope', which no scorer produced"):
        decide(docs, scores, {**BASE, "hard_filters": {"nope": {"min": 0}}})


def test_combination_ranks_and_respects_sign():
    scores = pd.DataFrame({"id": list("abc"), "prob": [0.9, 0.5, 0.1], "ppl": [10.0, 50.0, 900.0]})
    combined = combine_weighted(scores, {"prob": 1.0, "ppl": -1.0})
    assert combined.tolist() == sorted(combined.tolist(), reverse=True)
    assert combined.mean() == pytest.approx(0) and combined.std(ddof=0) == pytest.approx(1)
    # missing = the worst seen; ties share their middle rank; a constant column is 0
    # (the two 1s hold the lower half of the ranks: middle rank 0.25; the largest value: the top, clipped)
    assert rank_normal(pd.Series([1.0, np.nan, 3.0])).tolist() == pytest.approx([-0.6745, -0.6745, 3.2905], abs=1e-3)
    assert rank_normal(pd.Series([2.0, 2.0, 2.0])).tolist() == [0.0, 0.0, 0.0]


def test_a_heavy_tail_counts_no_more_than_the_rest_of_a_column():
    """On z-scores, one extreme value stretches a column's spread and mutes it for everyone else;
    on ranks, the column orders the other documents as strongly as before."""
    rng = np.random.default_rng(0)
    scores = pd.DataFrame({"id": range(500), "a": rng.normal(size=500), "b": rng.normal(size=500)})
    scores.loc[0, "b"] = 1e6
    combined = combine_weighted(scores, {"a": 1.0, "b": 1.0}).iloc[1:]
    assert np.corrcoef(combined, scores["b"].iloc[1:])[0, 1] > 0.6
    with pytest.raises(KeyError, match="no scorer produced: \\['missing'\\]"):
        combine_weighted(scores, {"missing": 1.0})


def test_learned_weights_follow_the_raters():
    rng = np.random.default_rng(1)
    n = 300
    scores = pd.DataFrame({"id": [str(i) for i in range(n)], "useful": rng.normal(size=n), "noise": rng.normal(size=n)})
    a, b = rng.integers(0, n, 2000), rng.integers(0, n, 2000)
    keep = a != b
    a, b = a[keep], b[keep]
    better_a = scores["useful"].to_numpy()[a] > scores["useful"].to_numpy()[b]
    pairs = pd.DataFrame({"a_id": scores["id"].to_numpy()[a], "b_id": scores["id"].to_numpy()[b],
                          "preferred": np.where(better_a, "a", "b")})
    weights = learn_weights(scores, pairs, ["useful", "noise"])
    assert weights["useful"] > 1.0 and abs(weights["noise"]) < 0.3 * weights["useful"]
