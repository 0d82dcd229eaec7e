"""Turn scores into decisions: every document kept or dropped, with one reason and its rank.

Order of checks (the first that applies is the reason): exact_duplicate, language,
near_duplicate, then the threshold mode (below_min_score, below_top_fraction, over_token_budget).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD_MODES = ("min_score", "top_fraction", "token_budget")
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


def threshold(eligible: pd.DataFrame, params: dict) -> tuple[pd.Series, str]:
    """Which eligible documents (sorted by rank) the threshold keeps, and the reason for the rest."""
    mode = params["mode"]
    if mode == "min_score":
        return eligible["score"] >= params["min_score"], "below_min_score"
    if mode == "top_fraction":
        fraction = params["top_fraction"]
        if not 0 < fraction <= 1:
            raise ValueError(f"select.top_fraction must be in (0, 1], got {fraction}")
        n_keep = int(np.ceil(fraction * len(eligible)))
        return pd.Series(np.arange(len(eligible)) < n_keep, index=eligible.index), "below_top_fraction"
    if mode == "token_budget":
        # keep the best documents while the running total fits the budget
        running = estimate_tokens(eligible["n_chars"]).cumsum()
        return running <= params["token_budget"], "over_token_budget"
    raise ValueError(f"select.mode must be one of {THRESHOLD_MODES}, got {mode!r}")


def decide(documents: pd.DataFrame, scores: pd.DataFrame, params: dict) -> pd.DataFrame:
    """One decision per unique document: `id, kept, rank, score, reason` plus the scores behind it.

    `scores` is keyed by id and must hold a `score` column in [0, 1]; any other columns are carried
    into the decision table so a reader sees why.
    """
    docs = documents[["id", "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]].merge(
        scores, on="id", how="left", validate="one_to_one"
    )
    if docs["score"].isna().any():
        missing = docs.loc[docs["score"].isna(), "id"].head(5).tolist()
        raise ValueError(f"{docs['score'].isna().sum()} documents have no score, e.g. {missing}")
    docs["rank"] = rank_by_score(docs["score"], docs["id"])
    docs = docs.sort_values("rank").reset_index(drop=True)
    docs["reason"] = ""

    languages = params.get("languages")
    if languages:
        wrong_lang = ~docs["lang"].isin(languages) | (docs["lang_score"] < params["min_lang_score"])
        docs.loc[wrong_lang, "reason"] = "language"
    if params.get("drop_near_duplicates", True):
        open_ = docs["reason"] == ""
        losers = near_duplicate_losers(docs[open_])
        docs.loc[losers[losers].index, "reason"] = "near_duplicate"

    eligible = docs[docs["reason"] == ""]
    keep, reason = threshold(eligible, params)
    docs.loc[keep[~keep].index, "reason"] = reason
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
