"""Encoding damage that ftfy could not repair: lost characters, leftover mojibake, stray controls.

Ingest runs `ftfy.fix_text` (see `winnow.ingest.text.normalise_text`) before any scorer sees a
document, so what is measured here is what is left after the repair: U+FFFD from a lossy decode,
`?` where a codec had no byte for a letter ("Caf? au lait", "?????? ???" for a Russian phrase),
mojibake ftfy could not undo (a lenient decoder dropped one of its bytes), control characters,
and words mixing Latin with Cyrillic or Greek letters (the homoglyph trick: "pаypal").

Units: the five damage signals are counts per document (a count says exactly what was found, and
on 100-character messages a rate is one event either way); `encoding_damage_per_1k_chars` is
their sum per 1,000 characters, the number a rule thresholds. Most documents are pure ASCII
without a `?`; for those only the control-character regex runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd
from ftfy.badness import badness

from winnow.scoring.base import Scorer

SIGNALS = ("replacement_chars", "qmark_in_words", "mojibake", "control_chars", "mixed_script_words")

# C0 controls but tab, newline and carriage return; DEL; C1 controls (U+0080-U+009F).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Counted in their own columns; ftfy's badness would count U+FFFD pairs and every C1 control again.
_COUNTED_ELSEWHERE = re.compile("[\ufffd\x80-\x9f]")

_QMARK_RUN = re.compile("[?¿]+")
# After a word-final '?', one space and a word: "Caf? au". Two spaces ("me?  heh") end a sentence.
_NEXT_WORD = re.compile(r" ([^\W\d_])")
_QUERY = re.compile(r"[\w.%+-]*=")  # "?q=1", "cgi?id=7": a URL query, not a lost letter
_CLAUSE = re.compile(r"[^.!?\n]*\Z")
# A word-final '?' before a lowercase word ends a question when its clause asks one: "Shall We
# Dance? at number three", "who has brought you here? do come in". "Caf? au lait" asks nothing.
_QUESTION_WORD = re.compile(
    r"\b(?:who|whom|whose|what|which|when|where|why|how|is|are|was|were|am|do|does|did|can|could"
    r"|will|would|shall|should|may|might|must|have|has|had)\b",
    re.IGNORECASE,
)
_QUESTION_LOOKBACK = 200  # characters searched back for the clause's start

_LATIN = "A-Za-zÀ-ÖØ-öø-ɏḀ-ỿ"
_CYRILLIC = "Ѐ-ԯᲀ-ᲈⷠ-ⷿꙀ-ꚟ"
_GREEK = "Ͱ-Ͽἀ-῾"
_NOT_LATIN = re.compile(f"[{_CYRILLIC}{_GREEK}]")
# A letter run with two neighbouring letters from different scripts; the lookbehind anchors each
# match at a word's start, so a word with several switches ("pаypаl") is one match.
_MIXED_WORD = re.compile(
    rf"(?<![^\W\d_])[^\W\d_]*?"
    rf"(?:[{_LATIN}](?=[{_CYRILLIC}{_GREEK}])|[{_CYRILLIC}](?=[{_LATIN}{_GREEK}])|[{_GREEK}](?=[{_LATIN}{_CYRILLIC}]))"
    rf"[^\W\d_]*"
)
# NFC turns the ohm sign into Greek capital omega, and "μ" is often typed for the micro sign.
_SI_UNIT = re.compile(r"μ[A-Za-z]{1,3}|[A-Za-z]?Ω")


def _in_url(text: str, start: int) -> bool:
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    token = text[token_start:start]
    return "://" in token or token.startswith("www.")


def _is_lost_letter(text: str, start: int, end: int) -> bool:
    """Whether the run of '?' (or '¿') at text[start:end] stands for letters a codec could not write."""
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    if "¿" in text[start:end]:  # "Blair¿s": only ever a substitute between letters
        return before.isalpha() and after.isalpha()
    if before.isalpha() and after.isalpha():  # "na?ve", "wk?s", "b?tir"
        if _QUERY.match(text, end) or _in_url(text, start):
            return False
        # "pic?Txt", "I?This": a question glued to the next sentence; "M?NCHEN" stays damage
        glued = after.isupper() and (before.islower() or text[end + 1 : end + 2].islower())
        return not glued
    if before.isalpha():  # "Caf? au lait", but not "Why? Because" nor "Dance? at number three"
        next_word = _NEXT_WORD.match(text, end)
        if not next_word or not next_word.group(1).islower():
            return False
        clause = _CLAUSE.search(text, max(0, start - _QUESTION_LOOKBACK), start).group()
        return not _QUESTION_WORD.search(clause)
    if after.isalpha():  # "?cole" at a word's start; "(?P<", "a ?b" and "?q=1" are not
        return before.isspace() and not _QUERY.match(text, end) and not _in_url(text, start)
    # a whole word lost: "?????? ???"; a lone '?' between spaces is an operator or a question
    return end - start >= 2 and (before.isspace() or before in "([\"'") and (after.isspace() or after in ".,;:!)]\"'")


def count_lost_letters(text: str) -> int:
    """Runs of '?' standing for letters a lossy codec could not write (a run is one damaged spot)."""
    return sum(_is_lost_letter(text, *m.span()) for m in _QMARK_RUN.finditer(text))


def count_mixed_script_words(text: str) -> int:
    """Words whose letters come from more than one of Latin, Cyrillic and Greek ("pаypal")."""
    if not _NOT_LATIN.search(text):
        return 0
    return sum(not _SI_UNIT.fullmatch(m.group()) for m in _MIXED_WORD.finditer(text))


def encoding_damage(text: str) -> dict[str, int]:
    """The five damage counts of one (normalised) text, keyed by `SIGNALS`."""
    control = len(_CONTROL.findall(text))
    # ASCII holds no U+FFFD, C1 control or non-Latin letter, and every pattern of ftfy's badness
    # needs a non-ASCII character (no ASCII 3-gram matches it)
    if text.isascii():
        qmarks = count_lost_letters(text) if "?" in text else 0
        return dict(zip(SIGNALS, (0, qmarks, 0, control, 0)))
    replacement = text.count("\ufffd")
    clean = _COUNTED_ELSEWHERE.sub("", text) if replacement or control else text
    counts = (replacement, count_lost_letters(text), badness(clean), control, count_mixed_script_words(text))
    return dict(zip(SIGNALS, counts))


class EncodingDamage(Scorer):
    """Counts of encoding damage per document, and their sum per 1,000 characters.

    - `encoding_replacement_chars`: U+FFFD characters (a decoder met bytes it could not read).
    - `encoding_qmark_in_words`: spots where `?` stands for lost letters: inside a word ("na?ve"),
      at a word's start ("?cole"), at a word's end before a lowercase word when the clause asks no
      question ("Caf? au lait"), or a whole word of `?` ("?????? ???", one per word); an inner `¿`
      ("Blair¿s") too. URL queries, "a ? b" and "Why? Because" are not damage.
    - `encoding_mojibake`: ftfy's `badness` (unlikely character sequences such as "Ã©", "â€"),
      with U+FFFD and C1 controls left out as they have their own columns.
    - `encoding_control_chars`: C0 controls but tab, newline and CR (form feed counts), DEL, C1.
    - `encoding_mixed_script_words`: words mixing Latin, Cyrillic and Greek letters; SI units
      written with Greek letters ("μm", "kΩ") excepted.
    - `encoding_damage_per_1k_chars`: the five counts summed, per 1,000 characters (0 when empty).
    """

    name, version = "encoding", "1"

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        columns: dict[str, list] = {f"encoding_{s}": [] for s in (*SIGNALS, "damage_per_1k_chars")}
        for text in texts:
            counts = encoding_damage(text)
            for signal, count in counts.items():
                columns[f"encoding_{signal}"].append(count)
            columns["encoding_damage_per_1k_chars"].append(1000 * sum(counts.values()) / len(text) if text else 0.0)
        return pd.DataFrame(columns).astype({f"encoding_{s}": "int64" for s in SIGNALS})
