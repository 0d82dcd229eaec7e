"""Wall time of a whole `kedro run --pipeline=curate` (ingest + score + select) as a child process.

    .venv/bin/python benchmarks/bench_curate.py            # or: benchmarks/bench_heuristics.py --curate

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
    p.add_argument("--out", default=str(RESULTS / "curate_winnow.json"))
    args = p.parse_args(argv)

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


if __name__ == "__main__":
    raise SystemExit(main())
