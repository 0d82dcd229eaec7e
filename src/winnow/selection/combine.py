"""One score from many: standardised signals, weighted by hand or learned from labels or preferences.

Signals live on different scales (a probability, a perplexity percentile, a log-ratio), so each is
standardised with the corpus's mean and spread first; the weighted sum is standardised again, so
temperature sampling's τ means the same thing whatever the weights (QuRating samples at τ = 2 over
unit-variance ratings). A `Combination` keeps those statistics, so it gives any other set of
documents (the evaluation set) exactly the score it would have had inside the corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from winnow.parts import Parts, as_frame
from winnow.rating.features import DocumentFeatures
from winnow.rating.preferences import fit_bradley_terry


def merge_attributes(*attribute_tables: pd.DataFrame | Parts) -> pd.DataFrame:
    """Every scorer's columns side by side, one row per document id."""
    scores = as_frame(attribute_tables[0])
    for table in attribute_tables[1:]:
        scores = scores.merge(as_frame(table), on="id", how="outer", validate="one_to_one")
    return scores


def zscore(values: pd.Series) -> pd.Series:
    """(x − mean) / std; a missing value counts as the worst seen (a scorer that could not score a
    document must not make it look average); a constant column is 0 everywhere."""
    values = values.astype(float)
    values = values.fillna(values.min() if values.notna().any() else 0.0)
    std = values.std(ddof=0)
    return (values - values.mean()) / std if std > 0 else values * 0.0


def _require_columns(scores: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in scores.columns]
    if missing:
        raise KeyError(f"combine names score columns that no scorer produced: {missing}; "
                       f"available: {sorted(c for c in scores.columns if c != 'id')}")


def standardise(scores: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    _require_columns(scores, columns)
    return pd.DataFrame({c: zscore(scores[c]) for c in columns}, index=scores.index)


def combine_weighted(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Σ wᵢ·zᵢ, re-standardised. A negative weight means lower is better (e.g. a raw perplexity)."""
    return fit_combination(scores, weights).apply(scores)


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


@dataclass(frozen=True)
class Combination:
    """score = standardised(Σ wᵢ·zᵢ), zᵢ = (xᵢ − meanᵢ) / stdᵢ with the corpus's statistics; a
    missing value counts as the worst value the corpus had (`fill`)."""

    weights: dict[str, float]
    mean: dict[str, float]
    std: dict[str, float]
    fill: dict[str, float]
    out_mean: float
    out_std: float
    method: str = "weights"

    def standardised(self, scores: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: (scores[c].astype(float).fillna(self.fill[c]) - self.mean[c]) / self.std[c]
                             for c in self.weights}, index=scores.index)

    def raw(self, scores: pd.DataFrame) -> pd.Series:
        return self.standardised(scores).mul(pd.Series(self.weights)).sum(axis=1)

    def apply(self, scores: pd.DataFrame) -> pd.Series:
        return (self.raw(scores) - self.out_mean) / self.out_std


def fit_combination(scores: pd.DataFrame, weights: Mapping[str, float], method: str = "weights") -> Combination:
    """The corpus statistics of each weighted column (same z-scores as `combine_weighted`)."""
    weights = {c: float(w) for c, w in weights.items() if w}
    if not weights:
        raise ValueError("combine.weights must give at least one column a non-zero weight")
    _require_columns(scores, list(weights))
    stats = {}
    for c in weights:
        values = scores[c].astype(float)
        fill = float(values.min()) if values.notna().any() else 0.0
        values = values.fillna(fill)
        std = float(values.std(ddof=0))
        stats[c] = (float(values.mean()), std if std > 0 else np.inf, fill)
    partial = Combination(weights, {c: m for c, (m, _, _) in stats.items()}, {c: s for c, (_, s, _) in stats.items()},
                          {c: f for c, (_, _, f) in stats.items()}, 0.0, 1.0, method)
    raw = partial.raw(scores)
    out_std = float(raw.std(ddof=0))
    return Combination(partial.weights, partial.mean, partial.std, partial.fill, float(raw.mean()),
                       out_std if out_std > 0 else np.inf, method)


def learn_weights_from_labels(standardised: pd.DataFrame, labels: pd.Series, C: float = 1.0) -> dict[str, float]:
    """Weights of a logistic regression of good (1) vs bad (0) on standardised columns: the
    combination that best separates a labelled set, e.g. the validation split of the
    construction-labelled evaluation set."""
    if labels.nunique() < 2:
        raise ValueError(f"learning weights from labels needs good and bad documents, got {labels.value_counts().to_dict()}")
    model = LogisticRegression(C=C, max_iter=2000).fit(standardised.to_numpy(), labels.to_numpy())
    return dict(zip(standardised.columns, model.coef_[0].round(6).tolist()))
