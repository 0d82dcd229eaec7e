"""Controlled damage to clean text: the negatives of contrastive training and of the evaluation set.

Each family is one way web text goes wrong while still looking like text, the blind spots of
rule-based filters: fluent nonsense (an n-gram chain), shuffled word or sentence order, a thesaurus
spin, lost or mis-decoded characters, typing/OCR noise, boilerplate spliced into the prose, and a
page cut off mid-way. A degradation is a pure function of (text, rng, resources), so the same
families damage the training sources (for the coherence model) and, with *other* resources and
*other* sources, the evaluation set (`scripts/build_quality_eval.py`).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


def split_sentences(text: str) -> list[str]:
    """Sentences of running prose (a regex split after . ! ? before a capital); newlines are spaces."""
    return [s for s in _SENTENCE_END.split(" ".join(text.split())) if s]


@dataclass
class Resources:
    """What a degradation may draw on; training and evaluation each bring their own.

    `chain_texts`: the pool an n-gram chain is trained on; `synonyms`: word -> its synonyms (a
    thesaurus); `boilerplate`: lines a template site puts around content.
    """

    chain_texts: Sequence[str] = ()
    synonyms: Mapping[str, Sequence[str]] = field(default_factory=dict)
    boilerplate: Sequence[str] = ()
    _chain: dict | None = field(default=None, repr=False)
    _starts: list | None = field(default=None, repr=False)

    def chain(self, order: int = 2) -> dict[tuple[str, ...], list[str]]:
        if self._chain is None:
            table: dict[tuple[str, ...], list[str]] = defaultdict(list)
            for text in self.chain_texts:
                words = text.split()
                for i in range(len(words) - order):
                    table[tuple(words[i:i + order])].append(words[i + order])
            self._chain = dict(table)
        return self._chain

    def chain_starts(self) -> list[tuple[str, ...]]:
        """The chain's keys that open with a capital: where a generated sentence may begin.
        Kept once: recomputed per copy, this scan was most of the coherence model's fitting time."""
        if self._starts is None:
            self._starts = [k for k in self.chain() if k[0][:1].isupper()]
        return self._starts


def paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text) if p.strip()] or [text]


def _layout_like(text: str, pieces: list[str], size: Callable[[str], int]) -> str:
    """`pieces` (sentences or words) laid out in the original's paragraphs, each holding as many
    pieces as it did: damage must not also change the page's shape, a cue that would give it away."""
    out, start = [], 0
    paras = paragraphs(text)
    for i, para in enumerate(paras):
        take = len(pieces) - start if i == len(paras) - 1 else size(para)
        out.append(" ".join(pieces[start:start + take]))
        start += take
    return "\n\n".join(p for p in out if p)


def ngram_chain(text: str, rng: random.Random, res: Resources) -> str:
    """As many words from a second-order word chain over the pool: plausible three words at a time, meaningless."""
    table, starts = res.chain(), res.chain_starts()
    n_words = len(text.split())
    words = list(rng.choice(starts))
    while len(words) < n_words:
        followers = table.get(tuple(words[-2:]))
        if not followers:  # a dead end: start a new sentence, as chain generators do
            words.extend(rng.choice(starts))
            continue
        words.append(rng.choice(followers))
    return _layout_like(text, words[:n_words], lambda para: len(para.split()))


def word_shuffle(text: str, rng: random.Random, res: Resources) -> str:
    """Each sentence's words in random order (its first capital and final stop stay in place)."""
    out = []
    for sentence in split_sentences(text):
        words = sentence.rstrip(".!?").split()
        end = sentence[len(sentence.rstrip(".!?")):]
        rng.shuffle(words)
        joined = " ".join(words)
        out.append(joined[:1].upper() + joined[1:] + end)
    return _layout_like(text, out, lambda para: len(split_sentences(para)))


def sentence_shuffle(text: str, rng: random.Random, res: Resources) -> str:
    """The same sentences in random order, in paragraphs of the original's sizes."""
    sentences = split_sentences(text)
    original = list(sentences)
    for _ in range(5):  # a two-sentence text may shuffle back to itself
        rng.shuffle(sentences)
        if sentences != original:
            break
    return _layout_like(text, sentences, lambda para: len(split_sentences(para)))


def synonym_spin(text: str, rng: random.Random, res: Resources, rate: float = 0.5) -> str:
    """Article spinning: about `rate` of the words the thesaurus knows replaced by a synonym."""
    def swap(match: re.Match) -> str:
        word = match.group(0)
        options = res.synonyms.get(word.lower())
        if not options or rng.random() >= rate:
            return word
        new = rng.choice(options)
        return new[:1].upper() + new[1:] if word[:1].isupper() else new
    return _WORD.sub(swap, text)


