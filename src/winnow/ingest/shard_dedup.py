"""Exact and near duplicates across shard parts, reading a few columns at a time.

Memory grows with the number of documents by a few bytes each (a 64-bit id prefix, one band key
column at a time, a cluster label), never by their text or their full signatures: only the
signatures of documents that share an LSH bucket are read back.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from winnow.ingest.dedup import candidate_buckets, cluster_labels, components, confirmed_edges


def _column(part: Path, column: str) -> np.ndarray:
    return pq.read_table(part, columns=[column]).column(column).to_numpy(zero_copy_only=False)


def first_copies(parts: list[Path]) -> list[np.ndarray]:
    """Per part, a mask of the rows that are the first copy of their text in corpus (part, row) order.

    Compares the first 64 bits of the content id (a SHA-256 prefix): two different texts share
    them with probability ~n^2 / 2^65 (3e-8 for a million documents).
    """
    prefixes = [np.array([int(i[:16], 16) for i in _column(p, "id")], dtype=np.uint64) for p in parts]
    every = np.concatenate(prefixes) if prefixes else np.zeros(0, dtype=np.uint64)
    first = np.zeros(len(every), dtype=bool)
    first[np.unique(every, return_index=True)[1]] = True
    return np.split(first, np.cumsum([len(p) for p in prefixes])[:-1])


def exact_duplicate_rows(parts: list[Path], masks: list[np.ndarray]) -> pd.DataFrame:
    """id, source, file, position of every later copy."""
    frames = [pq.read_table(p, columns=["id", "source", "file", "position"]).to_pandas()[~m]
              for p, m in zip(parts, masks) if (~m).any()]
    columns = ["id", "source", "file", "position"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def near_duplicate_rows(parts: list[Path], masks: list[np.ndarray], *, threshold: float, num_bands: int) -> pd.DataFrame:
    """One row per first copy that has near-duplicates: id, dup_cluster (the smallest id of its
    cluster), cluster_size, source, file, position. Rows are numbered over first copies only."""
    offsets = np.cumsum([0, *(int(m.sum()) for m in masks)])
    n = int(offsets[-1])

    def band(b: int) -> np.ndarray:
        return np.concatenate([_column(p, f"band_{b:02d}")[m] for p, m in zip(parts, masks)]) if parts else np.zeros(0)

    buckets = candidate_buckets(band(b) for b in range(num_bands))
    needed = np.unique(np.concatenate(buckets)) if buckets else np.zeros(0, dtype=np.int64)
    signatures = _rows(parts, masks, offsets, needed, "signature")
    lookup = np.stack(signatures) if len(needed) else np.zeros((0, 0), dtype=np.uint32)
    edges = confirmed_edges(buckets, lambda rows: lookup[np.searchsorted(needed, rows)], threshold)
    labels = components(n, edges)
    sizes = np.bincount(labels, minlength=n)
    in_cluster = np.flatnonzero(sizes[labels] > 1)
    columns = ["id", "dup_cluster", "cluster_size", "source", "file", "position"]
    if not len(in_cluster):
        return pd.DataFrame(columns=columns)
    rows = pd.DataFrame({c: _rows(parts, masks, offsets, in_cluster, c) for c in ("id", "source", "file", "position")})
    rows["dup_cluster"] = cluster_labels(rows["id"].tolist(), labels[in_cluster])
    rows["cluster_size"] = sizes[labels[in_cluster]]
    return rows[columns].sort_values(["dup_cluster", "id"], ignore_index=True)


def _rows(parts: list[Path], masks: list[np.ndarray], offsets: np.ndarray, wanted: np.ndarray, column: str) -> list:
    """Values of `column` at first-copy row numbers `wanted` (sorted), reading only parts that hold one."""
    values = []
    for p, m, start, stop in zip(parts, masks, offsets[:-1], offsets[1:]):
        local = wanted[(wanted >= start) & (wanted < stop)] - start
        if len(local):
            values += list(_column(p, column)[np.flatnonzero(m)[local]])
    return values
