"""Kedro datasets the catalog needs beyond kedro-datasets."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from functools import partial
from pathlib import Path, PurePosixPath

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from kedro.io import AbstractDataset, AbstractVersionedDataset, DatasetError, Version

from winnow.parts import Parts
from winnow.training.tokenizer import load_tokenizer, save_tokenizer


class TokenizerDataset(AbstractDataset):
    """A trained tokenizer as `<filepath>/tokenizer.json` (Hugging Face `tokenizers` format)."""

    def __init__(self, filepath: str):
        self._dir = Path(filepath)

    def load(self):
        return load_tokenizer(self._dir)

    def save(self, tokenizer) -> None:
        save_tokenizer(tokenizer, self._dir)

    def _exists(self) -> bool:
        return (self._dir / "tokenizer.json").is_file()

    def _describe(self) -> dict:
        return {"filepath": str(self._dir)}


TABLE_FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst", ".zip")


def _table_name(path: Path) -> tuple[str, str | None]:
    """(the file's name without format and compression suffixes, its table format or None)."""
    name = path.name
    for suffix in COMPRESSIONS:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    stem, dot, ext = name.rpartition(".")
    return (stem, TABLE_FORMATS.get((dot + ext).lower())) if dot else (name, None)


class TableDataset(AbstractDataset):
    """A user-supplied table (task, held-out text, gold set, reference corpus): CSV or JSONL, plain or
    compressed (gzip, bz2, xz, zstd, zip: from the file name), with the columns a node relies on.

    A missing column fails at load time with the file and the column named, not deep in a node.
    """

    def __init__(self, filepath: str, required_columns: list[str] | None = None, dtype: dict | None = None):
        self._path = Path(filepath)
        self._required = list(required_columns or [])
        self._dtype = dtype

    def _format(self) -> str:
        fmt = _table_name(self._path)[1]
        if fmt is None:
            raise DatasetError(f"{self._path}: expected a .csv or .jsonl file (optionally compressed), "
                               f"got {''.join(self._path.suffixes) or 'no suffix'!r}")
        return fmt

    def load(self) -> pd.DataFrame:
        fmt = self._format()
        try:
            if fmt == "csv":
                table = pd.read_csv(self._path, dtype=self._dtype, encoding="utf-8-sig")
            else:
                table = pd.read_json(self._path, lines=True, dtype=self._dtype, encoding="utf-8-sig")
        except FileNotFoundError:
            raise
        except Exception as err:  # noqa: BLE001 - any parse error becomes one message naming the file
            raise DatasetError(f"{self._path}: cannot read {fmt}: {type(err).__name__}: {err}") from err
        missing = [c for c in self._required if c not in table.columns]
        if missing:
            raise DatasetError(f"{self._path}: missing column(s) {missing}; need {self._required}, "
                               f"found {list(table.columns)}")
        return table

    def save(self, data: pd.DataFrame) -> None:
        raise DatasetError(f"{self._path} is an input; Winnow never writes it")

    def _exists(self) -> bool:
        return self._path.is_file()

    def _describe(self) -> dict:
        return {"filepath": str(self._path), "required_columns": self._required}


class TableSetDataset(AbstractDataset):
    """Several named tables (downstream tasks, held-out domains): every CSV/JSONL table in a folder,
    named by its file name without suffixes (other files, e.g. a README, are skipped), or one file.

    Loads `{name: DataFrame}`; each table is a `TableDataset` with the same required columns.
    """

    def __init__(self, path: str, required_columns: list[str] | None = None, dtype: dict | None = None):
        self._path = Path(path)
        self._required = list(required_columns or [])
        self._dtype = dtype

    def _files(self) -> dict[str, Path]:
        if self._path.is_file():
            return {_table_name(self._path)[0]: self._path}
        if not self._path.is_dir():
            raise DatasetError(f"{self._path}: no such file or folder")
        found: dict[str, Path] = {}
        for path in sorted(p for p in self._path.iterdir() if p.is_file() and _table_name(p)[1] is not None):
            name = _table_name(path)[0]
            if name in found:
                raise DatasetError(f"{self._path}: {found[name].name} and {path.name} would both be the table {name!r}")
            found[name] = path
        if not found:
            raise DatasetError(f"{self._path}: no .csv or .jsonl table (optionally compressed) in this folder")
        return found

    def load(self) -> dict[str, pd.DataFrame]:
        return {name: TableDataset(str(path), self._required, self._dtype).load() for name, path in self._files().items()}

    def save(self, data) -> None:
        raise DatasetError(f"{self._path} is an input; Winnow never writes it")

    def _exists(self) -> bool:
        return self._path.exists()

    def _describe(self) -> dict:
        return {"path": str(self._path), "required_columns": self._required}


ROW_GROUP_ROWS = 2000  # the unit a Ray actor scores: small enough to spread a shard over every core


def _arrow(frame: pd.DataFrame) -> pa.Table:
    """The frame as Arrow, its `attrs` (a scorer's name, version, cache key) kept where pandas keeps them."""
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if frame.attrs:
        table = table.replace_schema_metadata({**table.schema.metadata, b"PANDAS_ATTRS": json.dumps(frame.attrs)})
    return table


class ShardedParquetDataset(AbstractVersionedDataset):
    """A table stored as a folder of Parquet parts (`part-00000.parquet`, ...), written one part at a
    time so a node can hand over a corpus larger than memory.

    Saves a DataFrame (one part), `Parts`, or `{part name: DataFrame | pyarrow Table | callable returning one}`
    (a Table keeps its schema: a column that is empty in one part keeps its type); callables are
    called one by one as their part is written. The new parts go to a hidden folder that replaces
    the old one when all are written, so readers never see a mix of two runs. Loads a
    `winnow.parts.Parts`, which nodes read a part at a time or whole (pandas and pyarrow also read
    the folder as one table). `part_rows` cuts a single table into parts of that many rows.
    `versioned: true` keeps every run's folder, as Kedro's `<filepath>/<version>/<name>`.
    """

    def __init__(self, filepath: str, version: Version | None = None, part_rows: int | None = None):
        super().__init__(PurePosixPath(filepath), version)
        self._part_rows = part_rows

    def load(self) -> Parts:
        path = Path(self._get_load_path())
        if not path.exists():
            raise DatasetError(f"{path} does not exist")
        return Parts(path)

    def save(self, data) -> None:
        path = Path(self._get_save_path())
        if isinstance(data, Parts):  # another folder's parts, copied one at a time
            data = {p.stem: partial(pq.read_table, p) for p in data.paths}
        parts = data if isinstance(data, dict) else self._cut(data)
        staging = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        staging.mkdir(parents=True)
        try:
            for name, part in parts.items():
                table = part() if callable(part) else part
                table = _arrow(table) if isinstance(table, pd.DataFrame) else table
                pq.write_table(table, staging / f"{name}.parquet", row_group_size=ROW_GROUP_ROWS)
            old = path.with_name(f".{path.name}.{uuid.uuid4().hex}.old")
            if path.exists():
                os.replace(path, old)
            os.replace(staging, path)
            shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
        finally:
            shutil.rmtree(staging, ignore_errors=True)

    def _cut(self, table: pd.DataFrame | pa.Table) -> dict[str, pa.Table]:
        table = _arrow(table) if isinstance(table, pd.DataFrame) else table
        rows = self._part_rows or max(table.num_rows, 1)
        return {f"part-{i // rows:05d}": table.slice(i, rows) for i in range(0, max(table.num_rows, 1), rows)}

    def _exists(self) -> bool:
        try:
            return Path(self._get_load_path()).exists()
        except DatasetError:
            return False

    def _describe(self) -> dict:
        return {"filepath": str(self._filepath), "version": self._version}
