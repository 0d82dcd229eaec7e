"""A table stored as Parquet parts, read a part and a few columns at a time.

`documents` is such a table (one part per ingest shard); code that must also take a DataFrame
(the evaluation set is scored like a corpus, from memory) goes through `frames` and `as_frame`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq


class Parts:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self.paths = sorted(self.folder.glob("part-*.parquet")) if self.folder.is_dir() else [self.folder]

    def __len__(self) -> int:
        return sum(pq.ParquetFile(p).metadata.num_rows for p in self.paths)

    def frame(self, i: int, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.paths[i], columns=columns)

    def frames(self, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
        for i in range(len(self.paths)):
            yield self.frame(i, columns)

    def to_frame(self, columns: list[str] | None = None) -> pd.DataFrame:
        return pd.read_parquet(self.folder, columns=columns)


def frames(table: pd.DataFrame | Parts, columns: list[str] | None = None) -> Iterator[pd.DataFrame]:
    """The table a part at a time (a DataFrame is one part)."""
    if isinstance(table, Parts):
        yield from table.frames(columns)
    else:
        yield table if columns is None else table[columns]


def as_frame(table: pd.DataFrame | Parts, columns: list[str] | None = None) -> pd.DataFrame:
    if isinstance(table, Parts):
        return table.to_frame(columns)
    return table if columns is None else table[columns]
