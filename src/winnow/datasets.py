"""Kedro datasets the catalog needs beyond kedro-datasets."""

from __future__ import annotations

from pathlib import Path

from kedro.io import AbstractDataset

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
