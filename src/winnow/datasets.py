"""Kedro datasets the catalog needs beyond kedro-datasets."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from kedro.io import AbstractDataset, DatasetError

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
        name = self._path.name.lower()
        for suffix in (".gz", ".bz2", ".xz", ".zst", ".zip"):
            name = name.removesuffix(suffix)
        fmt = TABLE_FORMATS.get(Path(name).suffix)
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
