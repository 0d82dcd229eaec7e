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


def test_a_band_collision_alone_never_merges_and_large_buckets_link_to_their_first_member(monkeypatch):
    import numpy as np

    from winnow.ingest import dedup

    rng = np.random.default_rng(0)
    sigs = rng.integers(0, 2**32, size=(4, 128), dtype=np.uint64).astype(np.uint32)
    sigs[1, :8] = sigs[0, :8]  # rows 0 and 1 share band 0 only: estimated Jaccard 8/128
    sigs[3] = sigs[2]
    sigs[3, -10:] += 1         # rows 2 and 3 agree on 118 of 128 rows: Jaccard 0.92, most bands equal
    keys = dedup.band_keys(sigs, 16)
    buckets = dedup.candidate_buckets(keys[:, b] for b in range(16))
    assert sorted(map(list, buckets)) == [[0, 1], [2, 3]]
    edges = dedup.confirmed_edges(buckets, lambda rows: sigs[rows], 0.8)
    assert edges.tolist() == [[2, 3]]
    assert dedup.cluster_labels(list("abcd"), dedup.components(4, edges)) == ["a", "b", "c", "c"]

    many = np.repeat(sigs[2:3], 5, axis=0)
    many[4] = sigs[0]  # in the bucket by assumption, unlike its first member
    monkeypatch.setattr(dedup, "PAIRWISE_BUCKET_LIMIT", 3)
    edges = dedup.confirmed_edges([np.arange(5)], lambda rows: many[rows], 0.8)
    assert edges.tolist() == [[0, 1], [0, 2], [0, 3]]
