"""Experiment nodes: Kedro glue around `winnow.experiment` and `winnow.training`.

Shared nodes build one decontaminated pool, one tokenizer and the three arm corpora; the per-arm
nodes (namespaced `curated.`, `random.`, `full.`) pretrain, fine-tune and evaluate every seed;
`compare_arms` turns the arms' results into the table, the figures and one MLflow child run per
arm and seed (`experiment_runs`, logged by the tracking hook).
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from winnow.experiment.arms import ARMS, build_arms, corpus_for_seed, count_tokens
from winnow.experiment.decontaminate import decontaminate
from winnow.experiment.report import (comparison_table, data_efficiency, efficiency_plot, heldout_curves,
                                      learning_curves_plot, render_report)
from winnow.experiment.runs import finetune_run, pretrain_run
from winnow.training.finetune import FinetuneConfig
from winnow.training.heldout import heldout_evaluator
from winnow.training.loop import TrainConfig
from winnow.training.model import LMConfig, context_length, load_lm
from winnow.training.tokenizer import train_bpe_tokenizer

log = logging.getLogger(__name__)


def decontaminate_pool(documents: pd.DataFrame, downstream_task: pd.DataFrame, heldout_corpus: pd.DataFrame,
                       params: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every ingested document except those sharing an n-gram with the task or the held-out text."""
    eval_texts = [*downstream_task["text"].astype(str), *heldout_corpus["text"].astype(str)]
    settings = params["decontamination"]
    pool, contaminated = decontaminate(documents[["id", "text", "source"]], eval_texts, settings["ngram"],
                                       settings["short_ngram"])
    log.info("decontamination: %d of %d documents share text with evaluation data", len(contaminated), len(documents))
    metrics = {"decontamination.docs_in": len(documents), "decontamination.docs_dropped": len(contaminated)}
    metrics |= {f"decontamination.dropped.{s}": int(n) for s, n in contaminated["source"].value_counts().items()}
    return pool.reset_index(drop=True), contaminated, metrics


def train_shared_tokenizer(pool: pd.DataFrame, params: dict):
    """One BPE tokenizer for all arms, from a uniform sample of the pool: neutral between the arms."""
    settings = params["tokenizer"]
    sample = pool.sample(min(settings["sample_docs"], len(pool)), random_state=settings["seed"])
    return train_bpe_tokenizer(sample["text"], settings["vocab_size"])


def build_arm_corpora(pool: pd.DataFrame, selection: pd.DataFrame, contaminated: pd.DataFrame, tokenizer,
                      params: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict]:
    """The curated, random and full corpora (see winnow.experiment.arms) and what each lost to decontamination."""
    pool = pool.assign(n_tokens=count_tokens(pool["text"].tolist(), tokenizer))
    arms = build_arms(pool, set(selection["id"]), params["seeds"])
    lost = {"curated": int(contaminated["id"].isin(set(selection["id"])).sum()),
            "random": len(contaminated), "full": len(contaminated)}  # random draws from the whole pool
    metrics = {}
    for arm, corpus in arms.items():
        per_seed = [corpus_for_seed(corpus, seed) for seed in params["seeds"]]
        metrics |= {f"arm.{arm}.docs": float(pd.Series([len(c) for c in per_seed]).mean()),
                    f"arm.{arm}.tokens": float(pd.Series([c["n_tokens"].sum() for c in per_seed]).mean()),
                    f"arm.{arm}.contaminated_docs_dropped": lost[arm]}
    return arms["curated"], arms["random"], arms["full"], metrics


def _run_dir(params: dict, arm: str, seed: int) -> Path:
    return Path(params["output_dir"]) / arm / f"seed{seed}"


def _arm(arm_corpus: pd.DataFrame) -> str:
    return str(arm_corpus["arm"].iloc[0])


def _set_threads(params: dict) -> None:
    """On a machine shared with other jobs, one torch thread avoids OpenMP threads waiting on each
    other (two trainings on 2 cores run ~10x slower each); null keeps torch's default."""
    if params.get("threads"):
        import torch

        torch.set_num_threads(int(params["threads"]))


def pretrain_arm(arm_corpus: pd.DataFrame, tokenizer, heldout_corpus: pd.DataFrame, params: dict) -> dict:
    """Pretrain one LM per seed on this arm's corpus, same token budget for every arm."""
    _set_threads(params)
    settings, arm = params["pretrain"], _arm(arm_corpus)
    curve_texts = heldout_corpus["text"].head(settings["curve_docs"]).tolist()
    runs = {}
    for seed in params["seeds"]:
        lm_config = LMConfig(**settings["lm_config"], init_seed=seed)
        train_config = TrainConfig(**settings["train_config"], seed=seed)
        corpus = corpus_for_seed(arm_corpus, seed)
        history = pretrain_run(corpus, tokenizer, lm_config, train_config, _run_dir(params, arm, seed), curve_texts)
        runs[str(seed)] = {"arm": arm, "seed": seed, "run_dir": str(_run_dir(params, arm, seed)), "docs": len(corpus),
                           "corpus_tokens": int(corpus["n_tokens"].sum()), "history": history,
                           "lm_config": asdict(lm_config), "train_config": asdict(train_config)}
    return runs


