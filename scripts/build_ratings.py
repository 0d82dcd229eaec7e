"""Build the SIMULATED ratings shipped in data/01_raw/ratings/ from the bundled sample's source labels.

No human rated these documents. Four simulated raters of different reliability judge pairs of
sample documents; the "truth" they are noisy about is the source kind from
data/01_raw/sample/provenance.json (a `clean` source beats a `low_quality` one). Within one kind
the true answer is a tie, unless one document has at least twice the other's words: then the
longer one (a weak signal). Each judgment is the true preference with probability = the rater's
reliability, otherwise one of the two other outcomes at random. The files exist so the rating code
runs end to end on the sample, and so its numbers (agreement, self-consistency) have a known
answer; they say nothing about real human taste. See data/01_raw/ratings/README.md.

Run after `kedro run --pipeline=ingest` (needs data/02_intermediate/documents.parquet):
    python scripts/build_ratings.py
Seeded: the same documents.parquet gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
SEED = 20250611
# name -> reliability: P(a judgment equals the true preference)
RATERS = {"r1": 0.92, "r2": 0.85, "r3": 0.75, "r4": 0.65}
N_SINGLE_PAIRS = 1400   # each judged by one rater
N_SHARED_PAIRS = 120    # each judged by every rater (inter-rater agreement)
N_REPEATS_PER_RATER = 30  # pairs a rater judges a second time, half in the other order (self-consistency)
N_SHARED_POINTS = 60    # documents every rater scores
N_SINGLE_POINTS = 160   # documents one rater scores
LENGTH_RATIO = 2.0      # within one kind, a document this many times longer is (weakly) preferred


def gold_ids(documents: pd.DataFrame, gold_csv: Path) -> tuple[set[str], str]:
    """The gold set's ids: the gold rule, plus every id the gold file lists when it exists."""
    by_rule = set(documents.loc[documents["id"].map(lambda i: int(i[:8], 16) % 4 == 0), "id"])
    if not gold_csv.exists():
        return by_rule, "the gold rule int(id[:8], 16) % 4 == 0 (gold file not present)"
    listed = set(pd.read_csv(gold_csv, dtype=str)["id"])
    how = f"the gold rule int(id[:8], 16) % 4 == 0 and {gold_csv.relative_to(PROJECT)} ({len(listed)} ids)"
    return by_rule | listed, how


def rating_pool(documents: pd.DataFrame, provenance: dict, exclude: set[str]) -> pd.DataFrame:
    kind = {name: info["quality"] for name, info in provenance["files"].items()}
    pool = documents.assign(kind=documents["file"].map(kind))
    pool = pool[pool["kind"].isin(["clean", "low_quality"]) & ~pool["id"].isin(exclude)]
    pool = pool.assign(n_words=pool["text"].str.split().str.len())
    return pool[["id", "file", "position", "source", "kind", "n_words"]].sort_values("id").reset_index(drop=True)


def true_preference(a: pd.Series, b: pd.Series) -> str:
    """What a perfectly reliable rater says: clean beats low_quality; within one kind a tie, unless
    one document has at least LENGTH_RATIO times the other's words (a weak "more substance" lean)."""
    if a["kind"] != b["kind"]:
        return "a" if a["kind"] == "clean" else "b"
    if max(a["n_words"], b["n_words"]) >= LENGTH_RATIO * max(min(a["n_words"], b["n_words"]), 1):
        return "a" if a["n_words"] > b["n_words"] else "b"
    return "tie"


def judge(rng, reliability: float, a: pd.Series, b: pd.Series) -> str:
    """The true preference with probability `reliability`, otherwise one of the other two outcomes."""
    truth = true_preference(a, b)
    if rng.random() < reliability:
        return truth
    return str(rng.choice([o for o in ("a", "b", "tie") if o != truth]))


def simulate_pairwise(pool: pd.DataFrame, rng) -> pd.DataFrame:
    n_pairs = N_SINGLE_PAIRS + N_SHARED_PAIRS
    picks = rng.choice(len(pool), size=(n_pairs, 2), replace=False)  # every document in at most one pair
    raters = list(RATERS)
    plan = [(i, raters[i % len(raters)]) for i in range(N_SINGLE_PAIRS)]
    plan += [(i, r) for i in range(N_SINGLE_PAIRS, n_pairs) for r in raters]
    for rater in raters:
        own = [i for i, r in plan if r == rater]
        plan += [(i, rater) for i in rng.choice(own, size=N_REPEATS_PER_RATER, replace=False)]
    rows = []
    for number, (i, rater) in enumerate(plan):
        a, b = pool.iloc[picks[i, 0]], pool.iloc[picks[i, 1]]
        if rng.random() < 0.5:  # present in a random order; repeats often come reversed
            a, b = b, a
        rows.append({"a_id": a["id"], "b_id": b["id"], "preferred": judge(rng, RATERS[rater], a, b), "rater": rater})
    return pd.DataFrame(rows).iloc[rng.permutation(len(rows))].reset_index(drop=True)


