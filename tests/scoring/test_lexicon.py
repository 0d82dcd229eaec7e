"""Word and bigram frequencies of English at large tell typos, odd thesaurus picks and broken collocations
from merely technical words."""

import random

import numpy as np
import pandas as pd

from tests.conftest import PROJECT
from winnow.quality.degrade import Resources, char_noise, read_thesaurus, synonym_spin, word_shuffle
from winnow.scoring.lexicon import COLUMNS, bigram_features, lexicon_features, word_features


def _passages():
    reference = pd.read_json(PROJECT / "data/01_raw/reference/reference.jsonl.gz", lines=True)
    return reference.groupby("source").head(10)["text"].tolist()


def test_typos_are_unknown_words_and_spins_are_rare_ones():
    """Real reference passages against their own noisy and spun copies: typos raise the share of
    unknown words in (nearly) every passage, a thesaurus spin the share of rare words."""
    passages, rng = _passages(), random.Random(0)
    spin = Resources(synonyms=read_thesaurus(PROJECT / "data/01_raw/reference/thesaurus_wordnet.tsv.gz"))
    clean = np.array([lexicon_features(t) for t in passages])
    noisy = np.array([lexicon_features(char_noise(t, rng, Resources())) for t in passages])
    spun = np.array([lexicon_features(synonym_spin(t, rng, spin)) for t in passages])
    assert np.mean(noisy[:, 0] > clean[:, 0]) > 0.9   # unknown words
    assert np.mean(spun[:, 1] > clean[:, 1]) > 0.8    # rare words
    assert np.mean(spun[:, 2] < clean[:, 2]) > 0.8    # mean Zipf frequency


def test_only_lower_case_words_count():
    # read: went, the, markte, and, bought, recieve (names and 2-letter words are skipped)
    unknown, rare, mean_zipf, p10 = word_features("Xyzzyq Plugh went to the markte and bought recieve.")
    assert unknown == 1 / 6  # "markte"; "recieve" is a typo common enough for wordfreq to list, as rare
    assert rare == 2 / 6 and 0 < p10 < mean_zipf
    assert np.isnan(word_features("ALL CAPS OR 42")).all()


def test_spins_and_word_shuffles_break_common_bigrams():
    """Real reference passages of every genre against their own spun and word-shuffled copies: the
    share of word pairs that English commonly uses falls in (nearly) every damaged copy."""
    passages, rng = _passages(), random.Random(0)
    spin = Resources(synonyms=read_thesaurus(PROJECT / "data/01_raw/reference/thesaurus_wordnet.tsv.gz"))
    clean = np.array([bigram_features(t) for t in passages])
    spun = np.array([bigram_features(synonym_spin(t, rng, spin)) for t in passages])
    shuffled = np.array([bigram_features(word_shuffle(t, rng, Resources())) for t in passages])
    assert 0.5 < np.median(clean[:, 0]) < 0.9   # clean prose of any of the genres keeps most
    assert np.mean(spun[:, 0] < clean[:, 0]) > 0.9 and np.mean(spun[:, 1] < clean[:, 1]) > 0.9
    assert np.mean(shuffled[:, 0] < clean[:, 0] - 0.1) > 0.9


def test_bigrams_stay_within_a_clause_and_ignore_case():
    common, logfreq = bigram_features("Of the people, by the people.")  # of the | the people | by the | the people
    assert common == 1.0 and logfreq > 6
    assert not np.isnan(bigram_features("PEOPLE by")).any() and np.isnan(bigram_features("people, by")).all()
    assert np.isnan(bigram_features("Word. Another! 42")).all()
    assert len(lexicon_features("Of the people.")) == len(COLUMNS)
