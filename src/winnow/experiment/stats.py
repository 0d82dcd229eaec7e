"""Comparing arms over seeds: means with t-based confidence intervals, and data efficiency."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): Student-t interval over seeds (one seed has no interval: NaN bounds)."""
    values = np.asarray(values, dtype=float)
    mean = float(values.mean()) if len(values) else math.nan
    if len(values) < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf((1 + confidence) / 2, len(values) - 1) * stats.sem(values))
    return mean, mean - half, mean + half


def summarise(results: pd.DataFrame, metrics: list[str], confidence: float = 0.95) -> pd.DataFrame:
    """One row per arm: seeds, and mean / CI low / CI high of every metric."""
    rows = []
    for arm, group in results.groupby("arm", sort=False):
        row = {"arm": arm, "seeds": len(group)}
        for metric in metrics:
            row[metric], row[f"{metric}_low"], row[f"{metric}_high"] = mean_ci(group[metric], confidence)
        rows.append(row)
    return pd.DataFrame(rows)


def tokens_to_reach(tokens, values, target: float) -> float:
    """Training tokens at which a falling curve first reaches `target` (linear between points); NaN if never."""
    tokens, values = np.asarray(tokens, dtype=float), np.asarray(values, dtype=float)
    below = np.flatnonzero(values <= target)
    if len(below) == 0:
        return float("nan")
    i = int(below[0])
    if i == 0:
        return float(tokens[0])
    t0, t1, v0, v1 = tokens[i - 1], tokens[i], values[i - 1], values[i]
    return float(t0 + (v0 - target) / (v0 - v1) * (t1 - t0))


def paired_difference(arm, baseline, confidence: float = 0.95, lower_is_better: bool = False) -> dict:
    """Seed-by-seed differences arm - baseline (same seed, same budget): their mean, Student-t interval
    and how many seeds the arm is better in. `arm` and `baseline` are aligned per seed; a seed
    missing either value is left out, and `seeds` counts the pairs used."""
    diffs = np.asarray(arm, dtype=float) - np.asarray(baseline, dtype=float)
    diffs = diffs[~np.isnan(diffs)]
    mean, low, high = mean_ci(diffs, confidence)
    better = (diffs < 0) if lower_is_better else (diffs > 0)
    return {"seeds": len(diffs), "diff": mean, "diff_low": low, "diff_high": high, "wins": int(better.sum()),
            "lower_is_better": lower_is_better}


def verdict(arm: str, baseline: str, metric_label: str, paired: dict, digits: int = 3) -> str:
    """One plain sentence: 'curated beats random on held-out bits per byte: better in 3/3 seeds,
    difference -0.210 [-0.250, -0.170].' An arm beats (or is worse than) the baseline only when
    the interval excludes 0; the interval is per comparison, not corrected for how many are made."""
    d, lo, hi = paired["diff"], paired["diff_low"], paired["diff_high"]
    wins, n = paired["wins"], paired["seeds"]
    gain = -d if paired["lower_is_better"] else d
    clear = n > 1 and (lo > 0 or hi < 0)
    if gain > 0 and clear:
        head = f"{arm} beats {baseline}"
    elif gain < 0 and clear:
        head = f"{arm} is worse than {baseline}"
    else:
        head = f"no clear difference between {arm} and {baseline}"
    interval = f"{d:+.{digits}f} [{lo:+.{digits}f}, {hi:+.{digits}f}]" if n > 1 else f"{d:+.{digits}f} (one seed, no interval)"
    tail = " (the interval includes 0)" if not clear and n > 1 else ""
    return f"{head} on {metric_label}: better in {wins}/{n} seeds, difference {interval}{tail}."
