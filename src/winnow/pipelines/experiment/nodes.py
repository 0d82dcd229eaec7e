"""Experiment nodes: Kedro glue around `winnow.experiment` and `winnow.training`.

Shared nodes build one decontaminated pool, one tokenizer and the five arm corpora; the per-arm
nodes (namespaced `curated.`, `random.`, ...) pretrain, fine-tune on every task and evaluate on
every held-out domain, for every seed; `compare_arms` turns the arms' results into the tables
(means, paired differences against `random`), the report, the figures and one MLflow child run
per arm and seed (`experiment_runs`, logged by the tracking hook).
"""

from __future__ import annotations

import logging
import os
from dataclasses import asdict
from pathlib import Path

import pandas as pd

from winnow import engine
from winnow.experiment.arms import ARMS, CURRICULUM_ARMS, build_arms, corpus_for_seed, count_tokens
from winnow.experiment.decontaminate import decontaminate
from winnow.parts import Parts, as_frame
from winnow.experiment.report import (comparison_table, data_efficiency, domains_of, efficiency_plot, heldout_curves,
                                      learning_curves_plot, lm_metric, paired_table, render_report)
from winnow.experiment.runs import classifier_dir, finetune_run, pretrain_run
from winnow.training.finetune import FinetuneConfig
from winnow.training.heldout import heldout_evaluator
from winnow.training.loop import TrainConfig
from winnow.training.model import LMConfig, context_length, load_lm
from winnow.training.tokenizer import train_bpe_tokenizer

log = logging.getLogger(__name__)


def _texts(table: pd.DataFrame) -> list[str]:
    return table["text"].astype(str).tolist()


