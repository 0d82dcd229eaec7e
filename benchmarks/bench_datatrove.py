"""Single-core throughput of datatrove's Gopher/C4/FineWeb filters on the same texts as bench_heuristics.py.

Run with the datatrove venv (see benchmarks/README.md) from the repository root:

    benchmarks/.venv-datatrove/bin/python benchmarks/bench_datatrove.py --docs /tmp/bench_documents.parquet

Each filter's `filter(doc)` is called directly per document, on one process, in two modes:

* first_fail: the filters as a datatrove pipeline runs them: one `Document` flows through
  GopherQuality -> GopherRepetition -> C4Quality -> FineWebQuality and stops at the first filter that
  drops it. Inside each filter datatrove also stops at the filter's first failing rule, and
  C4QualityFilter rewrites `doc.text` to the lines it keeps (so FineWeb sees the edited text), as in
  a real pipeline.
* all_filters: every filter runs on every document, each on a fresh `Document` holding the original
  text (what Winnow's keep-every-signal scorer measures). Its per-document keep/drop decisions are
  what agreement.py compares with Winnow. Filters still stop at their own first failing rule:
  that is their only code path.

English word splitting in datatrove 0.10 is `SpaCyTokenizer("en")` = `spacy.blank("en")` plus the
rule-based "sentencizer" pipe (tokenizer_assignment.csv). It ships inside the spacy wheel and needs
no download, so it is used as is. C4QualityFilter (split_paragraph=True, the default) counts
sentences with the same spaCy sentencizer, not nltk punkt. `split_into_words` is lru-cached
(5 entries) on the text, so filters that see the same text share one tokenization, as in datatrove.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import argparse
import gc
import json
import platform
import resource
import statistics
import time
import tracemalloc
from importlib.metadata import version
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
FAMILIES = ("gopher_quality", "gopher_repetition", "c4", "fineweb")


def make_filters():
    from datatrove.pipeline.filters import (
        C4QualityFilter,
        FineWebQualityFilter,
        GopherQualityFilter,
        GopherRepetitionFilter,
    )

    # defaults = the thresholds in conf/base/parameters_score.yml
    return {
        "gopher_quality": GopherQualityFilter(),
        "gopher_repetition": GopherRepetitionFilter(),
        "c4": C4QualityFilter(),
        "fineweb": FineWebQualityFilter(),
    }


def _call(f, doc):
    try:
        res = f.filter(doc)
    except Exception as e:  # a pipeline would crash here; record it instead
        return False, f"error:{type(e).__name__}"
    if isinstance(res, tuple):
        return bool(res[0]), res[1]
    return bool(res), None


def run_first_fail(texts, ids, filters):
    from datatrove.data import Document

    kept = 0
    for text, i in zip(texts, ids):
        doc = Document(text=text, id=i)
        for f in filters.values():
            ok, _ = _call(f, doc)
            if not ok:
                break
        else:
            kept += 1
    return kept


def run_all_filters(texts, ids, filters, record=False):
    from datatrove.data import Document

    rows = [] if record else None
    for text, i in zip(texts, ids):
        row = {"id": i}
        for name, f in filters.items():
            ok, reason = _call(f, Document(text=text, id=i))
            if record:
                row[f"{name}_keep"] = ok
                row[f"{name}_reason"] = reason
        if record:
            rows.append(row)
    return rows


def timed(fn, *a, **kw):
    """(wall seconds, CPU seconds of this process, result): CPU time is less hurt by a busy machine."""
    gc.collect()
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn(*a, **kw)
    return time.perf_counter() - t0, time.process_time() - c0, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", default="/tmp/bench_documents.parquet")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--limit", type=int, default=None)
    p.add_argument("--cpu", type=int, default=None, help="pin to this CPU")
    p.add_argument("--out", default=str(RESULTS / "heuristics_datatrove.json"))
    p.add_argument("--mem-docs", type=int, default=1000, help="documents for the tracemalloc pass")
    p.add_argument("--decisions-out", default=str(RESULTS / "decisions_datatrove.parquet"), help="per-document keep/drop of each filter (all_filters mode)")
    args = p.parse_args(argv)

    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    docs = pd.read_parquet(args.docs, columns=["id", "text"])
    if args.limit:
        docs = docs.iloc[: args.limit]
    texts, ids = docs["text"].tolist(), docs["id"].tolist()
    n_docs, n_bytes = len(texts), sum(len(t.encode("utf-8")) for t in texts)
    filters = make_filters()

    run_all_filters(texts[:200], ids[:200], filters)  # warm-up: loads spaCy's blank English pipeline

    result = {"tool": "datatrove", "input": {"path": args.docs, "docs": n_docs, "utf8_bytes": n_bytes},
              "single_process": True, "pinned_cpu": args.cpu, "modes": {}}
    rows = None
    for mode, fn in (("first_fail", run_first_fail), ("all_filters", run_all_filters)):
        runs, cpus = [], []
        for r in range(args.repeats):
            # the last all_filters repeat also records each filter's decision (a dict per document:
            # negligible next to the filters) so the slow filters need not run a further time
            kw = {"record": True} if mode == "all_filters" and r == args.repeats - 1 else {}
            s, cpu, out = timed(fn, texts, ids, filters, **kw)
            runs.append(s)
            cpus.append(cpu)
            print(f"{mode} repeat {r + 1}: {s:.2f}s wall, {cpu:.2f}s CPU ({n_docs / s:,.0f} docs/s, "
                  f"{n_bytes / 1e6 / s:.2f} MB/s wall)", flush=True)
            if mode == "first_fail":
                result["kept_all_four_first_fail"] = out
            elif kw:
                rows = out
        med, cpu = statistics.median(runs), statistics.median(cpus)
        result["modes"][mode] = {"repeats_s": runs, "repeats_cpu_s": cpus, "median_s": med,
                                 "docs_per_s": n_docs / med, "mb_per_s": n_bytes / 1e6 / med, "median_cpu_s": cpu,
                                 "docs_per_cpu_s": n_docs / cpu, "mb_per_cpu_s": n_bytes / 1e6 / cpu}

    decisions = pd.DataFrame(rows)
    result["dropped_per_filter_all_filters"] = {f: int((~decisions[f"{f}_keep"]).sum()) for f in FAMILIES}
    result["errors"] = int(decisions[[f"{f}_reason" for f in FAMILIES]].apply(
        lambda c: c.fillna("").str.startswith("error")).to_numpy().sum())
    if args.decisions_out:
        decisions.to_parquet(args.decisions_out)
    del rows, decisions

    # peak Python allocations (untimed) on the first --mem-docs documents: tracemalloc slows these
    # filters several-fold, and the peak is per-document transient data plus the 5-entry word cache
    m = args.mem_docs
    result["tracemalloc_docs"] = min(m, n_docs)
    for mode, fn in (("first_fail", run_first_fail), ("all_filters", run_all_filters)):
        gc.collect()
        tracemalloc.start()
        fn(texts[:m], ids[:m], filters)
        result["modes"][mode]["peak_tracemalloc_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    result["tokenizer"] = {
        "word": "datatrove SpaCyTokenizer('en') = spacy.blank('en') (rule-based, offline, no model download)",
        "sentence (C4 min_num_sentences)": "same SpaCyTokenizer('en') + spaCy 'sentencizer' pipe (not nltk punkt)",
    }
    result["versions"] = {p_: version(p_) for p_ in ("datatrove", "spacy", "nltk", "numpy", "pandas")}
    model = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    result["machine"] = {"nproc": os.cpu_count(), "cpu_model": model, "python": platform.python_version(),
                         "loadavg_at_end": os.getloadavg()}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps({m: {k: v for k, v in d.items() if not k.startswith("repeats")} for m, d in result["modes"].items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
