"""How common a text's words are in English at large (the `wordfreq` package's frequency list).

The reference corpus is a few million words, so a word it lacks may just be rare; wordfreq's list
(Wikipedia, subtitles, news, books, web text and more, ~300k English words) tells a typo ("recieve",
"hte") or an odd thesaurus pick ("bighearted" for "generous") from a word that is merely technical.
Only lower-case words are read: capitalised ones are mostly names, which a frequency list misses.
"""

from __future__ import annotations

import math
import re
from functools import cache

import numpy as np

_LOWER_WORD = re.compile(r"(?<![\w'-])[a-z]{3,}(?![\w'-])")
RARE_ZIPF = 3.0  # a Zipf frequency of 3 is once per million words: "recieve", "bighearted"
COLUMNS = ("lexicon_unknown", "lexicon_rare", "lexicon_mean_zipf", "lexicon_p10_zipf")


@cache
def _zipf() -> dict[str, float]:
    """word -> Zipf frequency (log10 of uses per billion words), from wordfreq's 'large' English list."""
    from wordfreq import get_frequency_dict

    return {w: math.log10(f * 1e9) for w, f in get_frequency_dict("en", wordlist="large").items()}


def lexicon_features(text: str) -> tuple[float, float, float, float]:
    """(share of unknown words, share of rare ones, mean Zipf, 10th-percentile Zipf) of the lower-case
    words of 3+ letters; NaN when there are none. Unknown words count as Zipf 0."""
    zipf = _zipf()
    values = np.array([zipf.get(w, 0.0) for w in _LOWER_WORD.findall(text)])
    if not len(values):
        return (np.nan,) * 4
    return (float(np.mean(values == 0)), float(np.mean(values < RARE_ZIPF)), float(values.mean()),
            float(np.percentile(values, 10)))
