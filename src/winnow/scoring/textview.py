"""A document split the ways the heuristics need, each split computed once and shared."""

from functools import cached_property

import numpy as np

# Characters that end a sentence or a line of prose (C4 and FineWeb count lines ending in these).
TERMINAL_PUNCTUATION = tuple('.!?"\'”’…:;)')
BULLETS = ("•", "-", "*", "‣", "⁃", "◦", "●", "▪", "·", "–")
_PUNCT_ONLY = str.maketrans("", "", "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~…–—“”‘’«»·•")


class TextView:
    __slots__ = ("text", "__dict__")

    def __init__(self, text: str):
        self.text = text

    @cached_property
    def lines(self) -> list[str]:
        """Non-blank lines, stripped."""
        return [line.strip() for line in self.text.split("\n") if line.strip()]

    @cached_property
    def paragraphs(self) -> list[str]:
        return [p.strip() for p in self.text.split("\n\n") if p.strip()]

    @cached_property
    def words(self) -> list[str]:
        """Whitespace-separated tokens, as Gopher counts them."""
        return self.text.split()

    @cached_property
    def content_words(self) -> list[str]:
        """Words that are not pure punctuation (Gopher's word count excludes symbols)."""
        return [w for w in self.words if w.translate(_PUNCT_ONLY)]

    @cached_property
    def word_hashes(self) -> np.ndarray:
        """One 64-bit hash per lower-cased word; n-gram repetition is computed on these."""
        return np.fromiter((hash(w.lower()) for w in self.words), dtype=np.int64, count=len(self.words)).view(np.uint64)

    @cached_property
    def word_lengths(self) -> np.ndarray:
        return np.fromiter((len(w) for w in self.words), dtype=np.int64, count=len(self.words))
