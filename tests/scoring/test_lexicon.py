"""Word frequencies of English at large tell typos and odd thesaurus picks from merely technical words."""

import random

import numpy as np
import pandas as pd

from tests.conftest import PROJECT
from winnow.quality.degrade import Resources, char_noise, read_thesaurus, synonym_spin
from winnow.scoring.lexicon import lexicon_features


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
    unknown, rare, mean_zipf, p10 = lexicon_features("Xyzzyq Plugh went to the markte and bought recieve.")
    assert unknown == 1 / 6  # "markte"; "recieve" is a typo common enough for wordfreq to list, as rare
    assert rare == 2 / 6 and 0 < p10 < mean_zipf
    assert np.isnan(lexicon_features("ALL CAPS OR 42")).all()
