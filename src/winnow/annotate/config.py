"""Settings of the annotation app; every default can be changed on the command line.

Paths default to where `kedro run --pipeline=curate` writes (conf/base/catalog.yml) and are
relative to the directory the app is started in (the project root).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from winnow.annotate.pairs import Mix


@dataclass(frozen=True)
class AnnotateConfig:
    documents: Path = Path("data/02_intermediate/documents.parquet")  # catalog `documents`: id, text
    scores: Path = Path("data/04_feature/document_scores.parquet")  # catalog `document_scores`: rater_bt
    gold: Path | None = Path("data/01_raw/gold/sample_gold.csv")  # never shown (held out from training)
    db: Path = Path("data/01_raw/annotations/judgments.sqlite")  # the judgments: the source of truth
    export: Path = Path("data/01_raw/annotations/human_pairwise.csv")  # refreshed after every judgment
    mlflow_db: Path = Path("mlflow.db")  # conf/base/tracking.yml's store, read for the stats page
    mix: Mix = field(default_factory=Mix)
    target: int = 50  # judgments per session shown as the goal: ~50 pairs is a few minutes' work
    seed: int = 0
    display_chars: int = 6000  # longer documents are cut on screen (the rater reads up to 20,000)
    window: int = 8  # an uncertain pair's partner is among the anchor's 8 neighbours in utility order
    n_anchors: int = 32  # anchors tried when an anchor's neighbours were all shown already
    repeat_gap: int = 5  # a repeat shows a pair judged at least this many judgments ago

    def __post_init__(self):
        for name in ("target", "display_chars", "window", "n_anchors"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.repeat_gap < 0:
            raise ValueError(f"repeat_gap must be >= 0, got {self.repeat_gap}")
