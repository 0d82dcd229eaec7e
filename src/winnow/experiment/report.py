"""The experiment's outputs people read: the arms table, paired differences against `random`, data
efficiency, and two figures. Held-out text is compared in bits per byte (per domain, and the mean
over domains); downstream tasks in test accuracy and macro-F1 (per task)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from winnow.experiment.arms import ARMS, BASELINE
from winnow.experiment.stats import mean_ci, paired_difference, summarise, tokens_to_reach, verdict

COLORS = {"curated": "tab:green", "random": "tab:orange", "full": "tab:blue", "weighted": "tab:purple",
          "ordered": "tab:brown"}
LOWER_IS_BETTER = ("heldout_",)


def domains_of(results: pd.DataFrame) -> list[str]:
    return [c.split(".", 1)[1] for c in results.columns if c.startswith("heldout_loss.")]


def tasks_of(results: pd.DataFrame) -> list[str]:
    return [c.rsplit(".", 1)[0] for c in results.columns if c.endswith(".test_accuracy")]


def lm_metric(results_or_history) -> str:
    """Bits per byte where the LM has them (causal), else nats per token (masked LMs)."""
    return "heldout_bpb" if "heldout_bpb" in results_or_history else "heldout_loss"


def metrics_of(results: pd.DataFrame) -> list[str]:
    """Every number compared across arms: held-out loss/bpb/ppl (mean and per domain), task metrics."""
    lm = [c for c in results.columns if c.startswith(("heldout_loss", "heldout_bpb", "heldout_ppl"))]
    return lm + [f"{task}.{m}" for task in tasks_of(results) for m in ("test_accuracy", "test_macro_f1", "dev_macro_f1")]


def comparison_table(results: pd.DataFrame, confidence: float) -> pd.DataFrame:
    return summarise(results, metrics_of(results), confidence)


def _label(metric: str) -> str:
    if metric.startswith("heldout_"):
        name, _, domain = metric.partition(".")
        unit = {"heldout_bpb": "held-out bits per byte", "heldout_loss": "held-out loss"}.get(name, name)
        return f"{unit} ({domain})" if domain else f"{unit} (mean over domains)"
    task, _, name = metric.rpartition(".")
    return f"{task} test {'accuracy' if name == 'test_accuracy' else 'macro-F1'}"


def paired_table(results: pd.DataFrame, confidence: float) -> pd.DataFrame:
    """Every arm against `random` trained with the same seed: mean difference, interval, wins, one sentence."""
    lm = lm_metric(results)
    metrics = [lm, *(f"{lm}.{d}" for d in domains_of(results))]
    metrics += [f"{task}.{m}" for task in tasks_of(results) for m in ("test_accuracy", "test_macro_f1")]
    base = results[results["arm"] == BASELINE].set_index("seed")
    rows = []
    for arm in [a for a in results["arm"].unique() if a != BASELINE]:
        runs = results[results["arm"] == arm].set_index("seed")
        seeds = sorted(set(runs.index) & set(base.index))
        for metric in metrics:
            paired = paired_difference(runs.loc[seeds, metric], base.loc[seeds, metric], confidence,
                                       lower_is_better=metric.startswith(LOWER_IS_BETTER))
            digits = 4 if metric.startswith(lm) else 3
            rows.append({"arm": arm, "metric": metric, **paired,
                         "sentence": verdict(arm, BASELINE, _label(metric), paired, digits)})
    return pd.DataFrame(rows)


def heldout_curves(runs: dict, metric: str = "heldout_loss") -> pd.DataFrame:
    """tokens x seed table of a held-out metric measured during pretraining (one arm)."""
    columns = {}
    for run in runs.values():
        points = [(r["tokens"], r[metric]) for r in run["history"] if metric in r]
        columns[run["seed"]] = pd.Series(dict(points))
    return pd.DataFrame(columns).sort_index()


def data_efficiency(curves: dict[str, pd.DataFrame], confidence: float = 0.95) -> dict:
    """Tokens every other arm needs to reach the random arm's final held-out value, seed by seed.

    `curves` is `heldout_curves` per arm (of one metric, lower is better), on the curve documents.
    Each seed's target is the random arm's final value *with that seed*; `*_token_fraction` is the
    mean over the seeds that reach it of tokens / budget (below 1: the arm gets there with less
    data), with a Student-t interval; `*_reached` counts those seeds.
    """
    base = curves[BASELINE]
    budget = float(base.index[-1])
    targets = base.ffill().iloc[-1]
    out = {"random_final": float(targets.mean()), "budget_tokens": budget}
    for arm in [a for a in curves if a != BASELINE]:
        curve = curves[arm]
        per_seed = [tokens_to_reach(curve.index, curve[seed].to_numpy(), targets[seed])
                    for seed in curve.columns if seed in targets.index]
        reached = [t / budget for t in per_seed if not math.isnan(t)]
        mean, low, high = mean_ci(reached, confidence)
        out |= {f"{arm}_tokens_per_seed": per_seed, f"{arm}_reached": float(len(reached)),
                f"{arm}_seeds": float(len(per_seed)), f"{arm}_token_fraction": mean,
                f"{arm}_token_fraction_low": low, f"{arm}_token_fraction_high": high}
    return out


def _arms(pretrained: dict) -> list[str]:
    return [arm for arm in ARMS if arm in pretrained]


def learning_curves_plot(pretrained: dict, metric: str, domains: list[str]) -> Figure:
    """Training loss, then the held-out curve (seed mean, range shaded) of every arm: the mean over
    domains and one panel per domain."""
    panels = [None, metric, *(f"{metric}.{d}" for d in domains)]
    cols = min(3, len(panels))
    rows = math.ceil(len(panels) / cols)
    fig = Figure(figsize=(4.6 * cols, 3.6 * rows))
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    for ax, panel in zip(axes, panels):
        for arm in _arms(pretrained):
            runs = pretrained[arm]
            if panel is None:
                losses = pd.DataFrame({r["seed"]: pd.Series({h["tokens"]: h["loss"] for h in r["history"]})
                                       for r in runs.values()})
                smooth = losses.mean(axis=1).rolling(25, min_periods=1).mean()
                ax.plot(smooth.index, smooth.to_numpy(), color=COLORS.get(arm), label=arm)
                continue
            curve = heldout_curves(runs, panel)
            ax.plot(curve.index, curve.mean(axis=1), color=COLORS.get(arm), marker=".", markersize=3, label=arm)
            ax.fill_between(curve.index, curve.min(axis=1), curve.max(axis=1), color=COLORS.get(arm), alpha=0.15)
        title = "training loss (25-step mean)" if panel is None else _label(panel)
        ax.set(xlabel="training tokens", title=title)
        ax.legend(fontsize=7)
    for ax in axes[len(panels):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def efficiency_plot(curves: dict[str, pd.DataFrame], efficiency: dict, metric: str) -> Figure:
    """Left: every arm's seed-mean held-out curve and the random arm's final value (seed mean).
    Right: tokens to reach it (each seed against its own random run) as a share of the budget, mean
    and interval over the seeds that reach it; hatched: some seeds never do."""
    fig = Figure(figsize=(11, 4))
    ax, bars = fig.subplots(1, 2)
    for arm, curve in curves.items():
        ax.plot(curve.index, curve.mean(axis=1).to_numpy(), color=COLORS.get(arm), marker=".", label=arm)
    ax.axhline(efficiency["random_final"], color=COLORS[BASELINE], linestyle="--", linewidth=1, label="random, final")
    ax.set(xlabel="training tokens", ylabel=_label(metric), title="Held-out curve, seed mean")
    ax.legend(fontsize=8)
    others = [arm for arm in curves if arm != BASELINE]
    for i, arm in enumerate(others):
        share, reached, seeds = (efficiency[f"{arm}_{k}"] for k in ("token_fraction", "reached", "seeds"))
        low, high = efficiency[f"{arm}_token_fraction_low"], efficiency[f"{arm}_token_fraction_high"]
        height = share if reached else 1.0
        bars.bar(i, height, color=COLORS.get(arm), hatch=None if reached == seeds else "//",
                 alpha=1.0 if reached else 0.3)
        if reached > 1:
            bars.errorbar(i, share, yerr=[[share - low], [high - share]], color="black", capsize=4)
        label = f"{share:.0%} ({reached:.0f}/{seeds:.0f} seeds)" if reached else "not reached"
        bars.annotate(label, (i, height), ha="center", va="bottom", fontsize=8, xytext=(0, 3),
                      textcoords="offset points")
    bars.axhline(1.0, color=COLORS[BASELINE], linestyle="--", linewidth=1)
    bars.set_xticks(range(len(others)), others)
    bars.set(ylabel="share of the token budget", ylim=(0, 1.3),
             title="Tokens to reach random's final value (same seed)")
    fig.tight_layout()
    return fig


def _cell(row: pd.Series, metric: str, digits: int) -> str:
    return f"{row[metric]:.{digits}f} [{row[metric + '_low']:.{digits}f}, {row[metric + '_high']:.{digits}f}]"


def render_report(table: pd.DataFrame, paired: pd.DataFrame, results: pd.DataFrame, efficiency: dict, counts: dict,
                  params: dict) -> str:
    """Markdown: the arms table with CIs, the paired comparisons, per-domain and per-task results,
    every seed, data efficiency and decontamination."""
    confidence = f"{params['confidence']:.0%}"
    lm, domains, tasks = lm_metric(results), domains_of(results), tasks_of(results)
    digits = 4 if lm == "heldout_bpb" else 3
    lines = ["# Experiment: which selection trains a better model?", "",
             f"Arms {', '.join(table['arm'])}; seeds {params['seeds']}; same tokenizer, model and token budget. "
             f"Held-out text: {len(domains)} domains, with every pool document sharing a 13-gram with them removed "
             f"({', '.join(domains)}); "
             f"tasks: {', '.join(tasks)}. Mean [{confidence} CI, Student t] over seeds.", "",
             "## Paired against random (same seed)", "",
             f"Each arm minus the random arm trained with the same seed; mean [{confidence} CI, Student t over the "
             "seed differences]. An arm beats random only when the interval excludes 0; each interval is for one "
             "comparison, not corrected for the number of comparisons.", ""]
    lines += [f"- {sentence}" for sentence in paired.loc[paired["metric"].isin([lm, *(f"{t}.test_accuracy" for t in tasks)]),
                                                         "sentence"]]
    lines += ["", f"| arm | metric | seeds better | difference [{confidence} CI] |", "|---|---|---|---|"]
    for _, row in paired.iterrows():
        d = 4 if row["metric"].startswith("heldout_") else 3
        lines.append(f"| {row['arm']} | {_label(row['metric'])} | {row['wins']}/{row['seeds']} | "
                     f"{row['diff']:+.{d}f} [{row['diff_low']:+.{d}f}, {row['diff_high']:+.{d}f}] |")
    header = ["arm", "docs", "tokens", f"{'bits/byte' if lm == 'heldout_bpb' else 'loss'} (mean)", "ppl (mean)",
              *(f"{t} acc" for t in tasks), *(f"{t} F1" for t in tasks)]
    lines += ["", "## Arms", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for _, row in table.iterrows():
        arm = row["arm"]
        cells = [arm, f"{counts.get(f'arm.{arm}.docs', float('nan')):,.0f}",
                 f"{counts.get(f'arm.{arm}.tokens', float('nan')):,.0f}", _cell(row, lm, digits),
                 _cell(row, "heldout_ppl", 1), *(_cell(row, f"{t}.test_accuracy", 3) for t in tasks),
                 *(_cell(row, f"{t}.test_macro_f1", 3) for t in tasks)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"## Per held-out domain ({'bits per byte' if lm == 'heldout_bpb' else 'loss'})", "",
              "| arm | " + " | ".join(domains) + " |", "|---|" + "---|" * len(domains)]
    lines += [f"| {row['arm']} | " + " | ".join(_cell(row, f"{lm}.{d}", digits) for d in domains) + " |"
              for _, row in table.iterrows()]
    columns = ["arm", "seed", lm, *(f"{lm}.{d}" for d in domains), *(f"{t}.test_accuracy" for t in tasks),
               *(f"{t}.test_macro_f1" for t in tasks), "pretrain_tokens"]
    lines += ["", "## Every run", "", results[columns].to_markdown(index=False, floatfmt=".4g"), "",
              "## Data efficiency", "",
              f"Tokens each arm needs to reach the final {_label(lm)} of the random arm trained with the same seed "
              f"(on the curve documents; random's final value {efficiency['random_final']:.4f} on average, after "
              f"{efficiency['budget_tokens']:,.0f} tokens), as a share of the budget: mean [{confidence} CI] over "
              "the seeds that reach it."]
    for arm in [a for a in table["arm"] if a != BASELINE]:
        reached, seeds = efficiency.get(f"{arm}_reached", 0), efficiency.get(f"{arm}_seeds", 0)
        per_seed = ", ".join("never" if math.isnan(t) else f"{t:,.0f}" for t in efficiency.get(f"{arm}_tokens_per_seed", []))
        share = (f"{efficiency[f'{arm}_token_fraction']:.0%} [{efficiency[f'{arm}_token_fraction_low']:.0%}, "
                 f"{efficiency[f'{arm}_token_fraction_high']:.0%}]" if reached > 1
                 else f"{efficiency[f'{arm}_token_fraction']:.0%}" if reached else "never")
        lines.append(f"- {arm}: {share} of the budget, reached in {reached:.0f}/{seeds:.0f} seeds (tokens per seed: {per_seed}).")
    decon = params["decontamination"]
    lines += ["", "## Decontamination", "",
              f"{counts.get('decontamination.docs_dropped', 0)} of {counts.get('decontamination.docs_in', 0)} ingested "
              f"documents share a {decon['ngram']}-gram (or, with texts under that length, an {decon['short_ngram']}-gram) "
              "with a task or held-out text and were removed before any arm was built. Per evaluation set:", "",
              "| set | texts | pool documents sharing text with it |", "|---|---|---|"]
    for kind, names in (("task", tasks), ("heldout", domains)):
        lines += [f"| {kind} {name} | {counts.get(f'decontamination.{kind}.{name}.texts', 0):,} | "
                  f"{counts.get(f'decontamination.{kind}.{name}.docs', 0)} |" for name in names]
    lines += [""] + [f"- {arm}: {counts.get(f'arm.{arm}.contaminated_docs_dropped', 0)} documents removed from its "
                     "candidates" for arm in table["arm"]]
    return "\n".join(lines) + "\n"
