"""Pairwise preferences: the one definition of a pair, its orientation, ties, agreement and Bradley–Terry.

A judgment is a row `a_id, b_id, preferred, rater`, `preferred` one of `a`, `b`, `tie`. A pair may
be shown either way round, so judgments are compared in *key order*: the pair's key is
`"<smaller id> <larger id>"`, and `orient` re-expresses `preferred` as if the smaller id had been
shown as A (a tie reads the same both ways). Ties:
- Bradley–Terry counts a tie as half a win each way (Rao & Kupper's simplest reading), pulling the
  two utilities together;
- agreement (rater with rater, model with rater) is over decisive judgments only: a tie has no
  order to agree with;
- self-consistency compares outcomes, so a pair tied twice is consistent and a tie then a win is not.
Metric dicts are flat `{name: number}`, names with `.` and `/` only, as MLflow accepts.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import cohen_kappa_score

from winnow.rating.features import DocumentFeatures

OUTCOMES = ("a", "b", "tie")
_SWAPPED = {"a": "b", "b": "a", "tie": "tie"}
_NOT_IN_METRIC_NAMES = re.compile(r"[^\w\-. ]")


def pair_key(a_id: str, b_id: str) -> str:
    """The unordered pair, `"<smaller id> <larger id>"`."""
    return f"{a_id} {b_id}" if a_id < b_id else f"{b_id} {a_id}"


def orient(a_id: str, b_id: str, preferred: str) -> str:
    """`preferred` as if the pair had been shown in key order (so `a` means the smaller id won)."""
    return preferred if a_id < b_id else _SWAPPED[preferred]


def keyed(pairs: pd.DataFrame) -> pd.DataFrame:
    """`pairs` (`a_id, b_id, preferred`) plus `key` and `outcome` (`preferred` in key order)."""
    a_ids, b_ids = pairs["a_id"].astype(str), pairs["b_id"].astype(str)
    keys = [pair_key(a, b) for a, b in zip(a_ids, b_ids)]
    outcomes = [orient(a, b, p) for a, b, p in zip(a_ids, b_ids, pairs["preferred"])]
    return pairs.assign(key=keys, outcome=outcomes)


def mark_repeats(pairs: pd.DataFrame) -> pd.DataFrame:
    """`keyed(pairs)` plus, per row, `times_judged` (by this rater, this pair, either order) and
    `alike` (every one of those judgments has the same outcome)."""
    marked = keyed(pairs)
    outcome = marked.groupby(["rater", "key"], sort=False)["outcome"]
    return marked.assign(times_judged=outcome.transform("size"), alike=outcome.transform("nunique") == 1)


def repeats(pairs: pd.DataFrame) -> pd.DataFrame:
    """`rater, key, alike`: one row per pair a rater judged more than once, from every judgment."""
    marked = mark_repeats(pairs)
    return marked.loc[marked["times_judged"] > 1, ["rater", "key", "alike"]].drop_duplicates(["rater", "key"])


def rater_metric(rater, what: str) -> str:
    """`rater/<name>/<what>`, the name cleared of characters MLflow refuses in a metric name."""
    return f"rater/{_NOT_IN_METRIC_NAMES.sub('_', str(rater))}/{what}"


def self_consistency(repeated: pd.DataFrame) -> dict[str, float]:
    """Share of (rater, pair) judged more than once where every judgment agreed, per rater and overall.

    `repeated` is one row per such (rater, pair) with a boolean `alike`: `repeats(judgments)` from
    every judgment, or `repeats_in_quarantine` from the rating readers, which keep one judgment of
    an agreeing repeat and quarantine the rest."""
    out = {}
    for rater, group in repeated.groupby("rater"):
        out[rater_metric(rater, "self_consistency")] = float(group["alike"].mean())
        out[rater_metric(rater, "n_repeated")] = len(group)
    out["self_consistency"] = float(repeated["alike"].mean()) if len(repeated) else float("nan")
    out["n_repeated"] = len(repeated)
    return out


def _kappa(votes: pd.Series, majority: pd.Series) -> float:
    """Cohen's kappa of two ±1 labelings; NaN where it is undefined (one and the same label everywhere)."""
    if len(votes) == 0 or len(np.union1d(votes, majority)) < 2:
        return float("nan")
    return float(cohen_kappa_score(votes, majority, labels=[-1, 1]))


