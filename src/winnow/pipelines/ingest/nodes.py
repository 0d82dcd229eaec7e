"""Ingest nodes: raw folder -> unique, cleaned, language-tagged documents with near-dup clusters."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pandas as pd
from rich.progress import track

from winnow.config import IngestConfig, NearDedupConfig
from winnow.ingest.dedup import near_duplicate_clusters
from winnow.ingest.langid import identify_languages
from winnow.ingest.readers import Failure, list_input_files, read_file
from winnow.ingest.text import content_id

QUARANTINE_COLUMNS = ["file", "position", "error", "snippet"]


def read_corpus(params: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every record of every file under `params.raw_dir`, and every record that could not be read.

    Returns (records, quarantine, manifest); the manifest counts what each file yielded so the
    select pipeline can prove none of it was lost.
    """
    config = IngestConfig.model_validate(params)
    root = Path(config.raw_dir)
    files = list_input_files(root, config.exclude)
    if not files:
        raise FileNotFoundError(f"no input files under {root}")
    records, failures, manifest = [], [], []
    for path in track(files, description=f"reading {root}", transient=True):
        rel = path.relative_to(root).as_posix()
        counts = Counter()
        for item in read_file(path, rel):
            if isinstance(item, Failure):
                failures.append(vars(item))
                counts["failed"] += 1
            else:
                records.append({
                    "id": content_id(item.text), "text": item.text, "source": item.source,
                    "url": item.url, "n_chars": len(item.text), "file": item.file,
                    "position": item.position, "meta": json.dumps(item.meta, ensure_ascii=False, default=str),
                })
                counts["read"] += 1
        manifest.append({"file": rel, "n_records": counts["read"] + counts["failed"],
                         "n_read": counts["read"], "n_failed": counts["failed"]})
    if not records:  # nothing to score: say why here rather than fail obscurely in the first scorer
        examples = "; ".join(f"{f['file']}@{f['position']}: {f['error']}" for f in failures[:3])
        raise ValueError(f"no readable document under {root}: all {len(failures)} records failed ({examples})")
    return (
        pd.DataFrame(records, columns=["id", "text", "source", "url", "n_chars", "file", "position", "meta"]),
        pd.DataFrame(failures, columns=QUARANTINE_COLUMNS),
        pd.DataFrame(manifest),
    )


def drop_exact_duplicates(records: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """First occurrence (in file order) of each content id is the document; later copies are duplicates."""
    first = ~records["id"].duplicated(keep="first")
    duplicates = records.loc[~first, ["id", "source", "file", "position"]].reset_index(drop=True)
    return records[first].reset_index(drop=True), duplicates


def tag_languages(documents: pd.DataFrame, params: dict) -> pd.DataFrame:
    config = IngestConfig.model_validate(params)
    langs, scores = identify_languages(documents["text"].tolist(), max_chars=config.langid_max_chars)
    return documents.assign(lang=langs, lang_score=scores)


def mark_near_duplicates(documents: pd.DataFrame, params: dict) -> pd.DataFrame:
    """Adds `dup_cluster`: the smallest id of the document's MinHash near-duplicate cluster."""
    config = NearDedupConfig.model_validate(params)
    clusters = near_duplicate_clusters(documents["id"].tolist(), documents["text"].tolist(), **config.model_dump())
    documents = documents.assign(dup_cluster=clusters)
    columns = ["id", "text", "source", "url", "n_chars", "lang", "lang_score", "dup_cluster", "file", "position", "meta"]
    return documents[columns]
