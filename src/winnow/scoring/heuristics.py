"""Rule-based quality signals from Gopher (Rae et al. 2021), C4 (Raffel et al. 2020) and FineWeb.

Each scorer returns raw signals only; thresholds live in `parameters_score.yml` and are applied by
`winnow.scoring.apply_rules`, so users can re-threshold without re-scoring. Signal definitions
follow the papers (and datatrove's implementations where the papers leave details open).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from winnow.scoring.base import Scorer
from winnow.scoring.textview import BULLETS, TERMINAL_PUNCTUATION, TextView

STOP_WORDS = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})  # Gopher's list
C4_POLICY = ("terms of use", "privacy policy", "cookie policy", "uses cookies", "use of cookies", "use cookies")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")
_ALPHA = re.compile(r"[^\W\d_]")
_MIX = np.uint64(0x9E3779B97F4A7C15)


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def _duplicate_fraction(items: list[str]) -> tuple[float, float]:
    """(fraction of items, fraction of characters) that repeat an earlier item."""
    seen: set[str] = set()
    dup_items = dup_chars = total_chars = 0
    for item in items:
        total_chars += len(item)
        if item in seen:
            dup_items += 1
            dup_chars += len(item)
        else:
            seen.add(item)
    return _ratio(dup_items, len(items)), _ratio(dup_chars, total_chars)


def _ngram_hashes(word_hashes: np.ndarray, n: int) -> np.ndarray:
    """Order-sensitive 64-bit hash of every word n-gram (wrapping arithmetic, like a rolling hash)."""
    with np.errstate(over="ignore"):
        h = word_hashes[: len(word_hashes) - n + 1].copy()
        for k in range(1, n):
            h = h * _MIX + word_hashes[k : len(word_hashes) - n + 1 + k]
    return h


class GopherQuality(Scorer):
    name, version = "gopher", "1"

    def signals(self, doc: TextView) -> dict[str, float]:
        words, content, lines = doc.words, doc.content_words, doc.lines
        n_content = len(content)
        symbols = doc.text.count("#") + doc.text.count("...") + doc.text.count("…")
        return {
            "gopher_n_words": n_content,
            "gopher_mean_word_length": _ratio(sum(map(len, content)), n_content),
            "gopher_symbol_word_ratio": _ratio(symbols, n_content),
            "gopher_bullet_line_frac": _ratio(sum(line.startswith(BULLETS) for line in lines), len(lines)),
            "gopher_ellipsis_line_frac": _ratio(sum(line.endswith(("...", "…")) for line in lines), len(lines)),
            "gopher_alpha_word_frac": _ratio(sum(bool(_ALPHA.search(w)) for w in words), len(words)),
            "gopher_stop_words": sum(w.lower() in STOP_WORDS for w in words),
        }

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        return pd.DataFrame([self.signals(TextView(t)) for t in texts])


class GopherRepetition(Scorer):
    """Duplicate lines/paragraphs and repeated word n-grams, as character fractions (Gopher, table A1)."""

    name, version = "gopher_rep", "2"  # 2: tied top n-grams resolved by first occurrence
    top_ngram_sizes = (2, 3, 4)
    dup_ngram_sizes = (5, 6, 7, 8, 9, 10)

    def signals(self, doc: TextView) -> dict[str, float]:
        out = {}
        out["gopher_rep_dup_line_frac"], out["gopher_rep_dup_line_char_frac"] = _duplicate_fraction(doc.lines)
        out["gopher_rep_dup_para_frac"], out["gopher_rep_dup_para_char_frac"] = _duplicate_fraction(doc.paragraphs)
        hashes, lengths = doc.word_hashes, doc.word_lengths
        total_chars = int(lengths.sum())
        for n in self.top_ngram_sizes:
            out[f"gopher_rep_top_{n}gram_char_frac"] = self._top_ngram_frac(hashes, lengths, n, total_chars)
        for n in self.dup_ngram_sizes:
            out[f"gopher_rep_dup_{n}gram_char_frac"] = self._dup_ngram_frac(hashes, lengths, n, total_chars)
        return out

    @staticmethod
    def _top_ngram_frac(hashes, lengths, n, total_chars) -> float:
        """Characters in all occurrences of the most frequent n-gram (counted only if it repeats)."""
        if len(hashes) < n or not total_chars:
            return 0.0
        _, first, counts = np.unique(_ngram_hashes(hashes, n), return_index=True, return_counts=True)
        # ties go to the n-gram seen first: word hashes are salted per process, their order is not stable
        tied = np.flatnonzero(counts == counts.max())
        top = int(tied[np.argmin(first[tied])])
        if counts[top] < 2:
            return 0.0
        start = first[top]
        return float(lengths[start : start + n].sum() * counts[top] / total_chars)

    @staticmethod
    def _dup_ngram_frac(hashes, lengths, n, total_chars) -> float:
        """Characters of words covered by any n-gram occurring more than once (no double counting)."""
        if len(hashes) < n or not total_chars:
            return 0.0
        _, inverse, counts = np.unique(_ngram_hashes(hashes, n), return_inverse=True, return_counts=True)
        starts = counts[inverse] > 1
        if not starts.any():
            return 0.0
        # word j is covered if a duplicated n-gram starts in [j-n+1, j]: a difference-array sweep
        delta = np.zeros(len(hashes) + 1, dtype=np.int64)
        idx = np.flatnonzero(starts)
        np.add.at(delta, idx, 1)
        np.add.at(delta, idx + n, -1)
        covered = np.cumsum(delta[:-1]) > 0
        return float(lengths[covered].sum() / total_chars)

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        return pd.DataFrame([self.signals(TextView(t)) for t in texts])


class C4Quality(Scorer):
    """C4's line and page filters, measured rather than applied (C4 edits lines; we keep the text)."""

    name, version = "c4", "1"

    def signals(self, doc: TextView) -> dict[str, float]:
        lines, lower = doc.lines, doc.text.lower()
        kept_lines = [
            line for line in lines
            if line.endswith(TERMINAL_PUNCTUATION)
            and len(line.split()) >= 3
            and "javascript" not in line.lower()
            and not any(p in line.lower() for p in C4_POLICY)
        ]
        return {
            "c4_lorem_ipsum": int("lorem ipsum" in lower),
            "c4_curly_bracket": int("{" in doc.text),
            "c4_no_terminal_punct_line_frac": _ratio(sum(not l.endswith(TERMINAL_PUNCTUATION) for l in lines), len(lines)),
            "c4_short_line_frac": _ratio(sum(len(l.split()) < 3 for l in lines), len(lines)),
            "c4_javascript_line_frac": _ratio(sum("javascript" in l.lower() for l in lines), len(lines)),
            "c4_policy_line_frac": _ratio(sum(any(p in l.lower() for p in C4_POLICY) for l in lines), len(lines)),
            "c4_kept_line_frac": _ratio(len(kept_lines), len(lines)),
            "c4_kept_sentences": sum(len(_SENTENCE_END.findall(line)) for line in kept_lines),
        }

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        return pd.DataFrame([self.signals(TextView(t)) for t in texts])


