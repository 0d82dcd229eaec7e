"""A content hash of a table that ignores row order, to prove two runs made the same decisions.

    python -m winnow.reporting.digest data/05_model_input/decisions.parquet
(a versioned dataset's folder means its newest version)
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import pandas as pd

SORT_KEYS = ("id", "file", "position")  # exact copies share an id; (file, position) tells them apart


def table_digest(table: pd.DataFrame) -> str:
    """SHA-256 of the rows sorted by their keys, every column and value included (floats bit for bit)."""
    keys = [c for c in SORT_KEYS if c in table.columns]
    rows = table.sort_values(keys, kind="stable").reset_index(drop=True) if keys else table
    digest = hashlib.sha256(",".join(map(str, rows.columns)).encode())
    digest.update(pd.util.hash_pandas_object(rows.astype(str) if rows.empty else rows, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def newest_version(path: str | Path) -> Path:
    """`path` itself, or the newest `<version>/<name>` (a file or a folder of parts) when `path` is a
    Kedro versioned folder."""
    path = Path(path)
    if path.is_dir() and not any(path.glob("part-*.parquet")):  # not a folder of parts itself
        versions = sorted(path.glob(f"*/{path.name}"))
        if not versions:
            raise FileNotFoundError(f"{path}: a versioned dataset folder with no version in it")
        return versions[-1]
    return path


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(table_digest(pd.read_parquet(newest_version(name))), name)