def finetune_arm(pretrained: dict, downstream_task: pd.DataFrame, params: dict) -> dict:
    """Fine-tune every seed's LM on the downstream task (its own seed for the head and data order)."""
    _set_threads(params)
    runs = {}
    for key, run in pretrained.items():
        config = FinetuneConfig(**params["finetune"], seed=run["seed"])
        metrics, report, history = finetune_run(Path(run["run_dir"]), downstream_task, config)
        runs[key] = {"metrics": metrics, "report": report, "history": history, "finetune_config": asdict(config)}
    return runs


def evaluate_arm(pretrained: dict, finetuned: dict, heldout_corpus: pd.DataFrame) -> pd.DataFrame:
    """One row per seed: held-out perplexity of the pretrained LM and the fine-tuned test metrics."""
    rows = []
    for key, run in pretrained.items():
        model, tokenizer = load_lm(Path(run["run_dir"]) / "pretrained")
        mask_prob = run["train_config"]["mask_prob"]
        lm_metrics = heldout_evaluator(heldout_corpus["text"].tolist(), tokenizer, context_length(model),
                                       mask_prob=mask_prob)(model)
        rows.append({"arm": run["arm"], "seed": run["seed"], "docs": run["docs"], "corpus_tokens": run["corpus_tokens"],
                     "pretrain_tokens": run["history"][-1]["tokens"], "final_train_loss": run["history"][-1]["loss"],
                     **lm_metrics, **finetuned[key]["metrics"]})
    return pd.DataFrame(rows)


def compare_arms(arms_metrics: dict, decontamination_metrics: dict, params: dict, **per_arm):
    """The comparison: table (means, CIs), report, learning curves, data efficiency, child runs.

    `per_arm` holds each arm's `arm_results_<arm>`, `pretrained_<arm>` and `finetuned_<arm>`.
    """
    results = pd.concat([per_arm[f"arm_results_{arm}"] for arm in ARMS], ignore_index=True)
    pretrained = {arm: per_arm[f"pretrained_{arm}"] for arm in ARMS}
    finetuned = {arm: per_arm[f"finetuned_{arm}"] for arm in ARMS}
    table = comparison_table(results, params["confidence"])
    curves = {arm: heldout_curves(pretrained[arm]) for arm in ARMS}
    efficiency = data_efficiency(curves)
    report = render_report(table, results, efficiency, arms_metrics | decontamination_metrics, params)
    metrics = {f"{row['arm']}.{m}": row[m] for _, row in table.iterrows()
               for m in table.columns if m not in ("arm", "seeds")}
    metrics |= {f"efficiency.{k}": v for k, v in efficiency.items() if isinstance(v, float)}
    runs = [_child_run(arm, run, finetuned[arm][key], results) for arm in ARMS for key, run in pretrained[arm].items()]
    return (table, report, learning_curves_plot(pretrained, curves), efficiency_plot(curves, efficiency), metrics, runs)


def _child_run(arm: str, run: dict, finetuned: dict, results: pd.DataFrame) -> dict:
    """One MLflow child run (see hooks.log_child_run): this arm and seed's settings, numbers and models."""
    row = results[(results["arm"] == arm) & (results["seed"] == run["seed"])].iloc[0]
    metrics = {k: float(v) for k, v in row.items() if k not in ("arm", "seed") and pd.api.types.is_number(v)}
    return {
        "name": f"{arm}/seed{run['seed']}",
        "tags": {"arm": arm, "seed": str(run["seed"])},
        "params": {"arm": arm, "seed": run["seed"], **{f"lm.{k}": v for k, v in run["lm_config"].items()},
                   **{f"train.{k}": v for k, v in run["train_config"].items()},
                   **{f"finetune.{k}": v for k, v in finetuned["finetune_config"].items()}},
        "metrics": metrics,
        "history": {"pretrain": run["history"], "finetune": finetuned["history"]},
        "artifacts": {"pretrained": str(Path(run["run_dir"]) / "pretrained"),
                      "classifier": str(Path(run["run_dir"]) / "classifier")},
        "texts": {"classification_report.txt": finetuned["report"]},
    }
