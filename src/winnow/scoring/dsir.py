"""DSIR importance weights (Xie et al. 2023, "Data Selection for Language Models via Importance
Resampling"): how much more likely a document's hashed n-grams are under the reference corpus
than under the raw corpus.

As in DSIR's `HashedNgramDSIR`: lower-cased wordpunct tokens (`\\w+|[^\\w\\s]+`, NLTK's
WordPunctTokenizer pattern), unigrams + bigrams hashed into `n_buckets` buckets (10,000 in the
paper), one bag-of-ngrams distribution per corpus. DSIR adds 1e-8 to each probability; here each
bucket gets `pseudo_count` (Laplace smoothing), which keeps a bucket unseen in the small
reference corpus from weighing -18 nats.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer

from winnow.scoring.base import Scorer

WORDPUNCT = r"\w+|[^\w\s]+"


class DSIRImportance(Scorer):
    """Signals:

    - `dsir_log_ratio`: Σ_buckets count · (log p_ref − log p_raw), the document's log importance
      weight; grows with length, as in DSIR, where it drives resampling;
    - `dsir_log_ratio_per_ngram`: the same divided by the document's n-gram count, so long
      documents do not dominate a ranking (0 for a document without n-grams);
    - `dsir_n_ngrams`: that count (unigrams + bigrams).
    """

    name, version = "dsir", "1"
    columns = ("dsir_log_ratio", "dsir_log_ratio_per_ngram", "dsir_n_ngrams")

    def __init__(self, n_buckets: int = 10_000, pseudo_count: float = 1.0, max_raw_docs: int | None = 100_000,
                 seed: int = 0):
        if pseudo_count <= 0:
            raise ValueError(f"pseudo_count must be > 0 (it keeps log p finite), got {pseudo_count}")
        self.pseudo_count = pseudo_count
        self.max_raw_docs = max_raw_docs  # raw distribution fitted on a seeded sample of this many docs
        self.seed = seed
        self._hasher = HashingVectorizer(n_features=n_buckets, token_pattern=WORDPUNCT, ngram_range=(1, 2),
                                         alternate_sign=False, norm=None)
        self.log_diff: np.ndarray | None = None  # log p_ref − log p_raw, one per bucket

    def _counts(self, texts: Sequence[str]) -> np.ndarray:
        return np.asarray(self._hasher.transform(texts).sum(axis=0)).ravel()

    def _log_distribution(self, counts: np.ndarray, n_texts: int, what: str) -> np.ndarray:
        if counts.sum() == 0:
            raise ValueError(f"{what}: no n-grams in {n_texts} texts")
        smoothed = counts + self.pseudo_count
        return np.log(smoothed) - np.log(smoothed.sum())

    def fit(self, reference_texts: Iterable[str], raw_texts: Iterable[str]) -> DSIRImportance:
        """Fit p_ref on all reference texts and p_raw on the raw texts (a sample of `max_raw_docs`)."""
        raw = list(raw_texts)
        return self.fit_batches(reference_texts, [raw], len(raw))

    def fit_batches(self, reference_texts: Iterable[str], raw_batches: Iterable[Sequence[str]], n_raw: int) -> DSIRImportance:
        """`fit`, with the `n_raw` raw texts arriving in batches (a corpus a part at a time): the same
        seeded sample, counted one batch at a time."""
        keep = None
        if self.max_raw_docs is not None and n_raw > self.max_raw_docs:
            keep = np.sort(np.random.default_rng(self.seed).choice(n_raw, self.max_raw_docs, replace=False))
        raw_counts, start = np.zeros(self._hasher.n_features), 0
        for batch in raw_batches:
            batch, end = list(batch), start + len(batch)
            if keep is not None:
                batch = [batch[i] for i in keep[(keep >= start) & (keep < end)] - start]
            raw_counts += self._counts(batch) if batch else 0
            start = end
        reference = list(reference_texts)
        self.log_diff = (self._log_distribution(self._counts(reference), len(reference), "reference_texts")
                         - self._log_distribution(raw_counts, n_raw, "raw_texts"))
        return self

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        if self.log_diff is None:
            raise RuntimeError("DSIRImportance.score_texts called before fit(reference_texts, raw_texts)")
        texts = [t or "" for t in texts]
        if not texts:  # HashingVectorizer cannot transform an empty batch
            return pd.DataFrame({column: pd.Series(dtype=float) for column in self.columns})
        counts = self._hasher.transform(texts)
        log_ratio = counts @ self.log_diff
        n_ngrams = np.asarray(counts.sum(axis=1)).ravel()
        per_ngram = np.divide(log_ratio, n_ngrams, out=np.zeros_like(log_ratio), where=n_ngrams > 0)
        return pd.DataFrame(dict(zip(self.columns, (log_ratio, per_ngram, n_ngrams.astype(np.int64)))))
