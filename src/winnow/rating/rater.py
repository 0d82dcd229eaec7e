"""The preference rater: fitted Bradley–Terry (+ pointwise) models that score any document.

`rater_score` in [0, 1] is sigmoid of the mean of the two models' z-scores, where each z uses the
mean and standard deviation of that model's output over the *rated* documents, frozen at fit time.
Frozen statistics make a document's score independent of the batch it is scored in (percentiles
of the current batch would not be, and would break chunked scoring and caching); averaging z's
gives the relative (BT) and absolute (pointwise) models equal say; sigmoid(z) = 0.5 is an average
rated document, 0.73 one standard deviation better. With no pointwise ratings it is sigmoid(z_bt).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression, Ridge

from winnow.rating.features import DocumentFeatures, DocumentFeaturizer, featurize_documents
from winnow.rating.preferences import fit_bradley_terry
from winnow.scoring.base import Scorer

RATER_VERSION = "1"  # bump when the features or the score formula change


class PreferenceRater(Scorer):
    """A `Scorer` named "rater": columns `rater_bt`, `rater_pointwise`, `rater_score`.

    `version` is RATER_VERSION plus a fingerprint of the ratings and parameters it was fitted on,
    so refitting on new ratings invalidates cached attributes.
    """

    name = "rater"

    def __init__(self, featurizer: DocumentFeaturizer, bt_model: LogisticRegression, bt_stats: tuple[float, float],
                 pointwise_model: Ridge | None = None, pointwise_stats: tuple[float, float] | None = None,
                 score_range: tuple[float, float] = (1, 5), fingerprint: str = ""):
        self.featurizer, self.bt_model, self.bt_stats = featurizer, bt_model, bt_stats
        self.pointwise_model, self.pointwise_stats = pointwise_model, pointwise_stats
        self.score_range = tuple(score_range)
        self.version = f"{RATER_VERSION}-{fingerprint}" if fingerprint else RATER_VERSION

    @property
    def signal_columns(self) -> tuple[str, ...]:
        return tuple(self.featurizer.signal_columns)

    def score_features(self, features: sp.csr_matrix) -> pd.DataFrame:
        bt = self.bt_model.decision_function(features)
        z = [(bt - self.bt_stats[0]) / self.bt_stats[1]]
        if self.pointwise_model is not None:
            pointwise = np.clip(self.pointwise_model.predict(features), *self.score_range)
            z.append((pointwise - self.pointwise_stats[0]) / self.pointwise_stats[1])
        else:
            pointwise = np.full(len(bt), np.nan)
        return pd.DataFrame({"rater_bt": bt, "rater_pointwise": pointwise, "rater_score": expit(np.mean(z, axis=0))})

    def score_texts(self, texts: Iterable[str], signals: pd.DataFrame | None = None) -> pd.DataFrame:
        """Scores in input order; `signals` (same order) only when the rater was fitted with signals."""
        texts = list(texts)
        if not texts:
            return pd.DataFrame({c: pd.Series(dtype=float) for c in ("rater_bt", "rater_pointwise", "rater_score")})
        return self.score_features(self.featurizer.transform(texts, signals))

    def score(self, documents: pd.DataFrame) -> pd.DataFrame:
        """Like `Scorer.score`; takes signal columns from `documents` when the rater uses them."""
        missing = [c for c in self.signal_columns if c not in documents.columns]
        if missing:
            raise KeyError(f"rater was fitted with signal columns {list(self.signal_columns)}; documents lack "
                           f"{missing} (join the attribute tables that hold them first)")
        signals = documents.reset_index(drop=True) if self.signal_columns else None
        scores = self.score_texts(documents["text"], signals)
        scores.insert(0, "id", documents["id"].to_numpy())
        return scores


def fit_pointwise(features: DocumentFeatures, points: pd.DataFrame, alpha: float = 1.0) -> Ridge:
    """Ridge regression from features to the rater's score; one row per judgment, so a document
    rated by three raters counts three times (its mean score is what the fit is pulled towards)."""
    if points.empty:
        raise ValueError("no pointwise scores to fit on")
    return Ridge(alpha=alpha).fit(features.rows(points["id"]), points["score"].to_numpy(dtype=float))


def _stats(values: np.ndarray) -> tuple[float, float]:
    std = float(np.std(values))
    return float(np.mean(values)), std if std > 0 else 1.0


def _fingerprint(pairs: pd.DataFrame, points: pd.DataFrame | None, params: dict) -> str:
    digest = hashlib.sha256(repr(sorted(params.items())).encode())
    digest.update(pd.util.hash_pandas_object(pairs[["a_id", "b_id", "preferred", "rater"]], index=False).to_numpy())
    if points is not None:
        digest.update(pd.util.hash_pandas_object(points[["id", "rater", "score"]], index=False).to_numpy())
    return digest.hexdigest()[:12]


def fit_preference_rater(documents: pd.DataFrame, pairs: pd.DataFrame, points: pd.DataFrame | None = None, *,
                         n_features: int = 2**18, max_chars: int = 20_000, C: float = 1.0, alpha: float = 1.0,
                         score_range: tuple[float, float] = (1, 5), signals: pd.DataFrame | None = None,
                         signal_columns: Iterable[str] = ()) -> PreferenceRater:
    """Fit on validated ratings. `documents` (`id`, `text`) must contain every rated id (extra rows
    are ignored); `signals` (`id` + `signal_columns`) only when numeric signals are used."""
    params = {"n_features": n_features, "max_chars": max_chars, "C": C, "alpha": alpha,
              "score_range": tuple(score_range), "signal_columns": tuple(signal_columns)}
    points = points if points is not None and len(points) else None
    rated = set(pairs["a_id"]) | set(pairs["b_id"]) | (set(points["id"]) if points is not None else set())
    rated_docs = documents.loc[documents["id"].isin(rated), ["id", "text"]].drop_duplicates("id")
    missing = rated - set(rated_docs["id"])
    if missing:
        raise KeyError(f"{len(missing)} rated document id(s) not in `documents`, e.g. {sorted(missing)[:3]}")
    featurizer = DocumentFeaturizer(n_features=n_features, max_chars=max_chars, signal_columns=tuple(signal_columns))
    if featurizer.signal_columns:
        featurizer.fit(rated_docs[["id"]].merge(signals, on="id", how="left"))
    features = featurize_documents(featurizer, rated_docs, signals)
    bt_model = fit_bradley_terry(features, pairs, C=C)
    pointwise_model = pointwise_stats = None
    if points is not None:
        pointwise_model = fit_pointwise(features, points, alpha=alpha)
        pointwise_stats = _stats(np.clip(pointwise_model.predict(features.matrix), *score_range))
    return PreferenceRater(featurizer, bt_model, _stats(bt_model.decision_function(features.matrix)),
                           pointwise_model, pointwise_stats, score_range, _fingerprint(pairs, points, params))
