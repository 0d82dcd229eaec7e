"""Fit and scoring time, docs/s and peak RSS of each scorer of the `score` pipeline, one fresh process each.

    .venv/bin/python benchmarks/bench_scorers.py                     # every scorer, workers as shipped
    .venv/bin/python benchmarks/bench_scorers.py --workers 1 --scorers heuristic dsir refsim
    # -> benchmarks/results/scorers.json (runs are merged into it, keyed by scorer + workers)

For each scorer a child process (this script with --child) bootstraps the Kedro project, loads the
datasets its nodes need through the project's catalog (`documents`, `reference_corpus`,
`gold_labels`; rating files are read by `fit_rater` from `rater.*_path`), takes the shipped parameters
(conf/base) with `scoring.cache_dir=None` (nothing read from or written to the score cache) and
`scoring.workers` as shipped unless --workers, then calls the score pipeline's own node functions in
order: the node producing `<scorer>_model` (if any) and the node producing `attributes_<scorer>`.
The nodes are found in `winnow.pipelines.score.create_pipeline()`, so a newly wired scorer
(e.g. perplexity) is picked up without editing this script; if `perplexity` is not wired yet but
`nodes.fit_perplexity` exists, it is called directly with `params:perplexity`.

Reported per scorer: fit seconds, scoring seconds (the scoring node: cache-less `score_cached` +
whatever the node adds, e.g. `apply_rules`), documents/s of scoring, and peak RSS:
`self` = the child's own maxrss (RUSAGE_SELF), `workers` = the largest scoring worker it waited for
(RUSAGE_CHILDREN in the child), `subprocess` = the parent's os.wait4 rusage of the child (max over
the child and all its descendants). Input: data/02_intermediate/documents.parquet (made by
`kedro run --pipeline=ingest` if missing). Load averages are recorded before and after each scorer.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
DOCUMENTS = REPO / "data" / "02_intermediate" / "documents.parquet"
DEFAULT_SCORERS = ["heuristic", "classifier", "rater", "refsim", "dsir", "perplexity"]
MLFLOW_URI = "sqlite:////tmp/bench4_mlflow.db"


def _env() -> dict:
    return dict(os.environ, KEDRO_DISABLE_TELEMETRY="1", MLFLOW_DISABLE_TELEMETRY="1",
                MLFLOW_TRACKING_URI=MLFLOW_URI, HF_HUB_OFFLINE="1")


def _scorer_nodes(scorer: str):
    """The score pipeline's fit node (output `<scorer>_model`, optional) and scoring node (`attributes_<scorer>`)."""
    from winnow.pipelines.score import create_pipeline, nodes

    pipeline = create_pipeline()
    fit = [n for n in pipeline.nodes if f"{scorer}_model" in n.outputs]
    score = [n for n in pipeline.nodes if f"attributes_{scorer}" in n.outputs]
    if score:
        return [(n.name, n.func, n.inputs, n.outputs) for n in fit + score], "pipeline"
    if scorer == "perplexity" and hasattr(nodes, "fit_perplexity"):  # not wired yet: call the node function
        import inspect

        names = list(inspect.signature(nodes.fit_perplexity).parameters)
        inputs = [{"params": "params:perplexity", "scoring": "params:scoring"}.get(a, a) for a in names]
        return [("fit_perplexity", nodes.fit_perplexity, inputs, ["perplexity_model", "perplexity_fit_metrics"]),
                ("score_perplexity", nodes.score_with_fitted, ["documents", "perplexity_model", "params:scoring"],
                 ["attributes_perplexity", "perplexity_metrics"])], "node functions (not wired in pipeline.py)"
    raise LookupError(f"scorer {scorer!r}: no node produces attributes_{scorer} and no fit function is available")


