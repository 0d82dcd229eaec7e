"""`experiment` end to end on real documents, the shipped tasks and held-out domains, with the smoke
configuration (tiny model, two seeds): five arms, decontamination per set, tables, paired
differences, child runs, MLflow reload."""

import gzip
import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.config import OmegaConfigLoader

from tests.conftest import PROJECT, SAMPLE
from tests.pipelines.runner import run
from winnow.datasets import TableSetDataset
from winnow.experiment.arms import ARMS, corpus_for_seed
from winnow.hooks import log_child_run
from winnow.ingest.text import content_id, normalise_text
from winnow.pipelines import experiment
from winnow.pipelines.experiment.nodes import _threads_per_run, finetune_arm, pretrain_arm
from winnow.settings import CONFIG_LOADER_ARGS
from winnow.training.finetune import load_classifier, predict

pytestmark = pytest.mark.usefixtures("torch_one_thread")


def sample_documents() -> pd.DataFrame:
    rows = []
    for name, n in [("bbc_news", 120), ("gcide", 40), ("fortunes", 150), ("sms_spam", 100)]:
        with gzip.open(SAMPLE / f"{name}.jsonl.gz", "rt") as f:
            rows += [{"text": normalise_text(json.loads(line)["text"]), "source": name} for _, line in zip(range(n), f)]
    docs = pd.DataFrame(rows).drop_duplicates("text")
    return docs.assign(id=docs["text"].map(content_id))


def smoke_parameters(output_dir) -> dict:
    """`experiment` parameters as `kedro run --env smoke` merges them (Kedro's own config loader)."""
    loader = OmegaConfigLoader(str(PROJECT / "conf"), **{**CONFIG_LOADER_ARGS, "default_run_env": "smoke"})
    params = loader["parameters"]["experiment"]
    params["pretrain"]["train_config"]["token_budget"] = 10_000
    params["parallel_runs"] = 1  # test_seeds_run_side_by_side checks the parallel path once
    return {"experiment": params | {"output_dir": str(output_dir)}}


@pytest.fixture(scope="module")
def tasks() -> dict[str, pd.DataFrame]:
    shipped = TableSetDataset(str(PROJECT / "data/01_raw/downstream")).load()
    assert len(shipped) >= 2  # every shipped task takes part
    return {name: pd.concat([full[full["split"] == s].head(n) for s, n in [("train", 200), ("dev", 60), ("test", 60)]])
            for name, full in shipped.items()}


@pytest.fixture(scope="module")
def task(tasks) -> pd.DataFrame:
    return tasks["rotten_tomatoes"]


@pytest.fixture(scope="module")
def domains() -> dict[str, pd.DataFrame]:
    shipped = TableSetDataset(str(PROJECT / "data/01_raw/heldout")).load()
    assert len(shipped) >= 3
    return {name: table.head(30) for name, table in shipped.items()}


@pytest.fixture(scope="module")
def scores() -> pd.DataFrame:
    docs = sample_documents()
    rng = np.random.default_rng(0)  # stand-in scores: clean sources score higher
    clean = docs["source"].isin(["bbc_news", "gcide"]).to_numpy()
    return pd.DataFrame({"id": docs["id"], "score": clean + rng.normal(0, 0.5, len(docs)),
                         "rater_bt": clean * 0.5 + rng.uniform(0, 0.5, len(docs))})


@pytest.fixture(scope="module")
def inputs(task, tasks, domains, scores) -> dict:
    docs = sample_documents()
    heldout = domains["movie_plots"]
    review = task[(task["split"] == "test") & (task["text"].str.split().str.len() >= 10)]["text"].iloc[0]
    plot_words = heldout["text"].iloc[5].split()
    leaks = [f"Critics agree. {review.upper()} Read more below.",                  # a test item, shouted
             "A summary: " + " ".join(plot_words[10:30]).replace(" ", "  ") + " ..."]  # held-out text, spaced out
    leaked = pd.DataFrame({"text": leaks, "source": "bbc_news"}).assign(id=lambda d: d["text"].map(content_id))
    docs = pd.concat([docs, leaked], ignore_index=True)
    selection = docs[docs["source"].isin(["bbc_news", "gcide"])]
    return {"documents": docs, "selection": selection, "downstream_tasks": tasks, "heldout_domains": domains,
            "document_scores": scores, "leaked_ids": set(leaked["id"])}


