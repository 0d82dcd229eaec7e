"""Score nodes: each scorer writes its own attribute table keyed by document id."""

from __future__ import annotations

import pandas as pd

from winnow.scoring import apply_rules
from winnow.scoring.batch import score_in_chunks
from winnow.scoring.heuristics import HeuristicSuite


def score_heuristics(documents: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Gopher, C4 and FineWeb signals, which rules fail, and `heuristic_score` (share of rules passed)."""
    scorer = HeuristicSuite()
    signals = score_in_chunks(scorer, documents, params["chunk_rows"], params["workers"])
    verdicts = apply_rules(signals, params["rules"])
    attributes = signals.merge(verdicts, on="id", validate="one_to_one")
    attributes.attrs = {"scorer": scorer.name, "version": scorer.version}
    return attributes
