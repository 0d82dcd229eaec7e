"""score_eval: every scorer and the combined score against a labelled gold set (ROC-AUC, precision@k)."""

from __future__ import annotations

import logging

import pandas as pd
from matplotlib.figure import Figure

from winnow.config import ScoreEvalConfig
from winnow.scoring.gold import evaluate_scores, read_gold, roc_plot

log = logging.getLogger(__name__)


def _skipped(reason: str):
    """A corpus without the gold set's documents (your own corpus) is not an error: say so, measure nothing."""
    log.warning("score_eval skipped: %s. Give a gold set of this corpus with --params=gold_path=...", reason)
    fig = Figure(figsize=(6, 2))
    fig.text(0.5, 0.5, f"score_eval skipped:\n{reason}", ha="center", va="center", wrap=True, fontsize=8)
    report = f"# Scorers on the gold set\n\nSkipped: {reason}.\n"
    return {"score_eval.skipped": 1.0}, report, fig


def evaluate_scorers(decisions: pd.DataFrame, gold_labels: pd.DataFrame, params: dict):
    """Metrics, a Markdown table and a ROC plot; `score` is the combined score the selection ranked by."""
    config = ScoreEvalConfig.model_validate(params)
    name = config.gold_name
    gold = read_gold(gold_labels, decisions["id"], name)
    if gold["label"].nunique() < 2:
        return _skipped(f"{len(gold)} of {len(gold_labels):,} documents of {name} are in this corpus "
                        f"({int(gold['label'].sum())} good); ROC-AUC needs good and bad ones")
    columns = [c for c in config.columns if c in decisions.columns] + ["score"]
    lower = tuple(config.lower_is_better)
    table, summary = evaluate_scores(decisions, gold, columns, lower)
    metrics = {f"score_eval.{k}": v for k, v in summary.items()}
    for row in table.itertuples():
        metrics[f"score_eval.{row.score}.roc_auc"] = row.roc_auc
        metrics[f"score_eval.{row.score}.precision_at_kept_fraction"] = row.precision_at_kept_fraction
    report = "\n".join([
        "# Scorers on the gold set", "",
        f"{summary['gold_docs']} gold documents ({summary['gold_good']} good); the selection keeps "
        f"{summary['kept_fraction']:.1%} of all documents. `score` is the combined score.", "",
        table.to_markdown(index=False, floatfmt=".3f"), "",
        f"Decisions on the gold set: precision {summary['decisions_precision']:.3f} "
        f"(good among kept), recall {summary['decisions_recall']:.3f} (kept among good).", ""])
    return metrics, report, roc_plot(decisions, gold, columns, lower)