class FineWebQuality(Scorer):
    """FineWeb's three extra filters (Penedo et al. 2024) plus its list-likeness check."""

    name, version = "fineweb", "1"

    def signals(self, doc: TextView) -> dict[str, float]:
        lines = doc.lines
        _, dup_line_chars = _duplicate_fraction(lines)
        return {
            "fineweb_punct_line_frac": _ratio(sum(l.endswith(TERMINAL_PUNCTUATION) for l in lines), len(lines)),
            "fineweb_short_line_frac": _ratio(sum(len(l) <= 30 for l in lines), len(lines)),
            "fineweb_dup_line_char_frac": dup_line_chars,
            "fineweb_newline_word_ratio": _ratio(doc.text.count("\n"), len(doc.words)),
        }

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        return pd.DataFrame([self.signals(TextView(t)) for t in texts])


class HeuristicSuite(Scorer):
    """Several text-view scorers run in one pass, so each document is split only once."""

    name = "heuristic"

    def __init__(self, scorers: list[Scorer] | None = None):
        self.scorers = scorers or [GopherQuality(), GopherRepetition(), C4Quality(), FineWebQuality()]
        self.version = "+".join(f"{s.name}-{s.version}" for s in self.scorers)

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        rows = []
        for text in texts:
            view = TextView(text)
            row: dict[str, float] = {}
            for scorer in self.scorers:
                row.update(scorer.signals(view))
            rows.append(row)
        return pd.DataFrame(rows)