def simulate_pointwise(pool: pd.DataFrame, rng, exclude: set[str]) -> pd.DataFrame:
    candidates = pool[~pool["id"].isin(exclude)]
    docs = candidates.iloc[rng.choice(len(candidates), N_SHARED_POINTS + N_SINGLE_POINTS, replace=False)]
    raters = list(RATERS)
    plan = [(d, r) for d in range(N_SHARED_POINTS) for r in raters]
    plan += [(d, raters[d % len(raters)]) for d in range(N_SHARED_POINTS, len(docs))]
    rows = []
    for d, rater in plan:
        doc = docs.iloc[d]
        if rng.random() < RATERS[rater]:
            score = (4 if doc["kind"] == "clean" else 2) + rng.choice([-1, 0, 0, 0, 1])
        else:
            score = rng.integers(1, 6)
        rows.append({"id": doc["id"], "rater": rater, "score": int(score)})
    return pd.DataFrame(rows).iloc[rng.permutation(len(rows))].reset_index(drop=True)


def bad_pairwise_rows(pairs: pd.DataFrame, x: str, y: str) -> list[tuple[list[str], str]]:
    """One deliberately bad row per validation case (x, y: rated documents), each with what the reader must say."""
    keys = pairs[["a_id", "b_id"]].apply(lambda r: " ".join(sorted(r)), axis=1)
    single = pairs[(keys.map(keys.value_counts()) == 1) & (pairs["preferred"] != "tie")]
    first, second, third = single.iloc[0], single.iloc[1], single.iloc[2]
    line = lambda row: int(row.name) + 2  # noqa: E731 - CSV header is line 1
    flip = {"a": "b", "b": "a"}
    return [
        ([x, y, "a", ""], "empty field 'rater'"),
        (["", y, "b", "r1"], "empty field 'a_id'"),
        ([x, "0123456789abcdef0123456789abcdef", "a", "r2"], "unknown document id in b_id"),
        ([x, x, "a", "r3"], "self-pair"),
        ([x, y, "maybe", "r4"], "preferred not in {a, b, tie}"),
        (list(first[["a_id", "b_id", "preferred", "rater"]]), f"exact duplicate of line {line(first)}"),
        ([second["b_id"], second["a_id"], flip[second["preferred"]], second["rater"]],
         f"duplicate of line {line(second)} in reversed order"),
        ([third["b_id"], third["a_id"], third["preferred"], third["rater"]],
         f"conflicts with line {line(third)} (same winner position, reversed pair): both lines quarantined"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, default=PROJECT / "data/02_intermediate/documents.parquet")
    parser.add_argument("--out", type=Path, default=PROJECT / "data/01_raw/ratings")
    args = parser.parse_args()
    documents = pd.read_parquet(args.documents, columns=["id", "text", "source", "file", "position"])
    provenance = json.loads((PROJECT / "data/01_raw/sample/provenance.json").read_text())
    gold, gold_how = gold_ids(documents, PROJECT / "data/01_raw/gold/sample_gold.csv")
    pool = rating_pool(documents, provenance, gold)
    rng = np.random.default_rng(SEED)
    pairs = simulate_pairwise(pool, rng)
    rated_in_pairs = set(pairs["a_id"]) | set(pairs["b_id"])
    points = simulate_pointwise(pool, rng, rated_in_pairs)

    args.out.mkdir(parents=True, exist_ok=True)
    pairs.to_csv(args.out / "sample_pairwise.csv", index=False, lineterminator="\n")
    x, y = sorted(rated_in_pairs)[:2]
    bad = bad_pairwise_rows(pairs, x, y)
    with open(args.out / "sample_pairwise.csv", "a", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(row for row, _ in bad)
    first_bad = len(pairs) + 2
    points.to_csv(args.out / "sample_pointwise.csv", index=False, lineterminator="\n")
    # where each rated document comes from, and the kind the simulated raters were told about
    rated = pool[pool["id"].isin(rated_in_pairs | set(points["id"]))]
    rated.to_csv(args.out / "sample_rated_documents.csv", index=False, lineterminator="\n")
    bad_points = [[x, "r1", "7"], [y, "r2", "five"],
                  ["fedcba9876543210fedcba9876543210", "r3", "3"]]
    with open(args.out / "sample_pointwise.csv", "a", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(bad_points)

    print(f"pool: {len(pool)} labelled documents ({pool['kind'].value_counts().to_dict()}), "
          f"gold excluded by {gold_how}: {len(gold)} ids")
    print(f"rated documents: {len(rated)} ({rated['kind'].value_counts().to_dict()})")
    print(f"pairwise: {len(pairs)} simulated judgments + {len(bad)} bad rows "
          f"(lines {first_bad}-{first_bad + len(bad) - 1})")
    for i, (_, what) in enumerate(bad):
        print(f"  line {first_bad + i}: {what}")
    print(f"pointwise: {len(points)} simulated scores + {len(bad_points)} bad rows "
          f"(lines {len(points) + 2}-{len(points) + 1 + len(bad_points)}: score 7, score 'five', unknown id)")


if __name__ == "__main__":
    main()