def child(scorer: str, workers: int | None) -> dict:
    os.chdir(REPO)
    t_start = time.perf_counter()
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(REPO)
    session = KedroSession.create(project_path=REPO)
    context = session.load_context()
    catalog, params = context.catalog, dict(context.params)
    params["scoring"] = dict(params["scoring"], cache_dir=None)
    if workers is not None:
        params["scoring"]["workers"] = workers
    steps, how = _scorer_nodes(scorer)

    values: dict = {}

    def value(name: str):
        if name not in values:
            values[name] = params[name.removeprefix("params:")] if name.startswith("params:") else catalog.load(name)
        return values[name]

    t_load = time.perf_counter()
    for name in {i for _, _, inputs, _ in steps for i in inputs if not i.endswith("_model")}:
        value(name)
    load_s = time.perf_counter() - t_load
    n_docs = len(values["documents"])
    timings, metrics = {}, {}
    for node_name, func, inputs, outputs in steps:
        t0 = time.perf_counter()
        result = func(*(value(i) for i in inputs))
        timings[node_name] = time.perf_counter() - t0
        result = result if isinstance(result, tuple) else (result,)
        for out, val in zip(outputs, result):
            values[out] = val
            if out.endswith("_metrics") and isinstance(val, dict):
                metrics.update({k: float(v) for k, v in val.items()})
    fit_nodes = [s[0] for s in steps if f"{scorer}_model" in s[3]]
    score_node = next(s[0] for s in steps if f"attributes_{scorer}" in s[3])
    attributes = values[f"attributes_{scorer}"]
    fit_s = sum(timings[n] for n in fit_nodes)
    score_s = timings[score_node]
    return {"scorer": scorer, "nodes_from": how, "nodes": list(timings), "node_seconds": timings,
            "workers": params["scoring"]["workers"], "chunk_rows": params["scoring"]["chunk_rows"],
            "cache_dir": None, "documents": n_docs, "attribute_rows": len(attributes),
            "attribute_columns": [c for c in attributes.columns if c != "id"],
            "load_inputs_s": load_s, "fit_s": fit_s, "score_s": score_s,
            "score_docs_per_s": n_docs / score_s, "fit_plus_score_docs_per_s": n_docs / (fit_s + score_s),
            "child_total_s": time.perf_counter() - t_start,
            "peak_rss_self_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "peak_rss_workers_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
            "metrics": metrics}


def run_one(scorer: str, workers: int | None, timeout: float) -> dict:
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, __file__, "--child", scorer, "--child-out", str(out)]
    if workers is not None:
        cmd += ["--workers", str(workers)]
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    log = open(f"/tmp/bench_scorers_{scorer}_{workers}.log", "w")
    proc = subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=log, stderr=subprocess.STDOUT)
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.2)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    result = {"scorer": scorer, "requested_workers": workers, "returncode": proc.returncode,
              "subprocess_wall_s": wall, "peak_rss_subprocess_mb": usage.ru_maxrss / 1024,
              "subprocess_cpu_s": usage.ru_utime + usage.ru_stime,
              "loadavg_before": load_before, "loadavg_after": os.getloadavg(),
              "log": log.name}
    if proc.returncode == 0 and out.stat().st_size:
        result.update(json.loads(out.read_text()))
    else:
        result["error"] = Path(log.name).read_text()[-3000:]
    out.unlink(missing_ok=True)
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scorers", nargs="+", default=DEFAULT_SCORERS)
    p.add_argument("--workers", type=int, default=None, help="override scoring.workers (default: as shipped)")
    p.add_argument("--timeout", type=float, default=3600, help="seconds per scorer subprocess")
    p.add_argument("--out", default=str(RESULTS / "scorers.json"))
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--child-out", help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.child:
        Path(args.child_out).write_text(json.dumps(child(args.child, args.workers), default=float))
        return 0

    if not DOCUMENTS.exists():
        subprocess.run([str(REPO / ".venv" / "bin" / "kedro"), "run", "--pipeline=ingest"], cwd=REPO, env=_env(),
                       check=True)
    git = lambda *a: subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    out = Path(args.out)
    report = json.loads(out.read_text()) if out.exists() else {"runs": {}}
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    for scorer in args.scorers:
        try:
            _scorer_nodes(scorer)  # fail early if the scorer has no nodes
        except LookupError as e:
            print(f"skipping {scorer}: {e}", flush=True)
            continue
        dirty_before = git("status", "--porcelain", "--", "src", "conf").splitlines()
        result = run_one(scorer, args.workers, args.timeout)
        result.update(git_commit=git("rev-parse", "--short", "HEAD"), uncommitted_src_conf_before=dirty_before,
                      uncommitted_src_conf=git("status", "--porcelain", "--", "src", "conf").splitlines(),
                      measured_at=time.strftime("%Y-%m-%d %H:%M:%S"))
        key = f"{scorer}/workers={result.get('workers', args.workers or 'shipped')}"
        report["runs"][key] = result
        report["machine"] = {"nproc": os.cpu_count(), "cpu_model": model, "python": sys.version.split()[0]}
        report["documents_parquet"] = str(DOCUMENTS.relative_to(REPO))
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, indent=2, default=float) + "\n")
        if result["returncode"]:
            print(f"{key}: FAILED (rc {result['returncode']}), see {result['log']}", flush=True)
        else:
            print(f"{key}: fit {result['fit_s']:.1f}s, score {result['score_s']:.1f}s "
                  f"({result['score_docs_per_s']:.0f} docs/s), peak RSS {result['peak_rss_subprocess_mb']:.0f} MB "
                  f"(self {result['peak_rss_self_mb']:.0f}, workers {result['peak_rss_workers_mb']:.0f}), "
                  f"load {result['loadavg_before'][0]:.1f}->{result['loadavg_after'][0]:.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
