"""Numbers for the stats page: who judged how much, how raters agree, how the retrained rater does.

Self-consistency and agreement between raters are `winnow.rating.preferences`' definitions, the
ones the rater pipeline logs to MLflow, so the page and MLflow mean the same thing by them:
self-consistency over every stored judgment (skips aside), agreement over the exported pairs.
The retrained rater's held-out agreement is read from MLflow's store through `MlflowClient`,
opened read-only: the page never writes to the tracking store, not even tables into a file that
is not one.
"""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import pandas as pd
from mlflow import MlflowClient
from mlflow.entities import ViewType
from mlflow.exceptions import MlflowException
from sqlalchemy.exc import SQLAlchemyError

from winnow.annotate.export import consistent_pairs, decided_judgments
from winnow.rating.preferences import rater_metric, rater_vs_majority, repeats, self_consistency

RATER_METRICS = {  # logged by the score pipeline's fit_rater node (prefix "rater.")
    "heldout_agreement_bt": "rater.heldout_agreement_bt",
    "heldout_agreement_combined": "rater.heldout_agreement_combined",
    "n_heldout_decisive": "rater.n_heldout_decisive",
    "pairs_valid": "rater.pairs_valid",
    "inter_rater_agreement": "rater.inter_rater_agreement",
}
# logged, never NaN, with the held-out agreements whenever the rater was evaluated
_FITTED_RATER = f"metrics.`{RATER_METRICS['n_heldout_decisive']}` >= 0 and attributes.status = 'FINISHED'"


def _number(value) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


def rater_summary(judgments: pd.DataFrame) -> dict:
    """Per-rater counts, self-consistency and agreement with the others, plus the overall numbers."""
    counts = pd.crosstab(judgments["rater"], judgments["choice"]).reindex(columns=["a", "b", "tie", "skip"],
                                                                           fill_value=0)
    consistency = self_consistency(repeats(decided_judgments(judgments)))
    pairs, n_conflicts = consistent_pairs(judgments)
    agreement = rater_vs_majority(pairs)
    raters = []
    for rater, row in counts.iterrows():
        name = str(rater)
        raters.append({
            "rater": name, "judged": int(row[["a", "b", "tie"]].sum()), "skipped": int(row["skip"]),
            **{choice: int(row[choice]) for choice in ("a", "b", "tie")},
            "n_repeated": int(consistency.get(rater_metric(name, "n_repeated"), 0)),
            "self_consistency": _number(consistency.get(rater_metric(name, "self_consistency"))),
            "n_shared": int(agreement.get(rater_metric(name, "n_majority"), 0)),
            "agreement_with_others": _number(agreement.get(rater_metric(name, "majority_agreement"))),
            "kappa_with_others": _number(agreement.get(rater_metric(name, "majority_kappa"))),
        })
    return {"raters": raters, "n_judgments": int(len(judgments)), "n_exported": int(len(pairs)),
            "n_conflicting_repeats": n_conflicts, "inter_rater_agreement": _number(agreement["inter_rater_agreement"]),
            "inter_rater_kappa": _number(agreement["inter_rater_kappa"]),
            "n_inter_rater": int(agreement["n_inter_rater"])}


def latest_rater_run(mlflow_db: str | Path, human_raters: list[str] = ()) -> dict:
    """The latest finished MLflow run that fitted the rater: its time, ratings file, held-out
    agreement (overall and for each of `human_raters`) and which of `human_raters` its metrics
    name (none: it was not fitted on their judgments); `{"status": "not retrained yet"}` if none."""
    path = Path(mlflow_db)
    if not path.is_file():
        return {"status": "not retrained yet", "detail": f"no MLflow store at {path}"}
    try:
        client = MlflowClient(tracking_uri=f"sqlite:///file:{path.resolve()}?mode=ro&uri=true")
        experiments = [e.experiment_id for e in client.search_experiments(view_type=ViewType.ALL)]
        runs = client.search_runs(experiments, _FITTED_RATER, ViewType.ACTIVE_ONLY, max_results=1,
                                  order_by=["attributes.start_time DESC"]) if experiments else []
    except (MlflowException, SQLAlchemyError, sqlite3.Error) as err:
        reason = str(getattr(err, "orig", None) or err).splitlines()[0]
        if "readonly database" in reason:  # MLflow found none of its tables and tried to create them
            reason = "not an MLflow tracking store"
        return {"status": "unreadable", "detail": f"cannot read MLflow store {path}: {reason}"}
    if not runs:
        return {"status": "not retrained yet", "detail": f"no finished run in {path} fitted the rater"}
    run, metrics = runs[0], runs[0].data.metrics
    per_rater = {name: _number(metrics.get(f"rater.{rater_metric(name, 'model_agreement')}")) for name in human_raters}
    seen = [name for name in human_raters if any(key.startswith(f"rater.{rater_metric(name, '')}") for key in metrics)]
    return {"status": "retrained", "run_id": run.info.run_id, "raters_in_run": seen,
            "started": pd.Timestamp(run.info.start_time, unit="ms", tz="UTC").isoformat(timespec="seconds"),
            "pairwise_path": run.data.params.get("rater.pairwise_path"),
            **{name: _number(metrics.get(key)) for name, key in RATER_METRICS.items()},
            "model_agreement_by_rater": {k: v for k, v in per_rater.items() if v is not None}}
