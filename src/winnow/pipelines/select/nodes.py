"""Select nodes: decisions for every document, the accounting check, the selection and its report."""

from __future__ import annotations

import logging

import pandas as pd

from winnow.config import CombineConfig, PIIConfig, SelectConfig
from winnow.parts import Parts, as_frame, frames
from winnow.reporting.plots import decisions_by_reason, score_histograms
from winnow.reporting.report import curation_metrics, selection_report
from winnow.selection.accounting import check_accounting
from winnow.selection.combine import (Combination, fit_combination, learn_weights, learn_weights_from_labels,
                                      merge_attributes)
from winnow.selection.select import decide, duplicate_decisions, score_cutoff

log = logging.getLogger(__name__)

DECISION_COLUMNS = ["id", "kept", "rank", "score", "reason", "failed_rules",
                    "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]


def combine_scores(params: dict, ratings_pairwise: pd.DataFrame, quality_eval_scores: pd.DataFrame,
                   *attribute_tables: pd.DataFrame) -> tuple[pd.DataFrame, Combination, dict]:
    """Every scorer's raw columns side by side, plus `score`: their standardised combination.

    `method`: `weights` (from parameters), `learned` (fitted to the rated pairs) or `validation`
    (fitted to the labels of the evaluation set's validation split; its test split is never
    seen). A scorer that was skipped on this corpus left only missing values: its columns leave
    the combination. The `Combination` is returned so the evaluation set is scored by it too.
    """
    config = CombineConfig.model_validate(params)
    scores = merge_attributes(*attribute_tables)
    weights = dict(config.weights)
    empty = [c for c in weights if c in scores.columns and scores[c].isna().all()]
    if empty and len(empty) == len(weights):
        raise ValueError(f"every combined column is empty on this corpus: {empty}")
    for column in empty:
        log.warning("combine: %s has no value on any document (its scorer was skipped); left out of the score", column)
        del weights[column]
    if config.method == "learned":
        weights = learn_weights(scores, ratings_pairwise, list(weights), config.C)
    combination = fit_combination(scores, weights, config.method)
    if config.method == "validation":
        validation = quality_eval_scores[quality_eval_scores["split"] == "validation"]
        if validation["label"].nunique() < 2:
            raise ValueError(f"combine.method=validation: the evaluation set's validation split holds "
                             f"{validation['label'].value_counts().to_dict()} (label: documents); it needs clean (1) "
                             "and bad (0) ones. Use combine.method=weights, or give an evaluation set with both")
        weights = learn_weights_from_labels(combination.standardised(validation), validation["label"], config.C)
        combination = fit_combination(scores, weights, config.method)
    scores["score"] = combination.apply(scores).to_numpy()
    metrics = {f"combine.weight.{column}": w for column, w in combination.weights.items()}
    return scores, combination, {**metrics, **{f"combine.left_out.{column}": 1.0 for column in empty}}


def decide_documents(documents: Parts | pd.DataFrame, exact_duplicates: pd.DataFrame,
                     document_scores: pd.DataFrame, params: dict) -> pd.DataFrame:
    """One row per input record that was read: kept or dropped, with the reason and every score behind it."""
    columns = ["id", "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]  # never the text
    decisions = decide(as_frame(documents, columns), document_scores, SelectConfig.model_validate(params))
    copies = duplicate_decisions(exact_duplicates, decisions)
    score_columns = [c for c in document_scores.columns if c not in DECISION_COLUMNS]
    out = pd.concat([decisions, copies], ignore_index=True)[DECISION_COLUMNS + score_columns]
    return out.astype({"rank": "Int64", "position": "int64"})


def account_for_documents(ingest_manifest: pd.DataFrame, decisions: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """Fails the run if any input record is missing or double-counted (see `check_accounting`)."""
    return check_accounting(ingest_manifest, decisions, quarantine)


def build_selection(documents: Parts | pd.DataFrame, decisions: pd.DataFrame, curate_totals: dict, params: dict,
                    pii_params: dict) -> pd.DataFrame:
    """The kept documents, best first; personal data in `text`, `url` and `meta` replaced by typed
    placeholders when `redact_pii` (`pii_redacted` counts them per document).

    Takes the totals so it only runs once the accounting passed.
    """
    config = SelectConfig.model_validate(params)
    kept = decisions.loc[decisions["kept"], ["id", "rank", "score"]]
    selection = pd.concat([part.merge(kept, on="id", validate="one_to_one") for part in frames(documents)])
    selection = selection.sort_values("rank").reset_index(drop=True)  # only kept texts are ever held
    assert len(selection) == curate_totals["kept"]
    if config.redact_pii:
        from winnow.scoring.pii import redact_pii

        regions = tuple(PIIConfig.model_validate(pii_params).phone_regions)
        selection["pii_redacted"] = 0
        for column in ("text", "url", "meta"):  # meta holds a JSONL record's other fields: an author's email...
            if column in selection:
                redacted = [redact_pii(v, regions) if isinstance(v, str) else (v, 0) for v in selection[column]]
                selection[column] = [value for value, _ in redacted]
                selection["pii_redacted"] += [n for _, n in redacted]
        selection["n_chars"] = selection["text"].str.len()
    return selection


def report_curation(decisions: pd.DataFrame, quarantine: pd.DataFrame, curate_totals: dict, params: dict):
    """Metrics, the Markdown report and the two figures that the tracking hook logs."""
    config = SelectConfig.model_validate(params)
    return (
        curation_metrics(decisions, quarantine, curate_totals),
        selection_report(decisions, quarantine, curate_totals, config),
        score_histograms(decisions, threshold=score_cutoff(config)),
        decisions_by_reason(decisions),
    )
