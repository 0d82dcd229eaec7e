"""The three arms of the experiment, built from one decontaminated pool of documents.

- curated: the documents `curate` selected;
- random:  documents drawn uniformly from the pool until they hold as many tokens as the curated
           arm (a fresh draw per seed, so the spread across seeds includes the luck of the draw);
- full:    every document in the pool.
Arms differ only in their data: tokenizer, model and token budget are shared.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ARMS = ("curated", "random", "full")
ALL_SEEDS = -1  # `seed` of a row that belongs to every seed's corpus


def count_tokens(texts: list[str], tokenizer, batch: int = 1000) -> np.ndarray:
    """Tokens per text under `tokenizer` (no special tokens)."""
    counts: list[int] = []
    for start in range(0, len(texts), batch):
        counts.extend(len(ids) for ids in tokenizer(texts[start : start + batch], add_special_tokens=False)["input_ids"])
    return np.array(counts, dtype=np.int64)


def draw_random(pool: pd.DataFrame, target_tokens: int, seed: int) -> pd.DataFrame:
    """Documents in a seeded random order until their tokens first reach `target_tokens`."""
    order = np.random.default_rng([seed, 7]).permutation(len(pool))
    shuffled = pool.iloc[order]
    reached = np.searchsorted(shuffled["n_tokens"].cumsum().to_numpy(), target_tokens) + 1
    return shuffled.iloc[:reached]


def build_arms(pool: pd.DataFrame, selected_ids: set[str], seeds: list[int]) -> dict[str, pd.DataFrame]:
    """One table per arm: `arm, seed, id, text, source, n_tokens`, where `seed` is the seed whose
    corpus the row belongs to, or ALL_SEEDS for arms that are the same under every seed."""
    if "n_tokens" not in pool:
        raise ValueError("pool needs an n_tokens column (count_tokens with the shared tokenizer)")
    curated = pool[pool["id"].isin(selected_ids)]
    if curated.empty:
        raise ValueError("none of the selected documents is in the pool: is the selection from this corpus?")
    target = int(curated["n_tokens"].sum())
    random = pd.concat([draw_random(pool, target, seed).assign(seed=seed) for seed in seeds])
    columns = ["arm", "seed", "id", "text", "source", "n_tokens"]
    return {
        "curated": curated.assign(arm="curated", seed=ALL_SEEDS)[columns].reset_index(drop=True),
        "random": random.assign(arm="random")[columns].reset_index(drop=True),
        "full": pool.assign(arm="full", seed=ALL_SEEDS)[columns].reset_index(drop=True),
    }


def corpus_for_seed(arm_corpus: pd.DataFrame, seed: int) -> pd.DataFrame:
    return arm_corpus[(arm_corpus["seed"] == seed) | (arm_corpus["seed"] == ALL_SEEDS)]
