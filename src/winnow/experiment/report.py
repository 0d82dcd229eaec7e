"""The experiment's outputs people read: the arms table, data efficiency, and two figures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from winnow.experiment.arms import ARMS
from winnow.experiment.stats import summarise, tokens_to_reach

METRICS = ["heldout_ppl", "heldout_loss", "test_accuracy", "test_macro_f1", "dev_macro_f1"]
COLORS = {"curated": "tab:green", "random": "tab:orange", "full": "tab:blue"}


def comparison_table(results: pd.DataFrame, confidence: float) -> pd.DataFrame:
    return summarise(results, METRICS, confidence)


def heldout_curves(runs: dict) -> pd.DataFrame:
    """tokens x seed table of the held-out loss measured during pretraining (one arm)."""
    columns = {}
    for run in runs.values():
        points = [(r["tokens"], r["heldout_loss"]) for r in run["history"] if "heldout_loss" in r]
        columns[run["seed"]] = pd.Series(dict(points))
    return pd.DataFrame(columns).sort_index()


def data_efficiency(curves: dict[str, pd.DataFrame]) -> dict:
    """Tokens the curated (and full) arm needs to reach the random arm's final held-out loss.

    `curves` is `heldout_curves` per arm. Read from the seed-mean curves on the held-out curve
    documents; `*_token_fraction` is that count over the random arm's budget (below 1: the arm gets
    there with less data).
    """
    means = {arm: curve.mean(axis=1) for arm, curve in curves.items()}
    target = float(means["random"].iloc[-1])
    budget = float(means["random"].index[-1])
    out = {"random_final_heldout_loss": target, "random_final_heldout_ppl": math.exp(target), "budget_tokens": budget}
    for arm in ("curated", "full"):
        needed = tokens_to_reach(means[arm].index, means[arm].to_numpy(), target)
        out[f"{arm}_tokens_to_random_final"] = needed
        out[f"{arm}_token_fraction"] = needed / budget if not math.isnan(needed) else math.nan
        per_seed = curves[arm]
        out[f"{arm}_tokens_per_seed"] = [tokens_to_reach(per_seed.index, per_seed[s].to_numpy(), target)
                                         for s in per_seed.columns]
    return out


def learning_curves_plot(pretrained: dict, curves: dict[str, pd.DataFrame]) -> Figure:
    """Per arm: training loss (left) and held-out perplexity (right) against tokens, seed mean and range."""
    fig = Figure(figsize=(11, 4))
    train_ax, heldout_ax = fig.subplots(1, 2)
    for arm in ARMS:
        runs = pretrained[arm]
        losses = pd.DataFrame({r["seed"]: pd.Series({h["tokens"]: h["loss"] for h in r["history"]}) for r in runs.values()})
        smooth = losses.mean(axis=1).rolling(25, min_periods=1).mean()
        train_ax.plot(smooth.index, smooth.to_numpy(), color=COLORS[arm], label=arm)
        ppl = np.exp(curves[arm])
        heldout_ax.plot(ppl.index, ppl.mean(axis=1), color=COLORS[arm], marker=".", label=arm)
        heldout_ax.fill_between(ppl.index, ppl.min(axis=1), ppl.max(axis=1), color=COLORS[arm], alpha=0.2)
    train_ax.set(xlabel="training tokens", ylabel="training loss (nats/token, 25-step mean)", title="Training loss")
    heldout_ax.set(xlabel="training tokens", ylabel="held-out perplexity", yscale="log",
                   title="Held-out perplexity (seed mean, range shaded)")
    for ax in (train_ax, heldout_ax):
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def efficiency_plot(curves: dict[str, pd.DataFrame], efficiency: dict) -> Figure:
    """Held-out perplexity curves with the random arm's final value and where the others cross it."""
    fig = Figure(figsize=(6.5, 4))
    ax = fig.subplots()
    for arm in ARMS:
        curve = np.exp(curves[arm].mean(axis=1))
        ax.plot(curve.index, curve.to_numpy(), color=COLORS[arm], marker=".", label=arm)
    ax.axhline(efficiency["random_final_heldout_ppl"], color=COLORS["random"], linestyle="--", linewidth=1,
               label="random arm, final")
    for arm in ("curated", "full"):
        needed = efficiency[f"{arm}_tokens_to_random_final"]
        if not math.isnan(needed):
            ax.axvline(needed, color=COLORS[arm], linestyle=":", linewidth=1)
            ax.annotate(f"{arm}: {needed / 1e3:,.0f}k tokens ({efficiency[f'{arm}_token_fraction']:.0%})",
                        (needed, efficiency["random_final_heldout_ppl"]), textcoords="offset points",
                        xytext=(4, 10 if arm == "curated" else 24), fontsize=8, color=COLORS[arm])
    ax.set(xlabel="training tokens", ylabel="held-out perplexity", yscale="log",
           title="Data efficiency: tokens to reach the random arm's final perplexity")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig


