"""Judgments are durable as soon as they are acknowledged, concurrent writers do not clash, and
the export is a ratings file the rater reads without a single quarantined row."""

import subprocess
import sys
import threading

import pandas as pd
import pytest

from tests.conftest import PROJECT
from winnow.annotate import store
from winnow.annotate.export import consistent_pairs, included_rows, write_pairwise_csv
from winnow.rating.ratings import read_pairwise_ratings


def judgment(token, a, b, choice, rater="alice", kind="uncertain"):
    return store.Judgment(f"token-{token:04d}", rater, "session-1", a, b, choice, kind, 0.5)


def test_a_judgment_is_stored_once_and_a_reused_token_is_refused(tmp_path):
    with store.opened(tmp_path / "j.sqlite") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert store.record(conn, judgment(1, "x", "y", "a")) == (1, True)
        assert store.record(conn, judgment(1, "x", "y", "a")) == (1, False)  # a resent request
        with pytest.raises(store.TokenReused, match="already used for another judgment"):
            store.record(conn, judgment(1, "x", "y", "b"))
        store.record(conn, judgment(2, "y", "z", "skip"))
        assert store.progress(conn, "alice", "session-1") == {"judged": 1, "skipped": 1, "judged_all_sessions": 1}
        assert [s.choice for s in store.history(conn, "alice")] == ["a", "skip"]


def test_a_killed_process_loses_no_acknowledged_judgment(tmp_path):
    db = tmp_path / "j.sqlite"
    script = ("import os, signal; from winnow.annotate import store\n"
              f"conn = store.connect({str(db)!r})\n"
              "store.record(conn, store.Judgment('token-kill1', 'alice', 'session-1', 'x', 'y', 'tie', 'random'))\n"
              "os.kill(os.getpid(), signal.SIGKILL)\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=PROJECT, capture_output=True, text=True)
    assert result.returncode == -9, result.stderr
    with store.opened(db) as conn:
        assert store.all_judgments(conn)[["token", "choice"]].values.tolist() == [["token-kill1", "tie"]]


def test_two_raters_writing_at_once_do_not_clash(tmp_path):
    db, errors = tmp_path / "j.sqlite", []
    store.connect(db).close()  # create the schema once

    def rate(rater, offset):
        try:
            with store.opened(db) as conn:
                for i in range(40):
                    store.record(conn, judgment(offset + i, f"d{i}", f"e{i}", "a", rater=rater))
        except Exception as err:  # noqa: BLE001 - any failure fails the test below
            errors.append(err)

    threads = [threading.Thread(target=rate, args=(name, k * 1000)) for k, name in enumerate(["alice", "bob"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    with store.opened(db) as conn:
        assert store.all_judgments(conn)["rater"].value_counts().to_dict() == {"alice": 40, "bob": 40}


@pytest.fixture
def judged(tmp_path) -> pd.DataFrame:
    with store.opened(tmp_path / "j.sqlite") as conn:
        for row in [(1, "x", "y", "a"), (2, "y", "z", "skip"), (3, "z", "w", "tie"),
                    (4, "u", "v", "b"), (5, "y", "x", "b"),     # repeat of 1, sides swapped, same winner
                    (6, "v", "u", "b"),                         # repeat of 4, other winner: a conflict
                    (7, "x", "y", "a", "bob"), (8, "w", "z", "tie", "bob")]:
            store.record(conn, judgment(*row))
        return store.all_judgments(conn)


def test_the_export_is_read_by_the_rater_with_nothing_quarantined(judged, tmp_path):
    pairs, conflicts = consistent_pairs(judged)
    assert conflicts == 1
    assert pairs.values.tolist() == [["x", "y", "a", "alice"], ["z", "w", "tie", "alice"],
                                     ["x", "y", "a", "bob"], ["w", "z", "tie", "bob"]]
    path = tmp_path / "human_pairwise.csv"
    assert write_pairwise_csv(pairs, path) == 4
    valid, quarantine = read_pairwise_ratings(path, ["u", "v", "w", "x", "y", "z"])
    assert quarantine.empty and len(valid) == 4


def test_existing_ratings_can_be_included_for_a_single_pairwise_path(judged, tmp_path):
    sample = PROJECT / "data/01_raw/ratings/sample_pairwise.csv"
    extra, unparseable = included_rows([sample])
    pairs, _ = consistent_pairs(judged)
    path = tmp_path / "combined.csv"
    assert write_pairwise_csv(pairs, path, extra) == len(extra) + 4 == 2008 + 4
    combined = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert combined.iloc[:2008].equals(pd.read_csv(sample, dtype=str, keep_default_na=False))
    assert unparseable == 0 and combined.iloc[-1].tolist() == ["w", "z", "tie", "bob"]
