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
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pyarrow.parquet as pq

from winnow import engine
from winnow.parts import Parts, as_frame, frames
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


def _cached_ids(folder: Path) -> pd.Index:
    ids = [pq.read_table(p, columns=["id"]).column("id").to_pandas() for p in sorted(folder.glob("part-*.parquet"))]
    return pd.Index(pd.concat(ids, ignore_index=True) if ids else [], dtype="string")


def score_cached(scorer: Scorer, documents: pd.DataFrame | Parts, folder: Path | str | None,
                 chunk_rows: int = 1000, workers: int = 1, extra: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    """`scorer.score(documents)`, reusing every row already in `folder`; returns (signals, counts).

    `documents` is read a part at a time (only `id`, `text` and the scorer's `signal_columns`), so
    texts are never all in memory; the signals (a few numbers per document) are. Parts are scored
    here (`workers` processes) or, on the Ray engine, by Ray actors. `folder=None` scores everything
    and stores nothing. Signals come back in `documents` order. `extra` (id + columns) is joined to
    each part by id: columns the scorer reads beside the text that `documents` lacks (the rater
    reads other scorers' signals).
    """
    if folder is not None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
    cached = _cached_ids(folder) if folder is not None else pd.Index([], dtype="string")
    extra_columns = [] if extra is None else [c for c in extra.columns if c != "id"]
    columns = ["id", "text", *[c for c in getattr(scorer, "signal_columns", ()) if c not in extra_columns]]
    ids = as_frame(documents, ["id"]).reset_index(drop=True)
    if ids["id"].isin(cached).all():  # nothing new: no text is read, no worker started
        batches = iter(())
    elif engine.current().name == "ray" and isinstance(documents, Parts):
        batches = engine.score_on_ray(scorer, [str(p) for p in documents.paths], columns, cached, scorer.name, extra)
    else:
        batches = _score_here(scorer, documents, columns, cached, chunk_rows, workers, extra)
    new_parts, n_scored = [], 0
    for signals in batches:  # each batch is persisted as it comes, so an interrupted run resumes
        n_scored += len(signals)
        if folder is not None:
            _write_atomic(signals, folder / f"part-{len(list(folder.glob('part-*'))) + 1:06d}-{uuid.uuid4().hex[:8]}.parquet")
        else:
            new_parts.append(signals)
    found = [f for f in [_read_parts(folder) if folder is not None else None, *new_parts] if f is not None and len(f)]
    if not found:
        return scorer.score(pd.DataFrame({"id": [], "text": []})), {"cached": 0, "scored": 0}
    everything = pd.concat(found, ignore_index=True).drop_duplicates("id", keep="last")
    everything["id"] = everything["id"].astype(ids["id"].dtype)  # batches from Ray hold ids as objects
    signals = ids.merge(everything, on="id", how="left", validate="one_to_one")
    return signals, {"cached": len(ids) - n_scored, "scored": n_scored}


def _score_here(scorer: Scorer, documents: pd.DataFrame | Parts, columns: list[str], cached: pd.Index,
                chunk_rows: int, workers: int, extra: pd.DataFrame | None) -> Iterator[pd.DataFrame]:
    """Signals of the documents not in `cached`, in slices of a few chunks, on `workers` local processes."""
    from winnow.scoring.batch import score_in_chunks, worker_pool  # keeps this module importable in workers

    block_rows = chunk_rows * max(workers, 1) * 4
    with ExitStack() as stack:
        pool = None
        for frame in frames(documents, columns):
            todo = join_extra(frame[~frame["id"].isin(cached)], extra)
            if pool is None and workers > 1 and len(todo) > chunk_rows:
                # one pool for the whole call, started only when there is work for it (~1 s a worker)
                pool = stack.enter_context(worker_pool(workers))
            for start in range(0, len(todo), block_rows):
                yield score_in_chunks(scorer, todo.iloc[start : start + block_rows], chunk_rows,
                                      pool if len(todo) > chunk_rows else None)


def join_extra(frame: pd.DataFrame, extra: pd.DataFrame | None) -> pd.DataFrame:
    return frame if extra is None else frame.merge(extra, on="id", how="left", validate="one_to_one")


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
