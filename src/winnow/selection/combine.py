"""One score from many: z-scored signals, weighted by hand or learned from pairwise preferences.

Signals live on different scales (a probability, a perplexity percentile, a log-ratio), so each is
z-scored over the corpus first; the weighted mean is z-scored again, so temperature sampling's τ
means the same thing whatever the weights (QuRating samples at τ = 2 over unit-variance ratings).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
import scipy.sparse as sp

from winnow.rating.features import DocumentFeatures
from winnow.rating.preferences import fit_bradley_terry


def zscore(values: pd.Series) -> pd.Series:
    """(x − mean) / std; a missing value counts as the worst seen (a scorer that could not score a
    document must not make it look average); a constant column is 0 everywhere."""
    values = values.astype(float)
    values = values.fillna(values.min() if values.notna().any() else 0.0)
    std = values.std(ddof=0)
    return (values - values.mean()) / std if std > 0 else values * 0.0


def standardise(scores: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    missing = [c for c in columns if c not in scores.columns]
    if missing:
        raise KeyError(f"combine names score columns that no scorer produced: {missing}; "
                       f"available: {sorted(c for c in scores.columns if c != 'id')}")
    return pd.DataFrame({c: zscore(scores[c]) for c in columns}, index=scores.index)


def combine_weighted(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Σ wᵢ·zᵢ, re-standardised. A negative weight means lower is better (e.g. a raw perplexity)."""
    weights = {c: float(w) for c, w in weights.items() if w}
    if not weights:
        raise ValueError("combine.weights must give at least one column a non-zero weight")
    z = standardise(scores, list(weights))
    return zscore(z.mul(pd.Series(weights)).sum(axis=1))


def learn_weights(scores: pd.DataFrame, pairs: pd.DataFrame, columns: list[str], C: float = 1.0) -> dict[str, float]:
    """Weights such that Σ wᵢ·zᵢ orders rated pairs as the raters did: the rater's own Bradley–Terry
    fit (`winnow.rating.preferences.fit_bradley_terry`) with the z-scored columns as features.

    `scores` is keyed by `id`; `pairs` holds `a_id, b_id, preferred` (a | b | tie). Pairs of documents
    not in `scores` are left out; a tie counts half a win each way, as for the rater.
    """
    z = standardise(scores, columns).set_index(scores["id"])
    scored = pairs[pairs["a_id"].isin(z.index) & pairs["b_id"].isin(z.index)]
    n_decided = int(scored["preferred"].isin(["a", "b"]).sum())
    if n_decided < 10:
        raise ValueError(f"a learned combination needs >= 10 decided pairs of scored documents, got {n_decided}")
    features = DocumentFeatures(z.index, sp.csr_matrix(z.to_numpy()))
    model = fit_bradley_terry(features, scored, C=C)
    return dict(zip(columns, model.coef_[0].round(6).tolist()))
