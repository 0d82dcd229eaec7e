"""Read human quality ratings (pointwise 1–5 scores or pairwise preferences) and quarantine bad rows.

Two layouts, CSV or JSONL (chosen by extension, optionally gzipped):
- pointwise: `id, rater, score`, score a number within `score_range` (inclusive);
- pairwise:  `a_id, b_id, preferred, rater`, preferred one of `a`, `b`, `tie`.

Every row either survives or lands in the quarantine with `file, line, reason, error`, where
`error` reads like `ratings.csv line 41: unknown document id 'abc…' in a_id`. Lines count from 1
as an editor shows them (a CSV header is line 1). A rater may judge the same pair more than once:
identical judgments keep the first and quarantine the rest (`duplicate`); disagreeing ones are all
quarantined (`conflict`), because we cannot tell which the rater meant. Different raters on the
same pair are kept: that is how agreement is measured. A file that cannot be read at all, or lacks
a column, raises instead: that is a wrong input, not a bad row.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from winnow.rating.preferences import OUTCOMES, orient, pair_key

PAIRWISE_COLUMNS = ("a_id", "b_id", "preferred", "rater")
POINTWISE_COLUMNS = ("id", "rater", "score")
QUARANTINE_COLUMNS = ["file", "line", "reason", "error", "rater", "item"]
_MAX_SHOWN = 40  # characters of a bad value echoed in a message


def _show(value) -> str:
    text = str(value)
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "…")


def _list_lines(lines: list[int]) -> str:
    return ", ".join(map(str, lines[:-1])) + f" and {lines[-1]}"


def read_rating_rows(path: str | Path, columns: Iterable[str]) -> list[tuple[int, dict]]:
    """(line number, raw fields) for every non-blank record; raises naming the file if unreadable.

    A JSONL line that is not a JSON object is returned as `{"__error__": message}` so it is
    quarantined like any other bad row.
    """
    path = Path(path)
    name, columns = path.name, tuple(columns)
    stem = name.lower().removesuffix(".gz")
    if not stem.endswith((".csv", ".jsonl", ".ndjson")):
        raise ValueError(f"{name}: ratings must be .csv or .jsonl (optionally .gz), got {''.join(path.suffixes)!r}")
    open_text = gzip.open if name.lower().endswith(".gz") else open
    try:
        with open_text(path, "rt", encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except (OSError, UnicodeDecodeError, EOFError) as err:
        raise ValueError(f"{name}: cannot read ratings file: {type(err).__name__}: {err}") from err
    if "\x00" in text:
        raise ValueError(f"{name}: cannot read ratings file: binary content (NUL bytes)")
    return _read_csv(text, name, columns) if stem.endswith(".csv") else _read_jsonl(text, name, columns)


def _read_csv(text: str, name: str, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(text), skipinitialspace=True)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in columns if c not in header]
    if missing:
        raise ValueError(f"{name}: missing column(s) {missing}; expected {list(columns)}, found {header}")
    reader.fieldnames = header
    rows = []
    try:
        for record in reader:
            if any(v not in (None, "") for k, v in record.items() if k is not None):
                rows.append((reader.line_num, {c: record.get(c) for c in columns}))
    except csv.Error as err:
        raise ValueError(f"{name} line {reader.line_num}: cannot parse CSV: {err}") from err
    return rows


def _read_jsonl(text: str, name: str, columns: tuple[str, ...]) -> list[tuple[int, dict]]:
    rows, seen_keys = [], set()
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            obj = json.loads(raw)
        except json.JSONDecodeError as err:
            rows.append((number, {"__error__": f"invalid JSON: {err.msg} at column {err.colno}"}))
            continue
        if not isinstance(obj, dict):
            rows.append((number, {"__error__": f"expected a JSON object, got {type(obj).__name__}"}))
            continue
        seen_keys.update(obj)
        rows.append((number, {c: obj[c] for c in columns if c in obj}))
    missing = [c for c in columns if c not in seen_keys]
    if rows and missing:
        raise ValueError(f"{name}: no record has field(s) {missing}; "
                         f"expected {list(columns)}, found {sorted(seen_keys)}")
    return rows


def _field_error(fields: dict, columns: tuple[str, ...]) -> tuple[str, str] | None:
    """(reason, message) for an unparseable record or a missing / empty field, else None."""
    if "__error__" in fields:
        return "unparseable", fields["__error__"]
    for column in columns:
        if column not in fields:
            return "missing_field", f"missing field {column!r}"
        value = fields[column]
        if value is None or (isinstance(value, str) and not value.strip()):
            return "missing_field", f"empty field {column!r}"
    return None


def _unknown_id(fields: dict, id_columns: tuple[str, ...], known: set[str]) -> str | None:
    for column in id_columns:
        if fields[column] not in known:
            return f"unknown document id {_show(fields[column])} in {column}"
    return None


class _Quarantine:
    def __init__(self, name: str):
        self.name, self.rows = name, []

    def add(self, line: int, reason: str, detail: str, rater=None, item=None) -> None:
        self.rows.append({"file": self.name, "line": line, "reason": reason,
                          "error": f"{self.name} line {line}: {detail}", "rater": rater, "item": item})

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=QUARANTINE_COLUMNS)
        return frame.sort_values("line", kind="stable").reset_index(drop=True)


def _resolve_repeats(rows: list[dict], quarantine: _Quarantine, what: str) -> list[dict]:
    """Keep the first of identical repeats by one rater on one item; quarantine every disagreeing one."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row["rater"], row["item"])].append(row)
    kept = []
    for (rater, item), group in groups.items():
        first = group[0]
        if len({row["outcome"] for row in group}) > 1:
            lines = [row["line"] for row in group]
            for row in group:
                quarantine.add(row["line"], "conflict", f"rater {_show(rater)} judged the same {what} differently on "
                               f"lines {_list_lines(lines)}; all {len(lines)} judgments quarantined", rater, item)
            continue
        kept.append(first)
        for row in group[1:]:
            quarantine.add(row["line"], "duplicate", f"duplicate of line {first['line']} (same rater "
                           f"{_show(rater)}, same {what}, same judgment)", rater, item)
    return sorted(kept, key=lambda row: row["line"])


