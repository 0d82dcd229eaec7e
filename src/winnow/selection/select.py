"""Turn scores into decisions: every document kept or dropped, with one reason and its rank.

Order of checks (the first that applies is the reason): exact_duplicate, language,
near_duplicate, a hard filter (failed_<column>), then the threshold mode (below_min_score,
below_top_fraction, over_token_budget, not_sampled) and per-source quotas (over_source_quota).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from winnow.config import Bounds, SelectConfig, parse

CHARS_PER_TOKEN = 4.0  # GPT-2 BPE averages about 4 characters per token on English prose


def estimate_tokens(n_chars: pd.Series) -> pd.Series:
    return np.ceil(n_chars / CHARS_PER_TOKEN).astype("int64")


def rank_by_score(scores: pd.Series, ids: pd.Series) -> np.ndarray:
    """Rank 1 = best; ties broken by id so the order never depends on input order."""
    order = np.lexsort((ids.to_numpy(), -scores.to_numpy()))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.arange(1, len(order) + 1)
    return ranks


def near_duplicate_losers(docs: pd.DataFrame) -> pd.Series:
    """True for every member of a near-duplicate cluster except its best-scored one (tie: smallest id)."""
    best = docs.sort_values(["score", "id"], ascending=[False, True]).drop_duplicates("dup_cluster")
    return ~docs["id"].isin(best["id"])


def temperature_order(eligible: pd.DataFrame, temperature: float, seed: int) -> pd.Series:
    """A random order in which each next document is drawn with p ∝ exp(score / τ) (QuRating).

    Sorting by score/τ + Gumbel noise samples without replacement with exactly those odds (the
    Gumbel-top-k trick). Noise is drawn in id order, so the same seed gives the same selection
    whatever order the documents arrive in. Returns each document's position in the draw.
    """
    if temperature <= 0:
        raise ValueError(f"select.temperature must be > 0, got {temperature}")
    by_id = eligible["id"].sort_values()
    noise = pd.Series(np.random.default_rng(seed).gumbel(size=len(by_id)), index=by_id.index)
    keys = eligible["score"] / temperature + noise.loc[eligible.index]
    return keys.rank(ascending=False, method="first")


def take_in_order(eligible: pd.DataFrame, size: float, unit: str, quotas: dict, reason: str) -> pd.Series:
    """Walk `eligible` in order, keeping documents while the selection has room.

    `size` is counted in documents or estimated tokens (`unit`); `quotas` caps a source's share of
    that size (`{source: max_share}`). Returns the reason per document, "" for kept ones; a document
    blocked only by its source's cap says `over_source_quota`.
    """
    cost = np.ones(len(eligible)) if unit == "docs" else estimate_tokens(eligible["n_chars"]).to_numpy()
    caps = {src: share * size for src, share in (quotas or {}).items()}
    used_by_source: dict[str, float] = {}
    used, out = 0.0, []
    for c, src in zip(cost, eligible["source"]):
        if used + c > size:
            out.append(reason)
        elif src in caps and used_by_source.get(src, 0.0) + c > caps[src]:
            out.append("over_source_quota")
        else:
            used += c
            used_by_source[src] = used_by_source.get(src, 0.0) + c
            out.append("")
    return pd.Series(out, index=eligible.index, dtype=object)


def threshold_summary(config: SelectConfig) -> str:
    """The threshold in words, for reports: the one place besides `threshold` that reads the mode."""
    return f"`{config.mode}` " + {
        "min_score": f"(min score {config.min_score})",
        "top_fraction": f"(top {config.top_fraction})",
        "token_budget": f"(budget {config.token_budget} tokens)",
        "temperature": f"(sample {config.top_fraction} at temperature {config.temperature}, seed {config.seed})",
    }[config.mode]


def score_cutoff(config: SelectConfig) -> float | None:
    """The combined score below which nothing is kept, when the mode has one (for plots)."""
    return config.min_score if config.mode == "min_score" else None


def threshold(eligible: pd.DataFrame, config: SelectConfig) -> pd.Series:
    """The reason each eligible document (sorted by rank) is not kept, "" for kept ones."""
    quotas, n_fraction = config.quotas, int(np.ceil(config.top_fraction * len(eligible)))
    if config.mode == "min_score":
        passing = eligible["score"] >= config.min_score
        reasons = pd.Series("below_min_score", index=eligible.index, dtype=object)
        reasons[passing] = take_in_order(eligible[passing], int(passing.sum()), "docs", quotas, "below_min_score")
        return reasons
    if config.mode == "top_fraction":
        return take_in_order(eligible, n_fraction, "docs", quotas, "below_top_fraction")
    if config.mode == "token_budget":
        return take_in_order(eligible, config.token_budget, "tokens", quotas, "over_token_budget")
    order = temperature_order(eligible, config.temperature, config.seed).sort_values()
    drawn = take_in_order(eligible.loc[order.index], n_fraction, "docs", quotas, "not_sampled")
    return drawn.loc[eligible.index]


def hard_filter_failures(docs: pd.DataFrame, filters: dict[str, Bounds]) -> pd.Series:
    """`failed_<column>` for the first `{column: Bounds}` filter a document fails, else ""."""
    reasons = pd.Series("", index=docs.index, dtype=object)
    for column, bounds in filters.items():
        if column not in docs.columns:
            raise KeyError(f"select.hard_filters names {column!r}, which no scorer produced")
        fails = bounds.fails(docs[column].astype(float))
        reasons[fails & (reasons == "")] = f"failed_{column}"
    return reasons


def decide(documents: pd.DataFrame, scores: pd.DataFrame, config: SelectConfig | dict) -> pd.DataFrame:
    """One decision per unique document: `id, kept, rank, score, reason` plus the scores behind it.

    `scores` is keyed by id and must hold a `score` column (higher is better); any other columns are carried
    into the decision table so a reader sees why.
    """
    config = config if isinstance(config, SelectConfig) else parse("select", config)
    docs = documents[["id", "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]].merge(
        scores, on="id", how="left", validate="one_to_one"
    )
    if docs["score"].isna().any():
        missing = docs.loc[docs["score"].isna(), "id"].head(5).tolist()
        raise ValueError(f"{docs['score'].isna().sum()} documents have no score, e.g. {missing}")
    docs["rank"] = rank_by_score(docs["score"], docs["id"])
    docs = docs.sort_values("rank").reset_index(drop=True)
    docs["reason"] = ""

    if config.languages:
        wrong_lang = ~docs["lang"].isin(config.languages) | (docs["lang_score"] < config.min_lang_score)
        docs.loc[wrong_lang, "reason"] = "language"
    if config.drop_near_duplicates:
        open_ = docs["reason"] == ""
        losers = near_duplicate_losers(docs[open_])
        docs.loc[losers[losers].index, "reason"] = "near_duplicate"

    open_ = docs["reason"] == ""
    docs.loc[open_, "reason"] = hard_filter_failures(docs[open_], config.hard_filters)
    eligible = docs[docs["reason"] == ""]
    docs.loc[eligible.index, "reason"] = threshold(eligible, config)
    docs["kept"] = docs["reason"] == ""
    docs.loc[docs["kept"], "reason"] = "kept"
    return docs


def duplicate_decisions(duplicates: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Exact copies are dropped, and carry the score of the document they copy."""
    copies = duplicates.merge(decisions.drop(columns=["source", "file", "position"], errors="ignore"),
                              on="id", how="left")
    copies["kept"] = False
    copies["rank"] = pd.NA
    copies["reason"] = "exact_duplicate"
    return copies
