"""Scorers measured on a construction-labelled set: overall, per kind of bad text, per source, in pairs.

The set (`data/01_raw/quality_eval/`) holds clean passages (label 1) and bad text (label 0) of
named kinds: real low-quality text and controlled degradations of held-out clean passages, each
degraded copy naming its original (`pair_of`). Its sources are used nowhere else in the project,
so a scorer cannot do well by recognising where a text comes from. Everything here reads the
`test` split; the `validation` split is for fitting a combination.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from sklearn.metrics import roc_auc_score

from winnow.scoring.gold import precision_at_fraction


def oriented(scores: pd.DataFrame, column: str, lower_is_better: tuple[str, ...] = ()) -> pd.Series:
    """Higher = better; a missing value counts as the worst seen, as in selection."""
    values = scores[column].astype(float)
    values = -values if column in lower_is_better else values
    return values.fillna(values.min() if values.notna().any() else 0.0)


def _auc(labels: pd.Series, values: pd.Series) -> float:
    return float(roc_auc_score(labels, values)) if labels.nunique() == 2 else float("nan")


def pair_accuracy(scores: pd.DataFrame, values: pd.Series) -> tuple[float, pd.Series]:
    """Share of (original, degraded copy) pairs where the original scores higher (a tie is half);
    overall and per degradation kind."""
    by_id = pd.Series(values.to_numpy(), index=scores["id"])
    copies = scores[scores["pair_of"].fillna("").astype(str) != ""]
    copies = copies[copies["pair_of"].isin(by_id.index)]
    if copies.empty:
        return float("nan"), pd.Series(dtype=float)
    original = by_id.loc[copies["pair_of"]].to_numpy()
    damaged = by_id.loc[copies["id"]].to_numpy()
    right = pd.Series((original > damaged) + 0.5 * (original == damaged), index=copies.index)
    return float(right.mean()), right.groupby(copies["kind"]).mean()


def source_views(scores: pd.DataFrame) -> dict[str, pd.Series]:
    """Rows to judge each source on: its own documents, plus every document of a label it lacks.

    A clean source's passages face their own degraded copies (no source to recognise); a source
    of bad text faces all clean documents.
    """
    views = {}
    for source in sorted(scores["source"].unique()):
        mine = scores["source"] == source
        lacking = set(scores["label"].unique()) - set(scores.loc[mine, "label"].unique())
        views[source] = mine | scores["label"].isin(lacking)
    return views


def evaluate_columns(scores: pd.DataFrame, columns: list[str], kept_fraction: float,
                     lower_is_better: tuple[str, ...] = ()) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Three tables over the rows given (normally the test split), one row per score column:

    - `overall`: ROC-AUC, precision at the corpus's kept fraction, pair accuracy;
    - `by_kind`: ROC-AUC of all clean documents against each kind of bad text alone;
    - `by_source`: ROC-AUC within each source (`source_views`): does a scorer hold on every
      source, or only on average.
    """
    labels = scores["label"].astype(int)
    bad_kinds = sorted(scores.loc[labels == 0, "kind"].unique())
    overall, by_kind, by_source = [], [], []
    clean = labels == 1
    for column in columns:
        values = oriented(scores, column, lower_is_better)
        pairs, _ = pair_accuracy(scores, values)
        overall.append({"score": column, "roc_auc": _auc(labels, values),
                        "precision_at_kept_fraction": precision_at_fraction(labels.to_numpy(), values.to_numpy(),
                                                                            kept_fraction),
                        "pair_accuracy": pairs})
        by_kind.append({"score": column, **{kind: _auc(labels[clean | (scores["kind"] == kind)],
                                                       values[clean | (scores["kind"] == kind)])
                                            for kind in bad_kinds}})
        by_source.append({"score": column, **{source: _auc(labels[rows], values[rows])
                                               for source, rows in source_views(scores).items()}})
    return pd.DataFrame(overall), pd.DataFrame(by_kind), pd.DataFrame(by_source)


def kind_plot(by_kind: pd.DataFrame, title: str) -> Figure:
    """ROC-AUC per kind of bad text (columns) for each score (rows), as a heat map with the values."""
    table = by_kind.set_index("score")
    fig = Figure(figsize=(1.2 + 0.75 * table.shape[1], 1.2 + 0.38 * table.shape[0]))
    ax = fig.subplots()
    image = ax.imshow(table.to_numpy(dtype=float), vmin=0.3, vmax=1.0, cmap="RdYlGn", aspect="auto")
    ax.set_xticks(range(table.shape[1]), table.columns, rotation=40, ha="right", fontsize=7)
    ax.set_yticks(range(table.shape[0]), table.index, fontsize=7)
    for (i, j), value in np.ndenumerate(table.to_numpy(dtype=float)):
        ax.text(j, i, "" if np.isnan(value) else f"{value:.2f}", ha="center", va="center", fontsize=6)
    fig.colorbar(image, ax=ax, label="ROC-AUC (clean vs this kind)")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig
