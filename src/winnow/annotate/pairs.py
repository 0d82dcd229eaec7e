"""Which pair a rater sees next: mostly pairs the rater model is least sure about, plus checks.

The rater model is Bradley–Terry (`winnow.rating`): P(A better than B) = sigmoid(u(A) - u(B)) with
u = `rater_bt`. A judgment teaches the model most where that probability is near 0.5 (uncertainty
sampling), i.e. between documents next to each other in utility order. Taking the closest pairs
of the whole corpus would only show documents from wherever scores are densest, so:
- `uncertain`: an anchor drawn uniformly over the ranking (coverage of every score range) and,
  of its `window` neighbours on either side, the one closest in utility (P nearest 0.5);
- `random`: two documents drawn uniformly: an unbiased sample of the model's blind spots;
- `shared`: a pair another rater judged, so raters can be compared (agreement);
- `repeat`: a pair this rater judged at least `repeat_gap` judgments ago, sides swapped, so each
  rater's self-consistency is measured (a repeat is shown once at most).
A kind with no candidate left falls back to `uncertain`, then `random`. Nothing here knows about
the web app or Kedro: the same calls can drive a CLI or a notebook.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

import numpy as np

from winnow.rating.preferences import pair_key

KINDS = ("uncertain", "random", "shared", "repeat")
_SMALL_POOL_PAIRS = 5_000  # below this many possible pairs, enumerate them instead of sampling


class NoPairLeft(LookupError):
    """Every pair of the pool has been shown to this rater."""


@dataclass(frozen=True)
class Mix:
    """Share of each kind of pair; normalised, so weights need not sum to 1."""

    uncertain: float = 0.6
    random: float = 0.2
    shared: float = 0.1
    repeat: float = 0.1

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value >= 0):
                raise ValueError(f"mix.{f.name} must be a finite number >= 0, got {value!r}")
        if self.total() == 0:
            raise ValueError("mix: at least one share must be > 0")

    def total(self) -> float:
        return sum(getattr(self, kind) for kind in KINDS)

    def probabilities(self) -> np.ndarray:
        return np.array([getattr(self, kind) for kind in KINDS]) / self.total()

    @classmethod
    def parse(cls, text: str) -> Mix:
        """`"uncertain=0.6,random=0.2,shared=0.1,repeat=0.1"`; kinds left out keep their default."""
        values = {}
        for part in filter(None, (p.strip() for p in text.split(","))):
            kind, sep, number = part.partition("=")
            if not sep or kind.strip() not in KINDS:
                raise ValueError(f"mix: expected <kind>=<share> with kind in {list(KINDS)}, got {part!r}")
            try:
                values[kind.strip()] = float(number)
            except ValueError:
                raise ValueError(f"mix: share of {kind.strip()!r} is not a number: {number!r}") from None
        return cls(**values)


@dataclass(frozen=True)
class Pair:
    a_id: str
    b_id: str
    kind: str
    p_a: float  # the model's P(A better than B) when the pair was chosen


@dataclass(frozen=True)
class Shown:
    """One judgment already made by this rater, in the order shown (`choice` may be `skip`)."""

    a_id: str
    b_id: str
    choice: str


def rng_for(seed: int, rater: str, n_shown: int) -> np.random.Generator:
    """Deterministic given the rater's history: a reload shows the same pair, a restart continues."""
    rater_hash = int(hashlib.sha256(rater.encode()).hexdigest()[:8], 16)
    return np.random.default_rng([seed, rater_hash, n_shown])


class Ranking:
    """Documents sorted by utility (ascending, ties by id), so neighbours are the uncertain pairs."""

    def __init__(self, ids: Sequence[str], utilities: Sequence[float], groups: Sequence[str] | None = None):
        ids, utilities = np.asarray(ids, dtype=object), np.asarray(utilities, dtype=float)
        if len(ids) != len(utilities):
            raise ValueError(f"{len(ids)} ids but {len(utilities)} utilities")
        if not np.isfinite(utilities).all():
            raise ValueError("utilities must be finite (a document without a rater score cannot be placed)")
        order = np.lexsort((ids.astype(str), utilities))
        self.ids, self.utilities = ids[order], utilities[order]
        self.groups = None if groups is None else np.asarray(groups, dtype=object)[order]
        self.position = {doc_id: i for i, doc_id in enumerate(self.ids)}
        if len(self.position) != len(self.ids):
            raise ValueError("document ids must be unique")

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.position

    def p_a(self, a_id: str, b_id: str) -> float:
        diff = self.utilities[self.position[a_id]] - self.utilities[self.position[b_id]]
        return float(1.0 / (1.0 + math.exp(-diff)))

    def pair(self, i: int, j: int, kind: str, rng: np.random.Generator) -> Pair:
        """Pair of positions i, j in a random order, so the side never tells which scored higher."""
        a, b = (self.ids[i], self.ids[j]) if rng.random() < 0.5 else (self.ids[j], self.ids[i])
        return Pair(a, b, kind, self.p_a(a, b))

    def allowed(self, i: int, j: int, seen: set[str]) -> bool:
        """Not the same document, not two copies of one near-duplicate cluster, not shown before."""
        if i == j or (self.groups is not None and self.groups[i] == self.groups[j]):
            return False
        return pair_key(self.ids[i], self.ids[j]) not in seen