_LOST = "?\ufffd"


def encoding_damage(text: str, rng: random.Random, res: Resources) -> str:
    """A lossy round trip: typographic characters mis-decoded (UTF-8 read as cp1252) or lost, and
    some letters replaced by `?` or U+FFFD, in one stretch of the text (partial damage is the hard case)."""
    start = rng.randrange(0, max(1, len(text) // 2))
    end = min(len(text), start + max(200, len(text) // 2))
    middle = list(text[start:end])
    mode = rng.choice(["lost", "mojibake"])
    for i, ch in enumerate(middle):
        if ord(ch) > 127 or ch in "'\"-":
            fancy = {"'": "\u2019", '"': "\u201d", "-": "\u2013"}.get(ch, ch)
            if mode == "mojibake":
                middle[i] = fancy.encode("utf-8").decode("cp1252", errors="replace")
            else:
                middle[i] = rng.choice(_LOST)
        elif ch.isalpha() and rng.random() < 0.06:
            middle[i] = rng.choice(_LOST)
    return text[:start] + "".join(middle) + text[end:]


_KEYBOARD = "abcdefghijklmnopqrstuvwxyz"


def char_noise(text: str, rng: random.Random, res: Resources, rate: float = 0.08) -> str:
    """Typing / OCR noise: a letter dropped, doubled, swapped with its neighbour or replaced, in `rate` of the words."""
    def noisy(match: re.Match) -> str:
        word = match.group(0)
        if len(word) < 3 or rng.random() >= rate * 3:
            return word
        i = rng.randrange(len(word) - 1)
        op = rng.randrange(4)
        if op == 0:
            return word[:i] + word[i + 1:]
        if op == 1:
            return word[:i] + word[i] + word[i:]
        if op == 2:
            return word[:i] + word[i + 1] + word[i] + word[i + 2:]
        return word[:i] + rng.choice(_KEYBOARD) + word[i + 1:]
    return _WORD.sub(noisy, text)


def boilerplate_splice(text: str, rng: random.Random, res: Resources) -> str:
    """Template lines (menus, share buttons, cookie notices) before, between and after the paragraphs."""
    blocks = paragraphs(text)
    for _ in range(max(3, len(split_sentences(text)) // 2)):
        blocks.insert(rng.randrange(len(blocks) + 1), rng.choice(res.boilerplate))
    return "\n\n".join(blocks)


def truncate(text: str, rng: random.Random, res: Resources) -> str:
    """A fragment: the text cut at both ends mid-sentence, keeping 20-40 % of it (paragraph breaks kept)."""
    tokens = re.split(r"(\s+)", text)  # words and the whitespace between them
    words = tokens[::2]
    keep = max(8, int(len(words) * rng.uniform(0.2, 0.4)))
    start = rng.randrange(1, max(2, len(words) - keep))
    fragment = "".join(tokens[2 * start:2 * (start + keep) - 1]).strip()
    return fragment.lower() if rng.random() < 0.2 else fragment


FAMILIES: dict[str, Callable[[str, random.Random, Resources], str]] = {
    "ngram_chain": ngram_chain,
    "word_shuffle": word_shuffle,
    "sentence_shuffle": sentence_shuffle,
    "synonym_spin": synonym_spin,
    "encoding_damage": encoding_damage,
    "char_noise": char_noise,
    "boilerplate": boilerplate_splice,
    "truncation": truncate,
}


def degrade(text: str, family: str, rng: random.Random, res: Resources) -> str:
    """`text` damaged by one family; raises KeyError naming the families for an unknown one."""
    if family not in FAMILIES:
        raise KeyError(f"unknown degradation {family!r}; known: {sorted(FAMILIES)}")
    return FAMILIES[family](text, rng, res)


def read_thesaurus(path) -> dict[str, list[str]]:
    """A thesaurus file: one `word<TAB>synonym,synonym,...` per line (plain or .gz)."""
    import gzip
    from pathlib import Path

    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f if line.strip()]
    bad = next((i for i, row in enumerate(rows, 1) if len(row) != 2), None)
    if bad:
        raise ValueError(f"{path} line {bad}: expected 'word<TAB>synonym,synonym,...'")
    thesaurus = {word: [s for s in synonyms.split(",") if s] for word, synonyms in rows}
    return {word: synonyms for word, synonyms in thesaurus.items() if synonyms}


def read_lines(path) -> list[str]:
    """Non-empty lines of a text file (boilerplate templates); `#` starts a comment line."""
    from pathlib import Path

    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and not line.startswith("#")]
