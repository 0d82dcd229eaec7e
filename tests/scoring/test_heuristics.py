"""Each heuristic rule on hand-worked texts, at and just beyond its shipped threshold."""

import pandas as pd
import pytest

from winnow.scoring import apply_rules
from winnow.scoring.heuristics import C4Quality, FineWebQuality, GopherQuality, GopherRepetition, HeuristicSuite
from winnow.scoring.textview import TextView

SENTENCE = "The cat sat on the mat and looked at the dog."  # 11 words, 2 stop words ("the" x2, "and")


def words(n: int, word: str = "word") -> str:
    return " ".join([word] * n)


def numbered_lines(n: int) -> list[str]:
    """Distinct prose lines that end in a full stop and pass C4's line filter."""
    return [f"Line number {i} says something new." for i in range(n)]


def signal(scorer, text: str, name: str) -> float:
    return scorer.signals(TextView(text))[name]


def check(rules, name, value) -> bool:
    """Does a single signal value pass the shipped rule for it?"""
    verdict = apply_rules(pd.DataFrame({"id": ["d"], name: [value]}), {"group": {name: rules[name]}})
    return verdict.loc[0, "failed_rules"] == ""


# (signal, text that sits exactly on the threshold, text just past it, value on, value past)
CASES = [
    ("gopher_n_words", words(50), words(49), 50, 49),
    ("gopher_mean_word_length", words(60, "abc"), words(60, "ab"), 3.0, 2.0),
    ("gopher_symbol_word_ratio", words(50) + " #####", words(50) + " ######", 0.1, 0.12),
    ("gopher_bullet_line_frac", "\n".join(["- item"] * 9 + ["plain line"]), "\n".join(["- item"] * 10), 0.9, 1.0),
    ("gopher_ellipsis_line_frac", "\n".join(["wait..."] * 3 + ["done."] * 7), "\n".join(["wait..."] * 4 + ["done."] * 6), 0.3, 0.4),
    ("gopher_alpha_word_frac", words(8) + " 123 456", words(7) + " 123 456 789", 0.8, 0.7),
    ("gopher_stop_words", "the and cat", "the cat dog", 2, 1),
]


@pytest.mark.parametrize("name,on,past,value_on,value_past", CASES, ids=[c[0] for c in CASES])
def test_gopher_quality_rules_at_thresholds(heuristic_rules, name, on, past, value_on, value_past):
    scorer = GopherQuality()
    assert signal(scorer, on, name) == pytest.approx(value_on)
    assert signal(scorer, past, name) == pytest.approx(value_past)
    assert check(heuristic_rules, name, value_on)
    assert not check(heuristic_rules, name, value_past)


def test_gopher_word_count_ignores_pure_punctuation():
    assert signal(GopherQuality(), "one - two -- three ... four", "gopher_n_words") == 4


def test_gopher_upper_word_bound(heuristic_rules):
    assert not check(heuristic_rules, "gopher_n_words", 100_001)
    assert not check(heuristic_rules, "gopher_mean_word_length", 10.5)


def test_duplicate_lines_and_paragraphs(heuristic_rules):
    rep = GopherRepetition()
    lines = numbered_lines(7)
    on = "\n".join(lines + lines[:3])  # 3 of 10 lines repeat an earlier one
    past = "\n".join(lines[:6] + lines[:4])  # 4 of 10
    assert signal(rep, on, "gopher_rep_dup_line_frac") == pytest.approx(0.3)
    assert signal(rep, past, "gopher_rep_dup_line_frac") == pytest.approx(0.4)
    assert check(heuristic_rules, "gopher_rep_dup_line_frac", 0.3)
    assert not check(heuristic_rules, "gopher_rep_dup_line_frac", 0.4)
    paras = "\n\n".join(lines + lines[:3])
    assert signal(rep, paras, "gopher_rep_dup_para_frac") == pytest.approx(0.3)
    # every line the same length, so the character fraction equals the line fraction
    assert signal(rep, on, "gopher_rep_dup_line_char_frac") == pytest.approx(0.3)
    assert not check(heuristic_rules, "gopher_rep_dup_line_char_frac", 0.3)
    assert check(heuristic_rules, "gopher_rep_dup_para_char_frac", 0.2)


