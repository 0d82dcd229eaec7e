"""Judgments in SQLite, written one transaction per judgment as they are made.

WAL mode lets the stats page read while a rater writes, and several server threads (or two
servers on one file) write without clashing: SQLite serialises writers and `busy_timeout` makes a
second writer wait instead of failing. `synchronous=FULL` syncs every commit, so a judgment the
page was told is saved survives a killed server or a power cut. Each judgment carries the
`token` of the pair as it was shown: a resent request (double key press, network retry) is
recognised and stored once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from winnow.annotate.pairs import Shown
from winnow.rating.preferences import pair_key

CHOICES = ("a", "b", "tie", "skip")
COLUMNS = ("id", "token", "created_at", "rater", "session", "a_id", "b_id", "pair_key", "choice", "kind", "p_a")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    token TEXT NOT NULL UNIQUE,           -- one per pair shown: a resent judgment is stored once
    created_at TEXT NOT NULL,             -- UTC, ISO 8601
    rater TEXT NOT NULL,
    session TEXT NOT NULL,                -- one browser tab: progress counts per session
    a_id TEXT NOT NULL,                   -- as shown: A on the left
    b_id TEXT NOT NULL,
    pair_key TEXT NOT NULL,               -- "<smaller id> <larger id>"
    choice TEXT NOT NULL CHECK (choice IN ('a', 'b', 'tie', 'skip')),
    kind TEXT NOT NULL,                   -- why the pair was shown: uncertain / random / shared / repeat
    p_a REAL,                             -- the rater model's P(A better) at the time
    CHECK (a_id <> b_id)
);
CREATE INDEX IF NOT EXISTS judgments_by_rater ON judgments (rater, id);
CREATE INDEX IF NOT EXISTS judgments_by_pair ON judgments (pair_key);
"""


@dataclass(frozen=True)
class Judgment:
    token: str
    rater: str
    session: str
    a_id: str
    b_id: str
    choice: str
    kind: str
    p_a: float | None = None


class TokenReused(ValueError):
    """The token was already used for a different judgment."""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection to the judgments database, created with its schema if new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)  # autocommit; transactions are explicit
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=30000")
    conn.executescript(_SCHEMA)
    return conn


@contextmanager
def opened(path: str | Path) -> Iterator[sqlite3.Connection]:
    """`connect`, closed on leaving the block (sqlite3's own context manager only commits)."""
    conn = connect(path)
    try:
        yield conn
    finally:
        conn.close()


def record(conn: sqlite3.Connection, judgment: Judgment) -> tuple[int, bool]:
    """(row id, True) once committed; (row id, False) when this exact judgment was already stored.

    Raises TokenReused when the token is stored with a different pair, rater or choice.
    """
    if judgment.choice not in CHOICES:
        raise ValueError(f"choice must be one of {list(CHOICES)}, got {judgment.choice!r}")
    key = pair_key(judgment.a_id, judgment.b_id)
    created = datetime.now(UTC).isoformat(timespec="milliseconds")
    conn.execute("BEGIN IMMEDIATE")
    try:
        row = conn.execute("SELECT id, rater, session, a_id, b_id, choice FROM judgments WHERE token = ?",
                           (judgment.token,)).fetchone()
        if row is not None:
            conn.execute("ROLLBACK")
            if tuple(row[1:]) != (judgment.rater, judgment.session, judgment.a_id, judgment.b_id, judgment.choice):
                raise TokenReused(f"token {judgment.token!r} was already used for another judgment")
            return row[0], False
        t = astuple(judgment)
        cursor = conn.execute(
            "INSERT INTO judgments (token, created_at, rater, session, a_id, b_id, pair_key, choice, kind, p_a)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", (t[0], created, *t[1:5], key, *t[5:]))
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return cursor.lastrowid, True


def history(conn: sqlite3.Connection, rater: str) -> list[Shown]:
    """This rater's judgments, oldest first, skips included."""
    rows = conn.execute("SELECT a_id, b_id, choice FROM judgments WHERE rater = ? ORDER BY id", (rater,))
    return [Shown(*row) for row in rows]


def others_pairs(conn: sqlite3.Connection, rater: str) -> list[tuple[str, str]]:
    """Pairs other raters judged (not skipped)."""
    return conn.execute("SELECT DISTINCT a_id, b_id FROM judgments WHERE rater <> ? AND choice <> 'skip'",
                        (rater,)).fetchall()


def progress(conn: sqlite3.Connection, rater: str, session: str) -> dict[str, int]:
    """Judged and skipped in this session, and judged by this rater in all sessions."""
    judged, skipped = conn.execute(
        "SELECT COALESCE(SUM(choice <> 'skip'), 0), COALESCE(SUM(choice = 'skip'), 0) FROM judgments"
        " WHERE rater = ? AND session = ?", (rater, session)).fetchone()
    (total,) = conn.execute("SELECT COUNT(*) FROM judgments WHERE rater = ? AND choice <> 'skip'", (rater,)).fetchone()
    return {"judged": judged, "skipped": skipped, "judged_all_sessions": total}


def all_judgments(conn: sqlite3.Connection) -> pd.DataFrame:
    """Every stored judgment, oldest first."""
    rows = conn.execute(f"SELECT {', '.join(COLUMNS)} FROM judgments ORDER BY id").fetchall()
    return pd.DataFrame(rows, columns=list(COLUMNS))
