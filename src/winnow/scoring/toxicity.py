"""Toxic and adult language: matches against a public word list, and optionally a trained classifier.

The list is better-profanity's `profanity_wordlist.txt` (916 entries, MIT), read from the installed
package, never copied here. It is a blunt list: besides slurs and sexual terms it holds everyday
words ("god", "hell", "kill", "drunk", "fat", "len"), so treat `toxicity_per_1k_words` as a rate to
threshold, not a verdict on one match.

Matching is on whole words, case-insensitive, and sees through the usual disguises:
- leetspeak (`sh1t`, `@ss`, `b!tch`), but a token that is all digits is never a word (`455`);
- masks (`f*ck`, `sh**`): each `*` stands for one letter of a list word of the same length;
- separators inside a word (`f.u.c.k`, `s-h-i-t`, `bull-shit`);
- multi-word entries ("blow job") as consecutive words, not across punctuation.
A word never matches inside another one ("Scunthorpe", "assessment", "cockpit").

A plain word matches only entries written plainly; a disguised token may also match the list's own
disguised entries (`s0b`, `s.o.b.`), so the crying "sob" is not counted.

`classifier=True` adds `toxicity_prob` from alt-profanity-check (MIT): a linear SVM over a
bag of words, trained on Davidson et al.'s hate-speech tweets and the Jigsaw toxic-comment data.
"""

from __future__ import annotations

import importlib.metadata
import re
import string
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from winnow.scoring.base import Scorer

_SEPARATORS = "".join(sorted(set(string.punctuation) - set("@$*+|!"))) + "…–—“”‘’«»·•"
_EDGE = _SEPARATORS + "!"  # "!" is an "i" inside a word (sh!t) but punctuation at its end
_JOINERS = "-._~·•"  # may sit inside a disguised word (f.u.c.k); the rest only split: he'll, he/she
_SPLIT = re.compile(f"[{re.escape(''.join(set(_SEPARATORS) - set(_JOINERS)))}]+")
_JOIN = re.compile(f"[{re.escape(_JOINERS)}]+")
_ANY_SEPARATOR = re.compile(f"[{re.escape(_SEPARATORS)}]+")
_PRICE = re.compile(r"\$[\d.,]|\d\$")  # A$5.44 is money, not "ass"
_LEET = str.maketrans({"4": "a", "@": "a", "3": "e", "1": "i", "!": "i", "|": "i", "0": "o",
                       "5": "s", "$": "s", "7": "t", "+": "t"})
_LEET_L = str.maketrans({"1": "l", "|": "l"})  # second reading of 1 and |: he11, c|it


