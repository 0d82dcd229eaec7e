"""Score only what is new: attribute parts on disk, keyed by scorer version, parameters and fitted model.

Layout: `<cache_dir>/<scorer name>/<key>/part-*.parquet`, one part per scored chunk, written
atomically (temp file + rename). A rerun reads the parts, scores only ids it has not seen, and
appends; a run killed mid-scoring loses at most the chunk in flight. A new scorer version, other
parameters or a refitted model give a new key, so stale signals are never reused.
Fitted models are cached the same way: `<cache_dir>/<name>/<key>/model.joblib`.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pyarrow.parquet as pq

from winnow.scoring.base import Scorer

COMPACT_AFTER_PARTS = 64  # many small parts slow every later read; fold them into one


def fingerprint(*parts: Any) -> str:
    """A short stable hash of JSON-able parts (versions, parameters, ids of training data)."""
    blob = json.dumps(parts, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def ids_fingerprint(ids: pd.Series) -> str:
    """Order-independent hash of a set of document ids (content hashes, so this is the data's identity)."""
    return hashlib.sha256("\n".join(sorted(ids.astype(str))).encode()).hexdigest()[:16]


def _write_atomic(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    table.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _read_parts(folder: Path) -> pd.DataFrame | None:
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        return None
    table = pd.concat([pq.read_table(p).to_pandas() for p in parts], ignore_index=True)
    table = table.drop_duplicates("id", keep="last")
    if len(parts) > COMPACT_AFTER_PARTS:
        _write_atomic(table, folder / "part-000000-compacted.parquet")
        for p in parts:
            if p.name != "part-000000-compacted.parquet":
                p.unlink()
    return table


def score_cached(scorer: Scorer, documents: pd.DataFrame, folder: Path | str | None,
                 chunk_rows: int = 1000, workers: int = 1) -> tuple[pd.DataFrame, dict]:
    """`scorer.score(documents)`, reusing every row already in `folder`; returns (signals, counts).

    `folder=None` scores everything and stores nothing. Signals come back in `documents` order.
    """
    from winnow.scoring.batch import score_in_chunks, worker_pool  # keeps this module importable in workers

    cached = None
    if folder is not None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        cached = _read_parts(folder)
    todo = documents if cached is None else documents[~documents["id"].isin(cached["id"])]
    new_parts = []
    block_rows = chunk_rows * max(workers, 1) * 4
    # one pool for the whole call: spawning workers costs ~1 s each
    with worker_pool(workers) if workers > 1 and len(todo) > chunk_rows else nullcontext() as pool:
        for start in range(0, len(todo), block_rows):
            # score in slices of a few chunks and persist each, so an interrupted run resumes
            signals = score_in_chunks(scorer, todo.iloc[start : start + block_rows], chunk_rows, pool)
            if folder is not None:
                _write_atomic(signals, folder / f"part-{len(list(folder.glob('part-*'))) + 1:06d}-{uuid.uuid4().hex[:8]}.parquet")
            new_parts.append(signals)
    frames = [f for f in [cached, *new_parts] if f is not None and len(f)]
    if not frames:
        return scorer.score(documents.iloc[:0]), {"cached": 0, "scored": 0}
    everything = pd.concat(frames, ignore_index=True).drop_duplicates("id", keep="last")
    signals = documents[["id"]].merge(everything, on="id", how="left", validate="one_to_one")
    return signals, {"cached": len(documents) - len(todo), "scored": len(todo)}


def fit_cached(folder: Path | str | None, fit: Callable[[], Any]) -> tuple[Any, bool]:
    """The model saved in `folder/model.joblib`, or `fit()` saved there; returns (model, was_cached)."""
    if folder is None:
        return fit(), False
    path = Path(folder) / "model.joblib"
    if path.exists():
        return joblib.load(path), True
    model = fit()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".model.{uuid.uuid4().hex}.tmp")
    joblib.dump(model, tmp)
    os.replace(tmp, path)
    return model, False
