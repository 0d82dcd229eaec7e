"""Document features for the preference rater: hashed word n-grams, optionally plus numeric signals.

Hashing (not a fitted vocabulary) keeps the featurizer stateless for text, so a rater fitted on a
few thousand rated documents scores any other document without a vocabulary miss, and pickles
small. Numeric signal columns (e.g. `gopher_mean_word_length`) are standardised with statistics
fitted on the training documents and clipped, so one outlier page cannot dominate a utility.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize


@dataclass
class DocumentFeaturizer:
    n_features: int = 2**18  # 262k buckets: few collisions for uni+bigrams of ~10^4 documents
    ngram_range: tuple[int, int] = (1, 2)
    max_chars: int = 20_000  # judgments rest on a document's opening; caps the cost of huge pages
    signal_columns: Sequence[str] = ()
    signal_clip: float = 5.0  # standardised signals are clipped to +/- this many standard deviations
    signal_mean: np.ndarray | None = field(default=None, repr=False)
    signal_std: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self.ngram_range = tuple(self.ngram_range)
        self.signal_columns = tuple(self.signal_columns)

    @property
    def vectorizer(self) -> HashingVectorizer:
        # alternate_sign=False keeps counts non-negative so the sublinear log below is defined
        return HashingVectorizer(n_features=self.n_features, ngram_range=self.ngram_range,
                                 alternate_sign=False, norm=None, dtype=np.float32)

    def fit(self, signals: pd.DataFrame | None = None) -> DocumentFeaturizer:
        """Learn the signal standardisation (text needs no fitting)."""
        if self.signal_columns:
            values = self._signal_values(signals)
            self.signal_mean = np.nanmean(values, axis=0)
            std = np.nanstd(values, axis=0)
            self.signal_std = np.where(std > 0, std, 1.0)
        return self

    def transform(self, texts: Iterable[str], signals: pd.DataFrame | None = None) -> sp.csr_matrix:
        """One l2-normalised row per text: (1 + log tf) of hashed n-grams, then scaled signals."""
        texts = [t[: self.max_chars] for t in texts]
        counts = self.vectorizer.transform(texts).tocsr()
        counts.data = 1.0 + np.log(counts.data)
        text_part = normalize(counts, norm="l2", copy=False)
        if not self.signal_columns:
            return text_part
        if self.signal_mean is None:
            raise RuntimeError("DocumentFeaturizer with signal columns must be fitted before transform")
        scaled = (self._signal_values(signals) - self.signal_mean) / self.signal_std
        scaled = np.clip(np.nan_to_num(scaled, nan=0.0), -self.signal_clip, self.signal_clip)
        if scaled.shape[0] != text_part.shape[0]:
            raise ValueError(f"got {text_part.shape[0]} texts but {scaled.shape[0]} rows of signals")
        return sp.hstack([text_part, sp.csr_matrix(scaled.astype(np.float32))], format="csr")

    def _signal_values(self, signals: pd.DataFrame | None) -> np.ndarray:
        if signals is None:
            raise ValueError(f"this featurizer uses signal columns {list(self.signal_columns)}; pass `signals`")
        missing = [c for c in self.signal_columns if c not in signals.columns]
        if missing:
            raise KeyError(f"signals lack column(s) {missing} the featurizer was configured with")
        return signals[list(self.signal_columns)].to_numpy(dtype=np.float64)


@dataclass
class DocumentFeatures:
    """A feature matrix with one row per document id, looked up by id."""

    ids: pd.Index
    matrix: sp.csr_matrix

    def __post_init__(self):
        self.ids = pd.Index(self.ids)
        if not self.ids.is_unique:
            raise ValueError("document ids must be unique")
        if len(self.ids) != self.matrix.shape[0]:
            raise ValueError(f"{len(self.ids)} ids but {self.matrix.shape[0]} feature rows")

    def rows(self, ids: Iterable[str]) -> sp.csr_matrix:
        positions = self.ids.get_indexer(list(ids))
        if (positions < 0).any():
            missing = pd.Index(list(ids))[positions < 0].unique()[:5].tolist()
            raise KeyError(f"no features for document id(s) {missing}")
        return self.matrix[positions]


def featurize_documents(featurizer: DocumentFeaturizer, documents: pd.DataFrame,
                        signals: pd.DataFrame | None = None) -> DocumentFeatures:
    """Features of `documents` (`id`, `text`); `signals`, when used, is aligned by `id`."""
    aligned = None
    if featurizer.signal_columns:
        if signals is None:
            raise ValueError(f"the featurizer uses signal columns {list(featurizer.signal_columns)}; pass `signals`")
        aligned = documents[["id"]].merge(signals, on="id", how="left", validate="one_to_one")
    return DocumentFeatures(documents["id"], featurizer.transform(documents["text"], aligned))
