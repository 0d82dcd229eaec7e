"""Numbers for the stats page: who judged how much, how raters agree, how the retrained rater does.

Agreement uses the rater pipeline's own definition (`winnow.rating.evaluation.rater_vs_majority`)
on the exported pairs, so the page and MLflow mean the same thing by it. Self-consistency is the
share of pairs a rater judged twice (skips aside) with the same outcome both times.
The retrained rater's held-out agreement is read straight from MLflow's SQLite store (read-only,
no MLflow import: the page must not slow down or write to the tracking store).
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pandas as pd

from winnow.annotate.export import canonical_choice, consistent_pairs
from winnow.rating.evaluation import rater_vs_majority

RATER_METRICS = {  # logged by the score pipeline's fit_rater node (prefix "rater.")
    "heldout_agreement_bt": "rater.heldout_agreement_bt",
    "heldout_agreement_combined": "rater.heldout_agreement_combined",
    "n_heldout_decisive": "rater.n_heldout_decisive",
    "pairs_valid": "rater.pairs_valid",
    "inter_rater_agreement": "rater.inter_rater_agreement",
}


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def self_consistency(judgments: pd.DataFrame) -> pd.DataFrame:
    """Per rater: `n_repeated` pairs judged more than once and the share `self_consistency` judged alike."""
    decided = judgments[judgments["choice"] != "skip"]
    outcome = [canonical_choice(a, b, c) for a, b, c in zip(decided["a_id"], decided["b_id"], decided["choice"])]
    per_pair = decided.assign(outcome=outcome).groupby(["rater", "pair_key"])["outcome"].agg(["size", "nunique"])
    repeated = per_pair[per_pair["size"] > 1].reset_index()
    return (repeated.assign(alike=repeated["nunique"] == 1).groupby("rater")
            .agg(n_repeated=("alike", "size"), self_consistency=("alike", "mean")))


def rater_summary(judgments: pd.DataFrame) -> dict:
    """Per-rater counts, self-consistency and agreement with the others, plus the overall numbers."""
    counts = pd.crosstab(judgments["rater"], judgments["choice"]).reindex(columns=["a", "b", "tie", "skip"],
                                                                           fill_value=0)
    consistency = self_consistency(judgments)
    pairs, n_conflicts = consistent_pairs(judgments)
    agreement = rater_vs_majority(pairs) if len(pairs) else {"inter_rater_agreement": float("nan"), "n_inter_rater": 0}
    raters = []
    for rater, row in counts.iterrows():
        name = str(rater)
        key = f"rater/{name}/majority_agreement"
        raters.append({
            "rater": name, "judged": int(row[["a", "b", "tie"]].sum()), "skipped": int(row["skip"]),
            **{choice: int(row[choice]) for choice in ("a", "b", "tie")},
            "n_repeated": int(consistency["n_repeated"].get(name, 0)),
            "self_consistency": _number(consistency["self_consistency"].get(name)),
            "n_shared": int(agreement.get(f"rater/{name}/n_majority", 0)),
            "agreement_with_others": _number(agreement.get(key)),
        })
    return {"raters": raters, "n_judgments": int(len(judgments)), "n_exported": int(len(pairs)),
            "n_conflicting_repeats": n_conflicts, "inter_rater_agreement": _number(agreement["inter_rater_agreement"]),
            "n_inter_rater": int(agreement["n_inter_rater"])}


def latest_rater_run(mlflow_db: str | Path, human_raters: list[str] = ()) -> dict:
    """The latest finished MLflow run that fitted the rater: its time, ratings file, held-out
    agreement (overall and for each of `human_raters`) and which of `human_raters` its metrics
    name (none: it was not fitted on their judgments); `{"status": "not retrained yet"}` if none."""
    path = Path(mlflow_db)
    if not path.is_file():
        return {"status": "not retrained yet", "detail": f"no MLflow store at {path}"}
    try:
        with sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=5) as conn:
            run = conn.execute(
                "SELECT r.run_uuid, r.start_time FROM runs r JOIN latest_metrics m ON m.run_uuid = r.run_uuid"
                " WHERE m.key = ? AND r.status = 'FINISHED' AND r.lifecycle_stage = 'active'"
                " ORDER BY r.start_time DESC LIMIT 1", (RATER_METRICS["heldout_agreement_bt"],)).fetchone()
            if run is None:
                return {"status": "not retrained yet", "detail": f"no finished run in {path} fitted the rater"}
            metrics = dict(conn.execute("SELECT key, value FROM latest_metrics WHERE run_uuid = ?"
                                        " AND key LIKE 'rater.%'", (run[0],)).fetchall())
            param = conn.execute("SELECT value FROM params WHERE run_uuid = ? AND key = 'rater.pairwise_path'",
                                 (run[0],)).fetchone()
    except sqlite3.Error as err:
        return {"status": "unreadable", "detail": f"cannot read MLflow store {path}: {err}"}
    per_rater = {name: _number(metrics.get(f"rater.rater/{name}/model_agreement")) for name in human_raters}
    seen = [name for name in human_raters if any(key.startswith(f"rater.rater/{name}/") for key in metrics)]
    return {"status": "retrained", "run_id": run[0], "raters_in_run": seen,
            "started": pd.Timestamp(run[1], unit="ms", tz="UTC").isoformat(timespec="seconds"),
            "pairwise_path": param[0] if param else None,
            **{name: _number(metrics.get(key)) for name, key in RATER_METRICS.items()},
            "model_agreement_by_rater": {k: v for k, v in per_rater.items() if v is not None}}
