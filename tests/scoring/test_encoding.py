"""Encoding damage: controlled damage of real BBC articles, real damage in the sample, hand cases."""

import gzip
import json
from functools import cache

import pandas as pd
import pytest

from winnow.ingest.text import normalise_text
from winnow.scoring.encoding import SIGNALS, EncodingDamage
from tests.conftest import SAMPLE

SCORER = EncodingDamage()
ACCENTED = str.maketrans({"e": "é", "a": "à", "o": "ô", "u": "ü"})
CYRILLIC_LOOKALIKES = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с"}  # Latin -> Cyrillic


@cache
def sample_texts(name: str) -> tuple[str, ...]:
    """A sample file's texts as ingest stores them (ftfy-repaired, NFC)."""
    with gzip.open(SAMPLE / f"{name}.jsonl.gz", "rt") as f:
        return tuple(normalise_text(json.loads(line)["text"]) for line in f)


def scores(texts) -> list[dict]:
    return SCORER.score_texts(list(texts)).to_dict("records")


def every_nth_word(text: str, n: int, change) -> str:
    return " ".join(change(w) if i % n == n // 2 else w for i, w in enumerate(text.split(" ")))


def through_ascii(text: str) -> str:
    """Accented letters in some words, then a lossy ASCII codec: "hôw" becomes "h?w"."""
    return every_nth_word(text, 7, lambda w: w.translate(ACCENTED)).encode("ascii", errors="replace").decode()


def doubly_encoded(text: str) -> str:
    """Some words accented and in typographic quotes, UTF-8 read twice as cp1252, then ingest.

    A lenient cp1252 decoder drops the bytes cp1252 leaves undefined (0x9D, the last byte of '”'):
    ftfy then repairs the accents and the opening quotes, but not the closing ones.
    """
    damaged = every_nth_word(text, 7, lambda w: f"“{w.translate(ACCENTED)}”")
    for _ in range(2):
        damaged = damaged.encode("utf-8").decode("cp1252", errors="ignore")
    return normalise_text(damaged)


def with_replacement_chars(text: str) -> str:
    """Three characters a decoder could not read, at a quarter, half and three quarters."""
    for k in (1, 2, 3):
        i = k * len(text) // 4
        text = text[:i] + "\ufffd" + text[i + 1 :]
    return text


def with_homoglyphs(text: str) -> str:
    """In every 10th word of 4+ letters, the first of a, e, o, p, c swapped for its Cyrillic twin."""
    def swap(word):
        if not (word.isalpha() and len(word) >= 4):
            return word
        i = next((i for i, c in enumerate(word) if c in CYRILLIC_LOOKALIKES), None)
        return word if i is None else word[:i] + CYRILLIC_LOOKALIKES[word[i]] + word[i + 1 :]
    return every_nth_word(text, 10, swap)


BBC_PASSAGES = 50


@pytest.fixture(scope="module")
def passages() -> tuple[str, ...]:
    return sample_texts("bbc_news")[:BBC_PASSAGES]


def test_clean_bbc_articles_score_zero(passages):
    for i, row in enumerate(scores(passages)):
        assert row == {**{f"encoding_{s}": 0 for s in SIGNALS}, "encoding_damage_per_1k_chars": 0.0}, i


@pytest.mark.parametrize("damage, signal", [
    (through_ascii, "qmark_in_words"),
    (doubly_encoded, "mojibake"),
    (with_replacement_chars, "replacement_chars"),
    (with_homoglyphs, "mixed_script_words"),
])
def test_each_kind_of_damage_raises_its_signal_on_every_article(passages, damage, signal):
    damaged = [damage(p) for p in passages]
    assert all(d != p for d, p in zip(damaged, passages))
    failures = [
        i for i, (before, after) in enumerate(zip(scores(passages), scores(damaged)))
        if not (after[f"encoding_{signal}"] > before[f"encoding_{signal}"]
                and after["encoding_damage_per_1k_chars"] > before["encoding_damage_per_1k_chars"])
    ]
    assert failures == [], f"{damage.__name__}: not scored higher on passages {failures}"


def test_real_damage_in_bbc_news_is_found_and_nothing_else():
    rows = SCORER.score_texts(sample_texts("bbc_news"))
    flagged = rows.index[rows["encoding_damage_per_1k_chars"] > 0].tolist()
    # "Mr Blair¿s", "America¿s", "a person¿s": a lost apostrophe; "a �15.8m signing": a lost '£'.
    # Questions in film and song titles ("Shall We Dance? at number three") are not damage.
    assert flagged == [1285, 1557, 1937, 2290]
    assert rows.loc[1557, "encoding_replacement_chars"] == 1
    assert rows.loc[[1285, 1937, 2290], "encoding_qmark_in_words"].tolist() == [1, 1, 1]


@pytest.mark.parametrize("name, line, snippet", [
    ("sms_spam", 612, "1st wk?s free"),  # a lost apostrophe
    ("gcide", 110, "F. b?tir"),  # bâtir, its circumflex lost
    ("gcide", 350, "[Gr. ??? bladder + ????"),  # Greek words lost whole
])
def test_real_lost_letters_in_the_sample_are_counted(name, line, snippet):
    text = sample_texts(name)[line]
    assert snippet in text
    assert scores([text])[0]["encoding_qmark_in_words"] >= 1
    assert scores([text.replace("?", "")])[0]["encoding_qmark_in_words"] < scores([text])[0]["encoding_qmark_in_words"]


@pytest.mark.parametrize("text, count", [
    ("Why? Because.", 0),
    ("Caf? au lait", 1),
    ("na?ve", 1),
    ("?????? ????", 2),
    ("x = a ? b : c", 0),
    ("see https://example.com/search?q=1 or just ?q=1 and page.cgi?id=7", 0),
    ("Shall We Dance? at number three", 0),  # the clause asks a question
    ("Is he there?  he asked.", 0),
    ("Guess who am I?This is my page", 0),  # a question glued to the next sentence
    ("M?NCHEN", 1),
    ("une ?cole et un caf? noir", 2),  # word start, and word end before a lowercase word
    ("What?? no way", 0),
    ("re.compile(r'(?P<name>x)')", 0),
    ("Mr Blair¿s office", 1),
    ("¿Qué pasa?", 0),
])
def test_question_marks_standing_for_lost_letters(text, count):
    assert scores([text])[0]["encoding_qmark_in_words"] == count


@pytest.mark.parametrize("text, count", [
    ("pаypal", 1),  # Cyrillic а
    ("Visit pаypаl.com or miсrosoft.com", 2),  # one word with two swaps counts once
    ("Κοινή ελληνική γλώσσα", 0),
    ("Москва — столица России", 0),
    ("Москва (Moscow) and Αθήνα (Athens)", 0),  # scripts side by side, not inside a word
    ("a 10 μm cell behind a 4.7 kΩ resistor", 0),  # SI units written with Greek letters
    ("naïve café déjà vu", 0),
])
def test_mixed_script_words(text, count):
    assert scores([text])[0]["encoding_mixed_script_words"] == count


def test_controls_mojibake_and_replacement_characters():
    row = scores(["tab\tnew\nline\x00 bell\x07 next-line\x85 done"])[0]
    assert row["encoding_control_chars"] == 3  # NUL, BEL and C1 NEL; tab and newline are text
    row = scores(["He said \"hello†and left: Ã©tÃ© Ã  Paris"])[0]
    assert row["encoding_mojibake"] >= 2
    assert scores(["naïve café, l'été à Paris, “quoted”"])[0]["encoding_mojibake"] == 0
    row = scores(["bad byte \ufffd\ufffd here"])[0]
    assert (row["encoding_replacement_chars"], row["encoding_mojibake"]) == (2, 0)  # not counted twice


def test_contract_one_row_per_text_in_order():
    texts = ["", "clean text.", "Caf? au lait", "pаypal"]
    signals = SCORER.score_texts(texts)
    assert (SCORER.name, SCORER.version) == ("encoding", "1")
    assert list(signals.columns) == [f"encoding_{s}" for s in SIGNALS] + ["encoding_damage_per_1k_chars"]
    assert signals["encoding_damage_per_1k_chars"].tolist() == [0.0, 0.0, 1000 / 12, 1000 / 6]
    documents = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": texts})
    assert SCORER.score(documents)["id"].tolist() == ["a", "b", "c", "d"]
    assert len(SCORER.score_texts([])) == 0