@pytest.fixture(scope="module")
def outputs(inputs, tmp_path_factory):
    params = smoke_parameters(tmp_path_factory.mktemp("experiment"))
    datasets = {k: v for k, v in inputs.items() if k != "leaked_ids"}
    return run(experiment.create_pipeline(), datasets, params), params["experiment"]


def test_leaked_documents_are_removed_before_any_arm(outputs, inputs):
    out, _ = outputs
    assert set(out["contaminated_documents"]["id"]) == inputs["leaked_ids"]
    for arm in ARMS:
        assert not set(out[f"arm_corpus_{arm}"]["id"]) & inputs["leaked_ids"]
    assert out["arms_metrics"]["arm.curated.contaminated_docs_dropped"] == 2
    decontamination = out["decontamination_metrics"]
    assert decontamination["decontamination.docs_dropped"] == 2
    # the report per set names which evaluation set each leak came from
    assert decontamination["decontamination.task.rotten_tomatoes.docs"] == 1
    assert decontamination["decontamination.heldout.movie_plots.docs"] == 1
    others = [k for k in decontamination if k.endswith(".docs") and "rotten_tomatoes" not in k and "movie_plots" not in k]
    assert others and all(decontamination[k] == 0 for k in others)


def test_arms_are_the_selection_random_and_weighted_draws_everything_and_the_sorted_selection(outputs, inputs):
    out, params = outputs
    pool = out["experiment_pool"]
    curated = out["arm_corpus_curated"]
    assert set(curated["id"]) == set(inputs["selection"]["id"]) - inputs["leaked_ids"]
    assert set(out["arm_corpus_full"]["id"]) == set(pool["id"])
    target = curated["n_tokens"].sum()
    score = inputs["document_scores"].set_index("id")
    for arm in ("random", "weighted"):
        draws = [corpus_for_seed(out[f"arm_corpus_{arm}"], seed) for seed in params["seeds"]]
        for draw in draws:
            assert target <= draw["n_tokens"].sum() < target + draw["n_tokens"].max()
            assert draw["source"].nunique() == 4  # from the whole pool, not the curated sources only
        assert set(draws[0]["id"]) != set(draws[1]["id"])
    by_rater = {arm: out[f"arm_corpus_{arm}"]["id"].map(score["rater_bt"]).mean() for arm in ("random", "weighted")}
    assert by_rater["weighted"] > by_rater["random"] + 0.05  # drawn by the rater's score
    ordered = out["arm_corpus_ordered"]
    assert set(ordered["id"]) == set(curated["id"])
    assert ordered["id"].map(score["score"]).is_monotonic_increasing  # lowest first: the best text comes last


