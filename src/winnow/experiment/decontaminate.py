"""Drop training documents that share a long n-gram with any evaluation text (GPT-3, datatrove).

Text is lowercased and split into runs of letters and digits, so punctuation and spacing
differences do not hide a copy. A training document is contaminated when any of its word
13-grams (`n`) also occurs in an evaluation or fine-tuning text. Evaluation texts shorter than
`n` words (a one-line review) are matched by their 8-grams (`short_n`), so they cannot leak
either; texts under 8 words ("Great film.") are too common to mean a copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

_WORD = re.compile(r"[^\W_]+")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return (tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def build_index(texts: Iterable[str], n: int = 13, short_n: int = 8) -> tuple[set[int], set[int]]:
    """Hashes of the evaluation texts' n-grams, and of the `short_n`-grams of texts shorter than n words."""
    long_grams: set[int] = set()
    short_grams: set[int] = set()
    for text in texts:
        tokens = words(text)
        if len(tokens) >= n:
            long_grams.update(map(hash, ngrams(tokens, n)))
        elif len(tokens) >= short_n:
            short_grams.update(map(hash, ngrams(tokens, short_n)))
    return long_grams, short_grams


def first_overlap(text: str, index: tuple[set[int], set[int]], n: int = 13, short_n: int = 8) -> str | None:
    """The first n-gram (as text) a training document shares with the evaluation texts, or None."""
    long_grams, short_grams = index
    tokens = words(text)
    for grams, size in ((long_grams, n), (short_grams, short_n)):
        if grams and len(tokens) >= size:
            for gram in ngrams(tokens, size):
                if hash(gram) in grams:
                    return " ".join(gram)
    return None


def decontaminate(documents: pd.DataFrame, eval_texts: Iterable[str], n: int = 13,
                  short_n: int = 8) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(clean documents, contaminated: id, source, overlap) for `documents` with `id, text, source`."""
    index = build_index(eval_texts, n, short_n)
    overlaps = [first_overlap(text, index, n, short_n) for text in documents["text"]]
    hit = pd.Series([o is not None for o in overlaps], index=documents.index)
    contaminated = documents.loc[hit, ["id", "source"]].assign(overlap=[o for o in overlaps if o is not None])
    return documents.loc[~hit], contaminated.reset_index(drop=True)
