"""The five arms of the experiment, built from one decontaminated pool of documents.

- curated:  the documents `curate` selected;
- random:   documents drawn uniformly from the pool until they hold as many tokens as the curated
            arm (a fresh draw per seed, so the spread across seeds includes the luck of the draw);
- full:     every document in the pool;
- weighted: documents drawn from the whole pool with probability proportional to exp(z / tau),
            z the standardised score, until they hold the curated arm's tokens (QuRating's
            sampling, select's `temperature_order`; a fresh draw per seed). tau -> infinity is
            `random`, tau -> 0 is a top-k cut;
- ordered:  the curated documents sorted by score, read as a curriculum (`TrainConfig.curriculum`):
            "sort, then train" against curated's "select, then shuffle".
Arms differ only in their data: tokenizer, model and token budget are shared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from winnow.selection.select import temperature_order

ARMS = ("curated", "random", "full", "weighted", "ordered")
BASELINE = "random"  # every other arm is compared with it, seed by seed
CURRICULUM_ARMS = frozenset({"ordered"})  # arms whose documents are read in their order
ALL_SEEDS = -1  # `seed` of a row that belongs to every seed's corpus
COLUMNS = ["arm", "seed", "id", "text", "source", "n_tokens"]


def count_tokens(texts: list[str], tokenizer, batch: int = 1000) -> np.ndarray:
    """Tokens per text under `tokenizer` (no special tokens)."""
    counts: list[int] = []
    for start in range(0, len(texts), batch):
        counts.extend(len(ids) for ids in tokenizer(texts[start : start + batch], add_special_tokens=False)["input_ids"])
    return np.array(counts, dtype=np.int64)


def first_tokens(pool: pd.DataFrame, order: np.ndarray, target_tokens: int) -> pd.DataFrame:
    """The documents in `order` until their tokens first reach `target_tokens`."""
    ordered = pool.iloc[order]
    reached = np.searchsorted(ordered["n_tokens"].cumsum().to_numpy(), target_tokens) + 1
    return ordered.iloc[:reached]


def draw_random(pool: pd.DataFrame, target_tokens: int, seed: int) -> pd.DataFrame:
    """Documents in a seeded random order until their tokens first reach `target_tokens`."""
    return first_tokens(pool, np.random.default_rng([seed, 7]).permutation(len(pool)), target_tokens)


def draw_weighted(pool: pd.DataFrame, scores: np.ndarray, temperature: float, target_tokens: int,
                  seed: int) -> pd.DataFrame:
    """Documents sampled without replacement with probability ∝ exp(z / temperature) until they hold
    `target_tokens`; z is the score standardised over the pool (so the temperature means the same
    whatever the score's scale)."""
    z = (scores - scores.mean()) / (scores.std() or 1.0)
    position = temperature_order(pd.DataFrame({"id": pool["id"].to_numpy(), "score": z}), temperature, seed)
    return first_tokens(pool, np.argsort(position.to_numpy(), kind="stable"), target_tokens)


def _scores(pool: pd.DataFrame, scores: pd.Series, column: str) -> np.ndarray:
    """`scores` (by id) for the pool's documents; a document without one ranks just below the worst."""
    values = pool["id"].map(scores).to_numpy(dtype=float, copy=True)
    missing = np.isnan(values)
    if missing.all():
        raise ValueError(f"no document of the pool has a `{column}` score: are the scores from this corpus?")
    values[missing] = np.nextafter(np.nanmin(values), -np.inf)
    return values


def build_arms(pool: pd.DataFrame, selected_ids: set[str], seeds: list[int], scores: pd.Series,
               settings: dict) -> dict[str, pd.DataFrame]:
    """One table per arm: `arm, seed, id, text, source, n_tokens`, where `seed` is the seed whose
    corpus the row belongs to, or ALL_SEEDS for arms that are the same under every seed.

    `scores` is a table of document scores indexed by id; `settings` holds `weighted: {score_column, temperature}` and
    `ordered: {score_column, direction: ascending|descending}` (the columns name what `scores` is of).
    """
    if "n_tokens" not in pool:
        raise ValueError("pool needs an n_tokens column (count_tokens with the shared tokenizer)")
    curated = pool[pool["id"].isin(selected_ids)]
    if curated.empty:
        raise ValueError("none of the selected documents is in the pool: is the selection from this corpus?")
    target = int(curated["n_tokens"].sum())
    weighted, ordered = settings["weighted"], settings["ordered"]
    if ordered["direction"] not in ("ascending", "descending"):
        raise ValueError(f"ordered.direction must be ascending or descending, got {ordered['direction']!r}")
    values = _scores(pool, scores[weighted["score_column"]], weighted["score_column"])
    draws = {
        "random": [draw_random(pool, target, seed).assign(seed=seed) for seed in seeds],
        "weighted": [draw_weighted(pool, values, weighted["temperature"], target, seed).assign(seed=seed)
                     for seed in seeds],
    }
    rank = _scores(curated, scores[ordered["score_column"]], ordered["score_column"])
    sorted_curated = curated.iloc[np.argsort(rank if ordered["direction"] == "ascending" else -rank, kind="stable")]
    tables = {
        "curated": curated.assign(seed=ALL_SEEDS),
        "random": pd.concat(draws["random"]),
        "full": pool.assign(seed=ALL_SEEDS),
        "weighted": pd.concat(draws["weighted"]),
        "ordered": sorted_curated.assign(seed=ALL_SEEDS),
    }
    return {arm: table.assign(arm=arm)[COLUMNS].reset_index(drop=True) for arm, table in tables.items()}


def corpus_for_seed(arm_corpus: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The arm's documents for `seed`, in the arm's order."""
    return arm_corpus[(arm_corpus["seed"] == seed) | (arm_corpus["seed"] == ALL_SEEDS)]
