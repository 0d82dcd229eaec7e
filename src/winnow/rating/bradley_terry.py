"""Bradley–Terry over document features, and a pointwise regressor, from validated ratings.

Bradley–Terry: P(a beats b) = sigmoid(u(a) - u(b)) with a linear utility u(x) = w·x. Fitting it is
logistic regression *without intercept* on feature differences x_a - x_b (an intercept would be a
bias towards whichever document happens to be listed first). Each judgment is added twice, as
(x_a - x_b, a won) and (x_b - x_a, b won), so the fit cannot depend on column order. A tie is half
a win each way (Rao & Kupper's simplest reading): its two halves pull u(a) - u(b) towards 0.
QuRating (Wettig et al. 2024) fits the same model on LLM judgments with a transformer as u.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression, Ridge

from winnow.rating.features import DocumentFeatures


def pair_design(features: DocumentFeatures, pairs: pd.DataFrame) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
    """(difference rows, labels, sample weights) for the symmetrised Bradley–Terry regression.

    A decisive judgment gives rows (d, y) and (-d, 1 - y), weight 1 each; a tie gives (d, 1),
    (d, 0), (-d, 1), (-d, 0), weight 1/2 each. Every judgment therefore weighs 2 in total.
    """
    diff = features.rows(pairs["a_id"]) - features.rows(pairs["b_id"])
    preferred = pairs["preferred"].to_numpy()
    if not np.isin(preferred, ["a", "b", "tie"]).all():
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

    `C` is the inverse L2 strength: with ~10^5 hashed features and ~10^3 judgments the model is
    heavily over-parameterised, so regularisation, not the data, sets the utility scale.
    """
    if pairs.empty:
        raise ValueError("no pairwise judgments to fit Bradley–Terry on")
    if (pairs["preferred"] == "tie").all():
        raise ValueError("every judgment is a tie: Bradley–Terry needs at least one decisive judgment")
    # newton-cg: ~3x faster than lbfgs here (few rows, ~10^5 weights: lbfgs's per-step cost is in the weights)
    rows, labels, weights = pair_design(features, pairs)
    model = LogisticRegression(C=C, fit_intercept=False, solver="newton-cg", max_iter=max_iter)
    return model.fit(rows, labels, sample_weight=weights)


def fit_pointwise(features: DocumentFeatures, points: pd.DataFrame, alpha: float = 1.0) -> Ridge:
    """Ridge regression from features to the rater's score; one row per judgment, so a document
    rated by three raters counts three times (its mean score is what the fit is pulled towards)."""
    if points.empty:
        raise ValueError("no pointwise scores to fit on")
    return Ridge(alpha=alpha).fit(features.rows(points["id"]), points["score"].to_numpy(dtype=float))