def _all_allowed(ranking: Ranking, seen: set[str]) -> list[tuple[int, int]]:
    n = len(ranking)
    return [(i, j) for i in range(n) for j in range(i + 1, n) if ranking.allowed(i, j, seen)]


def uncertain_pair(ranking: Ranking, seen: set[str], rng: np.random.Generator,
                   n_anchors: int = 32, window: int = 8) -> Pair | None:
    """A random anchor and its nearest neighbour in utility not shown before; up to `n_anchors`
    anchors are tried when the first ones have every neighbour shown already."""
    n = len(ranking)
    for i in rng.choice(n, size=min(n_anchors, n), replace=False):
        near = sorted(range(max(0, i - window), min(n, i + window + 1)),
                      key=lambda j: abs(ranking.utilities[i] - ranking.utilities[j]))
        for j in near:
            if ranking.allowed(i, j, seen):
                return ranking.pair(i, j, "uncertain", rng)
    return None


def random_pair(ranking: Ranking, seen: set[str], rng: np.random.Generator, tries: int = 64) -> Pair | None:
    """Two documents drawn uniformly (enumerating the pairs left when the pool is small)."""
    n = len(ranking)
    if n * (n - 1) // 2 <= _SMALL_POOL_PAIRS:
        left = _all_allowed(ranking, seen)
        return ranking.pair(*left[rng.integers(len(left))], "random", rng) if left else None
    for _ in range(tries):
        i, j = rng.choice(n, size=2, replace=False)
        if ranking.allowed(i, j, seen):
            return ranking.pair(i, j, "random", rng)
    return None


def repeat_pair(ranking: Ranking, history: Sequence[Shown], rng: np.random.Generator, gap: int = 5) -> Pair | None:
    """A pair judged (not skipped) exactly once, at least `gap` judgments ago, with sides swapped."""
    times_shown: dict[str, int] = {}
    for shown in history:
        key = pair_key(shown.a_id, shown.b_id)
        times_shown[key] = times_shown.get(key, 0) + 1
    candidates = [s for s in history[: max(0, len(history) - gap)]
                  if s.choice != "skip" and times_shown[pair_key(s.a_id, s.b_id)] == 1
                  and s.a_id in ranking and s.b_id in ranking]
    if not candidates:
        return None
    shown = candidates[rng.integers(len(candidates))]
    return Pair(shown.b_id, shown.a_id, "repeat", ranking.p_a(shown.b_id, shown.a_id))


def shared_pair(ranking: Ranking, others: Iterable[tuple[str, str]], seen: set[str],
                rng: np.random.Generator) -> Pair | None:
    """A pair other raters judged and this rater has not seen, in a random order."""
    candidates = sorted({pair_key(a, b) for a, b in others if a in ranking and b in ranking} - seen)
    if not candidates:
        return None
    a_id, b_id = candidates[rng.integers(len(candidates))].split(" ")
    return ranking.pair(ranking.position[a_id], ranking.position[b_id], "shared", rng)


def next_pair(ranking: Ranking, history: Sequence[Shown], others: Iterable[tuple[str, str]], mix: Mix,
              rng: np.random.Generator, *, n_anchors: int = 32, window: int = 8, repeat_gap: int = 5) -> Pair:
    """The next pair for a rater with `history` (their judgments, oldest first, skips included);
    `others` are the pairs other raters judged. Raises NoPairLeft when nothing is left to show."""
    if len(ranking) < 2:
        raise NoPairLeft("the pool needs at least two documents")
    seen = {pair_key(s.a_id, s.b_id) for s in history}
    choose = {
        "uncertain": lambda: uncertain_pair(ranking, seen, rng, n_anchors, window),
        "random": lambda: random_pair(ranking, seen, rng),
        "shared": lambda: shared_pair(ranking, others, seen, rng),
        "repeat": lambda: repeat_pair(ranking, history, rng, repeat_gap),
    }
    kind = KINDS[rng.choice(len(KINDS), p=mix.probabilities())]
    for attempt in dict.fromkeys((kind, "uncertain", "random")):
        if (pair := choose[attempt]()) is not None:
            return pair
    raise NoPairLeft(f"all {len(ranking) * (len(ranking) - 1) // 2} pairs of the pool have been shown to this rater")
