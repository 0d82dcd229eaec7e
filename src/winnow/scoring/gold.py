"""How well each scorer, and the combined score, separates a labelled gold set of good and bad text."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score, roc_curve


def read_gold(gold: pd.DataFrame, known_ids: pd.Series, name: str = "gold set") -> pd.DataFrame:
    """The `id, label` rows (label 1 good, 0 bad) of documents in `known_ids`; names the row of the
    first bad label. The caller decides what too few present gold documents mean."""
    missing = {"id", "label"} - set(gold.columns)
    if missing:
        raise KeyError(f"{name}: missing columns {sorted(missing)} (need id, label)")
    bad = ~gold["label"].isin([0, 1])
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} row {row + 2}: label must be 0 or 1, got {gold['label'].iloc[row]!r}")
    gold = gold.drop_duplicates("id")
    return gold[gold["id"].isin(set(known_ids))]


def precision_at_fraction(labels: np.ndarray, scores: np.ndarray, fraction: float) -> float:
    """Share of good documents among the top `fraction` by score (ties broken by position)."""
    k = max(1, int(round(fraction * len(scores))))
    top = np.argsort(-scores, kind="stable")[:k]
    return float(labels[top].mean())


def evaluate_scores(decisions: pd.DataFrame, gold: pd.DataFrame, columns: list[str],
                    lower_is_better: tuple[str, ...] = ()) -> tuple[pd.DataFrame, dict]:
    """Per score column: ROC-AUC, precision at the kept fraction, and precision of the actual decisions.

    `decisions` holds one row per unique document with the score columns and `kept`; the kept
    fraction is measured over all of its documents, so the precision@k compares like with like.
    """
    docs = decisions[decisions["reason"] != "exact_duplicate"].drop_duplicates("id")
    kept_fraction = float(docs["kept"].mean())
    rows = docs.merge(gold[["id", "label"]], on="id", validate="one_to_one")
    labels = rows["label"].to_numpy()
    table = []
    for column in columns:
        values = rows[column].astype(float)
        values = values.fillna(values.min())  # unscored counts as worst, as in selection
        values = -values if column in lower_is_better else values
        table.append({"score": column, "roc_auc": roc_auc_score(labels, values),
                      "precision_at_kept_fraction": precision_at_fraction(labels, values.to_numpy(), kept_fraction)})
    kept = rows["kept"].to_numpy()
    summary = {"gold_docs": len(rows), "gold_good": int(labels.sum()), "kept_fraction": kept_fraction,
               "decisions_precision": float(labels[kept].mean()) if kept.any() else float("nan"),
               "decisions_recall": float(kept[labels == 1].mean())}
    return pd.DataFrame(table), summary


def roc_plot(decisions: pd.DataFrame, gold: pd.DataFrame, columns: list[str],
             lower_is_better: tuple[str, ...] = ()) -> Figure:
    rows = decisions.drop_duplicates("id").merge(gold[["id", "label"]], on="id")
    fig = Figure(figsize=(6, 5))
    ax = fig.subplots()
    for column in columns:
        values = rows[column].astype(float).fillna(rows[column].min())
        values = -values if column in lower_is_better else values
        fpr, tpr, _ = roc_curve(rows["label"], values)
        ax.plot(fpr, tpr, lw=2.5 if column == "score" else 1.2,
                label=f"{column} (AUC {roc_auc_score(rows['label'], values):.3f})")
    ax.plot([0, 1], [0, 1], color="grey", ls=":", lw=1)
    ax.set_xlabel("false positive rate (bad documents scored high)")
    ax.set_ylabel("true positive rate")
    ax.set_title(f"Scorers on the gold set ({len(rows)} documents)")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig
