"""README's own-corpus command on a folder that holds none of the sample's documents, and a `curate`
that survives SIGKILL, reruns and broken tracking. Real `kedro run` processes in fresh copies."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import mlflow
import pandas as pd
import pytest

from tests.conftest import PROJECT, clean_env, copy_project, small_quality_eval
from tests.own_corpus import EXPECTED, write_own_corpus
from winnow.reporting.digest import newest_version, table_digest

# a tiny reference LM and one-document chunks: every code path of a default run in a minute, with
# several cache parts per scorer to resume from (one process: spawned workers are tested in
# tests/scoring/test_cache.py, and here would cost ~20 s of start-up per run); a small reference
# corpus and evaluation set (written by the `tiny` fixture) keep the fits and the evaluation short
TINY = ("perplexity.lm_config.vocab_size=512,perplexity.lm_config.n_ctx=64,perplexity.lm_config.n_layer=1,"
        "perplexity.lm_config.n_head=2,perplexity.lm_config.n_embd=32,perplexity.train_config.token_budget=20000,"
        "perplexity.max_tokens=64,scoring.chunk_rows=1,scoring.workers=1,coherence.copies=1,coherence.n_buckets=65536")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    """TINY, plus a 400-passage reference corpus and a ~50-document evaluation set."""
    folder = tmp_path_factory.mktemp("tiny_inputs")
    reference = pd.read_json(PROJECT / "data/01_raw/reference/reference.jsonl.gz", lines=True)
    reference.groupby("source").head(45).to_json(folder / "reference.jsonl", orient="records", lines=True)
    small_quality_eval(per_kind=1).to_json(folder / "quality_eval.jsonl", orient="records", lines=True)
    return f"{TINY},reference_path={folder / 'reference.jsonl'},quality_eval_path={folder / 'quality_eval.jsonl'}"


def own_corpus_command(corpus: Path) -> str:
    block = re.findall(r"```bash\n(.*?)```", (PROJECT / "README.md").read_text(), flags=re.S)[2].strip()
    assert "/path/to/your/corpus" in block
    return block.replace("/path/to/your/corpus", str(corpus))


def env() -> dict:
    return {**clean_env(), "COLUMNS": "250"}  # wide log lines: one node name per line


def new_copy(root: Path) -> Path:
    copy = copy_project(root)
    (copy / ".venv").symlink_to(PROJECT / ".venv")
    return copy


def kedro(copy: Path, *args: str, extra_env: dict | None = None, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([".venv/bin/kedro", "run", *args], cwd=copy, env={**env(), **(extra_env or {})},
                          capture_output=True, text=True, timeout=timeout)


def outputs(copy: Path) -> dict[str, pd.DataFrame]:
    return {name: pd.read_parquet(newest_version(copy / f"data/05_model_input/{name}.parquet"))
            for name in ("decisions", "selection")}


def digests(copy: Path) -> dict[str, str]:
    return {name: table_digest(table) for name, table in outputs(copy).items()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_own_corpus(tmp_path_factory.mktemp("own") / "corpus")


@pytest.fixture(scope="module")
def own_run(corpus, tmp_path_factory):
    """README's own-corpus command, default settings, cold, in a fresh copy."""
    copy = new_copy(tmp_path_factory.mktemp("own_default") / "winnow")
    result = subprocess.run(["bash", "-c", own_corpus_command(corpus)], cwd=copy, env=env(),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return copy, result.stdout + result.stderr


def test_every_record_of_a_foreign_folder_is_kept_dropped_or_quarantined(own_run):
    copy, _ = own_run
    decisions = outputs(copy)["decisions"]
    quarantine = pd.read_parquet(copy / "data/02_intermediate/quarantine.parquet")
    fates = {**{(f, p): "document" for f, p in zip(decisions["file"], decisions["position"])},
             **{(f, p): "quarantine" for f, p in zip(quarantine["file"], quarantine["position"])}}
    assert fates == EXPECTED
    assert decisions["reason"].ne("").all()
    totals = json.loads((copy / "data/08_reporting/curate_totals.json").read_text())
    assert totals["in"] == len(EXPECTED) == totals["kept"] + totals["dropped"] + totals["quarantined"]


def test_a_jsonl_file_with_a_byte_order_mark_loses_no_record(own_run):
    decisions = outputs(own_run[0])["decisions"]
    first = decisions[(decisions["file"] == "windows_export.jsonl") & (decisions["position"] == 0)]
    assert first["source"].tolist() == ["bom_news"]


def test_the_shipped_rater_scores_a_corpus_it_was_not_rated_on(own_run):
    copy, log = own_run
    decisions = outputs(copy)["decisions"]
    assert decisions["rater_score"].notna().all()
    assert list((copy / "data/06_models/rater.pkl").glob("*/rater.pkl"))  # a versioned model
    by_source = decisions.groupby("source")["rater_score"].median()
    assert by_source["spam"] < by_source["news"]
    news, spam = decisions[decisions["source"].isin(["news", "bom_news"])], decisions[decisions["source"] == "spam"]
    assert news["score"].min() > spam["score"].max()
    report = next((copy / "data/08_reporting/score_eval_report.md").glob("*/score_eval_report.md")).read_text()
    assert "text Winnow never trained on" in report  # the evaluation set needs no document of this corpus
    assert "Skipped: 0 of 3,709 documents" in report  # the sample's gold set does


def test_ratings_that_name_no_document_leave_the_rater_out_with_a_warning_and_a_tag(own_run, corpus, tmp_path):
    copy, _ = own_run
    ratings = tmp_path / "my_pairs.csv"
    ratings.write_text("a_id,b_id,preferred,rater\n" + "".join(f"{i:032x},{i + 1:032x},a,me\n" for i in range(5)))
    result = kedro(copy, "--pipeline=curate",
                   f"--params=ingest.raw_dir={corpus},rater.pairwise_path={ratings},rater.pointwise_path=null")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    log = re.sub(r"\s+", " ", result.stdout + result.stderr)
    assert "rater skipped: 0 of 5 pairwise judgments in my_pairs.csv are decisive and name documents" in log
    assert outputs(copy)["decisions"]["rater_score"].isna().all()
    mlflow.set_tracking_uri(f"sqlite:///{copy / 'mlflow.db'}")
    run = mlflow.search_runs(experiment_names=["winnow"], order_by=["start_time DESC"]).iloc[0]
    assert run["tags.rater_model.skipped"].startswith("0 of 5 pairwise judgments")
    assert run["metrics.combine.left_out.rater_score"] == 1.0
    assert "metrics.combine.weight.rater_score" not in run or pd.isna(run["metrics.combine.weight.rater_score"])


@pytest.fixture(scope="module")
def tiny_run(corpus, tiny, tmp_path_factory):
    copy = new_copy(tmp_path_factory.mktemp("tiny_a") / "winnow")
    result = kedro(copy, "--pipeline=curate", f"--params=ingest.raw_dir={corpus},{tiny}")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return copy


def _run_until_killed(copy: Path, args: list[str], ready, log: Path) -> int:
    """Start `kedro run`, SIGKILL its whole process group (spawned workers too) once `ready()`."""
    with open(log, "w") as out:
        process = subprocess.Popen([".venv/bin/kedro", "run", *args], cwd=copy, env=env(), stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 600
        while process.poll() is None and not ready() and time.monotonic() < deadline:
            time.sleep(0.01)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        return process.wait()


def test_killed_during_ingest_scoring_and_select_a_rerun_redoes_no_finished_chunk_and_decides_the_same(
        tiny_run, corpus, tiny, tmp_path):
    copy = new_copy(tmp_path / "winnow")
    # one shard per input file
    args = ["--pipeline=curate", f"--params=ingest.raw_dir={corpus},{tiny},ingest.shard_bytes=1,engine.workers=1"]
    log = tmp_path / "run.log"
    parts = lambda: sorted((copy / "data/04_feature/cache/attributes").glob("*/*/part-*.parquet"))  # noqa: E731
    shards = lambda: sorted((copy / "data/02_intermediate/ingest_shards").glob("*.json"))  # noqa: E731
    said = lambda text: lambda: text in log.read_text()  # noqa: E731

    assert _run_until_killed(copy, args, said("Running node: find_duplicates"), log) == -signal.SIGKILL
    finished_shards = {p: p.stat().st_mtime_ns for p in shards()}
    assert len(finished_shards) == 5  # one per input file (a shard killed mid-way: tests/ingest/test_shards.py)
    before_corpus = len(parts())  # the evaluation set's scoring needs no ingest and may have begun
    assert _run_until_killed(copy, args, lambda: len(parts()) > before_corpus, log) == -signal.SIGKILL
    finished = {p: (p.stat().st_mtime_ns, len(pd.read_parquet(p))) for p in parts()}
    assert _run_until_killed(copy, args, said("Running node: combine_scores"), log) == -signal.SIGKILL
    rerun_log = log.read_text()
    for path, (mtime, rows) in finished.items():
        if path.exists():
            assert path.stat().st_mtime_ns == mtime  # never rewritten
        else:  # folded, unscored, into one part once a folder holds more than COMPACT_AFTER_PARTS
            assert (path.parent / "part-000000-compacted.parquet").exists()
        scorer = path.parent.parent.name
        # the corpus and the evaluation set share a scorer's cache: count both
        cached = sum(int(n) for n in re.findall(rf"{scorer}: (\d+) documents from cache", rerun_log))
        assert cached >= rows
    assert not list((copy / "data/05_model_input/selection.parquet").glob("*/selection.parquet"))

    result = kedro(copy, *args)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert all(p.stat().st_mtime_ns == t for p, t in finished_shards.items())  # no finished shard was redone
    # a second cold run, in another fresh copy, in five shards and interrupted thrice, decides exactly as tiny_run
    assert digests(copy) == digests(tiny_run)


@pytest.mark.parametrize("store", ["bad_uri", "unwritable", "locked"])
def test_broken_tracking_is_a_warning_and_every_data_product_is_written(tiny_run, corpus, tiny, store):
    copy = tiny_run
    uri = {"bad_uri": "bogus://nowhere", "unwritable": "sqlite:////proc/no-such-dir/mlflow.db",
           "locked": f"sqlite:///{copy / 'locked.db'}"}[store]
    lock = None
    if store == "locked":  # another process holds the store's write lock for the whole run
        lock = sqlite3.connect(copy / "locked.db", isolation_level=None)
        lock.execute("CREATE TABLE IF NOT EXISTS held (x)")
        lock.execute("BEGIN EXCLUSIVE")
    expected = digests(copy)
    before = {p.relative_to(copy).as_posix() for p in (copy / "data").rglob("*") if p.is_file()}
    try:
        result = kedro(copy, "--pipeline=curate", f"--params=ingest.raw_dir={corpus},{tiny}",
                       extra_env={"MLFLOW_TRACKING_URI": uri})
    finally:
        if lock is not None:
            lock.close()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "the run goes on without tracking" in re.sub(r"\s+", " ", result.stdout + result.stderr)
    new = {p.relative_to(copy).as_posix() for p in (copy / "data").rglob("*") if p.is_file()} - before
    for versioned in ("decisions.parquet", "selection.parquet", "selection_report.md", "curate_metrics.json"):
        assert any(f"/{versioned}/" in path for path in new), f"{versioned}: no new version written"
    assert digests(copy) == expected
