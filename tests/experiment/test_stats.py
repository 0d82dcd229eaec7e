"""Confidence intervals and data efficiency against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from winnow.experiment.stats import mean_ci, paired_difference, summarise, tokens_to_reach, verdict


def test_mean_ci_is_the_student_t_interval():
    mean, low, high = mean_ci([1.0, 2.0, 3.0])
    half = 4.302652729911275 * 1.0 / math.sqrt(3)  # t(0.975, df=2) x sd / sqrt(n)
    assert (mean, low, high) == pytest.approx((2.0, 2.0 - half, 2.0 + half))
    mean, low, high = mean_ci([5.0])
    assert mean == 5.0 and math.isnan(low) and math.isnan(high)


def test_summarise_gives_one_row_per_arm_in_order():
    results = pd.DataFrame({"arm": ["b", "b", "a", "a"], "acc": [0.5, 0.7, 0.9, 0.9]})
    table = summarise(results, ["acc"])
    assert list(table["arm"]) == ["b", "a"] and list(table["seeds"]) == [2, 2]
    assert table.loc[1, ["acc", "acc_low", "acc_high"]].tolist() == pytest.approx([0.9, 0.9, 0.9])
    assert math.isnan(summarise(results.head(3), ["acc"]).loc[1, "acc_low"])  # arm a has one seed: no interval


def test_tokens_to_reach_interpolates_between_evaluations():
    tokens, loss = np.array([100, 200, 300, 400]), np.array([6.0, 5.0, 4.0, 3.5])
    assert tokens_to_reach(tokens, loss, 4.5) == pytest.approx(250)
    assert tokens_to_reach(tokens, loss, 7.0) == 100
    assert math.isnan(tokens_to_reach(tokens, loss, 3.0))


def test_paired_difference_is_the_interval_of_the_seed_by_seed_differences():
    arm, baseline = [1.0, 1.1, 0.9], [1.5, 1.4, 1.6]  # bits per byte: lower is better
    paired = paired_difference(arm, baseline, lower_is_better=True)
    half = 4.302652729911275 * np.std([-0.5, -0.3, -0.7], ddof=1) / math.sqrt(3)
    assert paired["diff"] == pytest.approx(-0.5) and paired["diff_high"] == pytest.approx(-0.5 + half)
    assert paired["wins"] == 3 and paired["seeds"] == 3
    assert verdict("curated", "random", "held-out bits per byte", paired) == (
        "curated beats random on held-out bits per byte: better in 3/3 seeds, difference -0.500 [-0.997, -0.003].")


def test_verdict_says_when_an_interval_includes_zero_or_the_arm_loses():
    unclear = paired_difference([0.70, 0.72, 0.69], [0.71, 0.70, 0.70])  # accuracy: higher is better
    assert verdict("weighted", "random", "accuracy", unclear).startswith(
        "no clear difference between weighted and random on accuracy: better in 1/3 seeds")
    assert verdict("weighted", "random", "accuracy", unclear).endswith("(the interval includes 0).")
    worse = paired_difference([0.60, 0.61, 0.62], [0.70, 0.71, 0.70])
    assert verdict("full", "random", "accuracy", worse).startswith("full is worse than random on accuracy: better in 0/3")


def test_a_seed_without_a_value_is_left_out_of_the_pairs():
    paired = paired_difference([1.0, np.nan, 0.8], [1.2, 1.0, 1.1], lower_is_better=True)
    assert paired["seeds"] == 2 and paired["wins"] == 2 and paired["diff"] == pytest.approx(-0.25)
    one = paired_difference([1.0], [1.2], lower_is_better=True)
    assert verdict("curated", "random", "loss", one) == (
        "no clear difference between curated and random on loss: better in 1/1 seeds, difference -0.200 (one seed, no interval).")