def rater_vs_majority(pairs: pd.DataFrame) -> dict[str, float]:
    """Inter-rater agreement: each rater's decisive judgments vs the strict majority of the *other*
    raters' decisive votes on the same pair, raw (`majority_agreement`, `inter_rater_agreement`)
    and chance-corrected (`majority_kappa`, `inter_rater_kappa`).

    `pairs` holds one judgment per rater and pair (as the readers and the export leave them). A
    pair where the others split evenly or only tied is skipped. The kappa is Cohen's
    (`sklearn.metrics.cohen_kappa_score`) between a rater's votes and the others' majority, both in
    key order, over the very comparisons the raw agreement counts, so the two numbers describe the
    same judgments; overall, every rater's comparisons are pooled. Majority rather than each pair
    of raters: with few raters who share few pairs, per-pair kappas would rest on a handful of votes.
    """
    marked = keyed(pairs)
    frame = pd.DataFrame({"rater": marked["rater"].to_numpy(), "key": marked["key"].to_numpy(),
                          "vote": marked["outcome"].map({"a": 1, "b": -1, "tie": 0}).to_numpy()})
    totals = frame.groupby("key")["vote"].transform("sum")
    n_raters = frame.groupby("key")["rater"].transform("nunique")
    shared = frame[(n_raters > 1) & (frame["vote"] != 0)].copy()
    shared["others"] = totals[shared.index] - shared["vote"]  # sum of the other raters' votes
    shared = shared[shared["others"] != 0]
    shared["majority"] = np.sign(shared["others"])
    shared["agrees"] = shared["majority"] == shared["vote"]
    out = {}
    for rater, group in shared.groupby("rater"):
        out[rater_metric(rater, "majority_agreement")] = float(group["agrees"].mean())
        out[rater_metric(rater, "majority_kappa")] = _kappa(group["vote"], group["majority"])
        out[rater_metric(rater, "n_majority")] = len(group)
    out["inter_rater_agreement"] = float(shared["agrees"].mean()) if len(shared) else float("nan")
    out["inter_rater_kappa"] = _kappa(shared["vote"], shared["majority"])
    out["n_inter_rater"] = len(shared)
    return out


def utility_agreement(utility_a: np.ndarray, utility_b: np.ndarray, preferred: np.ndarray) -> tuple[float, int]:
    """(share of decisive judgments the utilities order as the rater did, their number); NaN when
    there are none. Equal utilities score half, like a coin toss."""
    decisive = preferred != "tie"
    if not decisive.any():
        return float("nan"), 0
    diff = np.where(preferred[decisive] == "a", 1, -1) * (utility_a[decisive] - utility_b[decisive])
    return float(np.mean((diff > 0) + 0.5 * (diff == 0))), int(decisive.sum())


def pair_design(features: DocumentFeatures, pairs: pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """(difference rows, labels, sample weights) for the symmetrised Bradley–Terry regression.

    A decisive judgment gives rows (d, y) and (-d, 1 - y), weight 1 each; a tie gives (d, 1),
    (d, 0), (-d, 1), (-d, 0), weight 1/2 each. Every judgment therefore weighs 2 in total.
    """
    diff = features.rows(pairs["a_id"]) - features.rows(pairs["b_id"])
    preferred = pairs["preferred"].to_numpy()
    if not np.isin(preferred, OUTCOMES).all():
        raise ValueError("pairs['preferred'] must hold only 'a', 'b' or 'tie'; validate with read_pairwise_ratings")
    decisive, tie = preferred != "tie", preferred == "tie"
    a_won = (preferred[decisive] == "a").astype(np.int8)
    d_dec, d_tie = diff[decisive], diff[tie]
    n_tie = d_tie.shape[0]
    rows = sp.vstack([d_dec, -d_dec, d_tie, d_tie, -d_tie, -d_tie], format="csr")
    labels = np.concatenate([a_won, 1 - a_won, np.ones(n_tie), np.zeros(n_tie), np.ones(n_tie), np.zeros(n_tie)])
    weights = np.concatenate([np.ones(2 * len(a_won)), np.full(4 * n_tie, 0.5)])
    return rows, labels.astype(np.int8), weights


def fit_bradley_terry(features: DocumentFeatures, pairs: pd.DataFrame, C: float = 1.0,
                      max_iter: int = 1000) -> LogisticRegression:
    """Fit u(x) = w·x from validated pairwise judgments; `model.decision_function(X)` is the utility.

    P(a beats b) = sigmoid(u(a) - u(b)): logistic regression *without intercept* on feature
    differences (an intercept would favour whichever document is listed first); each judgment
    enters both ways round (`pair_design`), so the fit cannot depend on column order. QuRating
    (Wettig et al. 2024) fits the same model on LLM judgments with a transformer as u. `C` is the
    inverse L2 strength: with ~10^5 hashed features and ~10^3 judgments the model is heavily
    over-parameterised, so regularisation, not the data, sets the utility scale.
    """
    if pairs.empty:
        raise ValueError("no pairwise judgments to fit Bradley–Terry on")
    if (pairs["preferred"] == "tie").all():
        raise ValueError("every judgment is a tie: Bradley–Terry needs at least one decisive judgment")
    # newton-cg: ~3x faster than lbfgs here (few rows, ~10^5 weights: lbfgs's per-step cost is in the weights)
    rows, labels, weights = pair_design(features, pairs)
    model = LogisticRegression(C=C, fit_intercept=False, solver="newton-cg", max_iter=max_iter)
    return model.fit(rows, labels, sample_weight=weights)
