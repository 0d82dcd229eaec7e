"""Sharded ingest on real sample files: the same documents whatever the shard count, the first copy of
a text wins across shards, near-duplicates cluster across shards, a crashed run redoes only
unfinished shards, and the documents dataset is replaced as a whole."""

import gzip
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLE, load_parameters
from winnow import engine
from winnow.config import EngineConfig
from winnow.datasets import ShardedParquetDataset
from winnow.ingest import shards as shard_module
from winnow.pipelines.ingest.nodes import find_duplicates, read_shards, write_documents

FILES = ["bbc_news.jsonl.gz", "fortunes.jsonl.gz", "sms_spam.jsonl.gz", "python_docs.parquet"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Four real sample files, plus a later file repeating one article verbatim and one lightly edited."""
    root = tmp_path_factory.mktemp("corpus")
    for name in FILES:
        shutil.copy(SAMPLE / name, root / name)
    with gzip.open(SAMPLE / "bbc_news.jsonl.gz", "rt") as fh:
        articles = [json.loads(line) for line, _ in zip(fh, range(2))]
    edited = articles[1]["text"].replace(" the ", " a ", 2) + " Additional reporting by staff."
    (root / "zz_reposts.jsonl").write_text(json.dumps({"text": articles[0]["text"], "source": "repost"}) + "\n"
                                           + json.dumps({"text": edited, "source": "repost"}) + "\n")
    return root


def ingest(corpus, work_dir, shard_bytes, workers=1):
    params = load_parameters("ingest")
    config = {**params["ingest"], "raw_dir": str(corpus), "work_dir": str(work_dir), "shard_bytes": shard_bytes}
    engine.use(EngineConfig.model_validate({**params["engine"], "workers": workers}))
    try:
        index, quarantine, manifest = read_shards(config, params["near_dedup"])
    finally:
        engine.use(EngineConfig(name="local", address=None, workers=1))
    exact, near = find_duplicates(index, params["near_dedup"])
    parts = write_documents(index, exact, near)
    return {"index": index, "quarantine": quarantine, "manifest": manifest, "exact": exact, "near": near,
            "documents": pd.concat([load().to_pandas() for load in parts.values()], ignore_index=True)}


@pytest.fixture(scope="module")
def one_shard(corpus, tmp_path_factory):
    return ingest(corpus, tmp_path_factory.mktemp("one"), shard_bytes=1 << 30)


@pytest.fixture(scope="module")
def per_file(corpus, tmp_path_factory):
    return ingest(corpus, tmp_path_factory.mktemp("per_file"), shard_bytes=1, workers=2)


def test_every_shard_count_gives_the_same_documents_duplicates_and_accounting(one_shard, per_file):
    assert len(one_shard["index"]) == 1 and len(per_file["index"]) == len(FILES) + 1
    for name in ("documents", "exact", "near", "manifest", "quarantine"):
        pd.testing.assert_frame_equal(one_shard[name], per_file[name], check_dtype=False)
    read = per_file["manifest"]["n_read"].sum()
    assert read == len(per_file["documents"]) + len(per_file["exact"]) == per_file["index"]["n_read"].sum()


def test_the_first_copy_in_file_order_is_the_document_and_a_near_copy_joins_its_cluster(per_file):
    docs, exact, near = per_file["documents"], per_file["exact"], per_file["near"]
    assert exact[exact["file"] == "zz_reposts.jsonl"]["position"].tolist() == [0]
    original = docs[(docs["file"] == "bbc_news.jsonl.gz") & (docs["position"] == 1)].iloc[0]
    edited = docs[(docs["file"] == "zz_reposts.jsonl") & (docs["position"] == 1)].iloc[0]
    assert edited["dup_cluster"] == original["dup_cluster"] == min(original["id"], edited["id"])
    cluster = near[near["dup_cluster"] == original["dup_cluster"]]
    assert set(cluster["file"]) >= {"bbc_news.jsonl.gz", "zz_reposts.jsonl"} and (cluster["cluster_size"] >= 2).all()
    alone = docs[~docs["id"].isin(near["id"])]
    assert (alone["dup_cluster"] == alone["id"]).all()


def test_a_crashed_run_redoes_only_the_shards_that_had_not_finished(corpus, tmp_path, monkeypatch):
    real = shard_module.read_file

    def crash_on_sms(path, rel):
        if rel.startswith("sms"):
            raise RuntimeError("killed")
        return real(path, rel)

    monkeypatch.setattr(shard_module, "read_file", crash_on_sms)
    with pytest.raises(RuntimeError, match="killed"):
        ingest(corpus, tmp_path, shard_bytes=1)
    finished = {p: p.stat().st_mtime_ns for p in tmp_path.glob("*.parquet")}
    assert len(finished) == 3 and not list(tmp_path.glob(".*"))  # bbc, fortunes, python_docs; no half-written part
    monkeypatch.setattr(shard_module, "read_file", real)
    again = ingest(corpus, tmp_path, shard_bytes=1)
    assert len(list(tmp_path.glob("*.parquet"))) == len(FILES) + 1
    assert all(p.stat().st_mtime_ns == t for p, t in finished.items())
    assert len(again["documents"]) + len(again["exact"]) == again["manifest"]["n_read"].sum()


def test_the_documents_dataset_is_replaced_whole_and_reads_as_one_table(tmp_path):
    path = tmp_path / "documents.parquet"
    pd.DataFrame({"id": ["old"]}).to_parquet(path)  # a single file written by an older Winnow
    dataset = ShardedParquetDataset(str(path))
    dataset.save({"part-00000": pd.DataFrame({"id": ["a", "b"]}), "part-00001": lambda: pd.DataFrame({"id": ["c"]})})
    assert dataset.load().to_frame()["id"].tolist() == ["a", "b", "c"]
    assert [f["id"].tolist() for f in dataset.load().frames()] == [["a", "b"], ["c"]]
    dataset.save(pd.DataFrame({"id": ["d"]}))
    assert sorted(p.name for p in path.iterdir()) == ["part-00000.parquet"]  # no stale part of the last run
    assert pd.read_parquet(path)["id"].tolist() == ["d"]
    assert [p.name for p in tmp_path.iterdir()] == ["documents.parquet"]
