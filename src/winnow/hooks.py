"""MLflow tracking for every `kedro run`: one MLflow run per pipeline run.

Logged by naming convention, so nodes stay pure functions that return values:
- parameters: every entry of the run's parameters, flattened (`select.min_score`);
- `*_metrics` outputs (dict of numbers) -> metrics; matplotlib figures -> PNG artifacts;
- `*_report` outputs (str) -> Markdown artifacts;
- `*_model` outputs (`FittedScorer`) -> artifacts under models/<name>/ (their own `save(dir)`, else joblib),
  or a `<name>.skipped` tag saying why no scorer could be fitted;
- `*_runs` outputs (list of dicts) -> one nested child run each: params, metrics, per-step
  histories, model folders and texts (see `log_child_run`);
- per node: wall seconds and documents/s (rows of its largest DataFrame input, else output).
A small hook rather than kedro-mlflow: see README, "Tracking".

Tracking never costs data: if the store is unwritable, locked or the URI is bad, the hook logs one
warning, stops tracking, and every node still runs and writes its datasets.
"""

from __future__ import annotations

import functools
import logging
import os
import time
from pathlib import Path

import pandas as pd
from kedro.framework.hooks import hook_impl

from winnow import engine
from winnow.config import check_parameters, parse
from winnow.parts import Parts
from winnow.scoring.base import FittedScorer

MAX_PARAM_CHARS = 6000  # MLflow rejects longer parameter values
log = logging.getLogger(__name__)


def _flatten(tree: dict, prefix: str = "") -> dict:
    flat = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(_flatten(value, f"{name}."))
        else:
            flat[name] = str(value)[:MAX_PARAM_CHARS]
    return flat


def log_child_run(mlflow, child: dict) -> str:
    """A nested run under the active one, from `{name, tags, params, metrics, history, artifacts, texts}`.

    `history` maps a prefix to per-step records (`{"step": 3, "loss": ...}`): each number becomes a
    metric `<prefix>.<key>` at that step, so MLflow draws the learning curves. `artifacts` maps an
    artifact folder to a local directory (a saved model: loadable again from the run).
    """
    from mlflow.entities import Metric

    client = mlflow.MlflowClient()
    with mlflow.start_run(run_name=child["name"], nested=True) as run:
        mlflow.set_tags(child.get("tags", {}))
        mlflow.log_params(_flatten(child.get("params", {})))
        mlflow.log_metrics({k: float(v) for k, v in child.get("metrics", {}).items()})
        now = int(time.time() * 1000)
        points = [Metric(f"{prefix}.{key}", float(value), now, int(record["step"]))
                  for prefix, records in child.get("history", {}).items() for record in records
                  for key, value in record.items() if key != "step" and isinstance(value, (int, float))]
        for start in range(0, len(points), 1000):  # MLflow's limit per batch
            client.log_batch(run.info.run_id, metrics=points[start : start + 1000])
        for folder, directory in child.get("artifacts", {}).items():
            mlflow.log_artifacts(directory, folder)
        for name, text in child.get("texts", {}).items():
            mlflow.log_text(text, name)
        return run.info.run_id