def decontaminate_pool(documents: pd.DataFrame, downstream_tasks: dict[str, pd.DataFrame],
                       heldout_domains: dict[str, pd.DataFrame], params: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Every ingested document except those sharing an n-gram with any task or held-out text, and
    how many documents each evaluation set alone would have removed (the report per task and domain)."""
    settings = params["decontamination"]
    n, short_n = settings["ngram"], settings["short_ngram"]
    sets = {**{("task", k): _texts(v) for k, v in downstream_tasks.items()},
            **{("heldout", k): _texts(v) for k, v in heldout_domains.items()}}
    documents = as_frame(documents, ["id", "text", "source"])
    pool, contaminated = decontaminate(documents, [t for texts in sets.values() for t in texts],
                                       n, short_n)
    log.info("decontamination: %d of %d documents share text with evaluation data", len(contaminated), len(documents))
    metrics = {"decontamination.docs_in": len(documents), "decontamination.docs_dropped": len(contaminated)}
    metrics |= {f"decontamination.dropped.{s}": int(n) for s, n in contaminated["source"].value_counts().items()}
    hits = documents[documents["id"].isin(set(contaminated["id"]))][["id", "text", "source"]]
    for (kind, name), texts in sets.items():
        _, by_set = decontaminate(hits, texts, n, short_n)  # only the removed documents can match one set
        metrics |= {f"decontamination.{kind}.{name}.texts": len(texts), f"decontamination.{kind}.{name}.docs": len(by_set)}
    return pool.reset_index(drop=True), contaminated, metrics


def train_shared_tokenizer(pool: pd.DataFrame, params: dict):
    """One BPE tokenizer for all arms, from a uniform sample of the pool: neutral between the arms."""
    settings = params["tokenizer"]
    sample = pool.sample(min(settings["sample_docs"], len(pool)), random_state=settings["seed"])
    return train_bpe_tokenizer(sample["text"], settings["vocab_size"])


def build_arm_corpora(pool: pd.DataFrame, selection: Parts | pd.DataFrame, contaminated: pd.DataFrame,
                      document_scores: Parts | pd.DataFrame, tokenizer, params: dict) -> tuple:
    """The five arm corpora (see winnow.experiment.arms) and what each lost to decontamination."""
    selection = as_frame(selection, ["id"])
    pool = pool.assign(n_tokens=count_tokens(pool["text"].tolist(), tokenizer))
    arms = build_arms(pool, set(selection["id"]), params["seeds"], as_frame(document_scores).set_index("id"), params["arms"])
    in_selection = int(contaminated["id"].isin(set(selection["id"])).sum())
    metrics = {}
    for arm, corpus in arms.items():
        per_seed = [corpus_for_seed(corpus, seed) for seed in params["seeds"]]
        metrics |= {f"arm.{arm}.docs": float(pd.Series([len(c) for c in per_seed]).mean()),
                    f"arm.{arm}.tokens": float(pd.Series([c["n_tokens"].sum() for c in per_seed]).mean()),
                    # random, full and weighted draw from the whole pool
                    f"arm.{arm}.contaminated_docs_dropped": in_selection if arm in ("curated", "ordered")
                    else len(contaminated)}
    return (*(arms[arm] for arm in ARMS), metrics)


def _run_dir(params: dict, arm: str, seed: int) -> Path:
    return Path(params["output_dir"]) / arm / f"seed{seed}"


def _arm(arm_corpus: pd.DataFrame) -> str:
    return str(arm_corpus["arm"].iloc[0])


def _set_threads(threads: int | None) -> None:
    """On a machine shared with other jobs, one torch thread avoids OpenMP threads waiting on each
    other (two trainings on 2 cores run ~10x slower each); None keeps torch's default."""
    if threads:
        import torch

        torch.set_num_threads(int(threads))


def _threads_per_run(n_runs: int, parallel: int, cores: int) -> list[int]:
    """Torch threads for each of `n_runs` runs started `parallel` at a time in input order: the cores
    shared by the runs of its round, so a last round with fewer runs (3 seeds on 2 cores) still
    uses every core. A 1.15M-parameter model trains 1.27x faster as two 1-thread processes than as
    one 2-thread process (34.9k vs 27.5k tokens/s on 2 cores)."""
    return [max(1, cores // min(parallel, n_runs - start)) for start in range(0, n_runs, parallel)
            for _ in range(min(parallel, n_runs - start))]


def _call_with_threads(job: tuple) -> object:
    func, args, threads = job
    _set_threads(threads)
    return func(*args)


def _run_all(func, jobs: list[tuple], params: dict, description: str) -> list:
    """`[func(*job) for job in jobs]`, `parallel_runs` at a time on the engine's processes (or Ray
    tasks); one at a time in this process when `parallel_runs` is 1 (the GPU environment)."""
    parallel = min(int(params.get("parallel_runs") or 1), len(jobs))
    if parallel <= 1:
        _set_threads(params.get("threads"))
        return [func(*job) for job in jobs]
    threads = [params["threads"]] * len(jobs) if params.get("threads") else \
        _threads_per_run(len(jobs), parallel, os.cpu_count() or 1)
    log.info("%s: %d runs, %d at a time, torch threads %s", description, len(jobs), parallel, threads)
    return engine.map_shards(_call_with_threads, [(func, job, t) for job, t in zip(jobs, threads)], description,
                             workers=parallel, keep_workers=True)


def _curve_texts(heldout_domains: dict[str, pd.DataFrame], n: int) -> dict[str, list[str]]:
    """A seeded sample of `n` documents per domain (files are often sorted by work or source, so not
    the first n): scored every `eval_every` steps (all of them at the end)."""
    return {name: _texts(table.sample(min(n, len(table)), random_state=0).sort_index())
            for name, table in heldout_domains.items()}


def _pretrain_seed(arm: str, corpus: pd.DataFrame, tokenizer, seed: int, params: dict, curve_texts: dict) -> dict:
    settings = params["pretrain"]
    lm_config = LMConfig(**settings["lm_config"], init_seed=seed)
    train_config = TrainConfig(**settings["train_config"], seed=seed, curriculum=arm in CURRICULUM_ARMS)
    if int(params.get("parallel_runs") or 1) > 1:
        train_config.progress = False  # one progress bar per process would garble the terminal
    history = pretrain_run(corpus, tokenizer, lm_config, train_config, _run_dir(params, arm, seed), curve_texts)
    return {"arm": arm, "seed": seed, "run_dir": str(_run_dir(params, arm, seed)), "docs": len(corpus),
            "corpus_tokens": int(corpus["n_tokens"].sum()), "history": history,
            "lm_config": asdict(lm_config), "train_config": asdict(train_config)}


def pretrain_arm(arm_corpus: pd.DataFrame, tokenizer, heldout_domains: dict[str, pd.DataFrame], params: dict) -> dict:
    """Pretrain one LM per seed on this arm's corpus, same token budget for every arm."""
    arm = _arm(arm_corpus)
    curve_texts = _curve_texts(heldout_domains, params["pretrain"]["curve_docs"])
    jobs = [(arm, corpus_for_seed(arm_corpus, seed), tokenizer, seed, params, curve_texts) for seed in params["seeds"]]
    runs = _run_all(_pretrain_seed, jobs, params, f"pretraining {arm}")
    return {str(run["seed"]): run for run in runs}


def finetune_arm(pretrained: dict, downstream_tasks: dict[str, pd.DataFrame], params: dict) -> dict:
    """Fine-tune every seed's LM on every downstream task (its own seed for the head and data order)."""
    configs = {key: FinetuneConfig(**params["finetune"], seed=run["seed"]) for key, run in pretrained.items()}
    jobs = [(Path(run["run_dir"]), task, configs[key], name)
            for key, run in pretrained.items() for name, task in downstream_tasks.items()]
    results = iter(_run_all(finetune_run, jobs, params, f"fine-tuning {next(iter(pretrained.values()))['arm']}"))
    runs = {}
    for key in pretrained:
        runs[key] = {"finetune_config": asdict(configs[key]), "metrics": {}, "reports": {}, "history": {}}
        for name in downstream_tasks:
            metrics, runs[key]["reports"][name], runs[key]["history"][name] = next(results)
            runs[key]["metrics"] |= {f"{name}.{k}": v for k, v in metrics.items()}
    return runs


def evaluate_arm(pretrained: dict, finetuned: dict, heldout_domains: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per seed: held-out loss, bits per byte and perplexity of the pretrained LM (per domain
    and mean over domains) and the fine-tuned test metrics per task."""
    texts = {name: _texts(table) for name, table in heldout_domains.items()}
    rows = []
    for key, run in pretrained.items():
        model, tokenizer = load_lm(Path(run["run_dir"]) / "pretrained")
        mask_prob = run["train_config"]["mask_prob"]
        lm_metrics = heldout_evaluator(texts, tokenizer, context_length(model), mask_prob=mask_prob)(model)
        rows.append({"arm": run["arm"], "seed": run["seed"], "docs": run["docs"], "corpus_tokens": run["corpus_tokens"],
                     "pretrain_tokens": run["history"][-1]["tokens"], "final_train_loss": run["history"][-1]["loss"],
                     **lm_metrics, **finetuned[key]["metrics"]})
    return pd.DataFrame(rows)


def compare_arms(arms_metrics: dict, decontamination_metrics: dict, params: dict, **per_arm):
    """The comparison: table (means, CIs), paired differences, report, learning curves, data
    efficiency, child runs. `per_arm` holds each arm's `arm_results_<arm>`, `pretrained_<arm>` and
    `finetuned_<arm>`."""
    results = pd.concat([per_arm[f"arm_results_{arm}"] for arm in ARMS], ignore_index=True)
    pretrained = {arm: per_arm[f"pretrained_{arm}"] for arm in ARMS}
    finetuned = {arm: per_arm[f"finetuned_{arm}"] for arm in ARMS}
    table = comparison_table(results, params["confidence"])
    paired = paired_table(results, params["confidence"])
    metric = lm_metric(results)
    curves = {arm: heldout_curves(pretrained[arm], metric) for arm in ARMS}
    efficiency = data_efficiency(curves, params["confidence"])
    report = render_report(table, paired, results, efficiency, arms_metrics | decontamination_metrics, params)
    metrics = {f"{row['arm']}.{m}": row[m] for _, row in table.iterrows()
               for m in table.columns if m not in ("arm", "seeds")}
    metrics |= {f"paired.{row['arm']}.{row['metric']}.{k}": float(row[k]) for _, row in paired.iterrows()
                for k in ("diff", "diff_low", "diff_high", "wins")}
    metrics |= {f"efficiency.{k}": v for k, v in efficiency.items() if isinstance(v, float)}
    runs = [_child_run(arm, run, finetuned[arm][key], results) for arm in ARMS for key, run in pretrained[arm].items()]
    figures = (learning_curves_plot(pretrained, metric, domains_of(results)), efficiency_plot(curves, efficiency, metric))
    return (table, paired, report, *figures, metrics, runs)


def _child_run(arm: str, run: dict, finetuned: dict, results: pd.DataFrame) -> dict:
    """One MLflow child run (see hooks.log_child_run): this arm and seed's settings, numbers and models."""
    row = results[(results["arm"] == arm) & (results["seed"] == run["seed"])].iloc[0]
    metrics = {k: float(v) for k, v in row.items() if k not in ("arm", "seed") and pd.api.types.is_number(v)}
    run_dir = Path(run["run_dir"])
    return {
        "name": f"{arm}/seed{run['seed']}",
        "tags": {"arm": arm, "seed": str(run["seed"])},
        "params": {"arm": arm, "seed": run["seed"], **{f"lm.{k}": v for k, v in run["lm_config"].items()},
                   **{f"train.{k}": v for k, v in run["train_config"].items()},
                   **{f"finetune.{k}": v for k, v in finetuned["finetune_config"].items()}},
        "metrics": metrics,
        "history": {"pretrain": run["history"], **{f"finetune.{task}": h for task, h in finetuned["history"].items()}},
        "artifacts": {"pretrained": str(run_dir / "pretrained"),
                      **{f"classifiers/{task}": str(classifier_dir(run_dir, task)) for task in finetuned["reports"]}},
        "texts": {f"classification_report_{task}.txt": report for task, report in finetuned["reports"].items()},
    }
