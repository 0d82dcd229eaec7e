"""score_eval: every scorer and the combined score against a labelled gold set (ROC-AUC, precision@k)."""

from __future__ import annotations

import pandas as pd

from winnow.evaluation.scorers import evaluate_scores, read_gold, roc_plot


def evaluate_scorers(decisions: pd.DataFrame, gold_labels: pd.DataFrame, params: dict):
    """Metrics, a Markdown table and a ROC plot; `score` is the combined score the selection ranked by."""
    gold = read_gold(gold_labels, decisions["id"], params.get("gold_name", "gold set"))
    columns = [c for c in params["columns"] if c in decisions.columns] + ["score"]
    lower = tuple(params.get("lower_is_better", []))
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
