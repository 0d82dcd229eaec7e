"""How well the rater and the raters agree: held-out pairwise agreement, per-rater numbers, repeats.

All functions return flat `{name: number}` dicts (names use `.` and `/` only, as MLflow accepts).
Agreement is over *decisive* judgments (a tie has no order to agree with); chance is 0.5. A model
that gives both documents the same utility scores half.
"""

from __future__ import annotations

import re
import time

import numpy as np
import pandas as pd

from winnow.rating.rater import fit_preference_rater


def pair_keys(pairs: pd.DataFrame) -> pd.Series:
    """The unordered pair, as `"<smaller id> <larger id>"`."""
    a, b = pairs["a_id"].astype(str), pairs["b_id"].astype(str)
    return pd.Series(np.where(a < b, a + " " + b, b + " " + a), index=pairs.index)


def canonical_outcome(pairs: pd.DataFrame) -> pd.Series:
    """`preferred` re-expressed for the pair in key order (so 'a' means the smaller id won)."""
    flipped = pairs["preferred"].map({"a": "b", "b": "a", "tie": "tie"})
    return pairs["preferred"].where(pairs["a_id"].astype(str) < pairs["b_id"].astype(str), flipped)


def split_pairs(pairs: pd.DataFrame, test_fraction: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by unordered pair, so every judgment of one pair (any rater, any order) is on one side."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    keys = pair_keys(pairs)
    unique = np.sort(keys.unique())
    rng = np.random.default_rng(seed)
    test_keys = set(rng.choice(unique, size=max(1, round(test_fraction * len(unique))), replace=False))
    in_test = keys.isin(test_keys).to_numpy()
    return pairs[~in_test], pairs[in_test]


def agreement(utility_a: np.ndarray, utility_b: np.ndarray, preferred: np.ndarray) -> tuple[float, int]:
    """(share of decisive judgments ordered as the rater did, their number); NaN when there are none."""
    decisive = preferred != "tie"
    if not decisive.any():
        return float("nan"), 0
    diff = np.where(preferred[decisive] == "a", 1, -1) * (utility_a[decisive] - utility_b[decisive])
    return float(np.mean((diff > 0) + 0.5 * (diff == 0))), int(decisive.sum())


def _metric_name(rater: str) -> str:
    return re.sub(r"[^\w\-. ]", "_", str(rater))


def rater_vs_majority(pairs: pd.DataFrame) -> dict[str, float]:
    """Each rater's decisive judgments vs the strict majority of the *other* raters' decisive votes
    on the same pair (pairs where the others split evenly or only tied are skipped)."""
    frame = pd.DataFrame({"rater": pairs["rater"].to_numpy(), "key": pair_keys(pairs).to_numpy(),
                          "vote": canonical_outcome(pairs).map({"a": 1, "b": -1, "tie": 0}).to_numpy()})
    totals = frame.groupby("key")["vote"].transform("sum")
    n_raters = frame.groupby("key")["rater"].transform("nunique")
    shared = frame[(n_raters > 1) & (frame["vote"] != 0)].copy()
    shared["others"] = totals[shared.index] - shared["vote"]  # sum of the other raters' votes
    shared = shared[shared["others"] != 0]
    shared["agrees"] = np.sign(shared["others"]) == shared["vote"]
    out = {}
    for rater, group in shared.groupby("rater"):
        out[f"rater/{_metric_name(rater)}/majority_agreement"] = float(group["agrees"].mean())
        out[f"rater/{_metric_name(rater)}/n_majority"] = len(group)
    out["inter_rater_agreement"] = float(shared["agrees"].mean()) if len(shared) else float("nan")
    out["n_inter_rater"] = len(shared)
    return out


def self_consistency(quarantine: pd.DataFrame) -> dict[str, float]:
    """Share of (rater, item) judged more than once where every repeat agreed, from the reader's
    quarantine: repeats that agreed are `duplicate` rows, disagreeing ones `conflict` rows."""
    repeats = quarantine[quarantine["reason"].isin(["duplicate", "conflict"])]
    groups = repeats.drop_duplicates(["rater", "item"])
    out = {}
    for rater, group in groups.groupby("rater"):
        out[f"rater/{_metric_name(rater)}/self_consistency"] = float((group["reason"] == "duplicate").mean())
        out[f"rater/{_metric_name(rater)}/n_repeated"] = len(group)
    out["self_consistency"] = float((groups["reason"] == "duplicate").mean()) if len(groups) else float("nan")
    out["n_repeated"] = len(groups)
    return out


def evaluate_rater(documents: pd.DataFrame, pairs: pd.DataFrame, points: pd.DataFrame | None = None,
                   quarantine: pd.DataFrame | None = None, *, test_fraction: float = 0.2, seed: int = 0,
                   **fit_params) -> dict[str, float]:
    """Fit on a seeded split of the pairs, report agreement on the held-out ones.

    Pointwise scores on documents of held-out pairs are dropped from training, so the pointwise
    and combined agreements are held out too. `fit_params` go to `fit_preference_rater`;
    `quarantine` (from the readers) adds self-consistency.
    """
    train, test = split_pairs(pairs, test_fraction, seed)
    test_docs = set(test["a_id"]) | set(test["b_id"])
    train_points = points[~points["id"].isin(test_docs)] if points is not None and len(points) else None
    started = time.perf_counter()
    rater = fit_preference_rater(documents, train, train_points, **fit_params)
    fit_seconds = time.perf_counter() - started

    involved = documents[documents["id"].isin(test_docs)]
    scores = rater.score(involved).set_index("id")
    preferred = test["preferred"].to_numpy()
    out: dict[str, float] = {"fit_seconds": fit_seconds, "n_judgments_train": len(train), "n_judgments_test": len(test),
                             "n_pairs_train": pair_keys(train).nunique(), "n_pairs_test": pair_keys(test).nunique()}
    columns = {"bt": "rater_bt", "combined": "rater_score"}
    if train_points is not None:
        columns["pointwise"] = "rater_pointwise"
        out["n_points_train"] = len(train_points)
    for label, column in columns.items():
        share, n = agreement(scores.loc[test["a_id"], column].to_numpy(),
                             scores.loc[test["b_id"], column].to_numpy(), preferred)
        out[f"heldout_agreement_{label}"], out["n_heldout_decisive"] = share, n

    train_docs = set(train["a_id"]) | set(train["b_id"])
    unseen = ~(test["a_id"].isin(train_docs) | test["b_id"].isin(train_docs)).to_numpy()
    share, n = agreement(scores.loc[test["a_id"][unseen], "rater_bt"].to_numpy(),
                         scores.loc[test["b_id"][unseen], "rater_bt"].to_numpy(), preferred[unseen])
    out["heldout_agreement_bt_unseen_docs"], out["n_heldout_unseen_docs"] = share, n

    for name, group in test.groupby("rater"):
        share, n = agreement(scores.loc[group["a_id"], "rater_bt"].to_numpy(),
                             scores.loc[group["b_id"], "rater_bt"].to_numpy(), group["preferred"].to_numpy())
        out[f"rater/{_metric_name(name)}/model_agreement"], out[f"rater/{_metric_name(name)}/n_heldout"] = share, n
    out.update(rater_vs_majority(pairs))
    if quarantine is not None:
        out.update(self_consistency(quarantine))
    return {k: float(v) for k, v in out.items()}
