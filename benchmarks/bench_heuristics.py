"""Single-core throughput of Winnow's heuristic scorer: HeuristicSuite.score_texts + apply_rules.

Run with Winnow's venv from the repository root:

    .venv/bin/python benchmarks/bench_heuristics.py --docs /tmp/bench_documents.parquet

Timed repeats run without tracemalloc (it slows Python allocation a lot); one extra, untimed pass
runs under tracemalloc to measure peak Python allocations. ru_maxrss is the whole process's peak.
Also writes the per-document signals and verdicts of the last repeat to
results/signals_winnow.parquet (git-ignored) for agreement.py.
"""

from __future__ import annotations

import os

# Single-threaded numeric libraries: must be set before numpy/pandas are imported.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import gc
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def load_rules() -> dict:
    with open(REPO / "conf" / "base" / "parameters_score.yml") as f:
        return yaml.safe_load(f)["heuristic"]["rules"]


def pin_to_one_cpu(cpu: int | None) -> int | None:
    if cpu is None or not hasattr(os, "sched_setaffinity"):
        return None
    os.sched_setaffinity(0, {cpu})
    return cpu


def run_once(texts: list[str], ids, rules: dict):
    from winnow.scoring import apply_rules
    from winnow.scoring.heuristics import HeuristicSuite

    t0, c0 = time.perf_counter(), time.process_time()
    signals = HeuristicSuite().score_texts(texts)
    t1 = time.perf_counter()
    signals.insert(0, "id", ids)
    verdicts = apply_rules(signals, rules)
    t2, c2 = time.perf_counter(), time.process_time()
    # CPU seconds of this process too: less hurt than wall time by other jobs on a busy machine
    return {"total_s": t2 - t0, "score_texts_s": t1 - t0, "apply_rules_s": t2 - t1, "cpu_s": c2 - c0}, signals, verdicts


def machine_info() -> dict:
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return {
        "nproc": os.cpu_count(),
        "affinity": sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "cpu_model": model,
        "python": platform.python_version(),
        "loadavg_at_end": os.getloadavg(),
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", default="/tmp/bench_documents.parquet", help="documents parquet (column `text`)")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--limit", type=int, default=None, help="only the first N documents")
    p.add_argument("--cpu", type=int, default=None, help="pin to this CPU (default: no pinning; one process anyway)")
    p.add_argument("--out", default=str(RESULTS / "heuristics_winnow.json"))
    p.add_argument("--signals-out", default=str(RESULTS / "signals_winnow.parquet"),
                   help="per-doc signals+verdicts parquet for agreement.py ('' to skip)")
    args = p.parse_args(argv)

    pinned = pin_to_one_cpu(args.cpu)
    sys.path.insert(0, str(REPO / "src"))
    docs = pd.read_parquet(args.docs, columns=["id", "text"])
    if args.limit:
        docs = docs.iloc[: args.limit]
    texts = docs["text"].tolist()
    ids = docs["id"].to_numpy()
    n_docs = len(texts)
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    rules = load_rules()

    # warm-up on a slice (imports, regex compilation) so the first repeat is not penalised
    run_once(texts[:200], ids[:200], rules)

    runs = []
    signals = verdicts = None
    for i in range(args.repeats):
        gc.collect()
        run, signals, verdicts = run_once(texts, ids, rules)
        runs.append(run)
        total = run["total_s"]
        print(f"repeat {i + 1}: {total:.2f}s wall, {run['cpu_s']:.2f}s CPU ({n_docs / total:,.0f} docs/s, "
              f"{n_bytes / 1e6 / total:.2f} MB/s wall)", flush=True)

    if args.signals_out:  # per-document signals + verdicts of the last repeat, for agreement.py
        signals.merge(verdicts, on="id", validate="one_to_one").to_parquet(args.signals_out)

    # peak Python allocations: a separate, untimed pass under tracemalloc
    del signals
    gc.collect()
    tracemalloc.start()
    run_once(texts, ids, rules)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    median = statistics.median(r["total_s"] for r in runs)
    cpu = statistics.median(r["cpu_s"] for r in runs)
    failed = verdicts["failed_rules"] != ""
    result = {
        "tool": "winnow",
        "what": "HeuristicSuite().score_texts(texts) + apply_rules(signals, parameters_score.yml heuristic.rules)",
        "versions": {"winnow": version("winnow") if _has_dist("winnow") else "src", "pandas": pd.__version__,
                     "numpy": version("numpy")},
        "git_commit": _git("rev-parse", "HEAD"),
        "scorer_files_uncommitted": _git("status", "--porcelain", "--", "src/winnow/scoring/heuristics.py",
                                         "src/winnow/scoring/textview.py", "src/winnow/scoring/base.py",
                                         "conf/base/parameters_score.yml").splitlines(),
        "input": {"path": args.docs, "docs": n_docs, "utf8_bytes": n_bytes},
        "single_process": True,
        "pinned_cpu": pinned,
        "repeats": runs,
        "median_s": median,
        "docs_per_s": n_docs / median,
        "mb_per_s": n_bytes / 1e6 / median,
        "median_cpu_s": cpu,
        "docs_per_cpu_s": n_docs / cpu,
        "mb_per_cpu_s": n_bytes / 1e6 / cpu,
        "score_texts_median_s": statistics.median(r["score_texts_s"] for r in runs),
        "apply_rules_median_s": statistics.median(r["apply_rules_s"] for r in runs),
        "peak_tracemalloc_mb": traced_peak / 2**20,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "docs_failing_any_rule": int(failed.sum()),
        "machine": machine_info(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({k: result[k] for k in ("docs_per_s", "mb_per_s", "docs_per_cpu_s", "mb_per_cpu_s", "peak_tracemalloc_mb", "peak_rss_mb")}, indent=2))
    return 0


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()


def _has_dist(name: str) -> bool:
    try:
        version(name)
        return True
    except Exception:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