def test_top_ngram_character_fraction():
    # "ab cd" occurs twice; word characters total 2*4 + 2*4 = 16 over 8 words of 2 letters
    text = "ab cd ef gh ab cd ij kl"
    # top 2-gram "ab cd": 4 characters x 2 occurrences / 16 = 0.5
    assert signal(GopherRepetition(), text, "gopher_rep_top_2gram_char_frac") == pytest.approx(0.5)
    # no 3-gram repeats, so Gopher counts nothing
    assert signal(GopherRepetition(), text, "gopher_rep_top_3gram_char_frac") == 0.0


def test_duplicated_ngram_coverage_counts_each_word_once():
    base = "alpha beta gamma delta epsilon"
    text = f"{base} zeta {base} eta"  # the 5-gram repeats; 10 of 12 words (50 of 61 chars) covered
    total = sum(len(w) for w in text.split())
    covered = 2 * sum(len(w) for w in base.split())
    assert signal(GopherRepetition(), text, "gopher_rep_dup_5gram_char_frac") == pytest.approx(covered / total)
    assert signal(GopherRepetition(), text, "gopher_rep_dup_6gram_char_frac") == 0.0


@pytest.mark.parametrize("n,limit", [(5, 0.15), (6, 0.14), (7, 0.13), (8, 0.12), (9, 0.11), (10, 0.10)])
def test_duplicated_ngram_thresholds(heuristic_rules, n, limit):
    name = f"gopher_rep_dup_{n}gram_char_frac"
    assert check(heuristic_rules, name, limit)
    assert not check(heuristic_rules, name, limit + 0.001)


@pytest.mark.parametrize("n,limit", [(2, 0.20), (3, 0.18), (4, 0.16)])
def test_top_ngram_thresholds(heuristic_rules, n, limit):
    name = f"gopher_rep_top_{n}gram_char_frac"
    assert check(heuristic_rules, name, limit)
    assert not check(heuristic_rules, name, limit + 0.001)


def test_c4_page_rules(heuristic_rules):
    c4 = C4Quality()
    five = " ".join(["This sentence is fine."] * 5)
    assert signal(c4, five, "c4_kept_sentences") == 5
    assert check(heuristic_rules, "c4_kept_sentences", 5)
    assert not check(heuristic_rules, "c4_kept_sentences", 4)
    assert signal(c4, "Lorem ipsum dolor sit amet.", "c4_lorem_ipsum") == 1
    assert signal(c4, "function f() { return 1; }", "c4_curly_bracket") == 1
    assert not check(heuristic_rules, "c4_lorem_ipsum", 1)
    assert not check(heuristic_rules, "c4_curly_bracket", 1)


def test_c4_drops_lines_before_counting_sentences():
    c4 = C4Quality()
    text = "\n".join([
        "Please enable JavaScript to view this page.",  # javascript line: removed
        "Read our privacy policy here.",  # policy line: removed
        "Too short.",  # fewer than 3 words: removed
        "no terminal punctuation here",  # removed
        "A real sentence stays in. And another one does!",  # kept: 2 sentences
    ])
    sig = c4.signals(TextView(text))
    assert sig["c4_kept_sentences"] == 2
    assert sig["c4_kept_line_frac"] == pytest.approx(0.2)
    assert sig["c4_javascript_line_frac"] == pytest.approx(0.2)
    assert sig["c4_policy_line_frac"] == pytest.approx(0.2)


