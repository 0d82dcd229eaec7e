"""Weighted draws follow exp(z / temperature); a document without a score counts as the worst."""

import numpy as np
import pandas as pd
import pytest

from winnow.experiment.arms import build_arms, draw_weighted


def test_weighted_draw_picks_first_documents_with_probability_exp_z_over_temperature():
    pool = pd.DataFrame({"id": ["a", "b", "c"], "n_tokens": [10, 10, 10]})
    scores = np.array([0.0, 1.0, 2.0])
    z = (scores - scores.mean()) / scores.std()
    for temperature in (0.5, 2.0):
        firsts = pd.Series([draw_weighted(pool, scores, temperature, 1, seed)["id"].iloc[0] for seed in range(6000)])
        expected = np.exp(z / temperature) / np.exp(z / temperature).sum()
        observed = firsts.value_counts(normalize=True).reindex(["a", "b", "c"], fill_value=0).to_numpy()
        np.testing.assert_allclose(observed, expected, atol=0.02)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        draw_weighted(pool, scores, 0.0, 1, 0)


def test_arms_need_a_score_for_some_pool_document_and_a_known_direction():
    pool = pd.DataFrame({"id": ["b", "c", "a"], "text": ["x", "y", "z"], "source": "s", "n_tokens": [5, 5, 5]})
    settings = {"weighted": {"score_column": "rater_score", "temperature": 1.0},
                "ordered": {"score_column": "score", "direction": "ascending"}}
    scores = pd.DataFrame({"score": [2.0, 1.0], "rater_score": [0.9, 0.1]}, index=["b", "c"])
    arms = build_arms(pool, {"a", "b", "c"}, [0], scores, settings)
    assert arms["ordered"]["id"].tolist() == ["a", "c", "b"]  # a has no score: the worst, so first
    descending = {**settings, "ordered": {"score_column": "score", "direction": "descending"}}
    assert build_arms(pool, {"a", "b", "c"}, [0], scores, descending)["ordered"]["id"].tolist() == ["b", "c", "a"]
    with pytest.raises(ValueError, match="no document of the pool has a `rater_score` score"):
        build_arms(pool, {"a"}, [0], scores.rename(index={"b": "y", "c": "z"}), settings)
    with pytest.raises(ValueError, match="direction must be ascending or descending"):
        build_arms(pool, {"a"}, [0], scores, {**settings, "ordered": {"score_column": "score", "direction": "up"}})
