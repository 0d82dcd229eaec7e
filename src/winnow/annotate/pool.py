"""The documents raters may see: the scored corpus, minus the gold set, with the rater's utility.

Gold documents are held out from every training step (README, "score_eval"); a human judgment of
one would leak it into the rater, so they are never shown.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

UTILITY = "rater_bt"  # Bradley–Terry utility: P(A better) = sigmoid(u(A) - u(B))
_RUN_CURATE = "run `kedro run --pipeline=curate` first, or pass --documents/--scores"


def _read_columns(path: Path, required: list[str], optional: list[str] = ()) -> pd.DataFrame:
    if not path.is_file():
        raise FileNotFoundError(f"{path}: not found; {_RUN_CURATE}")
    available = set(pq.read_schema(path).names)
    missing = [c for c in required if c not in available]
    if missing:
        raise KeyError(f"{path}: missing column(s) {missing}; found {sorted(available)[:12]}")
    return pd.read_parquet(path, columns=required + [c for c in optional if c in available])


def gold_ids(path: str | Path | None) -> set[str]:
    """Ids of a gold CSV (`id` column); empty when no gold set is configured."""
    if path is None or str(path) == "":
        return set()
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: gold set not found; pass --gold '' to show every document")
    frame = pd.read_csv(path, usecols=lambda c: c == "id", dtype=str)
    if "id" not in frame.columns:
        raise KeyError(f"{path}: gold set has no 'id' column")
    return set(frame["id"])


def load_pool(documents: str | Path, scores: str | Path, gold: str | Path | None = None) -> pd.DataFrame:
    """`id, text, utility` (+ `dup_cluster` when present) of every scored, non-gold document."""
    docs = _read_columns(Path(documents), ["id", "text"], ["dup_cluster"])
    utility = _read_columns(Path(scores), ["id", UTILITY]).rename(columns={UTILITY: "utility"})
    pool = docs.merge(utility, on="id", how="inner", validate="one_to_one")
    pool = pool[~pool["id"].isin(gold_ids(gold)) & pool["utility"].notna()].reset_index(drop=True)
    if len(pool) < 2:
        raise ValueError(f"only {len(pool)} scored, non-gold document(s) in {documents} and {scores}; "
                         f"a pair needs two ({_RUN_CURATE})")
    return pool
