"""The scorer contract, and rules: bounds on signals that turn measurements into pass/fail."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd


class Scorer(ABC):
    """Measures a batch of documents and returns one row of raw signals per document.

    `name` prefixes the signal columns and names the attribute table; bump `version` whenever the
    signals a scorer returns for the same text change, so cached attributes are recomputed.
    """

    name: str
    version: str

    @abstractmethod
    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        """One row per text, columns `<name>_<signal>`, in input order."""

    def score(self, documents: pd.DataFrame) -> pd.DataFrame:
        signals = self.score_texts(documents["text"])
        signals.insert(0, "id", documents["id"].to_numpy())
        return signals


def apply_rules(signals: pd.DataFrame, rules: Mapping[str, Mapping[str, float]]) -> pd.DataFrame:
    """Check each signal against its `{min, max}` bounds (inclusive).

    Returns `failed_rules` (comma-separated `signal<min` / `signal>max`, "" when all pass) and
    `heuristic_score`, the fraction of rules passed in [0, 1]. A missing signal is a config error,
    not a silent pass.
    """
    unknown = sorted(set(rules) - set(signals.columns))
    if unknown:
        raise KeyError(f"rules name signals no scorer produced: {unknown}")
    failures = []
    for signal, bounds in rules.items():
        extra = set(bounds) - {"min", "max"}
        if extra or not bounds:
            raise ValueError(f"rule {signal!r} must have 'min' and/or 'max', got {dict(bounds)}")
        values = signals[signal].astype(float).to_numpy()
        if "min" in bounds:
            failures.append((f"{signal}<min", values < bounds["min"]))
        if "max" in bounds:
            failures.append((f"{signal}>max", values > bounds["max"]))
    labels = np.array([name for name, _ in failures], dtype=object)
    mask = np.column_stack([m for _, m in failures]) if failures else np.zeros((len(signals), 0), bool)
    # a rule with both bounds can fail only one side, so failed sides = failed rules
    failed_count = mask.sum(axis=1)
    failed = [",".join(labels[row]) for row in mask]
    return pd.DataFrame(
        {
            "id": signals["id"].to_numpy(),
            "failed_rules": failed,
            "heuristic_score": 1.0 - failed_count / max(len(rules), 1),
        }
    )
