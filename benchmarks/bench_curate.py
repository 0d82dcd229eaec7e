"""Wall time of a whole `kedro run --pipeline=curate` (ingest + score + select) as a child process.

    .venv/bin/python benchmarks/bench_curate.py            # or: benchmarks/bench_heuristics.py --curate
    .venv/bin/python benchmarks/bench_curate.py --cold-warm   # -> results/curate_all_scorers.json

--cold-warm: with a fresh score cache (`scoring.cache_dir=/tmp/bench_cache_<pid>`), run curate cold
(every model fitted, every document scored), then warm (same inputs: all from cache), then with
`ingest.raw_dir` = a copy of the sample plus one JSONL of --add-docs new documents (same cache: only
they should be scored), then once more on the sample (restores data/ to the sample's outputs, from
cache). Per run: wall time, peak RSS (os.wait4 of the kedro process), load averages, and the
MLflow metrics of that run read back with mlflow.search_runs from MLFLOW_TRACKING_URI
(sqlite:////tmp/bench4_mlflow.db): `node.<name>.seconds` and every scorer's
`docs_scored` / `docs_cached` / `model_cached`.

Runs in the repository root with MLFLOW_TRACKING_URI=sqlite:////tmp/bench_mlflow.db so the project's
mlflow.db is untouched. NOTE: like any curate run it rewrites data/02_intermediate ... data/08_reporting.
Reports wall time, docs/s (records read, curate_totals.json "in"), MB/s of raw input (bytes of the
files under ingest.raw_dir on disk, compressed files counted as stored, and the UTF-8 bytes of the
documents produced) and the child's peak RSS (getrusage(RUSAGE_CHILDREN).ru_maxrss: the largest
single descendant process waited for, not a sum over score workers). Defaults to one run; the
machine is shared, so keep --repeats small.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import resource
import statistics
import subprocess
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def raw_input_bytes() -> tuple[int, int]:
    params = yaml.safe_load((REPO / "conf" / "base" / "parameters_ingest.yml").read_text())["ingest"]
    raw_dir = REPO / params["raw_dir"]
    n_files = n_bytes = 0
    for path in raw_dir.rglob("*"):
        rel = str(path.relative_to(raw_dir))
        if path.is_file() and not any(fnmatch.fnmatch(rel, g) for g in params.get("exclude", [])):
            n_files += 1
            n_bytes += path.stat().st_size
    return n_files, n_bytes


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=1, help="at most 2 on a shared machine")
    p.add_argument("--kedro", default=str(REPO / ".venv" / "bin" / "kedro"))
    p.add_argument("--out", default=None, help="default results/curate_winnow.json (--cold-warm: curate_all_scorers.json)")
    p.add_argument("--cold-warm", action="store_true", help="cold, warm and add-documents runs with a fresh score cache")
    p.add_argument("--add-docs", type=int, default=20, help="--cold-warm: new documents for the third run (0: skip)")
    p.add_argument("--cache-dir", default=None, help="--cold-warm: default /tmp/bench_cache_<pid> (must not exist)")
    args = p.parse_args(argv)
    if args.cold_warm:
        return cold_warm(args)
    args.out = args.out or str(RESULTS / "curate_winnow.json")

    env = dict(os.environ, MLFLOW_TRACKING_URI="sqlite:////tmp/bench_mlflow.db",
               KEDRO_DISABLE_TELEMETRY="1", MLFLOW_DISABLE_TELEMETRY="1")
    git = lambda *a: subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    commit, dirty = git("rev-parse", "HEAD"), git("status", "--porcelain", "--", "src", "conf")
    runs = []
    for i in range(args.repeats):
        n_files, n_raw = raw_input_bytes()
        t0 = time.perf_counter()
        proc = subprocess.run([args.kedro, "run", "--pipeline=curate"], cwd=REPO, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode:
            print(proc.stdout[-5000:])
            raise SystemExit(f"kedro run failed with exit code {proc.returncode}")
        totals = json.loads((REPO / "data" / "08_reporting" / "curate_totals.json").read_text())
        import pandas as pd

        texts = pd.read_parquet(REPO / "data" / "02_intermediate" / "documents.parquet", columns=["text"])["text"]
        doc_bytes = int(texts.map(lambda t: len(t.encode("utf-8"))).sum())
        run = {"wall_s": wall, "raw_files": n_files, "raw_bytes_on_disk": n_raw, "records_in": totals["in"],
               "documents": len(texts), "document_utf8_bytes": doc_bytes, "totals": totals,
               "docs_per_s": totals["in"] / wall, "raw_mb_per_s": n_raw / 1e6 / wall,
               "document_mb_per_s": doc_bytes / 1e6 / wall,
               "peak_child_rss_mb_so_far": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}
        runs.append(run)
        print(f"curate run {i + 1}: {wall:.1f}s, {run['docs_per_s']:.0f} records/s, "
              f"{run['raw_mb_per_s']:.2f} MB/s raw on disk, peak child RSS {run['peak_child_rss_mb_so_far']:.0f} MB",
              flush=True)

    med = statistics.median(r["wall_s"] for r in runs)
    last = runs[-1]
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    result = {"tool": "winnow kedro run --pipeline=curate", "git_commit": commit,
              "uncommitted_src_conf_changes": dirty.splitlines(), "runs": runs, "median_wall_s": med,
              "docs_per_s": last["records_in"] / med, "raw_mb_per_s": last["raw_bytes_on_disk"] / 1e6 / med,
              "document_mb_per_s": last["document_utf8_bytes"] / 1e6 / med,
              "peak_child_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              "mlflow_tracking_uri": env["MLFLOW_TRACKING_URI"],
              "machine": {"nproc": os.cpu_count(), "cpu_model": model, "loadavg_at_end": os.getloadavg()}}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: v for k, v in result.items() if k != "runs"}, indent=2))
    return 0


MLFLOW_URI_COLD_WARM = "sqlite:////tmp/bench4_mlflow.db"


def _new_documents(n: int) -> list[dict]:
    """n short, distinct English documents that occur nowhere in the sample (a numbered header makes
    each text, hence its id, new): stdlib module docstrings, which are prose of 0.3-3 kB."""
    import importlib
    import inspect

    docs = []
    for name in ["argparse", "asyncio", "base64", "bisect", "calendar", "collections", "colorsys", "contextlib",
                 "csv", "dataclasses", "decimal", "difflib", "doctest", "email", "fractions", "ftplib", "functools",
                 "getopt", "gettext", "glob", "heapq", "hmac", "imaplib", "ipaddress", "json", "locale", "logging",
                 "mailbox", "optparse", "pickle", "pprint", "queue", "random", "sched", "shlex", "smtplib",
                 "statistics", "string", "textwrap", "threading", "timeit", "uuid", "wave", "zipfile"]:
        try:
            text = inspect.getdoc(importlib.import_module(name)) or ""
        except Exception:
            continue
        if len(text) >= 300:
            docs.append({"text": f"Notes on the {name} module, added for a Winnow benchmark ({len(docs) + 1}).\n\n{text}",
                         "source": "bench_added", "url": f"https://docs.python.org/3/library/{name}.html"})
        if len(docs) == n:
            return docs
    raise RuntimeError(f"only {len(docs)} new documents could be made")


def _mlflow_run_metrics(uri: str, since_ms: int) -> dict:
    import mlflow

    mlflow.set_tracking_uri(uri)
    runs = mlflow.search_runs(experiment_names=["winnow"], filter_string=f"attributes.start_time >= {since_ms}",
                              order_by=["attributes.start_time DESC"], max_results=1)
    if runs.empty:
        return {}
    row = runs.iloc[0]
    metrics = {c.removeprefix("metrics."): float(row[c]) for c in runs.columns
               if c.startswith("metrics.") and row[c] == row[c]}
    return {"run_id": row["run_id"], "metrics": metrics}


def _curate_once(label: str, kedro: str, params: list[str], env: dict) -> dict:
    cmd = [kedro, "run", "--pipeline=curate", f"--params={','.join(params)}"]
    log = Path(f"/tmp/bench_curate_{os.getpid()}_{label}.log")
    load_before, uptime_before = os.getloadavg(), Path("/proc/uptime").read_text().split()[0]
    since_ms = int(time.time() * 1000) - 1000
    t0 = time.perf_counter()
    with open(log, "w") as f:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=f, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    run = {"label": label, "command": " ".join(cmd), "returncode": rc, "wall_s": wall,
           "peak_rss_mb": usage.ru_maxrss / 1024, "cpu_s": usage.ru_utime + usage.ru_stime,
           "loadavg_before": load_before, "loadavg_after": os.getloadavg(), "log": str(log),
           "measured_at": time.strftime("%Y-%m-%d %H:%M:%S")}
    if rc:
        print(log.read_text()[-5000:])
        raise SystemExit(f"{label}: kedro run failed with exit code {rc}")
    run["totals"] = json.loads((REPO / "data" / "08_reporting" / "curate_totals.json").read_text())
    tracked = _mlflow_run_metrics(env["MLFLOW_TRACKING_URI"], since_ms)
    metrics = tracked.get("metrics", {})
    run["mlflow_run_id"] = tracked.get("run_id")
    run["node_seconds"] = dict(sorted(((k.removeprefix("node.").removesuffix(".seconds"), v)
                                       for k, v in metrics.items() if k.startswith("node.") and k.endswith(".seconds")),
                                      key=lambda kv: -kv[1]))
    run["node_seconds_sum"] = sum(run["node_seconds"].values())
    run["scorer_counts"] = {k: v for k, v in sorted(metrics.items())
                            if k.endswith((".docs_scored", ".docs_cached", ".model_cached"))}
    top = ", ".join(f"{k} {v:.1f}s" for k, v in list(run["node_seconds"].items())[:5])
    scored = {k.split(".")[0]: int(v) for k, v in run["scorer_counts"].items() if k.endswith(".docs_scored")}
    print(f"{label}: {wall:.1f}s wall, peak RSS {run['peak_rss_mb']:.0f} MB, load {load_before[0]:.1f}->"
          f"{run['loadavg_after'][0]:.1f}; top nodes: {top}; docs_scored {scored}", flush=True)
    return run


def _diff_sha() -> str:
    """sha256 of `git diff HEAD -- src conf` plus the untracked files there: which uncommitted code ran."""
    import hashlib

    h = hashlib.sha256(subprocess.run(["git", "diff", "HEAD", "--", "src", "conf"], cwd=REPO, capture_output=True).stdout)
    untracked = subprocess.run(["git", "ls-files", "--others", "--exclude-standard", "--", "src", "conf"], cwd=REPO,
                               capture_output=True, text=True).stdout.split()
    for name in sorted(untracked):
        h.update(name.encode() + (REPO / name).read_bytes())
    return h.hexdigest()[:16]


def cold_warm(args) -> int:
    import shutil

    env = dict(os.environ, MLFLOW_TRACKING_URI=MLFLOW_URI_COLD_WARM, KEDRO_DISABLE_TELEMETRY="1",
               MLFLOW_DISABLE_TELEMETRY="1")
    cache = Path(args.cache_dir or f"/tmp/bench_cache_{os.getpid()}")
    if cache.exists():
        raise SystemExit(f"{cache} exists: the cold run needs an empty cache")
    git = lambda *a: subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    commit, dirty = git("rev-parse", "HEAD"), git("status", "--porcelain", "--", "src", "conf")
    from winnow.pipelines.select.pipeline import SCORERS

    diff_before = _diff_sha()
    params = [f"scoring.cache_dir={cache}"]
    runs = [_curate_once("cold", args.kedro, params, env), _curate_once("warm", args.kedro, params, env)]
    added = None
    if args.add_docs:
        raw = Path(f"/tmp/bench_raw_{os.getpid()}")
        sample = REPO / yaml.safe_load((REPO / "conf" / "base" / "parameters_ingest.yml").read_text())["ingest"]["raw_dir"]
        shutil.copytree(sample, raw)
        docs = _new_documents(args.add_docs)
        (raw / "bench_added.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))
        added = {"raw_dir": str(raw), "new_documents": len(docs), "file": str(raw / "bench_added.jsonl"),
                 "chars": sum(len(d["text"]) for d in docs)}
        runs.append(_curate_once(f"add{len(docs)}", args.kedro, [*params, f"ingest.raw_dir={raw}"], env))
        runs.append(_curate_once("back_to_sample", args.kedro, params, env))
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    result = {"tool": "winnow kedro run --pipeline=curate, cold / warm / added documents, one score cache",
              "git_commit": commit, "uncommitted_src_conf_changes": dirty.splitlines(),
              "uncommitted_diff_sha256": {"before": diff_before, "after": _diff_sha()}, "shipped_params_score": yaml.safe_load(
                  (REPO / "conf" / "base" / "parameters_score.yml").read_text()), "scorers": SCORERS,
              "cache_dir": str(cache), "added": added, "runs": {r["label"]: r for r in runs},
              "bars": {"cold_s": 900, "warm_s": 60},
              "mlflow_tracking_uri": MLFLOW_URI_COLD_WARM,
              "machine": {"nproc": os.cpu_count(), "cpu_model": model, "loadavg_at_end": os.getloadavg()}}
    out = Path(args.out or RESULTS / "curate_all_scorers.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"-> {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
