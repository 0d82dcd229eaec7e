"""Read every supported file under a folder into records, and every unreadable one into failures.

Each input unit has a (file, position) address: a JSONL line, a Parquet row, a WARC response
record, or a whole .txt/.html file (position 0). Every address yields exactly one `Record` or one
`Failure`, which is what lets the pipeline prove that nothing was lost.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pyarrow.parquet as pq
from fastwarc.warc import ArchiveIterator, WarcRecordType

from winnow.ingest.text import extract_main_text, normalise_text

SNIPPET_CHARS = 200
UTF8_BOM = b"\xef\xbb\xbf"


@dataclass
class Record:
    text: str
    source: str
    file: str
    position: int
    url: str | None = None
    meta: dict = field(default_factory=dict)


@dataclass
class Failure:
    file: str
    position: int
    error: str
    snippet: str = ""


def _format_of(path: Path) -> str | None:
    name = path.name.lower()
    for fmt, suffixes in {
        "jsonl": (".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"),
        "parquet": (".parquet",),
        "text": (".txt", ".txt.gz", ".md"),
        "html": (".html", ".htm"),
        "warc": (".warc", ".warc.gz"),
    }.items():
        if name.endswith(suffixes):
            return fmt
    return None


def _source_of(path: Path) -> str:
    """Default source name: the file name without its format suffixes (bbc_news.jsonl.gz -> bbc_news)."""
    return path.name.split(".")[0]


def _open_bytes(path: Path):
    return gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")


def list_input_files(root: Path, exclude: list[str]) -> list[Path]:
    """All files under `root` in a stable order, minus those whose relative path matches `exclude`."""
    if not root.is_dir():
        raise FileNotFoundError(f"raw corpus folder {root} does not exist or is not a folder")
    files = sorted(p for p in root.rglob("*") if p.is_file())
    return [p for p in files if not any(fnmatch(p.relative_to(root).as_posix(), g) for g in exclude)]


def _checked(text, source, rel, pos, url=None, meta=None, raw="") -> Record | Failure:
    if not isinstance(text, str):
        return Failure(rel, pos, f"field 'text' must be a string, got {type(text).__name__}", raw)
    text = normalise_text(text)
    if not text:
        return Failure(rel, pos, "empty text", raw)
    return Record(text, source, rel, pos, url, meta or {})


def _from_mapping(obj, path: Path, rel: str, pos: int, raw: str) -> Record | Failure:
    if not isinstance(obj, dict):
        return Failure(rel, pos, f"expected a JSON object, got {type(obj).__name__}", raw)
    if "text" not in obj:
        return Failure(rel, pos, "missing field 'text'", raw)
    meta = obj.get("meta") if isinstance(obj.get("meta"), dict) else {}
    extra = {k: v for k, v in obj.items() if k not in ("text", "source", "url", "meta")}
    source = obj.get("source") or _source_of(path)
    return _checked(obj["text"], str(source), rel, pos, obj.get("url"), {**meta, **extra}, raw)


def read_jsonl(path: Path, rel: str) -> Iterator[Record | Failure]:
    """One record per non-blank line; a line that is not UTF-8 or not JSON is a failure, not a crash."""
    position = 0
    with _open_bytes(path) as fh:
        for number, raw_line in enumerate(fh):
            if number == 0:  # editors on Windows start UTF-8 files with a byte-order mark
                raw_line = raw_line.removeprefix(UTF8_BOM)
            if not raw_line.strip():
                continue
            snippet = raw_line[:SNIPPET_CHARS].decode("utf-8", "replace")
            try:
                obj = json.loads(raw_line.decode("utf-8"))
            except UnicodeDecodeError as err:
                yield Failure(rel, position, f"invalid UTF-8 at byte {err.start}: {err.reason}", snippet)
            except json.JSONDecodeError as err:
                yield Failure(rel, position, f"invalid JSON: {err.msg} at column {err.colno}", snippet)
            else:
                yield _from_mapping(obj, path, rel, position, snippet)
            position += 1


def read_parquet(path: Path, rel: str, batch_rows: int = 4096) -> Iterator[Record | Failure]:
    parquet = pq.ParquetFile(path)
    if "text" not in parquet.schema_arrow.names:
        raise ValueError(f"Parquet file has no 'text' column (columns: {parquet.schema_arrow.names})")
    position = 0
    for batch in parquet.iter_batches(batch_size=batch_rows):
        for row in batch.to_pylist():
            if isinstance(row.get("meta"), str):  # meta may be stored as a JSON string
                try:
                    row["meta"] = json.loads(row["meta"])
                except json.JSONDecodeError:
                    row["meta"] = {"meta": row["meta"]}
            yield _from_mapping(row, path, rel, position, str(row.get("text"))[:SNIPPET_CHARS])
            position += 1


def _decode(data: bytes, rel: str) -> str:
    # UTF-8 happily decodes NUL bytes; a NUL in the first 8 KiB means a binary file, not text
    if b"\x00" in data[:8192]:
        raise ValueError("binary content (NUL bytes), not text")
    return data.removeprefix(UTF8_BOM).decode("utf-8")


def read_text(path: Path, rel: str) -> Iterator[Record | Failure]:
    """A plain-text file is one document."""
    with _open_bytes(path) as fh:
        data = fh.read()
    try:
        text = _decode(data, rel)
    except UnicodeDecodeError as err:
        yield Failure(rel, 0, f"invalid UTF-8 at byte {err.start}: {err.reason}", repr(data[:80]))
        return
    except ValueError as err:
        yield Failure(rel, 0, str(err), repr(data[:80]))
        return
    yield _checked(text, path.parent.name, rel, 0, raw=text[:SNIPPET_CHARS])


def read_html(path: Path, rel: str) -> Iterator[Record | Failure]:
    """An HTML file is one document: its main text, extracted by trafilatura."""
    data = path.read_bytes()
    text = extract_main_text(data)
    if not text:
        yield Failure(rel, 0, "no main text found in HTML page", data[:SNIPPET_CHARS].decode("utf-8", "replace"))
        return
    yield _checked(text, path.parent.name, rel, 0, meta={"format": "html"})


def read_warc(path: Path, rel: str) -> Iterator[Record | Failure]:
    """Each response/resource record is one input; HTML and plain-text payloads become documents.

    Other payloads (images, scripts...) are failures with their content type, so they are counted.
    """
    with open(path, "rb") as fh:
        records = ArchiveIterator(fh, record_types=WarcRecordType.response | WarcRecordType.resource,
                                  parse_http=True)
        for position, record in enumerate(records):
            url = record.headers.get("WARC-Target-URI")
            headers = record.http_headers if record.http_headers is not None else {}
            ctype = (headers.get("Content-Type") or record.headers.get("Content-Type") or "").lower()
            body = record.reader.read()
            if "html" in ctype:
                text = extract_main_text(body, url=url)
                if not text:
                    yield Failure(rel, position, f"no main text found in HTML record {url}", "")
                    continue
            elif ctype.startswith("text/plain"):
                text = body.decode("utf-8", "replace")
            else:
                yield Failure(rel, position, f"unsupported WARC payload type {ctype or 'unknown'!r} at {url}", "")
                continue
            yield _checked(text, _source_of(path), rel, position, url, {"format": "warc"})


READERS = {"jsonl": read_jsonl, "parquet": read_parquet, "text": read_text, "html": read_html, "warc": read_warc}


def read_file(path: Path, rel: str) -> Iterator[Record | Failure]:
    """Records of one file. A file that cannot be opened at all becomes one failure at position -1."""
    fmt = _format_of(path)
    if fmt is None:
        yield Failure(rel, -1, f"unsupported file type {''.join(path.suffixes) or '(no suffix)'}", "")
        return
    try:
        yield from READERS[fmt](path, rel)
    except Exception as err:  # a corrupt container (bad gzip, bad Parquet footer) fails as a whole
        yield Failure(rel, -1, f"cannot read {fmt} file: {type(err).__name__}: {err}", "")