def _cell(row: pd.Series, metric: str, digits: int) -> str:
    return f"{row[metric]:.{digits}f} [{row[metric + '_low']:.{digits}f}, {row[metric + '_high']:.{digits}f}]"


def render_report(table: pd.DataFrame, results: pd.DataFrame, efficiency: dict, counts: dict, params: dict) -> str:
    """Markdown: the arms table with CIs, every seed, data efficiency and decontamination."""
    confidence = f"{params['confidence']:.0%}"
    lines = ["# Experiment: curated vs random vs full", "",
             f"Seeds {params['seeds']}; mean [{confidence} CI, Student t] over seeds. Held-out perplexity on text "
             "from a source disjoint from every pretraining source; accuracy and macro-F1 on the task's test split.", "",
             "| arm | seeds | docs | tokens | held-out ppl | test accuracy | test macro-F1 |", "|---|---|---|---|---|---|---|"]
    for _, row in table.iterrows():
        arm = row["arm"]
        lines.append(f"| {arm} | {row['seeds']} | {counts.get(f'arm.{arm}.docs', float('nan')):,.0f} | "
                     f"{counts.get(f'arm.{arm}.tokens', float('nan')):,.0f} | {_cell(row, 'heldout_ppl', 1)} | "
                     f"{_cell(row, 'test_accuracy', 3)} | {_cell(row, 'test_macro_f1', 3)} |")
    columns = ["arm", "seed", "heldout_ppl", "test_accuracy", "test_macro_f1", "dev_macro_f1", "pretrain_tokens"]
    lines += ["", "## Every run", "", results[columns].to_markdown(index=False, floatfmt=".4g"), "",
              "## Data efficiency", "",
              f"Random arm's final held-out perplexity (curve documents): {efficiency['random_final_heldout_ppl']:.1f} "
              f"after {efficiency['budget_tokens']:,.0f} tokens."]
    for arm in ("curated", "full"):
        needed = efficiency[f"{arm}_tokens_to_random_final"]
        seeds = ", ".join("never" if math.isnan(t) else f"{t:,.0f}" for t in efficiency[f"{arm}_tokens_per_seed"])
        verdict = ("never reaches it within the budget" if math.isnan(needed)
                   else f"reaches it after {needed:,.0f} tokens ({efficiency[f'{arm}_token_fraction']:.0%} of the budget)")
        lines.append(f"- {arm} (seed mean curve) {verdict}; per seed: {seeds}.")
    lines += ["", "## Decontamination", "",
              f"{counts.get('decontamination.docs_dropped', 0)} of {counts.get('decontamination.docs_in', 0)} ingested "
              f"documents share a {params['decontamination']['ngram']}-gram (or, with texts under that length, an "
              f"{params['decontamination']['short_ngram']}-gram) with the fine-tuning or held-out text and were removed "
              "before any arm was built."]
    lines += [f"- {arm}: {counts.get(f'arm.{arm}.contaminated_docs_dropped', 0)} documents removed from its candidates"
              for arm in ARMS]
    return "\n".join(lines) + "\n"