def _provenance(package: str, file: str) -> dict:
    meta = importlib.metadata.metadata(package)
    licences = [c.rsplit(" :: ", 1)[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    return {"package": package, "version": meta["Version"],
            "licence": ", ".join(licences) or meta.get("License-Expression") or meta.get("License"), "file": file}


_WORDLIST_FILE = "better_profanity/profanity_wordlist.txt"


@cache
def _wordlist() -> tuple[str, ...]:
    # located through the distribution's metadata rather than `importlib.resources`, which would
    # import better_profanity and build its censor
    text = importlib.metadata.distribution("better-profanity").locate_file(_WORDLIST_FILE).read_text("utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip())


WORDLIST_PROVENANCE = {**_provenance("better-profanity", _WORDLIST_FILE), "entries": len(_wordlist())}
CLASSIFIER_PROVENANCE = _provenance("alt-profanity-check", "profanity_check/data/model.joblib")


def _is_spelled_out(parts: list[str]) -> bool:
    return len(parts) > 1 and all(len(p) == 1 for p in parts)


@dataclass(frozen=True)
class Lexicon:
    """The list, normalised the way text tokens are, and indexed for each kind of lookup."""

    plain: frozenset[str]  # single words written in letters ("shit", "bullshit" from "bull-shit")
    disguised: frozenset[str]  # what the list's own disguised spellings normalise to ("sob", "heii")
    phrases: dict[str, tuple[tuple[str, ...], ...]]  # first word -> the following words, longest first
    shapes: dict[tuple[int, str | None, str | None], tuple[str, ...]]  # (length, first, last) -> words

    @classmethod
    def from_entries(cls, entries: Iterable[str]) -> Lexicon:
        plain, disguised, phrases = set(), set(), defaultdict(set)
        for entry in entries:
            entry = entry.lower()
            if " " in entry:
                first, *rest = [_normalise(w)[0] for w in entry.split()]
                phrases[first].add(tuple(rest))
                continue
            parts = [p for p in _ANY_SEPARATOR.split(entry.strip(_EDGE).replace("*", "")) if p]
            joined = "".join(parts)
            (plain if joined.isalpha() and not _is_spelled_out(parts) else disguised).add(_normalise(joined)[0])
        shapes = defaultdict(list)
        for word in sorted(plain):
            for first in (word[0], None):
                for last in (word[-1], None):
                    shapes[len(word), first, last].append(word)
        return cls(frozenset(plain), frozenset(disguised - plain),
                   {k: tuple(sorted(v, key=len, reverse=True)) for k, v in phrases.items()},
                   {k: tuple(v) for k, v in shapes.items()})

    def count(self, text: str) -> tuple[int, int]:
        """(list matches, whitespace-separated words) in `text`."""
        chunks = text.lower().split()
        tokens: list[tuple[str, bool] | None] = []  # (normalised word, is a single-word match); None ends a phrase
        plain = self.plain
        for chunk in chunks:
            if chunk.isalpha():
                tokens.append((chunk, chunk in plain))
            else:
                self._add_chunk(chunk, tokens)
        return self._count_tokens(tokens), len(chunks)

    def _add_chunk(self, chunk: str, tokens: list) -> None:
        core = chunk.strip(_EDGE)
        if len(core) > 2 and core[0] == core[-1] == "*":  # *emphasis*, not a mask
            core = core.strip("*")
        elif core.endswith("*") and not core.endswith("**"):  # a footnote mark: free*
            core = core[:-1]
        if core[:1] != chunk[:1]:
            tokens.append(None)
        for piece in _SPLIT.split(core):
            parts = [p for p in _JOIN.split(piece) if p]
            if len(parts) > 1:
                joined = self._token("".join(parts), disguised=True)
                tokens.extend([joined] if joined[1] else [self._token(p) for p in parts])
            elif parts:
                tokens.append(self._token(parts[0]))
        if core[-1:] != chunk[-1:]:
            tokens.append(None)

    def _token(self, part: str, disguised: bool = False) -> tuple[str, bool]:
        if part.isalpha():
            return part, part in self.plain or (disguised and part in self.disguised)
        if _PRICE.search(part):
            return part, False
        if "*" in part:
            return part, self._masked_match(part)
        word, alternative = _normalise(part)
        hit = any(w in self.plain or w in self.disguised for w in (word, alternative) if w)
        return word, hit

    def _masked_match(self, token: str) -> bool:
        """Does `token` (with `*` for hidden letters) spell a list word of its length?

        At least four characters and two letters: `x*x` is code, and `f***` fits too many words.
        """
        if len(token) < 4 or sum(c.isalpha() for c in token) < 2:
            return False
        token = token.translate(_LEET)
        first = None if token[0] == "*" else token[0]
        last = None if token[-1] == "*" else token[-1]
        return any(
            all(t == "*" or t == w for t, w in zip(token, word))
            for word in self.shapes.get((len(token), first, last), ())
        )

    def _count_tokens(self, tokens: list[tuple[str, bool] | None]) -> int:
        matches = i = 0
        while i < len(tokens):
            token = tokens[i]
            i += 1
            if token is None:
                continue
            for rest in self.phrases.get(token[0], ()):
                following = tokens[i : i + len(rest)]
                if len(following) == len(rest) and all(t is not None and t[0] == w for t, w in zip(following, rest)):
                    matches += 1
                    i += len(rest)
                    break
            else:
                matches += token[1]
        return matches


def _normalise(token: str) -> tuple[str, str | None]:
    """(leetspeak undone, the reading with 1 and | as "l" when it differs); digits stay digits."""
    if token.isalpha() or token.isdigit():
        return token, None
    alternative = token.translate(_LEET_L).translate(_LEET) if "1" in token or "|" in token else None
    return token.translate(_LEET), alternative


@cache
def lexicon(exclude: frozenset[str] = frozenset()) -> Lexicon:
    """The packaged list minus `exclude` (everyday words the list also holds: "god", "kill", "len"...)."""
    return Lexicon.from_entries(e for e in _wordlist() if e.lower() not in exclude)


class ToxicityScorer(Scorer):
    """`toxicity_matches`, `toxicity_per_1k_words` (0 for an empty text), and `toxicity_prob` when
    `classifier` is on: the probability alt-profanity-check's model gives the text of being offensive.

    Holds no model or list itself (both load once per process, on first use), so it pickles small
    for spawned workers.
    """

    name, version = "toxicity", "1"

    def __init__(self, classifier: bool = False, exclude: Iterable[str] = ()):
        self.classifier = classifier
        self.exclude = frozenset(w.lower() for w in exclude)

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        texts = list(texts)
        lex = lexicon(self.exclude)
        counts = np.array([lex.count(t) for t in texts], dtype=np.int64).reshape(-1, 2)
        matches, words = counts[:, 0], counts[:, 1]
        out = pd.DataFrame({
            "toxicity_matches": matches,
            "toxicity_per_1k_words": np.divide(1000.0 * matches, words, out=np.zeros(len(texts)), where=words > 0),
        })
        if self.classifier:
            out["toxicity_prob"] = _offensive_probability(texts)
        return out


def _offensive_probability(texts: list[str]) -> np.ndarray:
    if not texts:
        return np.zeros(0)
    from profanity_check import predict_prob  # imports scikit-learn and loads the model: seconds, once

    return np.asarray(predict_prob(texts), dtype=float)
