import pandas as pd

from tests.conftest import SAMPLE
from winnow.ingest.dedup import near_duplicate_clusters
from winnow.ingest.readers import read_file
from winnow.pipelines.ingest.nodes import drop_exact_duplicates


def test_near_duplicates_of_real_articles_cluster_and_distinct_ones_do_not():
    records = [r for r in read_file(SAMPLE / "bbc_news.jsonl.gz", "bbc") if hasattr(r, "text")][:40]
    texts = [r.text for r in records]
    edited = texts[0].replace(" the ", " a ", 3) + " Additional reporting by staff."
    ids = [f"d{i:02d}" for i in range(len(texts))] + ["z_edit"]
    clusters = near_duplicate_clusters(ids, texts + [edited])
    assert clusters[-1] == "d00" and clusters[0] == "d00"
    assert len(set(clusters[1:-1])) >= len(texts) - 3  # unrelated articles stay apart


def test_exact_duplicates_keep_the_first_copy():
    records = pd.DataFrame({"id": ["a", "b", "a"], "source": ["s1", "s2", "s3"], "file": ["f", "f", "g"],
                            "position": [0, 1, 0], "text": ["x", "y", "x"]})
    unique, copies = drop_exact_duplicates(records)
    assert unique["source"].tolist() == ["s1", "s2"]
    assert copies.to_dict("records") == [{"id": "a", "source": "s3", "file": "g", "position": 0}]
