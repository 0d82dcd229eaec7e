"""Memory and throughput of a pipeline against corpus size, local and Ray engines (issue 12).

    .venv/bin/python benchmarks/bench_scale.py make --docs 100000 --out /tmp/scale/100k
    .venv/bin/python benchmarks/bench_scale.py run --corpus /tmp/scale/100k --engine local [--pipeline ingest]
    .venv/bin/python benchmarks/bench_scale.py plot        # results/scale.json -> results/scale_memory.png

`make` writes N documents as JSONL.gz files of 10,000 each, built from the bundled sample: every
document takes a sample document of some source as its template (so the mix of sources and kinds
and the length distribution follow the sample) and is that many sentences drawn from the pool of
sentences of the same source. A text already written is redrawn, so there are no exact duplicates.
Seeded: the same N gives the same files.

`run` runs `kedro run --pipeline=curate --nodes=<ingest, heuristics, the hashed n-gram classifier>`
(or what --pipeline/--nodes say) on the folder with a fresh ingest work folder and score cache
(nothing reused) and records wall time, documents per second, and the peak of the RSS summed over the
kedro process and every descendant (spawned workers, Ray's raylet, GCS and workers), sampled
every 0.2 s from /proc. Results append to results/scale.json. Nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
FILE_DOCS = 10_000


def sample_pools() -> tuple[list[tuple[str, int]], dict[str, list[str]]]:
    """(templates: (source, sentence count) per sample document, sentence pool per source)."""
    sys.path.insert(0, str(REPO / "src"))
    from winnow.ingest.readers import Record, list_input_files, read_file

    root = REPO / "data" / "01_raw" / "sample"
    templates, pools = [], defaultdict(list)
    for path in list_input_files(root, ["*PROVENANCE.md", "*provenance.json", "*.gitkeep"]):
        for item in read_file(path, path.relative_to(root).as_posix()):
            if isinstance(item, Record):
                sentences = [s for s in SENTENCE_END.split(item.text) if s.strip()]
                templates.append((item.source, len(sentences)))
                pools[item.source] += sentences
    return templates, dict(pools)


def make(n_docs: int, out: Path, seed: int = 0) -> None:
    templates, pools = sample_pools()
    rng = random.Random(seed)
    seen: set[bytes] = set()
    out.mkdir(parents=True, exist_ok=True)
    fh = None
    for i in range(n_docs):
        if i % FILE_DOCS == 0:
            fh and fh.close()
            fh = gzip.open(out / f"part-{i // FILE_DOCS:05d}.jsonl.gz", "wt", compresslevel=1, encoding="utf-8")
        source, k = rng.choice(templates)
        while True:
            text = " ".join(rng.choice(pools[source]) for _ in range(max(k, 1)))
            digest = hashlib.blake2b(text.encode(), digest_size=16).digest()
            if digest not in seen:
                seen.add(digest)
                break
            k += 1  # a short template drew a text already written: one more sentence
        fh.write(json.dumps({"text": text, "source": source}) + "\n")
    fh and fh.close()
    print(f"{n_docs:,} documents in {out}")


def tree_rss_bytes(root_pid: int) -> int:
    """RSS summed over `root_pid` and all its descendants (from /proc)."""
    children = defaultdict(list)
    rss = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children[int(fields[1])].append(int(entry))
            rss[int(entry)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack += children.get(pid, [])
    return total


PATH_NODES = "read_corpus,find_duplicates,write_documents,score_heuristics,fit_classifier,score_classifier"


def run(corpus: Path, engine: str, pipeline: str, nodes: str, extra: str) -> dict:
    work = Path(f"/tmp/bench_scale_work_{os.getpid()}")
    shutil.rmtree(work, ignore_errors=True)
    params = (f"ingest.raw_dir={corpus},ingest.work_dir={work}/shards,scoring.cache_dir={work}/cache,engine.name={engine}"
              + (f",{extra}" if extra else ""))
    env = {**os.environ, "KEDRO_DISABLE_TELEMETRY": "1", "MLFLOW_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1",
           "MLFLOW_TRACKING_URI": "sqlite:////tmp/bench_scale_mlflow.db", "RAY_USAGE_STATS_ENABLED": "0"}
    log = Path(f"/tmp/bench_scale_{corpus.name}_{engine}_{pipeline}{'_nodes' if nodes else ''}.log")
    start = time.perf_counter()
    with open(log, "w") as out:
        command = [str(REPO / ".venv/bin/kedro"), "run", f"--pipeline={pipeline}", f"--params={params}"]
        process = subprocess.Popen(command + ([f"--nodes={nodes}"] if nodes else []),
                                   cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        peak = [0]

        def sample():
            while process.poll() is None:
                peak[0] = max(peak[0], tree_rss_bytes(process.pid))
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        returncode = process.wait()
        sampler.join()
    wall = time.perf_counter() - start
    if returncode:
        raise SystemExit(f"kedro failed ({returncode}); see {log}")
    import pandas as pd

    n_read = int(pd.read_parquet(REPO / "data/02_intermediate/ingest_manifest.parquet")["n_read"].sum())
    shutil.rmtree(work, ignore_errors=True)
    result = {"corpus": str(corpus), "docs": n_read, "engine": engine, "pipeline": pipeline, "nodes": nodes, "params": extra,
              "wall_s": round(wall, 1), "docs_per_s": round(n_read / wall, 1), "peak_tree_rss_mb": round(peak[0] / 2**20),
              "cores": os.cpu_count(), "commit": subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO,
                                                                 capture_output=True, text=True).stdout.strip()}
    print(json.dumps(result))
    path = RESULTS / "scale.json"
    results = json.loads(path.read_text()) if path.exists() else []
    path.write_text(json.dumps(results + [result], indent=2) + "\n")
    return result


def plot() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    results = json.loads((RESULTS / "scale.json").read_text())
    fig, ax = plt.subplots(figsize=(7, 5))
    for (engine, pipeline), rows in sorted(_groups(results).items()):
        rows = sorted(rows, key=lambda r: r["docs"])
        ax.plot([r["docs"] for r in rows], [r["peak_tree_rss_mb"] / 1024 for r in rows], marker="o",
                label=f"{pipeline}, {engine} engine")
    # measured in issue 12 before sharding: `--pipeline=ingest` alone held the corpus in one pandas frame
    ax.plot([100_000, 300_000], [1.19 * 1000**3 / 2**30, 2.86 * 1000**3 / 2**30], marker="x", linestyle=":",
            color="grey", label="ingest alone, before sharding (issue 12)")
    ax.axhline(2, color="red", linestyle="--", linewidth=1, label="goal at 1M: 2 GiB")
    ax.set_xscale("log")
    ax.set_xlabel("documents")
    ax.set_ylabel("peak RSS, all processes (GiB)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=2, fontsize=8)
    ax.set_title("Memory against corpus size (2 cores)")
    fig.tight_layout()
    fig.savefig(RESULTS / "scale_memory.png", dpi=110)


def _groups(results: list[dict]) -> dict:
    groups = defaultdict(dict)
    for r in results:  # the latest run of each size counts
        path = "ingest+heuristics+classifier" if r.get("nodes") else f"{r['pipeline']}, all scorers"
        groups[(r["engine"], path)][r["docs"]] = r
    return {k: list(v.values()) for k, v in groups.items()}


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    m = sub.add_parser("make")
    m.add_argument("--docs", type=int, required=True)
    m.add_argument("--out", type=Path, required=True)
    m.add_argument("--seed", type=int, default=0)
    r = sub.add_parser("run")
    r.add_argument("--corpus", type=Path, required=True)
    r.add_argument("--engine", choices=["local", "ray"], default="local")
    r.add_argument("--pipeline", default="curate")
    r.add_argument("--nodes", default=PATH_NODES, help="kedro --nodes; '' runs the whole pipeline "
                   "(default: ingest, heuristics and the hashed n-gram classifier)")
    r.add_argument("--params", default="", help="more --params for kedro, comma-separated")
    sub.add_parser("plot")
    args = p.parse_args(argv)
    if args.command == "make":
        make(args.docs, args.out, args.seed)
    elif args.command == "run":
        run(args.corpus.resolve(), args.engine, args.pipeline, args.nodes, args.params)
    else:
        plot()


if __name__ == "__main__":
    main()
