#!/usr/bin/env python3
"""Build a second downstream task, data/01_raw/downstream/vader_sentiment.csv.gz: sentiment of tweets and Amazon
review sentences, labelled by people.

    .venv/bin/python scripts/build_task_vader.py

Source: the human-rated ground truth that the vaderSentiment 3.3.2 sdist ships in
additional_resources/hutto_ICWSM_2014.tar.gz (Hutto & Gilbert, ICWSM 2014): every text was rated from -4 (extremely
negative) to +4 (extremely positive) by at least 20 independent, pre-screened human raters; the file holds the mean.
Two of its four sets are used:

- tweets_GroundTruth.txt: 4,200 tweet-like texts (4,000 from Twitter's public timeline with user names and URLs
  anonymised, 200 written to test grammatical sentiment cues);
- amazonReviewSnippets_GroundTruth.txt: 3,708 sentences of 309 customer reviews of 5 products (Hu & Liu 2004).

Not used: the movie-review snippets (they come from Pang & Lee's data, as data/01_raw/downstream/rotten_tomatoes.csv.gz
does) and the NYT editorial snippets (data/01_raw/heldout/news.jsonl.gz is built from them by
scripts/build_heldout.py). label = sign of the mean rating: `positive` if >= +THRESHOLD, `negative` if <= -THRESHOLD;
near-neutral texts (|mean| < THRESHOLD) are dropped. Split ~70/15/15 by a salted SHA-256 of a group key: the review
for Amazon sentences (every sentence of a review in one split), and for tweets the first six words after dropping
user names, URLs and 'RT' (so retweets and templated near-copies stay together). Texts with a lowercased word 13-gram
(8-gram for texts under 13 words) in common with any document of the pretraining sample are dropped and counted in
downstream/README.md (a section appended after the existing ones). Reproducible: fixed salt, rows in file order, gzip
written with mtime=0. A stand-alone maintenance tool: code under src/ must never import it.
"""
from __future__ import annotations

import hashlib
import html
import io
import re
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_downstream import sample_documents, table, write_gz  # noqa: E402
from text_sources import sdist  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DOWN = ROOT / "data" / "01_raw" / "downstream"
PKG, VERSION = "vaderSentiment", "3.3.2"
TAR = "additional_resources/hutto_ICWSM_2014.tar.gz"
FILES = {"tweets": "hutto_ICWSM_2014/tweets_GroundTruth.txt",
         "amazon": "hutto_ICWSM_2014/amazonReviewSnippets_GroundTruth.txt"}
SEED = 4321  # salt of the split hash
SPLITS = (("train", 70), ("dev", 85), ("test", 100))
THRESHOLD = 0.5  # |mean rating| below this is near-neutral: dropped
MIN_WORDS, MAX_WORDS = 5, 200
MARK = "<!-- build_task_vader.py: the section below is written by scripts/build_task_vader.py; keep it last -->"
SKIP_TOKENS = {"rt", "anonymous", "url_removed", "http", "https"}


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def group_of(source: str, sid: str, text: str) -> str:
    if source == "amazon":
        return f"amazon:{sid.split('_')[0]}"  # review number
    skeleton = [w for w in words(text) if w not in SKIP_TOKENS and not w.isdigit()]
    return "tweets:" + " ".join(skeleton[:6])


def split_of(group: str) -> str:
    bucket = int(hashlib.sha256(f"{SEED}:{group}".encode()).hexdigest()[:8], 16) % 100
    return next(name for name, upto in SPLITS if bucket < upto)


def grams(text: str, n: int) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def overlap(texts: dict[int, str], documents) -> dict[int, set[str]]:
    """row -> sample documents sharing a 13-gram (an 8-gram for texts under 13 words) with it."""
    wanted = {n: {} for n in (8, 13)}
    for i, t in texts.items():
        n = 13 if len(words(t)) >= 13 else 8
        for g in grams(t, n):
            wanted[n].setdefault(g, set()).add(i)
    hits = defaultdict(set)
    for name, text in documents:
        for n, owners in wanted.items():
            for g in grams(text, n) & owners.keys():
                for i in owners[g]:
                    hits[i].add(name)
    return hits


