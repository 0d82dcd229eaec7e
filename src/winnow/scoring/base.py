"""The scorer contract, and rules: bounds on signals that turn measurements into pass/fail."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from winnow.config import Bounds


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


def apply_rules(signals: pd.DataFrame, rule_groups: Mapping[str, Mapping[str, Bounds | Mapping[str, float]]]) -> pd.DataFrame:
    """Check each signal against its `{min, max}` bounds (inclusive), rules grouped by filter family.

    Returns `failed_rules` (comma-separated `signal<min` / `signal>max`, "" when all pass) and
    `heuristic_score` in [0, 1]: the mean over groups of the share of the group's rules passed.
    Averaging per group keeps six correlated n-gram rules from outvoting a single length rule.
    A signal no scorer produced is a config error, not a silent pass.
    """
    n = len(signals)
    labels: list[str] = []
    masks: list[np.ndarray] = []
    group_scores = []
    for group, rules in rule_groups.items():
        unknown = sorted(set(rules) - set(signals.columns))
        if unknown:
            raise KeyError(f"rule group {group!r} names signals no scorer produced: {unknown}")
        failed_in_group = np.zeros(n, dtype=np.int64)
        for signal, bounds in rules.items():
            try:
                bounds = Bounds.model_validate(bounds)
            except ValueError:
                raise ValueError(f"rule {signal!r} must have 'min' and/or 'max', got {dict(bounds or {})}") from None
            values = signals[signal].astype(float).to_numpy()
            for side, limit, fails in (("min", bounds.min, np.less), ("max", bounds.max, np.greater)):
                if limit is not None:
                    mask = fails(values, limit)
                    labels.append(f"{signal}{'<' if side == 'min' else '>'}{side}")
                    masks.append(mask)
                    failed_in_group += mask  # a value fails at most one side of a rule
        group_scores.append(1.0 - failed_in_group / max(len(rules), 1))
    mask = np.column_stack(masks) if masks else np.zeros((n, 0), dtype=bool)
    label_array = np.array(labels, dtype=object)
    return pd.DataFrame(
        {
            "id": signals["id"].to_numpy(),
            "failed_rules": [",".join(label_array[row]) for row in mask],
            "heuristic_score": np.mean(group_scores, axis=0) if group_scores else np.ones(n),
        }
    )


class SkippedScorer(Scorer):
    """Stands in for a scorer that could not be fitted on this corpus (no usable ratings, no negatives).

    Its columns are all missing, so the combination leaves it out (see `combine_scores`) and the
    run goes on; `reason` says why, for the log, the report and an MLflow tag.
    """

    version = "skipped"

    def __init__(self, name: str, columns: Iterable[str], reason: str):
        self.name, self.columns, self.reason = name, tuple(columns), reason

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        n = len(list(texts))
        return pd.DataFrame({c: np.full(n, np.nan) for c in self.columns})


@dataclass(frozen=True)
class FittedScorer:
    """What a fit node hands its score node: the scorer, and what it was fitted on.

    `key` fingerprints every input of the fit (version, parameters, training data): cached signals
    are reused only under the same key. `metrics` are the fit's own numbers (cross-validated AUC,
    held-out agreement...); `history` the per-step records when the fit trained a model.
    """

    scorer: Scorer
    key: str
    metrics: dict = field(default_factory=dict)
    history: list = field(default_factory=list)

    @property
    def skipped(self) -> str:
        """Why no scorer could be fitted on this corpus ("" when one was)."""
        return self.scorer.reason if isinstance(self.scorer, SkippedScorer) else ""
