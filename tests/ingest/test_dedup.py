from tests.conftest import SAMPLE
from winnow.ingest.dedup import near_duplicate_clusters
from winnow.ingest.readers import read_file


def test_near_duplicates_of_real_articles_cluster_and_distinct_ones_do_not():
    records = [r for r in read_file(SAMPLE / "bbc_news.jsonl.gz", "bbc") if hasattr(r, "text")][:40]
    texts = [r.text for r in records]
    edited = texts[0].replace(" the ", " a ", 3) + " Additional reporting by staff."
    ids = [f"d{i:02d}" for i in range(len(texts))] + ["z_edit"]
    clusters = near_duplicate_clusters(ids, texts + [edited])
    assert clusters[-1] == "d00" and clusters[0] == "d00"
    assert len(set(clusters[1:-1])) >= len(texts) - 3  # unrelated articles stay apart
