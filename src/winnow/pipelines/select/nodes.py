"""Select nodes: decisions for every document, the accounting check, the selection and its report."""

from __future__ import annotations

import logging
from functools import partial

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

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
                     document_scores: Parts | pd.DataFrame, params: dict) -> dict[str, pa.Table]:
    """One row per input record that was read: kept or dropped, with the reason and every score behind it.

    Ranks and thresholds are global and exact, from the 8 non-text columns and the scores (a few
    numbers per document); the decisions are written as one part per `documents` part (an exact
    copy goes with the document it copies), so the selection is then built a part at a time.
    """
    columns = ["id", "source", "file", "position", "n_chars", "lang", "lang_score", "dup_cluster"]  # never the text
    document_scores = as_frame(document_scores)
    docs = pd.concat([part.assign(part=i) for i, part in enumerate(frames(documents, columns))], ignore_index=True)
    decisions = decide(docs, document_scores, SelectConfig.model_validate(params))
    copies = duplicate_decisions(exact_duplicates, decisions)
    score_columns = [c for c in document_scores.columns if c not in DECISION_COLUMNS]
    out = pd.concat([decisions, copies], ignore_index=True)[DECISION_COLUMNS + score_columns]
    out = out.astype({"rank": "Int64", "position": "int64"})
    part_of = docs.set_index("id")["part"]
    part = out["id"].map(part_of)
    if part.isna().any():
        raise ValueError(f"decisions for ids that are in no documents part, e.g. {out.loc[part.isna(), 'id'].head(3).tolist()}")
    table, part = pa.Table.from_pandas(out, preserve_index=False), part.to_numpy()
    return {f"part-{i:05d}": table.filter(pa.array(part == i)) for i in range(int(part_of.max()) + 1)}


def account_for_documents(ingest_manifest: pd.DataFrame, decisions: Parts | pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """Fails the run if any input record is missing or double-counted (see `check_accounting`)."""
    return check_accounting(ingest_manifest, as_frame(decisions, ["kept", "file", "position"]), quarantine)


def build_selection(documents: Parts | pd.DataFrame, decisions: Parts | pd.DataFrame, curate_totals: dict,
                    params: dict, pii_params: dict) -> dict:
    """The kept documents, one part per `documents` part (each best first by `rank`); personal data
    in `text`, `url` and `meta` replaced by typed placeholders when `redact_pii` (`pii_redacted`
    counts them per document). Parts are made one at a time as they are written, so only one
    part's kept texts are ever held.

    Takes the totals so it only runs once the accounting passed.
    """
    config = SelectConfig.model_validate(params)
    decided = as_frame(decisions, ["id", "kept", "rank", "score"])
    kept = decided.loc[decided["kept"], ["id", "rank", "score"]].astype({"rank": "int64"})
    found = sum(int(part["id"].isin(kept["id"]).sum()) for part in frames(documents, ["id"]))
    if found != curate_totals["kept"]:
        raise AssertionError(f"{curate_totals['kept']} documents are kept but {found} of them are in `documents`")
    regions = tuple(PIIConfig.model_validate(pii_params).phone_regions) if config.redact_pii else None
    schema = _selection_schema(documents, config.redact_pii)

    def part(i: int) -> pa.Table:
        frame = (documents.frame(i) if isinstance(documents, Parts) else documents).merge(kept, on="id", validate="one_to_one")
        frame = _redact(frame.sort_values("rank"), regions) if regions is not None else frame.sort_values("rank")
        return pa.Table.from_pandas(frame, schema=schema, preserve_index=False)

    n_parts = len(documents.paths) if isinstance(documents, Parts) else 1
    return {f"part-{i:05d}": partial(part, i) for i in range(n_parts)}


def _selection_schema(documents: Parts | pd.DataFrame, redact: bool) -> pa.Schema:
    """Every part of the selection has the documents' columns and types, plus rank and score, even
    a part where a column is empty or no document was kept."""
    base = pq.read_schema(documents.paths[0]) if isinstance(documents, Parts) else \
        pa.Schema.from_pandas(documents, preserve_index=False)
    extra = [pa.field("rank", pa.int64()), pa.field("score", pa.float64())]
    return pa.schema([*base.remove_metadata(), *extra, *([pa.field("pii_redacted", pa.int64())] if redact else [])])


def _redact(selection: pd.DataFrame, regions: tuple[str, ...]) -> pd.DataFrame:
    from winnow.scoring.pii import redact_pii

    selection = selection.assign(pii_redacted=0)
    if selection.empty:  # a part that kept nothing
        return selection
    for column in ("text", "url", "meta"):  # meta holds a JSONL record's other fields: an author's email...
        if column in selection:
            redacted = [redact_pii(v, regions) if isinstance(v, str) else (v, 0) for v in selection[column]]
            selection[column] = [value for value, _ in redacted]
            selection["pii_redacted"] += [n for _, n in redacted]
    selection["n_chars"] = selection["text"].str.len()
    return selection


def report_curation(decisions: Parts | pd.DataFrame, quarantine: pd.DataFrame, curate_totals: dict, params: dict):
    """Metrics, the Markdown report and the two figures that the tracking hook logs."""
    config = SelectConfig.model_validate(params)
    decisions = as_frame(decisions)
    return (
        curation_metrics(decisions, quarantine, curate_totals),
        selection_report(decisions, quarantine, curate_totals, config),
        score_histograms(decisions, threshold=score_cutoff(config)),
        decisions_by_reason(decisions),
    )
