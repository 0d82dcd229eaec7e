"""Ingest nodes: raw folder -> shards (read, cleaned, language-tagged, MinHashed) -> unique documents
with near-duplicate clusters, written part by part so the corpus never has to fit in memory."""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from winnow.config import IngestConfig, NearDedupConfig
from winnow.engine import map_shards
from winnow.ingest.readers import list_input_files
from winnow.ingest.shard_dedup import exact_duplicate_rows, first_copies, near_duplicate_rows
from winnow.ingest.shards import ShardSettings, part_paths, plan_shards, process_shard

QUARANTINE_COLUMNS = ["file", "position", "error", "snippet"]
DOCUMENT_COLUMNS = ["id", "text", "source", "url", "n_chars", "lang", "lang_score", "dup_cluster", "file", "position",
                    "meta"]


def read_shards(params: dict, near_dedup: dict) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Every record of every file under `params.raw_dir`, shard by shard on the run's engine
    (`winnow.engine`); and every record that could not be read.

    Returns (shards: one row per shard part, quarantine, manifest); the manifest counts what each
    file yielded so the select pipeline can prove none of it was lost.
    """
    config, dedup = IngestConfig.model_validate(params), NearDedupConfig.model_validate(near_dedup)
    root = Path(config.raw_dir)
    files = list_input_files(root, config.exclude)
    if not files:
        raise FileNotFoundError(f"no input files under {root}")
    settings = ShardSettings(config.langid_max_chars, dedup.num_perm, dedup.num_bands, dedup.shingle_words, dedup.seed)
    shards = plan_shards(root, files, config.shard_bytes, settings)
    work_dir = Path(config.work_dir)
    summaries = map_shards(partial(process_shard, root, work_dir, settings=settings), shards,
                           f"reading {root} in {len(shards)} shards")
    failures = [f for s in summaries for f in s["failures"]]
    if not sum(s["n_read"] for s in summaries):  # nothing to score: say why here, not obscurely in a scorer
        examples = "; ".join(f"{f['file']}@{f['position']}: {f['error']}" for f in failures[:3])
        raise ValueError(f"no readable document under {root}: all {len(failures)} records failed ({examples})")
    index = pd.DataFrame({"shard": [s.number for s in shards], "part": [str(part_paths(work_dir, s)[0]) for s in shards],
                          "n_read": [s["n_read"] for s in summaries]})
    return (index, pd.DataFrame(failures, columns=QUARANTINE_COLUMNS),
            pd.DataFrame([m for s in summaries for m in s["manifest"]]))


def find_duplicates(shards: pd.DataFrame, near_dedup: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(exact duplicates: every later copy of a text; near duplicates: every first copy that has
    MinHash near-duplicates, with its cluster). The first copy in file order is the document."""
    config = NearDedupConfig.model_validate(near_dedup)
    parts = [Path(p) for p in shards["part"]]
    masks = first_copies(parts)
    near = near_duplicate_rows(parts, masks, threshold=config.threshold, num_bands=config.num_bands)
    return exact_duplicate_rows(parts, masks), near


def write_documents(shards: pd.DataFrame, exact_duplicates: pd.DataFrame, near_duplicates: pd.DataFrame) -> dict:
    """`{part name: loader}`: each shard's first copies with `dup_cluster` (its own id when alone);
    the dataset calls the loaders one at a time, so one shard is in memory at once."""
    clusters = dict(zip(near_duplicates["id"], near_duplicates["dup_cluster"]))
    copies = set(zip(exact_duplicates["file"], exact_duplicates["position"]))

    def load(part: str):
        table = pq.read_table(part, columns=[c for c in DOCUMENT_COLUMNS if c != "dup_cluster"])
        if copies:
            addresses = zip(table.column("file").to_pylist(), table.column("position").to_pylist())
            table = table.filter([a not in copies for a in addresses])
        ids = table.column("id").to_pylist()
        table = table.append_column("dup_cluster", pa.array([clusters.get(i, i) for i in ids], pa.string()))
        return table.select(DOCUMENT_COLUMNS)

    return {f"part-{shard:05d}": partial(load, part) for shard, part in zip(shards["shard"], shards["part"])}