def test_every_arm_and_seed_is_trained_evaluated_and_compared(outputs, domains, tasks):
    out, params = outputs
    table = out["experiment_table"]
    assert list(table["arm"]) == list(ARMS) and (table["seeds"] == 2).all()
    metrics = ["heldout_bpb", *(f"heldout_bpb.{d}" for d in domains), *(f"{t}.test_accuracy" for t in tasks),
               *(f"{t}.test_macro_f1" for t in tasks)]
    for metric in metrics:
        assert (table[f"{metric}_low"] <= table[metric]).all() and (table[metric] <= table[f"{metric}_high"]).all()
    results = out["arm_results_random"]
    assert (results["pretrain_tokens"] <= params["pretrain"]["train_config"]["token_budget"]).all()
    assert results["heldout_ppl"].between(1, 1024).all()  # finite, and better than uniform over the 1,024 tokens
    assert results["heldout_bpb"].between(0.5, 10).all()
    per_domain = results[[f"heldout_bpb.{d}" for d in domains]]
    assert results["heldout_bpb"].to_numpy() == pytest.approx(per_domain.mean(axis=1).to_numpy())
    paired = out["experiment_paired"]
    assert set(paired["arm"]) == set(ARMS) - {"random"} and set(paired["metric"]) == set(metrics)
    row = paired[(paired["arm"] == "curated") & (paired["metric"] == "heldout_bpb")].iloc[0]
    curated = out["arm_results_curated"].set_index("seed")["heldout_bpb"]
    diffs = curated - results.set_index("seed")["heldout_bpb"]
    assert row["diff"] == pytest.approx(diffs.mean()) and row["wins"] == (diffs < 0).sum()
    assert "curated" in row["sentence"] and " on held-out bits per byte (mean over domains): better in " in row["sentence"]
    report = out["experiment_report"]
    assert "## Paired against random" in report and "## Per held-out domain" in report and row["sentence"] in report
    assert all(f"| task {t} |" in report for t in tasks) and all(f"| heldout {d} |" in report for d in domains)
    assert set(out["experiment_metrics"]) >= {"curated.heldout_bpb", "random.rotten_tomatoes.test_macro_f1",
                                              "paired.weighted.heldout_bpb.diff", "efficiency.ordered_token_fraction"}
    runs = out["experiment_runs"]
    assert sorted(r["name"] for r in runs) == sorted(f"{a}/seed{s}" for a in ARMS for s in (0, 1))
    assert out["experiment_learning_curves_plot"].axes and out["experiment_data_efficiency_plot"].axes
    curve_panels = [ax for ax in out["experiment_learning_curves_plot"].axes if ax.get_visible()]
    assert len(curve_panels) == 2 + len(domains)  # training loss, the mean, one per domain


def test_seeds_run_side_by_side_in_worker_processes_and_train_the_same_models(outputs, inputs, tmp_path):
    out, params = outputs
    params = params | {"parallel_runs": 2, "threads": 1, "output_dir": str(tmp_path)}  # 1 thread, as the sequential run
    pretrained = pretrain_arm(out["arm_corpus_curated"], out["experiment_tokenizer"], inputs["heldout_domains"], params)
    finetuned = finetune_arm(pretrained, inputs["downstream_tasks"], params)
    sequential = out["pretrained_curated"]
    assert sorted(pretrained) == sorted(sequential)
    for key, run in pretrained.items():
        assert run["run_dir"].startswith(str(tmp_path)) and Path(run["run_dir"], "pretrained").is_dir()
        assert [h["loss"] for h in run["history"]] == [h["loss"] for h in sequential[key]["history"]]
        assert finetuned[key]["metrics"] == out["finetuned_curated"][key]["metrics"]


def test_runs_started_together_share_the_cores_and_a_short_last_round_gets_them_all():
    assert _threads_per_run(3, 2, 2) == [1, 1, 2]
    assert _threads_per_run(6, 2, 2) == [1] * 6
    assert _threads_per_run(3, 2, 16) == [8, 8, 16]
    assert _threads_per_run(1, 2, 2) == [2]


def test_a_logged_model_reloads_from_mlflow_and_predicts_the_same(outputs, task, tmp_path):
    out, _ = outputs
    child = next(r for r in out["experiment_runs"] if r["name"] == "curated/seed1")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("test")
    with mlflow.start_run(run_name="experiment"):
        run_id = log_child_run(mlflow, child)
    client = mlflow.MlflowClient()
    assert [m.step for m in client.get_metric_history(run_id, "pretrain.loss")][:3] == [1, 2, 3]
    metric = "rotten_tomatoes.test_macro_f1"
    assert client.get_run(run_id).data.metrics[metric] == pytest.approx(child["metrics"][metric])
    path = "classifiers/rotten_tomatoes"
    reloaded, tokenizer = load_classifier(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path,
                                                                               dst_path=str(tmp_path / "download")))
    original, _ = load_classifier(child["artifacts"][path])
    texts = task["text"].tolist()
    np.testing.assert_array_equal(predict(reloaded, tokenizer, texts), predict(original, tokenizer, texts))
    test = task[task["split"] == "test"]
    labels = sorted(task["label"].astype(str).unique())
    predicted = predict(reloaded, tokenizer, test["text"].tolist())
    accuracy = np.mean(np.array(labels)[predicted] == test["label"].astype(str).to_numpy())
    assert accuracy == pytest.approx(child["metrics"]["rotten_tomatoes.test_accuracy"])  # the reloaded model is the evaluated one