def _never_fails_the_run(method):
    """Any MLflow error becomes one warning and the end of tracking for this run."""

    @functools.wraps(method)
    def guarded(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as err:  # noqa: BLE001 - tracking is a side channel; data products matter more
            log.warning("MLflow tracking at %s failed in %s (%s: %s); the run goes on without tracking",
                        getattr(self, "_uri", "?"), method.__name__, type(err).__name__, str(err)[:300])
            mlflow, self._mlflow = self._mlflow, None
            try:  # leave no half-open run for MLflow's exit handler to trip over
                if mlflow is not None:
                    mlflow.end_run(status="FAILED")
            except Exception:  # noqa: BLE001
                pass

    return guarded


class MlflowTrackingHook:
    def __init__(self):
        self._mlflow = None
        self._node_started: dict[str, tuple[float, int]] = {}

    @hook_impl
    def after_context_created(self, context) -> None:
        try:
            conf = context.config_loader["tracking"]
        except KeyError:
            conf = {}
        self._enabled = conf.get("enabled", True) and os.environ.get("WINNOW_MLFLOW", "1") != "0"
        uri = os.environ.get("MLFLOW_TRACKING_URI") or conf.get("tracking_uri", "sqlite:///mlflow.db")
        if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
            uri = "sqlite:///" + str(Path(context.project_path) / uri.removeprefix("sqlite:///"))
        self._uri, self._experiment = uri, conf.get("experiment_name", "winnow")
        self._params = context.params

    @hook_impl
    @_never_fails_the_run
    def before_pipeline_run(self, run_params: dict) -> None:
        if not self._enabled:
            return
        import mlflow  # imported here: it costs ~1 s and `kedro` CLI commands other than run don't need it

        self._mlflow = mlflow
        mlflow.set_tracking_uri(self._uri)
        mlflow.set_experiment(self._experiment)
        pipeline = run_params.get("pipeline_names") or run_params.get("pipeline_name") or "__default__"
        name = pipeline if isinstance(pipeline, str) else "+".join(pipeline)
        mlflow.start_run(run_name=name)
        mlflow.set_tags({"kedro.pipeline": name, "kedro.session_id": str(run_params.get("session_id"))})
        mlflow.log_params(_flatten(self._params))

    @hook_impl
    def before_node_run(self, node, inputs: dict) -> None:
        rows = max((len(v) for v in inputs.values() if isinstance(v, (pd.DataFrame, Parts))), default=0)
        self._node_started[node.name] = (time.perf_counter(), rows)

    @hook_impl
    @_never_fails_the_run
    def after_node_run(self, node, outputs: dict) -> None:
        if self._mlflow is None:
            return
        mlflow = self._mlflow
        started, rows = self._node_started.pop(node.name, (time.perf_counter(), 0))
        seconds = time.perf_counter() - started
        # a reader node has no table input: count what it produced instead
        rows = rows or max((len(v) for v in outputs.values() if isinstance(v, pd.DataFrame)), default=0)
        timing = {f"node.{node.name}.seconds": seconds}
        if rows:
            timing[f"node.{node.name}.docs_per_s"] = rows / max(seconds, 1e-9)
        mlflow.log_metrics(timing)
        for name, value in outputs.items():
            if name.endswith("_metrics") and isinstance(value, dict):
                # a namespaced node (the evaluation set's scoring) must not overwrite the corpus's metrics
                prefix = name.rpartition(".")[0]
                mlflow.log_metrics({f"{prefix}.{k}" if prefix else k: float(v) for k, v in value.items()})
            elif hasattr(value, "savefig"):
                mlflow.log_figure(value, f"plots/{name.removesuffix('_plot')}.png")
            elif name.endswith("_report") and isinstance(value, str):
                mlflow.log_text(value, f"reports/{name}.md")
            elif isinstance(value, FittedScorer) and value.skipped:
                mlflow.set_tag(f"{name}.skipped", value.skipped[:5000])
            elif isinstance(value, FittedScorer):
                self._log_model(name, value.scorer)
            elif name.endswith("_runs") and isinstance(value, list):
                for child in value:
                    log_child_run(mlflow, child)

    def _log_model(self, name: str, model) -> None:
        import tempfile

        import joblib

        with tempfile.TemporaryDirectory() as folder:
            if hasattr(model, "save"):
                model.save(folder)
            else:
                joblib.dump(model, Path(folder) / "model.joblib")
            self._mlflow.log_artifacts(folder, f"models/{name}")

    @hook_impl
    @_never_fails_the_run
    def after_pipeline_run(self) -> None:
        if self._mlflow is not None:
            self._mlflow.end_run()
            self._mlflow = None

    @hook_impl
    @_never_fails_the_run
    def on_pipeline_error(self) -> None:
        if self._mlflow is not None:
            self._mlflow.end_run(status="FAILED")
            self._mlflow = None


class ParameterCheck:
    """Stop before the first node when a parameter key is unknown, misspelled or missing (see winnow.config)."""

    @hook_impl
    def after_context_created(self, context) -> None:
        check_parameters(context.params)


class EngineSetup:
    """Run shard work where `engine` says (see winnow.engine): like the runner, it decides where
    nodes compute, never what, so it is set for the whole run rather than passed to each node."""

    @hook_impl
    def after_context_created(self, context) -> None:
        if "engine" in context.params:
            engine.use(parse("engine", context.params["engine"]))

    @hook_impl
    def after_pipeline_run(self) -> None:
        engine.stop()

    @hook_impl
    def on_pipeline_error(self) -> None:
        engine.stop()


class MissingInputsCheck:
    """Fail before the first node, naming what is missing and which pipeline writes it.

    `kedro run --pipeline=experiment` on a fresh clone would otherwise stop minutes in with a bare
    FileNotFoundError for documents.parquet.
    """

    @hook_impl
    def before_pipeline_run(self, run_params: dict, pipeline, catalog) -> None:
        missing = [name for name in sorted(pipeline.inputs())
                   if not name.startswith("params:") and name != "parameters" and not catalog.exists(name)]
        if not missing:
            return
        import importlib
        import pkgutil

        import winnow.pipelines

        # every pipeline, not only the one this run loaded (Kedro imports just the requested ones)
        outputs = {info.name: importlib.import_module(f"winnow.pipelines.{info.name}").create_pipeline().all_outputs()
                   for info in pkgutil.iter_modules(winnow.pipelines.__path__)}
        hints = []
        for name in missing:
            writers = sorted(key for key, written in outputs.items() if name in written)
            hints.append(f"{name} (written by: {', '.join(f'kedro run --pipeline={w}' for w in writers) or 'no pipeline'})")
        raise RuntimeError("this pipeline needs datasets that do not exist yet: " + "; ".join(hints))
