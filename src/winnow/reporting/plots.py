"""Figures of a curation run: score distributions per source and what was dropped for which reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure  # not pyplot: no global state, no GUI backend, safe in workers


def score_histograms(decisions: pd.DataFrame, score: str = "score", threshold: float | None = None) -> Figure:
    """One histogram of document scores per source, on shared bins, with the cut-off if there is one."""
    docs = decisions[decisions["reason"] != "exact_duplicate"]
    sources = sorted(docs["source"].unique())
    fig = Figure(figsize=(7, 1.4 * len(sources) + 1))
    axes = fig.subplots(len(sources), 1, sharex=True, squeeze=False)
    values = docs[score].astype(float).dropna()
    lo, hi = (float(values.min()), float(values.max())) if len(values) else (0.0, 1.0)
    bins = np.linspace(lo, hi if hi > lo else lo + 1, 41)
    for ax, source in zip(axes[:, 0], sources):
        part = docs[docs["source"] == source]
        ax.hist(part.loc[part["kept"], score], bins=bins, color="tab:green", label="kept")
        ax.hist(part.loc[~part["kept"], score], bins=bins, color="tab:red", alpha=0.6, label="dropped")
        ax.set_ylabel(source, rotation=0, ha="right", va="center", fontsize=8)
        if threshold is not None:
            ax.axvline(threshold, color="black", linestyle="--", linewidth=1)
    axes[0, 0].legend(loc="upper left", fontsize=8)
    axes[-1, 0].set_xlabel(score)
    fig.suptitle("Score distribution per source")
    fig.tight_layout()
    return fig


def decisions_by_reason(decisions: pd.DataFrame) -> Figure:
    """Stacked bars: documents per source, split by kept / drop reason (quarantine shown apart)."""
    table = decisions.pivot_table(index="source", columns="reason", values="id", aggfunc="count", fill_value=0)
    order = ["kept"] + sorted(c for c in table.columns if c != "kept")
    table = table[[c for c in order if c in table.columns]]
    fig = Figure(figsize=(8, 0.35 * len(table) + 2))
    ax = fig.subplots()
    table.plot.barh(stacked=True, ax=ax, width=0.8, colormap="tab10")
    ax.set_xlabel("documents")
    ax.set_title("Kept and dropped documents by source and reason")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


def learning_curve(history: pd.DataFrame, title: str) -> Figure:
    """Training loss against tokens seen (empty axes for a model that was not trained here)."""
    fig = Figure(figsize=(6, 3.5))
    ax = fig.subplots()
    if len(history):
        ax.plot(history["tokens"], history["loss"], lw=0.8, alpha=0.4, color="tab:blue")
        ax.plot(history["tokens"], history["loss"].rolling(25, min_periods=1).mean(), color="tab:blue", label="loss (25-step mean)")
        ax.legend(fontsize=8)
    ax.set_xlabel("tokens seen")
    ax.set_ylabel("cross-entropy (nats/token)")
    ax.set_title(f"{title}: learning curve")
    fig.tight_layout()
    return fig
