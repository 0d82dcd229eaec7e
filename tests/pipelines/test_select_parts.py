"""`decisions` and `selection` are written a part per `documents` part: the same decisions as one
table, every kept document once, each part best first, one schema across parts (an empty part too)."""

import gzip
import json

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import SAMPLE
from winnow.datasets import ShardedParquetDataset
from winnow.ingest.text import content_id, normalise_text
from winnow.pipelines.select.nodes import account_for_documents, build_selection, decide_documents
from winnow.selection.select import decide

SELECT = {"languages": ["en"], "min_lang_score": 0.65, "drop_near_duplicates": True, "mode": "top_fraction",
          "min_score": 0.5, "top_fraction": 0.4, "token_budget": 100, "temperature": 2.0, "seed": 0,
          "hard_filters": {}, "quotas": {}, "redact_pii": True}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """Real sample texts as three documents parts (the last all spam, so nothing in it is kept), one
    exact copy, and scores that prefer news."""
    rows = []
    for name, n in [("bbc_news", 60), ("gcide", 30), ("sms_spam", 30)]:
        with gzip.open(SAMPLE / f"{name}.jsonl.gz", "rt") as f:
            rows += [{"text": normalise_text(json.loads(line)["text"]), "source": name, "file": f"{name}.jsonl.gz",
                      "position": i} for i, line in zip(range(n), f)]
    docs = pd.DataFrame(rows).drop_duplicates("text").reset_index(drop=True)
    docs["id"] = docs["text"].map(content_id)
    docs = docs.assign(url=None, n_chars=docs["text"].str.len(), lang="en", lang_score=0.99, dup_cluster=docs["id"],
                       meta=None)[["id", "text", "source", "url", "n_chars", "lang", "lang_score", "dup_cluster",
                                   "file", "position", "meta"]]
    docs.loc[0, "text"] += " Write to ann.lee@example.com for more."  # personal data to redact
    cut = [0, 50, len(docs) - 30, len(docs)]
    folder = tmp_path_factory.mktemp("parts")
    dataset = ShardedParquetDataset(str(folder / "documents.parquet"))
    dataset.save({f"part-{i:05d}": docs.iloc[cut[i]:cut[i + 1]] for i in range(3)})
    rng = np.random.default_rng(0)
    scores = pd.DataFrame({"id": docs["id"], "score": (docs["source"] == "bbc_news") + rng.uniform(0, 0.9, len(docs)),
                           "failed_rules": ""})
    copy = docs.loc[[3], ["id", "source"]].assign(file="again.jsonl", position=0)
    return dataset.load(), docs, copy, scores, folder


def test_parts_hold_the_same_decisions_and_the_selection_a_part_at_a_time(corpus):
    parts, docs, copy, scores, folder = corpus
    decisions_ds = ShardedParquetDataset(str(folder / "decisions.parquet"))
    decisions_ds.save(decide_documents(parts, copy, scores, SELECT))
    decisions = decisions_ds.load()
    assert len(decisions.paths) == 3
    whole = decisions.to_frame()
    single = decide(docs, scores, SELECT)
    assert len(whole) == len(docs) + 1 and whole["reason"].eq("exact_duplicate").sum() == 1
    pd.testing.assert_frame_equal(whole[whole["reason"] != "exact_duplicate"].set_index("id")[["kept", "rank", "reason"]]
                                  .sort_index(), single.set_index("id")[["kept", "rank", "reason"]].sort_index(),
                                  check_dtype=False)
    for i, part in enumerate(decisions.frames(["id"])):  # each document's decision sits in its own part
        assert set(part["id"]) == set(pd.read_parquet(parts.paths[i], columns=["id"])["id"])

    manifest = docs.groupby("file").size().rename("n_records").reset_index()
    manifest = pd.concat([manifest, pd.DataFrame({"file": ["again.jsonl"], "n_records": [1]})])
    totals = account_for_documents(manifest, decisions,
                                   pd.DataFrame(columns=["file", "position", "error", "snippet"]))
    selection_ds = ShardedParquetDataset(str(folder / "selection.parquet"))
    selection_ds.save(build_selection(parts, decisions, totals, SELECT, {"phone_regions": ["US"]}))
    selection = selection_ds.load()
    frames = list(selection.frames())
    assert [len(f) for f in frames][2] == 0  # the spam part kept nothing, and still has every column
    schemas = {str(pq.read_schema(p).remove_metadata()) for p in selection.paths}
    assert len(schemas) == 1
    kept = set(whole.loc[whole["kept"], "id"])
    assert sorted(pd.concat(frames)["id"]) == sorted(kept)
    assert all(f["rank"].is_monotonic_increasing for f in frames)
    first = pd.concat(frames).set_index("id").loc[docs.loc[0, "id"]]
    assert "<EMAIL>" in first["text"] and first["pii_redacted"] == 1
