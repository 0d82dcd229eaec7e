"""One score from many: standardised signals, weighted by hand or learned from labels or preferences.

Signals live on different scales (a probability, a perplexity percentile, a log-ratio), so each is
first put on one scale: its rank within the corpus, as a standard normal score (the corpus's
quantiles, as scikit-learn's QuantileTransformer does). Ranks, not z-scores: a heavy tail (a few
documents with 100 damaged characters per 1,000) or a spike of ties (most documents pass every
rule) would otherwise decide a z-score's spread, and with it how much the column counts. The
weighted sum is standardised again, so temperature sampling's τ means the same thing whatever the
weights (QuRating samples at τ = 2 over unit-variance ratings). A `Combination` keeps the corpus's
quantiles, so it gives any other set of documents (the evaluation set) exactly the score it would
have had inside the corpus.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import norm
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


_PROBABILITIES = np.linspace(0.0, 1.0, 1001)  # the corpus's quantiles kept per column: its 0.1 % steps


def _worst(values: pd.Series) -> float:
    """What a missing value counts as: the worst seen (a scorer that could not score a document must
    not make it look average)."""
    return float(values.min()) if values.notna().any() else 0.0


def _filled(values: pd.Series, fill: float) -> np.ndarray:
    return values.astype(float).fillna(fill).to_numpy()


def quantile_table(values: np.ndarray) -> np.ndarray:
    return np.quantile(values, _PROBABILITIES)


def normal_scores(values: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Each value's rank among the corpus's (`table`: its quantiles) as a standard normal score.
    Tied values share their middle rank; values beyond the corpus's range get its extremes
    (±3.3); a constant column is 0 everywhere."""
    upper = np.interp(values, table, _PROBABILITIES)
    lower = -np.interp(-values, -table[::-1], -_PROBABILITIES[::-1])
    half_step = 0.5 / len(_PROBABILITIES)
    return norm.ppf(np.clip((upper + lower) / 2, half_step, 1 - half_step))


def rank_normal(values: pd.Series) -> pd.Series:
    """A column on the combination's scale, by its own quantiles."""
    filled = _filled(values, _worst(values))
    return pd.Series(normal_scores(filled, quantile_table(filled)), index=values.index)


def _require_columns(scores: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in scores.columns]
    if missing:
        raise KeyError(f"combine names score columns that no scorer produced: {missing}; "
                       f"available: {sorted(c for c in scores.columns if c != 'id')}")


def standardise(scores: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    _require_columns(scores, columns)
    return pd.DataFrame({c: rank_normal(scores[c]) for c in columns}, index=scores.index)


def combine_weighted(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """Σ wᵢ·zᵢ (zᵢ: `rank_normal`), re-standardised. A negative weight means lower is better (e.g. a raw perplexity)."""
    return fit_combination(scores, weights).apply(scores)


def learn_weights(scores: pd.DataFrame, pairs: pd.DataFrame, columns: list[str], C: float = 1.0) -> dict[str, float]:
    """Weights such that Σ wᵢ·zᵢ orders rated pairs as the raters did: the rater's own Bradley–Terry
    fit (`winnow.rating.preferences.fit_bradley_terry`) with the standardised columns as features.

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
    """score = standardised(Σ wᵢ·zᵢ), zᵢ = xᵢ's rank among the corpus's values (`quantiles`) as a
    normal score; a missing value counts as the worst value the corpus had (`fill`)."""

    weights: dict[str, float]
    quantiles: dict[str, np.ndarray]
    fill: dict[str, float]
    out_mean: float
    out_std: float
    method: str = "weights"

    def standardised(self, scores: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({c: normal_scores(_filled(scores[c], self.fill[c]), self.quantiles[c])
                             for c in self.weights}, index=scores.index)

    def raw(self, scores: pd.DataFrame) -> pd.Series:
        return self.standardised(scores).mul(pd.Series(self.weights)).sum(axis=1)

    def apply(self, scores: pd.DataFrame) -> pd.Series:
        return (self.raw(scores) - self.out_mean) / self.out_std


def fit_combination(scores: pd.DataFrame, weights: Mapping[str, float], method: str = "weights") -> Combination:
    """The corpus's quantiles of each weighted column (the same scale as `combine_weighted`)."""
    weights = {c: float(w) for c, w in weights.items() if w}
    if not weights:
        raise ValueError("combine.weights must give at least one column a non-zero weight")
    _require_columns(scores, list(weights))
    fill = {c: _worst(scores[c]) for c in weights}
    quantiles = {c: quantile_table(_filled(scores[c], fill[c])) for c in weights}
    raw = Combination(weights, quantiles, fill, 0.0, 1.0, method).raw(scores)
    out_std = float(raw.std(ddof=0))
    return Combination(weights, quantiles, fill, float(raw.mean()), out_std if out_std > 0 else np.inf, method)


def learn_weights_from_labels(standardised: pd.DataFrame, labels: pd.Series, C: float = 1.0) -> dict[str, float]:
    """Weights of a logistic regression of good (1) vs bad (0) on standardised columns: the
    combination that best separates a labelled set, e.g. the validation split of the
    construction-labelled evaluation set."""
    if labels.nunique() < 2:
        raise ValueError(f"learning weights from labels needs good and bad documents, got {labels.value_counts().to_dict()}")
    model = LogisticRegression(C=C, max_iter=2000).fit(standardised.to_numpy(), labels.to_numpy())
    return dict(zip(standardised.columns, model.coef_[0].round(6).tolist()))