def test_fineweb_rules(heuristic_rules):
    fw = FineWebQuality()
    # 12 of 100 lines end in punctuation: exactly FineWeb's 0.12
    lines = ["a line ending in a full stop."] * 12 + [f"a line without an end {i}" for i in range(88)]
    assert signal(fw, "\n".join(lines), "fineweb_punct_line_frac") == pytest.approx(0.12)
    assert check(heuristic_rules, "fineweb_punct_line_frac", 0.12)
    assert not check(heuristic_rules, "fineweb_punct_line_frac", 0.11)
    # lines of <= 30 characters are short
    short = "\n".join(["short line"] * 2 + ["a line that is clearly longer than thirty characters"])
    assert signal(fw, short, "fineweb_short_line_frac") == pytest.approx(2 / 3)
    assert check(heuristic_rules, "fineweb_short_line_frac", 0.67)
    assert not check(heuristic_rules, "fineweb_short_line_frac", 0.68)
    dup = "\n".join(["abcdefghij", "klmnopqrst", "abcdefghij"])  # 10 of 30 characters repeat
    assert signal(fw, dup, "fineweb_dup_line_char_frac") == pytest.approx(1 / 3)
    assert check(heuristic_rules, "fineweb_dup_line_char_frac", 0.01)
    assert not check(heuristic_rules, "fineweb_dup_line_char_frac", 0.011)
    assert signal(fw, "one two\nthree four\nfive six", "fineweb_newline_word_ratio") == pytest.approx(2 / 6)
    assert not check(heuristic_rules, "fineweb_newline_word_ratio", 2 / 6)


def test_suite_matches_individual_scorers_and_scores_prose_above_spam(heuristic_rules):
    prose = " ".join([SENTENCE, "It was a quiet afternoon, and the house was warm."] * 3) + "\n\n" + (
        "Later that evening the family gathered to read the letters that had arrived from abroad, "
        "and each of them found something in the news that surprised them. The youngest had written "
        "about her studies with real enthusiasm, describing the old library and the river beside it."
    )
    spam = "\n".join(["BUY CHEAP PILLS NOW!!! best price click here"] * 12)
    suite = HeuristicSuite()
    table = suite.score_texts([prose, spam])
    for scorer in suite.scorers:
        expected = scorer.score_texts([prose, spam])
        pd.testing.assert_frame_equal(table[expected.columns], expected)
    verdicts = apply_rules(table.assign(id=["prose", "spam"]), {"all": heuristic_rules})
    assert verdicts.loc[0, "heuristic_score"] > verdicts.loc[1, "heuristic_score"]
    assert "gopher_rep_dup_line_frac>max" in verdicts.loc[1, "failed_rules"]


def test_rules_naming_unknown_signal_fail_loudly():
    with pytest.raises(KeyError, match="gopher_typo"):
        apply_rules(pd.DataFrame({"id": ["a"], "gopher_n_words": [3]}), {"g": {"gopher_typo": {"min": 1}}})
    with pytest.raises(ValueError, match="must have 'min' and/or 'max'"):
        apply_rules(pd.DataFrame({"id": ["a"], "x": [3]}), {"g": {"x": {"minimum": 1}}})


def test_score_averages_rule_groups():
    signals = pd.DataFrame({"id": ["a"], "x1": [0], "x2": [0], "x3": [0], "y": [5]})
    groups = {"xs": {"x1": {"min": 1}, "x2": {"min": 1}, "x3": {"max": 1}}, "ys": {"y": {"max": 10}}}
    verdict = apply_rules(signals, groups)
    assert verdict.loc[0, "failed_rules"] == "x1<min,x2<min"
    assert verdict.loc[0, "heuristic_score"] == pytest.approx((1 / 3 + 1) / 2)


def test_repetition_signals_do_not_depend_on_the_process_hash_seed():
    """Word hashes are salted per process; tied top n-grams must still give the same signal."""
    import subprocess
    import sys

    code = ("from winnow.scoring.heuristics import GopherRepetition;"
            "print(GopherRepetition().score_texts(['aa bb aa bb cccc dddd cccc dddd', 'x yy x yy zzz www zzz www q'])"
            ".filter(like='top').round(6).to_json())")
    outputs = {subprocess.run([sys.executable, "-c", code], env={"PYTHONHASHSEED": str(seed), "PATH": ""},
                              capture_output=True, text=True, check=True).stdout for seed in (1, 2, 3, 4)}
    assert len(outputs) == 1
