"""Each degradation family damages real prose the way its name says, reproducibly."""

import random
import re
from collections import Counter

import pandas as pd
import pytest

from tests.conftest import PROJECT
from winnow.quality.degrade import FAMILIES, Resources, degrade, read_lines, read_thesaurus


@pytest.fixture(scope="module")
def passages():
    table = pd.read_json(PROJECT / "data/01_raw/reference/reference.jsonl.gz", lines=True)
    return table.groupby("source").head(5)["text"].tolist()


@pytest.fixture(scope="module")
def resources(passages):
    return Resources(chain_texts=passages, synonyms=read_thesaurus(PROJECT / "data/01_raw/reference/thesaurus_wordnet.tsv.gz"),
                     boilerplate=read_lines(PROJECT / "data/01_raw/reference/boilerplate_train.txt"))


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_every_family_changes_every_passage_and_is_reproducible(family, passages, resources):
    for text in passages[:12]:
        first = degrade(text, family, random.Random(3), resources)
        assert first != text and first.strip()
        assert degrade(text, family, random.Random(3), resources) == first


def test_shuffles_keep_the_words_and_change_their_order(passages, resources):
    text = passages[0]
    def bag(t):
        return Counter(w.strip(".!?").lower() for w in t.split() if w.strip(".!?"))

    words = bag(text)
    for family in ("word_shuffle", "sentence_shuffle"):
        shuffled = degrade(text, family, random.Random(0), resources)
        assert bag(shuffled) == words and shuffled != text


def test_the_spin_uses_the_thesaurus_and_the_chain_uses_only_the_pool(passages, resources):
    text = passages[1]
    spun = degrade(text, "synonym_spin", random.Random(0), resources)
    def words(t):
        return re.findall(r"[A-Za-z][A-Za-z'-]*", t)

    changed = [(a.lower(), b.lower()) for a, b in zip(words(text), words(spun)) if a != b]
    assert len(changed) > 5 and len(words(spun)) == len(words(text))
    assert all(b in resources.synonyms[a] for a, b in changed)
    chain = degrade(text, "ngram_chain", random.Random(0), resources)
    assert len(chain.split()) == len(text.split())
    pool_words = {w for t in resources.chain_texts for w in t.split()}
    assert set(chain.split()) <= pool_words


def test_encoding_damage_leaves_marks_a_scorer_can_count(passages, resources):
    damaged = degrade(passages[2], "encoding_damage", random.Random(1), resources)
    assert any(ch in damaged for ch in "?\ufffd") or "â€" in damaged


def test_unknown_family_and_bad_thesaurus_line_name_what_is_wrong(tmp_path, resources):
    with pytest.raises(KeyError, match="known: .*word_shuffle"):
        degrade("Some text.", "typo_storm", random.Random(0), resources)
    bad = tmp_path / "thesaurus.tsv"
    bad.write_text("big\tlarge,huge\nsmall tiny\n")
    with pytest.raises(ValueError, match="thesaurus.tsv line 2"):
        read_thesaurus(bad)
