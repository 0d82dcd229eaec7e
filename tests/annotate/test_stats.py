"""The stats page's numbers: counts, self-consistency, agreement, and the retrained rater from MLflow."""

import sqlite3

import pandas as pd
import pytest

from winnow.annotate.stats import latest_rater_run, rater_summary


def frame(rows) -> pd.DataFrame:
    out = pd.DataFrame(rows, columns=["rater", "a_id", "b_id", "choice"])
    out["pair_key"] = [" ".join(sorted(p)) for p in zip(out["a_id"], out["b_id"])]
    return out.assign(id=range(1, len(out) + 1))


def test_counts_self_consistency_and_agreement_per_rater():
    judgments = frame([
        ("alice", "x", "y", "a"), ("alice", "y", "x", "b"),    # repeated, sides swapped, consistent
        ("alice", "u", "v", "a"), ("alice", "v", "u", "a"),    # repeated, inconsistent
        ("alice", "p", "q", "b"), ("alice", "r", "s", "skip"),
        ("bob", "x", "y", "a"), ("bob", "q", "p", "b"),        # agrees on x-y, disagrees on p-q
    ])
    summary = rater_summary(judgments)
    alice, bob = summary["raters"]
    assert (alice["judged"], alice["skipped"], alice["a"], alice["b"]) == (5, 1, 3, 2)
    assert (alice["n_repeated"], alice["self_consistency"]) == (2, 0.5)
    assert (bob["n_repeated"], bob["self_consistency"]) == (0, None)
    assert (alice["n_shared"], alice["agreement_with_others"]) == (2, 0.5)
    assert summary["inter_rater_agreement"] == 0.5 and summary["n_inter_rater"] == 4
    # votes in key order: alice (x-y a, p-q b) vs bob (a, a); bob vs alice. Alice: p_o = p_e = 1/2, kappa 0.
    # Pooled: p_o = 1/2, both sides 3/4 a, p_e = 9/16 + 1/16 = 5/8, kappa = (1/2 - 5/8) / (3/8) = -1/3
    assert alice["kappa_with_others"] == 0.0 and summary["inter_rater_kappa"] == pytest.approx(-1 / 3)
    assert (summary["n_exported"], summary["n_conflicting_repeats"]) == (4, 1)


def test_no_judgments_yet_is_not_an_error():
    summary = rater_summary(frame([]))
    assert summary["raters"] == [] and summary["inter_rater_agreement"] is None
    assert summary["inter_rater_kappa"] is None and summary["n_inter_rater"] == 0


def test_the_latest_finished_rater_fit_is_read_from_mlflow(rater_mlflow_store):
    run = latest_rater_run(rater_mlflow_store, ["alice", "carol"])
    assert run["status"] == "retrained" and run["started"] == "1970-01-01T00:00:01+00:00"
    assert (run["heldout_agreement_bt"], run["heldout_agreement_combined"]) == (0.8, 0.75)
    assert run["n_heldout_decisive"] == 16
    assert run["model_agreement_by_rater"] == {"alice": 0.9} and run["raters_in_run"] == ["alice"]
    assert run["pairwise_path"] == "data/01_raw/annotations/human_pairwise.csv"


@pytest.mark.parametrize("content, status", [(None, "not retrained yet"), (b"not a database" * 100, "unreadable")])
def test_a_missing_or_broken_store_says_so(tmp_path, content, status):
    path = tmp_path / "mlflow.db"
    if content is not None:
        path.write_bytes(content)
    result = latest_rater_run(path)
    assert result["status"] == status and str(path) in result["detail"]


def test_a_file_that_is_no_mlflow_store_is_reported_and_left_untouched(tmp_path):
    path = tmp_path / "judgments.sqlite"  # e.g. the judgments database given as the MLflow store
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE judgments (id INTEGER)")
    conn.close()
    before = path.read_bytes()
    result = latest_rater_run(path)
    assert result == {"status": "unreadable",
                      "detail": f"cannot read MLflow store {path}: not an MLflow tracking store"}
    assert path.read_bytes() == before  # MLflow was not allowed to create its tables in it
