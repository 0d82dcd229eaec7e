"""Select nodes: decisions for every document, the accounting check, the selection and its report."""

from __future__ import annotations

import pandas as pd

from winnow.reporting.plots import decisions_by_reason, score_histograms
from winnow.reporting.report import curation_metrics, selection_report
from winnow.selection.accounting import check_accounting
from winnow.selection.select import decide, duplicate_decisions

DECISION_COLUMNS = ["id", "kept", "rank", "score", "reason", "failed_rules", "heuristic_score",
                    "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]


def decide_documents(documents: pd.DataFrame, exact_duplicates: pd.DataFrame,
                     attributes_heuristic: pd.DataFrame, params: dict) -> pd.DataFrame:
    """One row per input record that was read: kept or dropped, with the reason and the scores."""
    scores = attributes_heuristic[["id", "heuristic_score", "failed_rules"]].assign(
        score=attributes_heuristic["heuristic_score"])
    decisions = decide(documents, scores, params)
    copies = duplicate_decisions(exact_duplicates, decisions)
    out = pd.concat([decisions, copies], ignore_index=True)[DECISION_COLUMNS]
    return out.astype({"rank": "Int64", "position": "int64"})


def account_for_documents(ingest_manifest: pd.DataFrame, decisions: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """Fails the run if any input record is missing or double-counted (see `check_accounting`)."""
    return check_accounting(ingest_manifest, decisions, quarantine)


def build_selection(documents: pd.DataFrame, decisions: pd.DataFrame, curate_totals: dict) -> pd.DataFrame:
    """The kept documents, best first. Takes the totals so it only runs once the accounting passed."""
    kept = decisions.loc[decisions["kept"], ["id", "rank", "score"]]
    selection = documents.merge(kept, on="id", validate="one_to_one").sort_values("rank")
    assert len(selection) == curate_totals["kept"]
    return selection.reset_index(drop=True)


def report_curation(decisions: pd.DataFrame, quarantine: pd.DataFrame, curate_totals: dict, params: dict):
    """Metrics, the Markdown report and the two figures that the tracking hook logs."""
    cutoff = params.get("min_score") if params["mode"] == "min_score" else None
    return (
        curation_metrics(decisions, quarantine, curate_totals),
        selection_report(decisions, quarantine, curate_totals, params),
        score_histograms(decisions, threshold=cutoff),
        decisions_by_reason(decisions),
    )
