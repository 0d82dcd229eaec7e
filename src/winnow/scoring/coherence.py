"""Coherence: a contrastive model of clean text against damaged copies of the same text.

Perplexity under a small LM and n-gram rules judge a few words at a time, so text that is fluent
locally but means nothing (an n-gram chain, a thesaurus spin, shuffled sentences) passes them. This
scorer is trained the way the brief asks for preference pairs: every clean reference passage is
paired with a copy damaged by one of `winnow.quality.degrade.FAMILIES`, and a gradient-boosted
classifier learns which of the two is the original, from signals that look past a few words:

- word statistics of clean text: how common a document's words and word pairs are in the
  reference (hashed counts; shuffles and spins make rare pairs out of common words, noise makes
  unknown words);
- discourse: do neighbouring sentences, and sentences of one paragraph, share words and topic (LSA
  over the reference) more than distant ones (a shuffle makes them alike), does it open with
  "However," or "He" (a fragment or a shuffle does), does it start and end where sentences do;
- characters: lost letters (`?`, U+FFFD), mojibake, template lines;
- English at large (`winnow.scoring.lexicon`, wordfreq's words, symspellpy's bigrams): words no
  dictionary knows (typos), rare ones (an odd thesaurus pick) and word pairs English rarely uses
  (a spin, a word shuffle), read against far more text and genres than the reference holds;
- reference order: nouns introduced ("a X") before referred to ("the X"), quotations that open
  before they close.

`coherence_prob` is P(original). The passages it trains on come from the reference corpus only;
the evaluation set's sources and resources never reach it (see `scripts/build_quality_eval.py`).
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy.stats import rankdata
from sklearn.decomposition import TruncatedSVD
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfVectorizer
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

from winnow.quality.degrade import FAMILIES, Resources, degrade, paragraphs, split_sentences
from winnow.scoring.base import Scorer
from winnow.scoring.lexicon import COLUMNS as LEXICON_COLUMNS
from winnow.scoring.lexicon import lexicon_features

_TOKEN = r"(?u)\b\w+\b"
_CONTENT_WORD = re.compile(r"[a-z]{4,}")
_OPENERS = frozenset(
    "however but and or so also then thus therefore moreover furthermore nevertheless instead meanwhile "
    "he she it they his her its their them him this these those such which who whom whose".split())
_MOJIBAKE = re.compile("[ÃÂâ€][\u0080-\u00bf\u2018-\u203a€™œ]")
_QMARK_IN_WORD = re.compile(r"[A-Za-z][?\ufffd]+[A-Za-z]|[?\ufffd]{2,}")
_TERMINAL = ".!?\"')]:"
_ARTICLE_NOUN = re.compile(r"\b(a|an|the)\s+([a-z]{3,})\b", re.IGNORECASE)
_OPEN_QUOTE = re.compile(r'(?:^|(?<=[\s(\[]))"(?=\S)')
_CLOSE_QUOTE = re.compile(r'(?<=\S)"(?=[\s).,;:!?\]]|$)')
MAX_SENTENCES = 40  # the opening 40 sentences decide; caps the cost of book-length documents

FEATURES = (
    "uni_seen", "uni_rare", "uni_logfreq", "bi_seen", "bi_logfreq", "bi_minus_uni", "tri_seen",
    "n_sentences", "mean_sentence_words", "cv_sentence_words",
    # discourse as differences and ranks within a document, never absolute similarity levels: those
    # follow the genre (terse entries vs manuals), and on genres the reference lacks they read as damage
    "overlap_gain", "topic_gain", "adjacent_rank_overlap", "adjacent_rank_topic",
    "paragraph_overlap_gain", "paragraph_topic_gain",
    "opens_with_reference", "openers_rate", "paragraph_openers_rate", "starts_lower", "ends_terminal",
    "capitalised_sentences", "unbalanced_brackets_per_1k",
    "lost_chars_per_1k", "mojibake_per_1k", "short_lines_rate", "unterminated_lines_rate",
    "article_order", "quote_violations", *LEXICON_COLUMNS,
)


def _first_word(text: str) -> str:
    words = text.split(maxsplit=1)
    return words[0].lower().strip("\"'(,:;") if words else ""


def _content_words(sentence: str) -> set[str]:
    return {w[:6] for w in _CONTENT_WORD.findall(sentence.lower()) if w not in ENGLISH_STOP_WORDS}


def _adjacent_rank(values: np.ndarray) -> float:
    """Where neighbouring sentences rank among all pairs of a document by similarity: ~0.5 when order
    carries no information (a shuffle), higher when neighbours are more alike than strangers."""
    n = len(values)
    if n < 4:
        return np.nan
    i, j = np.triu_indices(n, 1)
    ranks = rankdata(values[i, j]) / len(i)
    return float(ranks[j - i == 1].mean())


def _sentences(text: str) -> tuple[list[str], np.ndarray]:
    """The opening MAX_SENTENCES sentences and the paragraph each belongs to."""
    sentences, paragraph = [], []
    for i, block in enumerate(paragraphs(text)):
        for sentence in split_sentences(block):
            sentences.append(sentence)
            paragraph.append(i)
    return sentences[:MAX_SENTENCES], np.array(paragraph[:MAX_SENTENCES], dtype=int)


def _paragraph_gain(values: np.ndarray, paragraph: np.ndarray) -> float:
    """Mean similarity of sentence pairs within a paragraph minus pairs across paragraphs: a writer
    groups what belongs together; sentences shuffled into the same layout lose that (~0)."""
    i, j = np.triu_indices(len(paragraph), 1)
    same = paragraph[i] == paragraph[j]
    if len(paragraph) < 3 or not same.any() or same.all():
        return np.nan
    return float(values[i[same], j[same]].mean() - values[i[~same], j[~same]].mean())


def _mean_pairs(values: np.ndarray, near: bool) -> float:
    """Mean of a symmetric sentence-by-sentence matrix over neighbours (|i-j| = 1) or far pairs (|i-j| >= 3)."""
    n = len(values)
    i, j = np.triu_indices(n, 1)
    mask = (j - i == 1) if near else (j - i >= 3)
    return float(values[i[mask], j[mask]].mean()) if mask.any() else np.nan


def _article_order(sentences: list[str]) -> float:
    """Of the nouns met both as "a/an X" and "the X", the share introduced (a/an) no later than the
    sentence first calling them "the X": a text introduces before it refers back, a shuffle need not."""
    first: dict[bool, dict[str, int]] = {True: {}, False: {}}
    for i, sentence in enumerate(sentences):
        for article, noun in _ARTICLE_NOUN.findall(sentence):
            first[article.lower() == "the"].setdefault(noun.lower(), i)
    both = [n for n in first[False] if n in first[True]]
    return float(np.mean([first[False][n] <= first[True][n] for n in both])) if both else np.nan


def _quote_violations(text: str) -> float:
    """Share of quotation marks that open an open quote or close a closed one (a mark's side is read
    from its neighbours): a quotation spanning sentences breaks when they are shuffled."""
    marks = sorted([(m.start(), True) for m in _OPEN_QUOTE.finditer(text)]
                   + [(m.start(), False) for m in _CLOSE_QUOTE.finditer(text)])
    if len(marks) < 2:
        return np.nan
    inside, wrong = False, 0
    for _, opens in marks:
        wrong += opens == inside
        inside = opens
    return wrong / len(marks)


class CoherenceModel(Scorer):
    """Scores `coherence_prob` = P(an original, not a damaged copy) for each text."""

    name = "coherence"
    version = "5"

    def __init__(self, n_buckets: int = 2**20, topics: int = 64, max_chars: int = 6000, copies: int = 4, seed: int = 0):
        self.n_buckets, self.topics, self.max_chars, self.copies, self.seed = n_buckets, topics, max_chars, copies, seed
        self.counts: dict[int, np.ndarray] = {}
        self.lsa = None
        self.model: HistGradientBoostingClassifier | None = None

    # ---- word statistics of clean text ----
    def _hasher(self, n: int) -> HashingVectorizer:
        return HashingVectorizer(n_features=self.n_buckets, ngram_range=(n, n), token_pattern=_TOKEN,
                                 alternate_sign=False, norm=None, dtype=np.float32)

    def _fit_statistics(self, texts: Sequence[str]) -> None:
        for n in (1, 2, 3):
            self.counts[n] = np.asarray(self._hasher(n).transform(texts).sum(axis=0)).ravel()
        tfidf = TfidfVectorizer(token_pattern=r"(?u)\b[a-z]{3,}\b", stop_words="english", sublinear_tf=True,
                                min_df=2, max_features=30_000, dtype=np.float32)
        svd = TruncatedSVD(self.topics, random_state=self.seed)
        svd.fit(tfidf.fit_transform(texts))
        self.lsa = (tfidf, svd)

    def _ngram_features(self, texts: list[str]) -> dict[str, np.ndarray]:
        out = {}
        for n, label in ((1, "uni"), (2, "bi"), (3, "tri")):
            x = self._hasher(n).transform(texts)
            total = np.asarray(x.sum(axis=1)).ravel()
            counts = self.counts[n]
            with np.errstate(invalid="ignore", divide="ignore"):
                out[f"{label}_seen"] = (x @ (counts > 0).astype(np.float32)) / total
                out[f"{label}_logfreq"] = (x @ np.log1p(counts)) / total
                if n == 1:  # a thesaurus spin swaps common words for real but rare ones
                    out["uni_rare"] = (x @ ((counts > 0) & (counts <= 5)).astype(np.float32)) / total
        out["bi_minus_uni"] = out["bi_logfreq"] - out["uni_logfreq"]
        del out["tri_logfreq"]
        return out

    def _topic_vectors(self, sentences: list[str]) -> np.ndarray:
        tfidf, svd = self.lsa
        vectors = svd.transform(tfidf.transform(sentences))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)

    # ---- discourse and characters ----
    def _document_features(self, text: str, sentences: list[str], paragraph: np.ndarray,
                           topics: np.ndarray) -> dict[str, float]:
        lengths = np.array([len(s.split()) for s in sentences], dtype=float)
        words = [_content_words(s) for s in sentences]
        n = len(sentences)
        overlap = np.zeros((n, n))
        for i in range(n):
            for j in range(i + 1, n):
                smaller = min(len(words[i]), len(words[j]))
                overlap[i, j] = len(words[i] & words[j]) / smaller if smaller else 0.0
        cosine = topics @ topics.T if n else np.zeros((0, 0))
        first = _first_word(sentences[0]) if n else ""
        paragraph_firsts = [_first_word(p) for p in text.split("\n\n") if p.strip()]
        lines = [line for line in text.split("\n") if line.strip()]
        if len(lines) > 1 and len(lines[0].split()) < 12 and lines[0].rstrip()[-1:] not in _TERMINAL:
            # a heading, not a template line: reference passages have none, so a model that counted it
            # read every headline as spliced boilerplate (BBC articles: median P(original) 0.14, 0.90 without)
            lines = lines[1:]
        chars = max(1, len(text))
        f = {
            "n_sentences": float(n),
            "mean_sentence_words": float(lengths.mean()) if n else np.nan,
            "cv_sentence_words": float(lengths.std() / lengths.mean()) if n and lengths.mean() else np.nan,
            "overlap_gain": _mean_pairs(overlap, True) - _mean_pairs(overlap, False),
            "topic_gain": _mean_pairs(cosine, True) - _mean_pairs(cosine, False),
            "adjacent_rank_overlap": _adjacent_rank(overlap), "adjacent_rank_topic": _adjacent_rank(cosine),
            "paragraph_overlap_gain": _paragraph_gain(overlap, paragraph),
            "paragraph_topic_gain": _paragraph_gain(cosine, paragraph),
            "opens_with_reference": float(first in _OPENERS),
            "openers_rate": (float(np.mean([s.split()[0].lower().strip(",") in _OPENERS for s in sentences if s.split()]))
                             if n else np.nan),
            "paragraph_openers_rate": (float(np.mean([w in _OPENERS for w in paragraph_firsts]))
                                       if paragraph_firsts else np.nan),
            "unbalanced_brackets_per_1k": 1000 * (abs(text.count("(") - text.count(")"))
                                                  + abs(text.count("[") - text.count("]")) + text.count('"') % 2) / chars,
            "starts_lower": float(text[:1].islower()),
            "ends_terminal": float(text.rstrip()[-1:] in _TERMINAL) if text.strip() else 0.0,
            "capitalised_sentences": float(np.mean([s[:1].isupper() for s in sentences])) if n else np.nan,
            "lost_chars_per_1k": 1000 * len(_QMARK_IN_WORD.findall(text)) / chars,
            "mojibake_per_1k": 1000 * len(_MOJIBAKE.findall(text)) / chars,
            "short_lines_rate": float(np.mean([len(line.split()) < 6 for line in lines])) if lines else np.nan,
            "unterminated_lines_rate": (float(np.mean([line.rstrip()[-1:] not in _TERMINAL for line in lines]))
                                        if lines else np.nan),
            "article_order": _article_order(sentences),
            "quote_violations": _quote_violations(text),
            **dict(zip(LEXICON_COLUMNS, lexicon_features(text))),
        }
        return f

    def features(self, texts: Iterable[str]) -> pd.DataFrame:
        texts = [t[:self.max_chars] for t in texts]
        per_doc = [_sentences(t) for t in texts]
        flat = [s for sentences, _ in per_doc for s in sentences]
        topics = self._topic_vectors(flat) if flat else np.zeros((0, self.topics))
        rows, start = [], 0
        for text, (sentences, paragraph) in zip(texts, per_doc):
            rows.append(self._document_features(text, sentences, paragraph, topics[start:start + len(sentences)]))
            start += len(sentences)
        if not texts:
            return pd.DataFrame(columns=list(FEATURES), dtype=float)
        frame = pd.DataFrame(rows)
        for column, values in self._ngram_features(texts).items():
            frame[column] = values
        return frame[list(FEATURES)].astype(float)

    # ---- training: originals vs damaged copies ----
    def fit(self, clean_texts: Sequence[str], resources: Resources, groups: Sequence | None = None,
            heldout_fraction: float = 0.2, statistics_fraction: float = 0.5) -> dict:
        """Fit on `clean_texts` and one damaged copy of each; metrics on held-out groups' pairs.

        The word statistics, topics and the n-gram chain's pool come from `statistics_fraction` of
        the groups and the classifier trains on the others: fitted on the same passages, every
        word pair of an original would be "seen" and the classifier would learn that instead.
        """
        rng = random.Random(self.seed)
        keys = [str(k) for k in (groups if groups is not None else range(len(clean_texts)))]
        unique = sorted(set(keys))
        rng.shuffle(unique)
        n_stats, n_held = int(len(unique) * statistics_fraction), max(1, int(len(unique) * heldout_fraction))
        role = {k: "statistics" if i < n_stats else "heldout" if i < n_stats + n_held else "train"
                for i, k in enumerate(unique)}
        statistics = [t for t, k in zip(clean_texts, keys) if role[k] == "statistics"]
        texts = [t for t, k in zip(clean_texts, keys) if role[k] != "statistics"]
        heldout = np.array([role[k] == "heldout" for k in keys if role[k] != "statistics"])
        if self.copies < 1:
            raise ValueError(f"copies must be >= 1, got {self.copies}")
        if not statistics or heldout.all() or not heldout.any():
            raise ValueError(f"{len(unique)} groups of reference passages are too few to split three ways")
        self._fit_statistics(statistics)
        # the chain's pool must not be the statistics' text, or every word triple of a chain is "seen"
        resources = Resources(chain_texts=texts, synonyms=resources.synonyms, boilerplate=resources.boilerplate)
        families = sorted(FAMILIES)
        originals, damaged, kinds = [], [], []
        for i, text in enumerate(texts):
            text = _random_prefix(text, rng)
            for copy in range(self.copies):
                family = families[(i * self.copies + copy) % len(families)]
                originals.append(text)
                damaged.append(degrade(text, family, rng, resources))
                kinds.append(family)
        heldout = np.repeat(heldout, self.copies)
        x = pd.concat([self.features(originals), self.features(damaged)], ignore_index=True)
        y = np.r_[np.ones(len(originals)), np.zeros(len(damaged))]
        in_train = np.r_[~heldout, ~heldout]
        self.model = HistGradientBoostingClassifier(max_iter=300, learning_rate=0.08, max_leaf_nodes=31,
                                                    l2_regularization=1.0, random_state=self.seed)
        self.model.fit(x[in_train], y[in_train])
        p = self.model.predict_proba(x[~in_train])[:, 1]
        n_held = int(heldout.sum())
        p_orig, p_damaged = p[:n_held], p[n_held:]
        held_kinds = np.array(kinds)[heldout]
        metrics = {"heldout_roc_auc": float(roc_auc_score(y[~in_train], p)),
                   "heldout_pair_accuracy": float(np.mean(p_orig > p_damaged)),
                   "train_pairs": int((~heldout).sum()), "heldout_pairs": n_held}
        for kind in families:
            mask = held_kinds == kind
            if mask.any():
                metrics[f"heldout_pair_accuracy.{kind}"] = float(np.mean(p_orig[mask] > p_damaged[mask]))
        return metrics

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        if self.model is None:
            raise RuntimeError("CoherenceModel.score_texts before fit")
        x = self.features(texts)
        # one OpenMP thread: scoring runs in parallel processes, and a prediction's threads spin-waiting
        # for a busy core cost ~1 s a call (measured with 2 processes on 2 cores), against ~8 ms alone
        with threadpool_limits(1, user_api="openmp"):
            prob = self.model.predict_proba(x)[:, 1] if len(x) else np.zeros(0)
        return pd.DataFrame({"coherence_prob": prob, "coherence_topic_gain": x["topic_gain"].to_numpy(),
                             "coherence_bi_seen": x["bi_seen"].to_numpy(),
                             "coherence_unknown_words": x["lexicon_unknown"].to_numpy()})


def _random_prefix(text: str, rng: random.Random) -> str:
    """A prefix of whole paragraphs (at least 4 sentences when the text has them), so length says
    nothing about being damaged."""
    blocks = [p for p in text.split("\n\n") if p.strip()]
    counts = np.cumsum([len(split_sentences(p)) for p in blocks])
    if len(blocks) <= 1 or counts[-1] <= 4:
        return text
    first = int(np.searchsorted(counts, 4))  # the first paragraph that brings 4 sentences
    return "\n\n".join(blocks[:rng.randint(first + 1, len(blocks))])
