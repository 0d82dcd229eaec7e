"""Ingest in shards: each shard is a run of input files, read, cleaned, language-tagged and
MinHashed on its own, in bounded memory, into one Parquet part plus a JSON summary of what failed.

A part is named by the hash of its files (path, size, mtime) and the settings, and written
atomically, so a killed run redoes only the shards that had not finished, and a rerun on the
same files redoes none. Shards are independent: an engine may run them in any order, anywhere.
"""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from winnow.ingest.dedup import band_keys, signatures
from winnow.ingest.langid import identify_languages
from winnow.ingest.readers import Failure, read_file
from winnow.ingest.text import content_id
from winnow.scoring.cache import fingerprint

VERSION = 1
RECORD_COLUMNS = ["id", "text", "source", "url", "n_chars", "file", "position", "meta"]


@dataclass(frozen=True)
class ShardSettings:
    langid_max_chars: int
    num_perm: int
    num_bands: int
    shingle_words: int
    seed: int
    batch_rows: int = 2000  # records held in memory at once, written as one Parquet row group


@dataclass(frozen=True)
class Shard:
    number: int
    files: tuple[str, ...]  # paths relative to root, in corpus order
    key: str


def plan_shards(root: Path, files: list[Path], shard_bytes: int, settings: ShardSettings) -> list[Shard]:
    """Consecutive files grouped until they hold `shard_bytes` on disk; a bigger file is a shard alone."""
    groups: list[list[Path]] = [[]]
    size = 0
    for path in files:
        if groups[-1] and size + path.stat().st_size > shard_bytes:
            groups.append([])
            size = 0
        groups[-1].append(path)
        size += path.stat().st_size
    shards = []
    for number, group in enumerate(g for g in groups if g):
        stats = [(p.relative_to(root).as_posix(), p.stat().st_size, p.stat().st_mtime_ns) for p in group]
        key = fingerprint(VERSION, asdict(settings), str(root.resolve()), stats)
        shards.append(Shard(number, tuple(s[0] for s in stats), key))
    return shards


def part_paths(work_dir: Path, shard: Shard) -> tuple[Path, Path]:
    return work_dir / f"{shard.key}.parquet", work_dir / f"{shard.key}.json"


def is_done(work_dir: Path, shard: Shard) -> bool:
    return all(p.exists() for p in part_paths(work_dir, shard))


def part_schema(settings: ShardSettings) -> pa.Schema:
    strings = {c: pa.string() for c in ("id", "text", "source", "url", "file", "meta", "lang")}
    fields = [(c, strings.get(c, pa.int64())) for c in RECORD_COLUMNS] + [("lang", pa.string()), ("lang_score", pa.float64())]
    fields += [(f"band_{b:02d}", pa.uint64()) for b in range(settings.num_bands)]
    return pa.schema(fields + [("signature", pa.list_(pa.uint32(), settings.num_perm))])


def _batch_table(records: list[dict], settings: ShardSettings) -> pa.Table:
    texts = [r["text"] for r in records]
    langs, lang_scores = identify_languages(texts, max_chars=settings.langid_max_chars)
    sigs = signatures(texts, num_perm=settings.num_perm, shingle_words=settings.shingle_words, seed=settings.seed)
    keys = band_keys(sigs, settings.num_bands)
    columns = {c: [r[c] for r in records] for c in RECORD_COLUMNS}
    columns |= {"lang": langs, "lang_score": lang_scores}
    columns |= {f"band_{b:02d}": keys[:, b] for b in range(settings.num_bands)}
    flat = pa.array(sigs.reshape(-1), type=pa.uint32())
    columns["signature"] = pa.FixedSizeListArray.from_arrays(flat, settings.num_perm)
    return pa.table(columns, schema=part_schema(settings))


def process_shard(root: Path, work_dir: Path, shard: Shard, settings: ShardSettings) -> dict:
    """Read the shard's files into its part (skipped when already done); returns its summary:
    failures (file, position, error, snippet) and per-file counts."""
    table_path, summary_path = part_paths(work_dir, shard)
    if is_done(work_dir, shard):
        return json.loads(summary_path.read_text())
    work_dir.mkdir(parents=True, exist_ok=True)
    tmp = table_path.with_name(f".{table_path.name}.{uuid.uuid4().hex}.tmp")
    failures, manifest, batch, writer = [], [], [], None
    try:
        for rel in shard.files:
            counts = Counter()
            for item in read_file(root / rel, rel):
                if isinstance(item, Failure):
                    failures.append(vars(item))
                    counts["failed"] += 1
                    continue
                batch.append({"id": content_id(item.text), "text": item.text, "source": item.source, "url": item.url,
                              "n_chars": len(item.text), "file": item.file, "position": item.position,
                              "meta": json.dumps(item.meta, ensure_ascii=False, default=str)})
                counts["read"] += 1
                if len(batch) >= settings.batch_rows:
                    writer = _write(writer, tmp, _batch_table(batch, settings))
                    batch = []
            manifest.append({"file": rel, "n_records": counts["read"] + counts["failed"],
                             "n_read": counts["read"], "n_failed": counts["failed"]})
        if batch or writer is None:
            writer = _write(writer, tmp, _batch_table(batch, settings))
        writer.close()
        os.replace(tmp, table_path)
    finally:
        tmp.unlink(missing_ok=True)
    summary = {"shard": shard.number, "key": shard.key, "failures": failures, "manifest": manifest,
               "n_read": sum(m["n_read"] for m in manifest)}
    tmp_summary = summary_path.with_name(f".{summary_path.name}.{uuid.uuid4().hex}.tmp")
    tmp_summary.write_text(json.dumps(summary, ensure_ascii=False))
    os.replace(tmp_summary, summary_path)  # written last: its presence means the shard is done
    return summary


def _write(writer: pq.ParquetWriter | None, path: Path, table: pa.Table) -> pq.ParquetWriter:
    if writer is None:
        writer = pq.ParquetWriter(path, table.schema)
    writer.write_table(table)
    return writer
