"""Pair selection: uncertain pairs are near P = 0.5, mixes are honoured, repeats swap sides,
nothing is shown twice unless it is a deliberate repeat."""

from collections import Counter

import numpy as np
import pytest

from winnow.annotate.pairs import (KINDS, Mix, NoPairLeft, Ranking, Shown, next_pair, random_pair, repeat_pair,
                                   rng_for, uncertain_pair)
from winnow.rating.preferences import pair_key


@pytest.fixture
def ranking() -> Ranking:
    rng = np.random.default_rng(0)
    ids = [f"doc{i:04d}" for i in range(500)]
    return Ranking(ids, rng.normal(0, 2, size=500), groups=[f"g{i // 2}" for i in range(500)])  # pairs of near-dups


def simulate(ranking: Ranking, mix: Mix, n: int, others=()) -> list:
    """One rater judging n pairs (always 'a'); returns the pairs shown."""
    history, shown = [], []
    for _ in range(n):
        pair = next_pair(ranking, history, others, mix, rng_for(0, "alice", len(history)))
        history.append(Shown(pair.a_id, pair.b_id, "a"))
        shown.append(pair)
    return shown


def test_uncertain_pairs_are_the_ones_the_model_is_least_sure_about(ranking):
    rng = np.random.default_rng(1)
    uncertain = [abs(uncertain_pair(ranking, set(), rng).p_a - 0.5) for _ in range(200)]
    random = [abs(random_pair(ranking, set(), rng).p_a - 0.5) for _ in range(200)]
    assert np.median(uncertain) < 0.01 < 0.2 < np.median(random)


def test_uncertain_anchors_cover_the_whole_ranking(ranking):
    rng = np.random.default_rng(2)
    positions = [ranking.position[uncertain_pair(ranking, set(), rng).a_id] for _ in range(200)]
    assert min(positions) < 50 and max(positions) > 450


def test_the_mix_is_honoured_and_nothing_is_shown_twice_except_repeats(ranking):
    others = [(f"doc{i:04d}", f"doc{i + 250:04d}") for i in range(0, 200, 2)]
    shown = simulate(ranking, Mix(), 300, others)
    kinds = Counter(p.kind for p in shown)
    for kind, share in zip(KINDS, Mix().probabilities()):
        assert abs(kinds[kind] / 300 - share) < 0.06, kinds
    keys = Counter(pair_key(p.a_id, p.b_id) for p in shown)
    repeated = {k for k, n in keys.items() if n > 1}
    assert repeated == {pair_key(p.a_id, p.b_id) for p in shown if p.kind == "repeat"}
    assert max(keys.values()) == 2
    assert all(ranking.groups[ranking.position[p.a_id]] != ranking.groups[ranking.position[p.b_id]] for p in shown)


def test_shared_pairs_come_from_other_raters(ranking):
    others = [("doc0001", "doc0300"), ("doc0010", "doc0400")]
    shown = simulate(ranking, Mix(uncertain=0, random=1, shared=100, repeat=0), 4, others)
    assert {pair_key(p.a_id, p.b_id) for p in shown if p.kind == "shared"} == {pair_key(*o) for o in others}
    assert [p.kind for p in shown][2:] == ["uncertain", "uncertain"]  # none left: falls back


def test_a_repeat_swaps_sides_comes_after_the_gap_and_never_repeats_a_skip(ranking):
    history = [Shown("doc0001", "doc0100", "skip"), Shown("doc0002", "doc0200", "a")]
    history += [Shown(f"doc{i:04d}", f"doc{i + 300:04d}", "b") for i in range(10, 13)]
    rng = np.random.default_rng(0)
    assert repeat_pair(ranking, history, rng, gap=4) is None  # the judged pair is only 3 judgments ago
    pair = repeat_pair(ranking, history, rng, gap=3)
    assert (pair.a_id, pair.b_id, pair.kind) == ("doc0200", "doc0002", "repeat")
    assert repeat_pair(ranking, history[:2] + [Shown("doc0200", "doc0002", "b")] + history[2:], rng, gap=3) is None


def test_same_history_same_pair_so_a_reload_or_restart_shows_what_was_shown(ranking):
    history = [Shown("doc0001", "doc0100", "a")]
    first = next_pair(ranking, history, [], Mix(), rng_for(0, "alice", 1))
    assert next_pair(ranking, history, [], Mix(), rng_for(0, "alice", 1)) == first
    assert next_pair(ranking, history, [], Mix(), rng_for(0, "bob", 1)) != first


def test_a_small_pool_is_exhausted_with_a_clear_error():
    ranking = Ranking(["x", "y", "z"], [0.0, 1.0, 2.0])
    shown = simulate(ranking, Mix(repeat=0), 3)
    assert {pair_key(p.a_id, p.b_id) for p in shown} == {"x y", "x z", "y z"}
    with pytest.raises(NoPairLeft, match="all 3 pairs of the pool have been shown"):
        simulate(ranking, Mix(repeat=0), 4)


@pytest.mark.parametrize("text, message", [
    ("uncertain=0.5,maybe=1", "expected <kind>=<share>"),
    ("random=lots", "share of 'random' is not a number"),
    ("uncertain=-1", "mix.uncertain must be a finite number >= 0"),
    ("uncertain=0,random=0,shared=0,repeat=0", "at least one share must be > 0"),
])
def test_bad_mixes_are_refused_with_the_reason(text, message):
    with pytest.raises(ValueError, match=message):
        Mix.parse(text)


def test_a_ranking_needs_finite_utilities_and_unique_ids():
    with pytest.raises(ValueError, match="finite"):
        Ranking(["a", "b"], [0.0, float("nan")])
    with pytest.raises(ValueError, match="unique"):
        Ranking(["a", "a"], [0.0, 1.0])
