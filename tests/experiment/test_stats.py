"""Confidence intervals and data efficiency against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from winnow.experiment.stats import mean_ci, summarise, tokens_to_reach


def test_mean_ci_is_the_student_t_interval():
    mean, low, high = mean_ci([1.0, 2.0, 3.0])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, df=2) x sd / sqrt(n)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    assert mean_ci([5.0]) == (5.0, 5.0, 5.0)


def test_summarise_gives_one_row_per_arm_in_order():
    results = pd.DataFrame({"arm": ["b", "b", "a", "a"], "acc": [0.5, 0.7, 0.9, 0.9]})
    table = summarise(results, ["acc"])
    assert list(table["arm"]) == ["b", "a"] and list(table["seeds"]) == [2, 2]
    assert table.loc[1, ["acc", "acc_low", "acc_high"]].tolist() == pytest.approx([0.9, 0.9, 0.9])


def test_tokens_to_reach_interpolates_between_evaluations():
    tokens, loss = np.array([100, 200, 300, 400]), np.array([6.0, 5.0, 4.0, 3.5])
    assert tokens_to_reach(tokens, loss, 4.5) == pytest.approx(250)
    assert tokens_to_reach(tokens, loss, 7.0) == 100
    assert math.isnan(tokens_to_reach(tokens, loss, 3.0))
