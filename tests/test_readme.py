"""The README's two commands are true: run the main one in a fresh copy of the project and check
what it promises (selection, accounting, MLflow run with metrics and plots, notebook, viz)."""

import json

import mlflow
import nbformat
from nbclient import NotebookClient

from tests.conftest import PROJECT, readme_commands


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    main_command, test_command = readme_commands()
    assert "kedro run --pipeline=curate" in main_command
    assert "pytest" in test_command
    ci = (PROJECT / ".ci" / "run").read_text()
    assert test_command in ci.splitlines()


def test_main_command_curates_the_sample_and_the_counts_add_up(curated_project):
    totals = json.loads((curated_project / "data/08_reporting/curate_totals.json").read_text())
    assert totals["in"] >= 10_000
    assert totals["in"] == totals["kept"] + totals["dropped"] + totals["quarantined"]
    assert totals["quarantined"] >= 5 and 0 < totals["kept"] < totals["in"]
    assert list((curated_project / "data/05_model_input/selection.parquet").glob("*/selection.parquet"))


def test_mlflow_has_the_run_with_metrics_and_plots(curated_project):
    mlflow.set_tracking_uri(f"sqlite:///{curated_project / 'mlflow.db'}")
    runs = mlflow.search_runs(experiment_names=["winnow"])
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["params.select.mode"] == "min_score"
    assert run["metrics.docs_in"] == run["metrics.docs_kept"] + run["metrics.docs_dropped"] + run["metrics.docs_quarantined"]
    assert run["metrics.source.bbc_news.kept"] > 1000
    assert run["metrics.node.score_heuristics.docs_per_s"] > 0
    client = mlflow.MlflowClient()
    artifacts = {a.path for d in ("plots", "reports") for a in client.list_artifacts(run["run_id"], d)}
    assert {"plots/score_histogram.png", "plots/decisions_by_reason.png", "reports/selection_report.md"} <= artifacts


def test_notebook_loads_the_selection_and_plots(curated_project):
    path = curated_project / "notebooks" / "explore_selection.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert any("documents selected" in o.get("text", "") for o in outputs)
    assert any("image/png" in o.get("data", {}) for o in outputs)


def test_kedro_viz_build_renders_every_pipeline(viz_build):
    api = viz_build / "api" / "pipelines"
    assert {"curate", "ingest", "score", "select"} <= {p.name for p in api.iterdir()}
    curate = json.loads((api / "curate").read_text())
    names = {n["name"] for n in curate["nodes"]}
    assert {"read_corpus", "score_heuristics", "account_for_documents", "build_selection"} <= names