def _read_ratings(path: str | Path, columns: tuple[str, ...], check, what: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid rows, quarantine) of one ratings file. `check(fields)` gets a record with every field
    present and returns the row to keep (its `item` and `outcome` find repeats, see `_resolve_repeats`)
    or `(reason, message, rater)` to quarantine it."""
    name = Path(path).name
    quarantine, candidates = _Quarantine(name), []
    for line, fields in read_rating_rows(path, columns):
        checked = _field_error(fields, columns) or check(fields)
        if isinstance(checked, tuple):
            quarantine.add(line, *checked)
        else:
            candidates.append({**checked, "line": line})
    kept = _resolve_repeats(candidates, quarantine, what)
    valid = pd.DataFrame([{c: row[c] for c in (*columns, "line")} for row in kept], columns=[*columns, "line"])
    valid.insert(len(columns), "file", name)
    return valid, quarantine.frame()


def read_pairwise_ratings(path: str | Path, known_ids: Iterable[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid `a_id, b_id, preferred, rater, file, line`, quarantine `file, line, reason, error, rater, item`).

    `item` is the pair's key (`winnow.rating.preferences.pair_key`), so repeats are found in either order.
    """
    known = set(known_ids)

    def check(fields: dict) -> dict | tuple:
        a_id, b_id, rater = (str(fields[c]).strip() for c in ("a_id", "b_id", "rater"))
        preferred = str(fields["preferred"]).strip().lower()
        row = {"a_id": a_id, "b_id": b_id, "preferred": preferred, "rater": rater}
        if error := _unknown_id(row, ("a_id", "b_id"), known):
            return "unknown_id", error, rater
        if a_id == b_id:
            return "self_pair", f"a_id and b_id are the same document {_show(a_id)}", rater
        if preferred not in OUTCOMES:
            return "bad_preferred", f"preferred must be 'a', 'b' or 'tie', got {_show(fields['preferred'])}", rater
        return {**row, "item": pair_key(a_id, b_id), "outcome": orient(a_id, b_id, preferred)}

    return _read_ratings(path, PAIRWISE_COLUMNS, check, "pair")


def read_pointwise_ratings(
    path: str | Path, known_ids: Iterable[str], score_range: tuple[float, float] = (1, 5)
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(valid `id, rater, score, file, line`, quarantine as for pairwise; `item` is the document id)."""
    low, high = score_range
    known = set(known_ids)

    def check(fields: dict) -> dict | tuple:
        doc_id, rater = str(fields["id"]).strip(), str(fields["rater"]).strip()
        try:
            score = float(str(fields["score"]).strip()) if not isinstance(fields["score"], bool) else math.nan
        except ValueError:
            score = math.nan
        if error := _unknown_id({"id": doc_id}, ("id",), known):
            return "unknown_id", error, rater
        if not math.isfinite(score):
            return "bad_score", f"score {_show(fields['score'])} is not a number", rater
        if not low <= score <= high:
            return "bad_score", f"score {score:g} is outside the range [{low:g}, {high:g}]", rater
        return {"id": doc_id, "rater": rater, "score": score, "item": doc_id, "outcome": score}

    valid, quarantine = _read_ratings(path, POINTWISE_COLUMNS, check, "document")
    valid["score"] = valid["score"].astype(float)
    return valid, quarantine


def repeats_in_quarantine(quarantine: pd.DataFrame) -> pd.DataFrame:
    """`rater, key, alike`: one row per item a rater judged more than once, as
    `winnow.rating.preferences.self_consistency` takes it. The readers kept one judgment of an
    agreeing repeat and quarantined the others as `duplicate`; a disagreeing one is all `conflict`."""
    repeated = quarantine[quarantine["reason"].isin(["duplicate", "conflict"])].drop_duplicates(["rater", "item"])
    return pd.DataFrame({"rater": repeated["rater"], "key": repeated["item"],
                         "alike": repeated["reason"] == "duplicate"})
