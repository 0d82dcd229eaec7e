"""How close each document is to a reference set of clean text: ROUGE-L, BLEU and cosine.

The reference passages are cut into windows of `max_words` words, and each document is cut to its
first `max_words` words, so ROUGE-L's O(n·m) LCS costs at most `max_words`² per pair while the
whole of every reference passage stays reachable. For each document the `k` windows with the
highest cosine are the references for ROUGE-L (rouge_score's tokens and F1, max over the k) and
BLEU (sacrebleu, one multi-reference sentence score). The LCS itself runs in rapidfuzz (C++):
rouge_score's pure-Python table took 80 % of the scorer's time, for the same values.

Neighbours come from an exact sparse matrix product of hashed word vectors rather than MinHash
LSH: MinHash estimates set Jaccard, which between two different texts is near zero on word
5-gram shingles and blind to word frequency on unigrams, so it ranks non-duplicates poorly; and a
few thousand reference windows make the exact product (one sparse matmul per batch) cheaper than
hashing 128 permutations per document. Swap in LSH / an ANN index when references reach millions.

Two defaults were chosen on the bundled sample (medians per source over all ~16k documents):
- no idf: with idf the cosine measures topical overlap with whichever articles the reference
  holds, and ranked link lists (0.131) and navigation bars (0.149) above news (0.125); plain
  sublinear tf keeps the function-word profile of prose and separates it (news 0.36–0.37,
  sms and navigation 0.21, keyword lists 0.18, link lists 0.15);
- BLEU-2: between texts that are not translations of each other, 3- and 4-gram matches are rare
  chance events, and BLEU-4 ranked link lists (3.5) above news (2.0–2.2); BLEU-2 gives news
  15–16, link lists 6.8, sms 6.3, keyword lists 5.4.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from rapidfuzz.distance import LCSseq
from rouge_score.tokenizers import DefaultTokenizer
from sacrebleu.metrics import BLEU
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer

from winnow.scoring.base import Scorer


def first_words(text: str, n: int) -> str:
    """The first `n` whitespace-separated words, joined by single spaces, and at most 10·n characters.

    The character cap bounds the ROUGE/BLEU token count for text without spaces (minified code, a
    wall of URLs), which rouge_score and sacrebleu split on punctuation; prose averages ~6 per word.
    """
    return " ".join(text.split(maxsplit=n)[:n])[: 10 * n]


def word_windows(text: str, n: int) -> list[str]:
    """Consecutive non-overlapping windows of `n` words covering the whole text (last may be shorter)."""
    words = text.split()
    return [" ".join(words[i : i + n]) for i in range(0, len(words), n)]


class ReferenceSimilarity(Scorer):
    """Signals (all higher = closer to the reference set, 0 for an empty document):

    - `refsim_rougeL`: ROUGE-L F1 (rouge_score, no stemming) of the document's first `max_words`
      words against each of its `k` nearest reference windows, the max over the k;
    - `refsim_bleu`: sacrebleu sentence BLEU (effective order, 13a tokens, n-grams up to
      `bleu_max_order`) of the same words against the k windows as one multi-reference set
      (clipped counts and closest length over all k, as BLEU defines multiple references), on
      sacrebleu's 0–100 scale;
    - `refsim_cosine`: cosine of hashed, sublinear-tf (idf from the reference if `use_idf`)
      word-unigram vectors to the nearest window.

    Both ROUGE-L F1 and BLEU's brevity penalty punish a 20-word text compared with 100-word
    windows, so short documents score low whatever their quality; read the signals with the
    document's length.
    """

    name, version = "refsim", "1"
    columns = ("refsim_rougeL", "refsim_bleu", "refsim_cosine")

    def __init__(
        self,
        k: int = 3,
        max_words: int = 100,
        bleu_max_order: int = 2,
        use_idf: bool = False,
        n_features: int = 2**18,
        batch_rows: int = 1000,
    ):
        if k < 1 or max_words < 1:
            raise ValueError(f"k and max_words must be >= 1, got k={k}, max_words={max_words}")
        self.k = k
        self.max_words = max_words  # ROUGE-L time grows with its square: 100 -> 200 costs about 4x
        self.batch_rows = batch_rows  # rows of the dense (batch x windows) cosine block
        self._hasher = HashingVectorizer(n_features=n_features, alternate_sign=False, norm=None)
        self._tfidf = TfidfTransformer(sublinear_tf=True, use_idf=use_idf)
        self._rouge_tokens = DefaultTokenizer(use_stemmer=False).tokenize
        self._bleu = BLEU(effective_order=True, max_ngram_order=bleu_max_order)
        self.windows: list[str] = []
        self._window_vectors = None

    def fit(self, reference_texts: Iterable[str]) -> ReferenceSimilarity:
        """Index the reference texts, cut into `max_words`-word windows (and take idf from them)."""
        self.windows = [w for text in reference_texts for w in word_windows(text, self.max_words)]
        if not self.windows:
            raise ValueError("reference_texts: no words to index (empty or whitespace-only texts)")
        counts = self._hasher.transform(self.windows)
        self._window_vectors = self._tfidf.fit_transform(counts).T.tocsr()  # features x windows
        return self

    def _nearest(self, heads: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(indices of the k nearest windows, their cosines), both (len(heads), k), best first."""
        queries = self._tfidf.transform(self._hasher.transform(heads))
        cosine = (queries @ self._window_vectors).toarray()
        k = min(self.k, cosine.shape[1])
        top = np.argpartition(-cosine, k - 1, axis=1)[:, :k]
        top_cos = np.take_along_axis(cosine, top, axis=1)
        order = np.argsort(-top_cos, axis=1, kind="stable")
        return np.take_along_axis(top, order, axis=1), np.take_along_axis(top_cos, order, axis=1)

    def _rouge_l(self, references: list[str], head: str) -> float:
        """rouge_score's `score_multi(references, head)["rougeL"].fmeasure`: the best F1 over references."""
        predicted = self._rouge_tokens(head)
        best = 0.0
        for reference in references:
            target = self._rouge_tokens(reference)
            if predicted and target:
                lcs = LCSseq.similarity(target, predicted)
                if lcs:
                    precision, recall = lcs / len(predicted), lcs / len(target)
                    best = max(best, 2 * precision * recall / (precision + recall))
        return best

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        if self._window_vectors is None:
            raise RuntimeError("ReferenceSimilarity.score_texts called before fit(reference_texts)")
        heads = [first_words(t or "", self.max_words) for t in texts]
        rows = np.zeros((len(heads), len(self.columns)))
        for start in range(0, len(heads), self.batch_rows):
            batch = heads[start : start + self.batch_rows]
            neighbours, cosines = self._nearest(batch)
            for i, head in enumerate(batch):
                if not head:
                    continue  # stays 0, 0, 0: nothing to compare
                references = [self.windows[j] for j in neighbours[i]]
                rouge_l = self._rouge_l(references, head)
                bleu = self._bleu.sentence_score(head, references).score
                rows[start + i] = (rouge_l, bleu, cosines[i, 0])
        return pd.DataFrame(rows, columns=list(self.columns))
