"""Judgments -> the pairwise ratings contract (`a_id,b_id,preferred,rater`), as `curate` reads it.

One row per rater and pair, so `read_pairwise_ratings` quarantines nothing: a pair the rater saw
again (the `repeat` kind, sides swapped) is exported once when both judgments agree and left out
when they disagree, exactly as the reader would treat the two rows (it cannot tell which one the
rater meant). Skips are not judgments and are never exported. The pairs the rater saw twice still
measure self-consistency on the annotation stats page.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from winnow.rating.preferences import mark_repeats
from winnow.rating.ratings import PAIRWISE_COLUMNS, read_rating_rows


def decided_judgments(judgments: pd.DataFrame) -> pd.DataFrame:
    """The judgments that are not skips, `choice` named `preferred` as in the ratings contract."""
    return judgments[judgments["choice"] != "skip"].rename(columns={"choice": "preferred"})


def consistent_pairs(judgments: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """(one row per rater and pair, in the orientation first shown; number of rater-pairs left out
    because the rater's judgments of that pair disagreed). `judgments` as `store.all_judgments`."""
    decided = decided_judgments(judgments)
    if decided.empty:
        return pd.DataFrame(columns=list(PAIRWISE_COLUMNS)), 0
    marked = mark_repeats(decided)
    first = marked[marked["alike"]].drop_duplicates(["rater", "key"], keep="first").sort_values("id")
    pairs = first[list(PAIRWISE_COLUMNS)].reset_index(drop=True)
    n_conflicts = marked.loc[~marked["alike"], ["rater", "key"]].drop_duplicates().shape[0]
    return pairs, n_conflicts


def included_rows(paths: Iterable[str | Path]) -> tuple[list[dict], int]:
    """Rows of existing ratings files to export alongside (CSV or JSONL, as the rater reads them),
    copied as they are so the rater validates them as usual; (rows, unparseable lines not copied)."""
    rows, unparseable = [], 0
    for path in paths:
        for _, fields in read_rating_rows(path, PAIRWISE_COLUMNS):
            if "__error__" in fields:
                unparseable += 1
            else:
                rows.append({c: fields.get(c, "") for c in PAIRWISE_COLUMNS})
    return rows, unparseable


def write_pairwise_csv(pairs: pd.DataFrame, path: str | Path, extra_rows: Iterable[dict] = ()) -> int:
    """Write `extra_rows` then `pairs` to `path` atomically (a reader never sees half a file);
    returns the number of rows written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(PAIRWISE_COLUMNS), lineterminator="\n")
            writer.writeheader()
            extra = list(extra_rows)
            writer.writerows(extra)
            writer.writerows(pairs[list(PAIRWISE_COLUMNS)].to_dict("records"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(extra) + len(pairs)
