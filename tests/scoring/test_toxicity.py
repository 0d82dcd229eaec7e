"""The toxicity scorer: list matches through disguises, never inside other words, on real sample text."""

import pickle

import pandas as pd
import pytest

from tests.conftest import SAMPLE
from winnow.scoring.toxicity import WORDLIST_PROVENANCE, ToxicityScorer


def matches(text: str) -> int:
    return int(ToxicityScorer().score_texts([text]).loc[0, "toxicity_matches"])


def sample(source: str) -> pd.DataFrame:
    return pd.read_json(SAMPLE / f"{source}.jsonl.gz", lines=True)


@pytest.mark.parametrize("text,expected", [
    ("what the fuck", 1),
    ("FUCK this Shit!", 2),
    ("sh1t and @ss and b!tch and $hit", 4),  # leetspeak
    ("he11, h3ll and he1l", 3),  # 1 read as l when i gives no word
    ("God's own shit/crap", 3),  # apostrophes and slashes split words
    ("f*ck, sh** and f**k", 3),  # each * one letter of a word the same length
    ("*fuck* and **shit**", 2),  # emphasis, not masks
    ("f.u.c.k and s-h-i-t and f_u_c_k", 3),  # separators inside a word
    ("bull-shit", 1),  # the joined form is the list word: counted once, not as bull + shit
    ("a blow job", 1),
    ("2 girls 1 cup", 1),  # digits inside a phrase are words of the phrase
    ("mother fucker", 1),  # the phrase wins over its last word
    ("I'll blow. Job hunting next", 0),  # a phrase does not run over punctuation
    ("lend a hand (job hunting)", 0),
    ("S.O.B. s0b", 2),  # the list's own disguised spellings
])
def test_counts_list_words_through_disguises(text, expected):
    assert matches(text) == expected


@pytest.mark.parametrize("text", [
    "Scunthorpe", "assessment", "classic", "Dickens", "Dickens's", "cockpit", "therapist", "grape",
    "Sussex", "Mid-Sussex self-assessment",
    "455 7175 3.5 1,000 $100",  # all digits: 455 would read "ass", 7175 "tits"
    "A$5.44 in change",  # money, not a$5
    "he'll", "he/she",  # an apostrophe or a slash splits words but never joins them into "hell", "heshe"
    "the sob of a child, a sob.",  # plain "sob" is not the list's disguised s.o.b.
    "x*x + a*b", "tram* service",  # code and a footnote mark are not masks (tram? would be tramp)
])
def test_no_match_inside_other_words_or_numbers(text):
    assert matches(text) == 0


def test_rate_is_per_thousand_whitespace_words_and_zero_for_empty_text():
    signals = ToxicityScorer().score_texts(["fuck this shit", "", "   ", "a clean sentence of six words"])
    assert list(signals.columns) == ["toxicity_matches", "toxicity_per_1k_words"]
    assert signals["toxicity_matches"].tolist() == [2, 0, 0, 0]
    assert signals["toxicity_per_1k_words"].tolist() == pytest.approx([2000 / 3, 0.0, 0.0, 0.0])


def test_rows_follow_input_order_and_score_adds_ids():
    docs = pd.DataFrame({"id": ["clean", "rude"], "text": ["a quiet afternoon", "damn it all to hell"]})
    signals = ToxicityScorer().score(docs)
    assert signals["id"].tolist() == ["clean", "rude"]
    assert signals["toxicity_matches"].tolist() == [0, 2]
    reversed_order = ToxicityScorer().score_texts(docs["text"][::-1])
    assert reversed_order["toxicity_matches"].tolist() == [2, 0]


@pytest.mark.parametrize("source,meta,expected,words", [
    ("sms_spam", {"line": 2224}, 3, 25),  # horniest, Dogging, sex
    ("sms_spam", {"line": 2036}, 2, 33),  # bitch, XXX
    ("sms_spam", {"line": 4830}, 1, 33),  # "3 DONT GIV A SHIT"
    ("fortunes", {"file": "zippy", "index": 453, "package": "fortunes"}, 3, 14),  # NIPPLES, nipples, Nipples
    ("fortunes", {"file": "wisdom", "index": 240, "package": "fortunes"}, 1, 9),  # "everything is crap" -- Sturgeon
    ("chatterbot", {"file": "ai.yml", "index": 36}, 1, 7),  # "Robots are stupid"
])
def test_counts_on_real_sample_documents(source, meta, expected, words):
    frame = sample(source)
    text = frame.loc[frame["meta"].map(meta.__eq__), "text"].iloc[0]
    signals = ToxicityScorer().score_texts([text])
    assert signals.loc[0, "toxicity_matches"] == expected
    assert signals.loc[0, "toxicity_per_1k_words"] == pytest.approx(1000 * expected / words)


def test_news_scores_far_below_spam():
    scorer = ToxicityScorer()
    news = scorer.score_texts(sample("bbc_news")["text"].head(300))["toxicity_per_1k_words"].mean()
    spam = scorer.score_texts(sample("sms_spam")["text"])["toxicity_per_1k_words"].mean()
    assert news < 1.0
    assert 5 * news < spam


def test_classifier_ranks_abuse_above_neutral_text():
    signals = ToxicityScorer(classifier=True).score_texts([
        "You are a worthless piece of shit and everyone hates you, you stupid bitch.",
        "The committee will meet on Tuesday to review the quarterly budget.",
    ])
    assert list(signals.columns) == ["toxicity_matches", "toxicity_per_1k_words", "toxicity_prob"]
    abusive, neutral = signals["toxicity_prob"]
    assert abusive > 0.5 > neutral
    assert ToxicityScorer(classifier=True).score_texts([])["toxicity_prob"].tolist() == []


def test_survives_pickle_without_carrying_model_or_list():
    scorer = ToxicityScorer(classifier=True)
    texts = ["f*ck off", "a quiet afternoon"]
    before = scorer.score_texts(texts)  # loads the list and the model in this process
    blob = pickle.dumps(scorer)
    assert len(blob) < 1000  # spawned workers load their own copies
    pd.testing.assert_frame_equal(pickle.loads(blob).score_texts(texts), before)


def test_wordlist_provenance():
    assert WORDLIST_PROVENANCE == {
        "package": "better-profanity", "version": "0.7.0", "licence": "MIT License",
        "file": "better_profanity/profanity_wordlist.txt", "entries": 916,
    }


def test_excluded_everyday_words_no_longer_count():
    text = "God knows the len of the list; what the hell, it is shit."
    full = ToxicityScorer().score_texts([text])["toxicity_matches"].item()
    trimmed = ToxicityScorer(exclude=["god", "Hell", "len"]).score_texts([text])["toxicity_matches"].item()
    assert (full, trimmed) == (4, 1)
