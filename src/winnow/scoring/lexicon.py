"""How common a text's words and word pairs are in English at large, not in the reference corpus.

The reference corpus is a few million words of a few genres, so a word or word pair it lacks may
just be another genre's (verse, news); lists built from far larger corpora tell that apart from
damage:
- words: wordfreq's list (Wikipedia, subtitles, news, books, web text and more, ~300k English
  words) tells a typo ("recieve", "hte") or an odd thesaurus pick ("bighearted" for "generous")
  from a word that is merely technical. Only lower-case words are read: capitalised ones are
  mostly names, which a frequency list misses;
- word pairs: symspellpy's 243,342 common English bigrams (Google Books Ngram counts intersected
  with SCOWL's word list) within a clause. A spin breaks collocations ("the bid x" for "the
  command x") and a word shuffle all of them, while clean text of any genre keeps most.
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np

_LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]{3,}(?![\w'-])")
RARE_ZIPF = 3.0  # a Zipf frequency of 3 is once per million words: "recieve", "bighearted"
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\"\n]+")
_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
COLUMNS = ("lexicon_unknown", "lexicon_rare", "lexicon_mean_zipf", "lexicon_p10_zipf",
           "lexicon_common_bigrams", "lexicon_bigram_logfreq")


@cache
def _zipf() -> dict[str, float]:
    """word -> Zipf frequency (log10 of uses per billion words), from wordfreq's 'large' English list."""
    from wordfreq import get_frequency_dict

    return {w: math.log10(f * 1e9) for w, f in get_frequency_dict("en", wordlist="large").items()}


@cache
def _bigrams() -> dict[str, float]:
    """"word word" -> log10 of its count, from the bigram list symspellpy ships in its wheel."""
    from importlib.resources import files

    lines = (files("symspellpy") / "frequency_bigramdictionary_en_243_342.txt").read_text(encoding="utf-8")
    table = {}
    for line in lines.splitlines():
        first, second, count = line.split()
        table[f"{first} {second}"] = math.log10(int(count))
    return table


def word_features(text: str) -> tuple[float, float, float, float]:
    """(share of unknown words, share of rare ones, mean Zipf, 10th-percentile Zipf) of the lower-case
    words of 3+ letters; NaN when there are none. Unknown words count as Zipf 0."""
    zipf = _zipf()
    values = np.array([zipf.get(w, 0.0) for w in _LOWER_WORD.findall(text)])
    if not len(values):
        return (np.nan,) * 4
    return (float(np.mean(values == 0)), float(np.mean(values < RARE_ZIPF)), float(values.mean()),
            float(np.percentile(values, 10)))


def bigram_features(text: str) -> tuple[float, float]:
    """(share of adjacent word pairs within a clause that are common English bigrams, mean log10 count
    with uncommon pairs as 0); NaN when no clause has two words. Case is ignored."""
    table = _bigrams()
    counts = []
    for clause in _CLAUSE_BREAK.split(text):
        words = [w.lower() for w in _WORD.findall(clause)]
        counts += [table.get(f"{a} {b}", 0.0) for a, b in zip(words, words[1:])]
    if not counts:
        return np.nan, np.nan
    values = np.array(counts)
    return float(np.mean(values > 0)), float(values.mean())


def lexicon_features(text: str) -> tuple[float, ...]:
    """The values of COLUMNS, in order."""
    return word_features(text) + bigram_features(text)