def main() -> int:
    tar_path = sdist(PKG, VERSION) / f"{PKG}-{VERSION}" / TAR
    rows = []
    with tarfile.open(tar_path) as tar:
        for source, member in FILES.items():
            for line in tar.extractfile(member).read().decode("utf-8").splitlines():
                if not line.strip():
                    continue
                sid, mean, text = line.split("\t", 2)
                rows.append({"source": source, "sid": sid.strip().lstrip("\ufeff"), "mean_rating": float(mean),
                             "text": " ".join(html.unescape(text).split())})
    raw = pd.DataFrame(rows)
    counts = {"raw": raw.source.value_counts().to_dict()}
    df = raw.copy()
    df["n_words"] = df.text.map(lambda t: len(t.split()))
    counts["too_short"] = (df.n_words < MIN_WORDS).groupby(df.source).sum().to_dict()
    counts["too_long"] = (df.n_words > MAX_WORDS).groupby(df.source).sum().to_dict()
    df = df[(df.n_words >= MIN_WORDS) & (df.n_words <= MAX_WORDS)]
    neutral = df.mean_rating.abs() < THRESHOLD
    counts["neutral"] = neutral.groupby(df.source).sum().to_dict()
    df = df[~neutral].copy()
    df["label"] = (df.mean_rating > 0).map({True: "positive", False: "negative"})
    key = df.text.map(lambda t: " ".join(words(t)))
    dup = key.duplicated(keep="first")
    counts["duplicates"] = dup.groupby(df.source).sum().to_dict()
    df = df[~dup].copy()
    df["group"] = [group_of(s, i, t) for s, i, t in zip(df.source, df.sid, df.text)]
    df["split"] = df.group.map(split_of)

    docs = list(sample_documents())
    hits = overlap(dict(zip(df.index, df.text)), docs)
    probe_i = df.index[0]  # positive control: a text pasted into a document must be found
    assert probe_i in overlap({probe_i: df.text[probe_i]}, [("probe", "x " + df.text[probe_i].upper() + " y")])
    contaminated = df.loc[sorted(hits)]
    df = df.drop(index=sorted(hits))

    out = df[["text", "label", "source", "group", "mean_rating", "split"]].reset_index(drop=True)
    assert out.groupby("group").split.nunique().max() == 1
    buf = io.StringIO()
    out.to_csv(buf, index=False, lineterminator="\n")
    path = DOWN / "vader_sentiment.csv.gz"
    write_gz(path, buf.getvalue().encode())

    order = [s for s, _ in SPLITS]
    stats = []
    for split in order + ["all"]:
        part = out if split == "all" else out[out.split == split]
        row = {"split": split, "groups": part.group.nunique()}
        for source in FILES:
            for label in ("positive", "negative"):
                row[f"{source} {label[:3]}"] = int(((part.source == source) & (part.label == label)).sum())
        row["total"] = len(part)
        row["positive share"] = f"{(part.label == 'positive').mean():.3f}"
        stats.append(row)
    stats = pd.DataFrame(stats)
    n_words = out.text.str.split().str.len()
    per = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items()))  # noqa: E731
    hit_lines = "".join(f"  - `{r.source}` ({r.label}): \"{r.text[:90]}\" -> "
                        f"{', '.join('`%s`' % n for n in sorted(hits[i])[:3])}\n"
                        for i, r in contaminated.head(15).iterrows())
    section = (
        "## vader_sentiment.csv.gz: sentiment of tweets and product-review sentences (human ratings)\n\n"
        f"`text,label,source,group,mean_rating,split`: {len(out):,} texts ({n_words.min()}-{n_words.max()} words, "
        f"median {n_words.median():.0f}), label `positive` or `negative` = sign of the mean of >= 20 human ratings "
        f"(-4..+4), texts with |mean| < {THRESHOLD} dropped as near-neutral; `source` is `tweets` or `amazon`, "
        "`mean_rating` the raters' mean (for a graded or 3-way variant), `group` the split key. Built by "
        "`scripts/build_task_vader.py`.\n\n"
        f"- Package: {PKG} {VERSION} (PyPI sdist), archive `{TAR}`, members "
        + ", ".join(f"`{m.split('/')[-1]}`" for m in FILES.values()) +
        " (tab-separated ID, mean rating, text).\n"
        "- Licence: the package is MIT (PKG-INFO `License: MIT License`, `LICENSE.txt`); the archive's `_README_.txt` "
        "asks users of the data set to cite Hutto & Gilbert, ICWSM 2014, and states no other terms. The tweets were "
        "pulled from Twitter's public timeline (user names replaced by `@anonymous`, URLs by `http://url_removed`; "
        "200 of them were written by the authors); the Amazon sentences come from customer reviews (Hu & Liu, KDD "
        "2004). The texts remain their authors' copyright, redistributed here as vaderSentiment redistributes them, "
        "for research use.\n"
        "- Labels: human, not derived from metadata: each text was rated by >= 20 independent raters (pre-screened, "
        "trained and quality-checked, per `_README_.txt`; the per-rater scores are in the `*_anonDataRatings.txt` "
        "files). Texts whose mean lies near 0 (mixed or neutral) are left out, so this is a clear-polarity task.\n"
        f"- Not used: the movie-review snippets of the same archive (Pang & Lee sentences, the source of "
        "`rotten_tomatoes.csv.gz`) and the NYT editorial snippets (used whole for `data/01_raw/heldout/news.jsonl.gz`).\n"
        f"- Transformations: HTML entities decoded (`&amp;` -> `&`), whitespace runs collapsed, of "
        f"{per(counts['raw'])} rows: dropped under {MIN_WORDS} words ({per(counts['too_short'])}), over {MAX_WORDS} "
        f"words ({per(counts['too_long'])}), near-neutral ({per(counts['neutral'])}), exact duplicates of an earlier "
        f"text by lowercased words ({per(counts['duplicates'])}), and sharing an n-gram with the sample "
        f"({len(contaminated)}, below).\n"
        f"- **Split rule, by group:** `bucket = int(sha256(f\"{SEED}:{{group}}\").hexdigest()[:8], 16) % 100`; "
        "bucket < 70 train, < 85 dev, else test. `group` is `amazon:<review number>` (every sentence of a review in "
        "one split) or `tweets:<first six words>` after dropping `@anonymous`, URLs, `RT` and numbers (so retweets and "
        "templated near-copies share a split). Split sizes are ~70/15/15 of groups, not exactly of texts.\n"
        f"- Overlap with the pretraining sample (`data/01_raw/sample`, {len(docs):,} documents): lowercased word "
        "13-grams (`re.findall(r\"\\w+\", text.lower())`), 8-grams for texts under 13 words: "
        f"**{len(contaminated)}** texts shared one and were dropped"
        + (":\n" + hit_lines if len(contaminated) else ".\n") +
        "\nClass balance per split:\n\n" + table(stats) + "\n\n"
        "Load: `pd.read_csv('data/01_raw/downstream/vader_sentiment.csv.gz')`.\n")
    readme = DOWN / "README.md"
    old = readme.read_text(encoding="utf-8").split(MARK)[0].rstrip("\n")
    readme.write_text(old + "\n\n" + MARK + "\n\n" + section, encoding="utf-8")
    print(stats.to_string(index=False))
    print(f"{len(out)} texts -> {path} ({path.stat().st_size:,} bytes); {len(contaminated)} dropped for sample overlap")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
