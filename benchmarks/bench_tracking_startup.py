"""Start-up cost of MLflow tracking: Winnow's own hook (src/winnow/hooks.py) vs kedro-mlflow.

    python3 benchmarks/bench_tracking_startup.py            # set up (once) and measure
    python3 benchmarks/bench_tracking_startup.py --pipeline ingest

Nothing here touches the project's .venv or mlflow.db. The script copies src/, conf/ and
pyproject.toml to WORKDIR/project, adds a one-node `noop` pipeline to the copy, and makes two venvs
with uv from the same pins: WORKDIR/venv-hook (the project only) and WORKDIR/venv-kedro-mlflow (the
project + kedro-mlflow). The copy's settings.py picks the tracking by WINNOW_BENCH_TRACKING:
  hook          Winnow's MlflowTrackingHook (venv-hook)
  kedro-mlflow  kedro-mlflow's auto-registered hooks only, Winnow's hook off (venv-kedro-mlflow)
  none          no tracking at all (venv-hook): the floor
Each variant tracks to its own SQLite store under WORKDIR; one untimed warm-up run per variant
creates it (the first run of a fresh store spends seconds in schema migrations).

Measured, in fresh processes, interleaved across variants, median of --repeats:
  * wall time of `kedro run --pipeline=<pipeline>` (default: noop, so it is all start-up + tracking);
  * in-process import time of `winnow.hooks`, `mlflow` (the hook imports it at run start) and
    `kedro_mlflow` (which defers importing mlflow to its hooks);
  * in one plain Python process, the MLflow calls any integration makes: import mlflow, open the
    SQLite store + set the experiment, start a run + log a parameter + end it.
Output: results/tracking_startup.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"

NOOP_PIPELINE = '''from kedro.pipeline import Pipeline, node


def _noop():
    return 1


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([node(_noop, inputs=None, outputs="noop_out", name="noop")])
'''

SETTINGS_SWITCH = '''_TRACKING = os.environ.get("WINNOW_BENCH_TRACKING", "hook")
HOOKS = (MlflowTrackingHook(),) if _TRACKING == "hook" else ()
if _TRACKING != "kedro-mlflow":
    DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow",)
'''


def sh(*cmd, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([str(c) for c in cmd], check=True, text=True, capture_output=True, **kw)


def setup(work: Path) -> None:
    proj = work / "project"
    if (work / "venv-kedro-mlflow" / "bin" / "kedro").exists():
        return
    shutil.rmtree(work, ignore_errors=True)
    proj.mkdir(parents=True)
    for item in ("src", "conf", "data", "pyproject.toml", "README.md"):
        src = REPO / item
        if src.is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "0[2-9]_*")  # raw data only
            shutil.copytree(src, proj / item, ignore=ignore)
        else:
            shutil.copy2(src, proj / item)
    (proj / "src/winnow/pipelines/noop").mkdir()
    (proj / "src/winnow/pipelines/noop/__init__.py").write_text(NOOP_PIPELINE)
    settings = proj / "src/winnow/settings.py"
    text = settings.read_text()
    assert "HOOKS = (MlflowTrackingHook(),)\n" in text, "settings.py changed: update SETTINGS_SWITCH"
    settings.write_text(text.replace("HOOKS = (MlflowTrackingHook(),)\n", SETTINGS_SWITCH))
    (proj / "conf/base/mlflow.yml").write_text(  # kedro-mlflow's config: same store layout and experiment
        f"server:\n  mlflow_tracking_uri: sqlite:///{work}/mlflow-kedro-mlflow.db\n"
        "tracking:\n  experiment:\n    name: winnow\n")
    links = os.environ.get("PIP_FIND_LINKS", "/opt/wheels")
    for venv, extra in (("venv-hook", []), ("venv-kedro-mlflow", ["kedro-mlflow"])):
        sh("uv", "venv", "-q", "--python", "python3.11", work / venv)
        sh("uv", "pip", "install", "-q", "--python", work / venv / "bin/python", "--find-links", links,
           "-e", proj, *extra)


def env_for(work: Path, variant: str) -> dict:
    return dict(os.environ, WINNOW_BENCH_TRACKING=variant, KEDRO_DISABLE_TELEMETRY="1",
                MLFLOW_DISABLE_TELEMETRY="1", MLFLOW_TRACKING_URI=f"sqlite:///{work}/mlflow-{variant}.db")


VARIANTS = {"hook": "venv-hook", "kedro-mlflow": "venv-kedro-mlflow", "none": "venv-hook"}
IMPORTS = {"winnow.hooks": "venv-hook", "mlflow": "venv-hook", "kedro_mlflow": "venv-kedro-mlflow"}


def time_run(work: Path, variant: str, pipeline: str) -> float:
    env = env_for(work, variant)
    if variant == "kedro-mlflow":
        env.pop("MLFLOW_TRACKING_URI")  # kedro-mlflow takes it from conf/base/mlflow.yml
    t0 = time.perf_counter()
    proc = subprocess.run([work / VARIANTS[variant] / "bin/kedro", "run", f"--pipeline={pipeline}"],
                          cwd=work / "project", env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"{variant}: kedro run failed\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return wall


def time_import(work: Path, module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = sh(work / IMPORTS[module] / "bin/python", "-c", code, cwd=work / "project", env=env_for(work, "hook"))
    return float(out.stdout.strip().splitlines()[-1])


MLFLOW_PHASES = """import json, time
t0 = time.perf_counter(); import mlflow
t1 = time.perf_counter(); mlflow.set_tracking_uri("{uri}"); mlflow.set_experiment("winnow")
t2 = time.perf_counter(); mlflow.start_run(run_name="phases"); mlflow.log_params({{"a": 1}}); mlflow.end_run()
t3 = time.perf_counter()
print(json.dumps({{"import_mlflow": t1 - t0, "open_store_set_experiment": t2 - t1, "start_log_end_run": t3 - t2}}))
"""


def time_mlflow_phases(work: Path) -> dict:
    """Where a tracked run's extra seconds go, whichever integration calls MLflow (existing store)."""
    code = MLFLOW_PHASES.format(uri=f"sqlite:///{work}/mlflow-hook.db")
    out = sh(work / "venv-hook/bin/python", "-c", code, cwd=work, env=env_for(work, "hook"))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workdir", default="/tmp/winnow-tracking-bench")
    p.add_argument("--pipeline", default="noop")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=str(RESULTS / "tracking_startup.json"))
    args = p.parse_args(argv)
    work = Path(args.workdir)
    setup(work)

    runs = {v: [] for v in VARIANTS}
    for v in VARIANTS:  # warm-up: creates each store, fills OS caches
        time_run(work, v, args.pipeline)
    for i in range(args.repeats):
        for v in VARIANTS:
            runs[v].append(time_run(work, v, args.pipeline))
        print(f"repeat {i + 1}: " + ", ".join(f"{v} {runs[v][-1]:.2f}s" for v in VARIANTS), flush=True)
    imports = {m: [] for m in IMPORTS}
    for _ in range(args.repeats):
        for m in IMPORTS:
            imports[m].append(time_import(work, m))

    phases = [time_mlflow_phases(work) for _ in range(args.repeats)]
    med = {v: statistics.median(r) for v, r in runs.items()}
    version = sh(work / "venv-kedro-mlflow/bin/python", "-c",
                 "from importlib.metadata import version as v; print(v('kedro-mlflow'), v('kedro'), v('mlflow'))")
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    result = {
        "pipeline": args.pipeline,
        "kedro_run_wall_s": {v: {"median": med[v], "runs": r} for v, r in runs.items()},
        "kedro_mlflow_minus_hook_s": med["kedro-mlflow"] - med["hook"],
        "hook_minus_none_s": med["hook"] - med["none"],
        "import_s": {m: {"median": statistics.median(r), "runs": r} for m, r in imports.items()},
        "mlflow_phases_median_s": {k: statistics.median(p[k] for p in phases) for k in phases[0]},
        "versions": dict(zip(("kedro-mlflow", "kedro", "mlflow"), version.stdout.split())),
        "git_commit": sh("git", "rev-parse", "HEAD", cwd=REPO).stdout.strip(),
        "machine": {"nproc": os.cpu_count(), "cpu_model": model, "loadavg_at_end": os.getloadavg()},
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("kedro_run_wall_s", "kedro_mlflow_minus_hook_s",
                                             "hook_minus_none_s", "import_s", "mlflow_phases_median_s")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
