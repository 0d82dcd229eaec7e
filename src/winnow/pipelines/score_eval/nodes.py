"""score_eval: every scorer and the combined score on the construction-labelled set (primary) and
on the provenance-labelled gold set of the sample (secondary)."""

from __future__ import annotations

import logging

import pandas as pd
from matplotlib.figure import Figure

from winnow.config import CombineConfig, ScoreEvalConfig, SelectConfig
from winnow.parts import Parts, as_frame
from winnow.quality.evaluate import evaluate_columns, kind_plot, source_views
from winnow.scoring.gold import evaluate_scores, read_gold, roc_plot
from winnow.selection.combine import Combination, learn_weights_from_labels
from winnow.selection.select import hard_filter_failures

log = logging.getLogger(__name__)


def _message_figure(text: str) -> Figure:
    fig = Figure(figsize=(6, 2))
    fig.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=8)
    return fig


def _kept_by_rules(scores: pd.DataFrame, decisions: pd.DataFrame, select: SelectConfig) -> pd.Series:
    """Would the corpus's decisions keep each evaluation document: every hard filter passed and a
    combined score at least the lowest one the corpus kept (languages and duplicates aside)."""
    kept_scores = decisions.loc[decisions["kept"], "score"]
    cutoff = kept_scores.min() if len(kept_scores) else float("inf")
    return (scores["score"] >= cutoff) & (hard_filter_failures(scores, select.hard_filters) == "")


def _leave_one_source_out(scores: pd.DataFrame, combination: Combination, C: float) -> dict[str, float]:
    """The validation-fitted combination refitted without each source, judged on that source's test
    documents (`source_views`)."""
    from sklearn.metrics import roc_auc_score

    validation, test = scores[scores["split"] == "validation"], scores[scores["split"] == "test"]
    out = {}
    for source, rows in source_views(test).items():
        rest = validation[validation["source"] != source]
        if rest["label"].nunique() < 2:  # a tiny set: without this source, nothing to fit on
            continue
        weights = pd.Series(learn_weights_from_labels(combination.standardised(rest), rest["label"], C))
        judged = test[rows]
        if judged["label"].nunique() == 2:
            out[source] = float(roc_auc_score(judged["label"], combination.standardised(judged).mul(weights).sum(axis=1)))
    return out


def _gold_view(decisions: pd.DataFrame, gold_labels: pd.DataFrame, config: ScoreEvalConfig, columns: list[str]):
    gold = read_gold(gold_labels, decisions["id"], config.gold_name)
    if gold["label"].nunique() < 2:
        reason = (f"{len(gold)} of {len(gold_labels):,} documents of {config.gold_name} are in this corpus; "
                  "ROC-AUC needs good and bad ones")
        log.info("score_eval: provenance-labelled gold view skipped: %s", reason)
        return {}, [f"Skipped: {reason}."], _message_figure(f"gold set view skipped:\n{reason}")
    present = [c for c in columns if c in decisions.columns]
    table, summary = evaluate_scores(decisions, gold, present, tuple(config.lower_is_better))
    metrics = {f"score_eval.gold.{row.score}.roc_auc": row.roc_auc for row in table.itertuples()}
    lines = [f"{summary['gold_docs']} documents of the sample labelled **by their source** "
             "(secondary: a scorer that recognises sources looks better here than it is).", "",
             table.to_markdown(index=False, floatfmt=".3f")]
    return metrics, lines, roc_plot(decisions, gold, present, tuple(config.lower_is_better))


def evaluate_scorers(decisions: Parts | pd.DataFrame, quality_eval_scores: pd.DataFrame, combination: Combination,
                     gold_labels: pd.DataFrame, params: dict, select_params: dict, combine_params: dict):
    """Metrics, a Markdown report, the per-kind heat map and the gold set's ROC plot.

    `score` is the combined score, computed for the evaluation documents by the same
    `Combination` (the corpus's statistics and weights) that ranked the corpus.
    """
    config, select = ScoreEvalConfig.model_validate(params), SelectConfig.model_validate(select_params)
    decisions = as_frame(decisions)
    lower = tuple(config.lower_is_better)
    scores = quality_eval_scores.copy()
    scores["score"] = combination.apply(scores).to_numpy()
    test = scores[scores["split"] == "test"].reset_index(drop=True)
    columns = [c for c in config.columns if c in scores.columns and scores[c].notna().any()] + ["score"]
    unique = decisions[decisions["reason"] != "exact_duplicate"].drop_duplicates("id")
    kept_fraction = float(unique["kept"].mean())
    overall, by_kind, by_source = evaluate_columns(test, columns, kept_fraction, lower)
    kept = _kept_by_rules(test, decisions, select)
    labels = test["label"].astype(int)
    decided = {"kept_fraction": float(kept.mean()),
               "precision": float(labels[kept].mean()) if kept.any() else float("nan"),
               "recall": float(kept[labels == 1].mean())}
    metrics = {f"score_eval.quality.decisions.{k}": v for k, v in decided.items()}
    for table, what in ((overall.set_index("score"), ""), (by_kind.set_index("score"), "roc_auc.")):
        for column, row in table.iterrows():
            metrics.update({f"score_eval.quality.{column}.{what}{k}": float(v) for k, v in row.items()})
    loso = {}
    if combination.method == "validation":
        loso = _leave_one_source_out(scores, combination, CombineConfig.model_validate(combine_params).C)
        by_source = pd.concat([by_source, pd.DataFrame([{"score": "score (refitted without the source)", **loso}])])
        metrics.update({f"score_eval.quality.score_loso.{k}": v for k, v in loso.items()})
    gold_metrics, gold_lines, roc = _gold_view(decisions, gold_labels, config, columns)
    worst = by_kind.set_index("score").loc["score"].idxmin()
    counts = test.groupby(["label", "kind"]).size().rename("documents").reset_index()
    report = "\n".join([
        "# Scorers on text Winnow never trained on", "",
        f"Construction-labelled set `{config.quality_eval_name}`, test split: {len(test):,} documents "
        f"({int(labels.sum()):,} clean, {int((labels == 0).sum()):,} bad) from sources used nowhere else in the "
        f"project. `score` is the combined score ({combination.method}); precision is measured at the corpus's "
        f"kept fraction ({kept_fraction:.1%}); pair accuracy: the original above its degraded copy.", "",
        overall.to_markdown(index=False, floatfmt=".3f"), "",
        f"The corpus's decisions applied to this set keep {decided['kept_fraction']:.1%} of it at precision "
        f"{decided['precision']:.3f} (recall of clean text {decided['recall']:.3f}).", "",
        "## ROC-AUC per kind of bad text (all clean documents vs that kind)", "",
        by_kind.to_markdown(index=False, floatfmt=".3f"), "",
        f"Hardest kind for the combined score: **{worst}** ({by_kind.set_index('score').loc['score', worst]:.3f}).", "",
        "## ROC-AUC per source (a clean source: its passages vs their own degraded copies; a bad source: vs all clean)", "",
        by_source.to_markdown(index=False, floatfmt=".3f"), "",
        "## Documents per kind", "", counts.to_markdown(index=False), "",
        "## Secondary view: the provenance-labelled gold set", "", *gold_lines, ""])
    plot = kind_plot(by_kind, f"ROC-AUC per kind of bad text ({len(test):,} unseen documents)")
    metrics.update(gold_metrics)
    metrics["score_eval.quality.test_docs"] = float(len(test))
    return metrics, report, plot, roc

