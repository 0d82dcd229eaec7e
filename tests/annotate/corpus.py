"""A small scored corpus of real sample documents, for the annotation tests (unit and browser).

Texts come from the bundled sample (`data/01_raw/sample/*.jsonl.gz`), ids as `ingest` makes
them; `rater_bt` is set by hand (clean sources above low-quality ones, spread by a hash) so tests
know the utility order without fitting a model. One extra document holds HTML tags and a script
that would set `window.__pwned` if a page ever ran it.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import json
from pathlib import Path

import pandas as pd

from tests.conftest import SAMPLE
from winnow.ingest.text import content_id, normalise_text

CLEAN = ("bbc_news", "grimm_tales", "wordnet", "lee_news")
LOW = ("fortunes", "sms_spam", "link_lists", "nav_boilerplate", "repeated_lines")
HTML_TEXT = ("Cheap <b>watches</b> here!!! <script>window.__pwned = true; document.title = 'pwned'</script>\n"
             "<img src=x onerror=\"window.__pwned = true\"> click <a href='http://example.com'>now</a>")


def _jitter(doc_id: str) -> float:
    return int(hashlib.sha256(doc_id.encode()).hexdigest()[:6], 16) / 16**6 - 0.5  # in [-0.5, 0.5)


def sample_documents(per_source: int = 5) -> pd.DataFrame:
    """`id, text, source, dup_cluster, rater_bt` for the first documents of each source."""
    rows = []
    for source in CLEAN + LOW:
        with gzip.open(SAMPLE / f"{source}.jsonl.gz", "rt", encoding="utf-8") as fh:
            for line in itertools.islice(fh, per_source):
                text = normalise_text(json.loads(line)["text"])
                rows.append({"text": text, "source": source, "kind": 1.0 if source in CLEAN else -1.0})
    rows.append({"text": HTML_TEXT, "source": "spam_html", "kind": -1.0})
    docs = pd.DataFrame(rows)
    docs.insert(0, "id", docs["text"].map(content_id))
    docs = docs.drop_duplicates("id").reset_index(drop=True)
    docs["dup_cluster"] = docs["id"]
    docs["rater_bt"] = docs["kind"] + docs["id"].map(_jitter)
    return docs.drop(columns="kind")


def write_corpus(folder: Path, docs: pd.DataFrame, gold: list[str] = ()) -> dict[str, Path]:
    """The files the app reads, laid out as `curate` writes them; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"documents": folder / "documents.parquet", "scores": folder / "document_scores.parquet",
             "gold": folder / "gold.csv"}
    docs[["id", "text", "source", "dup_cluster"]].to_parquet(paths["documents"], index=False)
    docs[["id", "rater_bt"]].assign(score=0.0).to_parquet(paths["scores"], index=False)
    pd.DataFrame({"id": list(gold), "label": 1}).to_csv(paths["gold"], index=False)
    return paths
