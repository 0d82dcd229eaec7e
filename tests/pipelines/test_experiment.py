"""`experiment` end to end on real documents, the real task and held-out text, with the smoke
configuration (tiny model, two seeds): arms, decontamination, table, child runs, MLflow reload."""

import gzip
import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from kedro.config import OmegaConfigLoader

from tests.conftest import PROJECT, SAMPLE
from tests.pipelines.runner import run
from winnow.experiment.arms import corpus_for_seed
from winnow.hooks import log_child_run
from winnow.ingest.text import content_id, normalise_text
from winnow.pipelines import experiment
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
    return {"experiment": params | {"output_dir": str(output_dir)}}


@pytest.fixture(scope="module")
def task() -> pd.DataFrame:
    full = pd.read_csv(PROJECT / "data/01_raw/downstream/rotten_tomatoes.csv.gz")
    return pd.concat([full[full["split"] == s].head(n) for s, n in [("train", 300), ("dev", 80), ("test", 80)]])


@pytest.fixture(scope="module")
def heldout() -> pd.DataFrame:
    return pd.read_json(PROJECT / "data/01_raw/heldout/movie_plots.jsonl.gz", lines=True).head(60)


@pytest.fixture(scope="module")
def inputs(task, heldout) -> dict:
    docs = sample_documents()
    review = task[(task["split"] == "test") & (task["text"].str.split().str.len() >= 10)]["text"].iloc[0]
    plot_words = heldout["text"].iloc[5].split()
    leaks = [f"Critics agree. {review.upper()} Read more below.",                  # a test item, shouted
             "A summary: " + " ".join(plot_words[10:30]).replace(" ", "  ") + " ..."]  # held-out text, spaced out
    leaked = pd.DataFrame({"text": leaks, "source": "bbc_news"}).assign(id=lambda d: d["text"].map(content_id))
    docs = pd.concat([docs, leaked], ignore_index=True)
    selection = docs[docs["source"].isin(["bbc_news", "gcide"])]
    return {"documents": docs, "selection": selection, "downstream_task": task, "heldout_corpus": heldout,
            "leaked_ids": set(leaked["id"])}


@pytest.fixture(scope="module")
def outputs(inputs, tmp_path_factory):
    params = smoke_parameters(tmp_path_factory.mktemp("experiment"))
    datasets = {k: v for k, v in inputs.items() if k != "leaked_ids"}
    return run(experiment.create_pipeline(), datasets, params), params["experiment"]


def test_leaked_documents_are_removed_before_any_arm(outputs, inputs):
    out, _ = outputs
    assert set(out["contaminated_documents"]["id"]) == inputs["leaked_ids"]
    for arm in ("curated", "random", "full"):
        assert not set(out[f"arm_corpus_{arm}"]["id"]) & inputs["leaked_ids"]
    assert out["arms_metrics"]["arm.curated.contaminated_docs_dropped"] == 2
    assert out["decontamination_metrics"]["decontamination.docs_dropped"] == 2


def test_arms_are_the_selection_a_same_size_random_draw_and_everything(outputs, inputs):
    out, params = outputs
    pool = out["experiment_pool"]
    curated = out["arm_corpus_curated"]
    assert set(curated["id"]) == set(inputs["selection"]["id"]) - inputs["leaked_ids"]
    assert set(out["arm_corpus_full"]["id"]) == set(pool["id"])
    target = curated["n_tokens"].sum()
    draws = [corpus_for_seed(out["arm_corpus_random"], seed) for seed in params["seeds"]]
    for draw in draws:
        assert target <= draw["n_tokens"].sum() < target + draw["n_tokens"].max()
        assert draw["source"].nunique() == 4  # uniform over the pool, not the curated sources
    assert set(draws[0]["id"]) != set(draws[1]["id"])


def test_every_arm_and_seed_is_trained_evaluated_and_compared(outputs):
    out, params = outputs
    table = out["experiment_table"]
    assert list(table["arm"]) == ["curated", "random", "full"] and (table["seeds"] == 2).all()
    for metric in ("heldout_ppl", "test_accuracy", "test_macro_f1"):
        assert (table[f"{metric}_low"] <= table[metric]).all() and (table[metric] <= table[f"{metric}_high"]).all()
    results = out["arm_results_random"]
    assert (results["pretrain_tokens"] <= params["pretrain"]["train_config"]["token_budget"]).all()
    assert results["heldout_ppl"].between(1, 1024).all()  # finite, and better than uniform over the 1,024 tokens
    assert "| curated | 2 |" in out["experiment_report"] and "## Data efficiency" in out["experiment_report"]
    assert set(out["experiment_metrics"]) >= {"curated.heldout_ppl", "random.test_macro_f1", "efficiency.budget_tokens"}
    runs = out["experiment_runs"]
    assert sorted(r["name"] for r in runs) == sorted(f"{a}/seed{s}" for a in ("curated", "random", "full") for s in (0, 1))
    assert out["experiment_learning_curves_plot"].axes and out["experiment_data_efficiency_plot"].axes


def test_a_logged_model_reloads_from_mlflow_and_predicts_the_same(outputs, task, tmp_path):
    out, _ = outputs
    child = next(r for r in out["experiment_runs"] if r["name"] == "curated/seed1")
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("test")
    with mlflow.start_run(run_name="experiment"):
        run_id = log_child_run(mlflow, child)
    client = mlflow.MlflowClient()
    assert [m.step for m in client.get_metric_history(run_id, "pretrain.loss")][:3] == [1, 2, 3]
    assert client.get_run(run_id).data.metrics["test_macro_f1"] == pytest.approx(child["metrics"]["test_macro_f1"])
    reloaded, tokenizer = load_classifier(mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="classifier",
                                                                               dst_path=str(tmp_path / "download")))
    original, _ = load_classifier(child["artifacts"]["classifier"])
    texts = task["text"].tolist()
    np.testing.assert_array_equal(predict(reloaded, tokenizer, texts), predict(original, tokenizer, texts))
    test = task[task["split"] == "test"]
    labels = sorted(task["label"].astype(str).unique())
    predicted = predict(reloaded, tokenizer, test["text"].tolist())
    accuracy = np.mean(np.array(labels)[predicted] == test["label"].astype(str).to_numpy())
    assert accuracy == pytest.approx(child["metrics"]["test_accuracy"])  # the reloaded model is the evaluated one
