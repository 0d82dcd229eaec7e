"""Near-duplicate clusters with MinHash LSH: signatures (rensa, a Rust MinHash), band keys, and
connected components of the candidate pairs whose estimated Jaccard clears the threshold.

The steps are split so that a corpus on disk never needs every signature in memory: band keys
are written per shard and grouped one band at a time (`candidate_buckets`); only the signatures of
documents that share a bucket are read back to confirm (`confirmed_edges`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

import numpy as np
from rensa import RMinHash
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_WORD = re.compile(r"\w+")
PAIRWISE_BUCKET_LIMIT = 1000  # a larger bucket is confirmed against its first member only (k^2 pairs otherwise)


def shingles(text: str, n: int) -> list[str]:
    """Word n-grams of the lower-cased text; short texts fall back to their whole word sequence."""
    words = _WORD.findall(text.lower())
    if len(words) <= n:
        return [" ".join(words)]
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def signatures(texts: Iterable[str], *, num_perm: int = 128, shingle_words: int = 5, seed: int = 42) -> np.ndarray:
    """(n, num_perm) uint32 MinHash signatures of word-shingle sets."""
    token_sets = [shingles(t, shingle_words) for t in texts]
    if not token_sets:
        return np.zeros((0, num_perm), dtype=np.uint32)
    rows = RMinHash.digest_matrix_from_token_sets(token_sets, num_perm, seed).to_rows()
    return np.asarray(rows, dtype=np.uint32)


def band_keys(sigs: np.ndarray, num_bands: int) -> np.ndarray:
    """(n, num_bands) uint64: a hash of each band's rows; equal keys in a band make a candidate pair."""
    n, num_perm = sigs.shape
    if num_perm % num_bands:
        raise ValueError(f"num_perm {num_perm} is not a multiple of num_bands {num_bands}")
    # splitmix64 of each (position, value), summed per band: vectorised, and two different bands
    # collide with probability ~2^-64, so the key stands for the band's rows
    x = sigs.astype(np.uint64) + np.arange(num_perm, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x.reshape(n, num_bands, num_perm // num_bands).sum(axis=2, dtype=np.uint64)


def candidate_buckets(band_columns: Iterable[np.ndarray]) -> list[np.ndarray]:
    """Groups of row indices sharing a key in some band (one array of keys per band, all the same
    length); each group sorted, repeats across bands removed."""
    seen, buckets = set(), []
    for keys in band_columns:
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1]):
            members = np.sort(order[start : start + size])
            key = members.tobytes()
            if key not in seen:
                seen.add(key)
                buckets.append(members)
    return buckets


def confirmed_edges(buckets: list[np.ndarray], signature_of: Callable[[np.ndarray], np.ndarray],
                    threshold: float) -> np.ndarray:
    """(k, 2) pairs within a bucket whose estimated Jaccard (share of equal signature rows) is >= threshold,
    so a band collision alone never merges two documents. `signature_of(indices)` returns their signatures."""
    edges = []
    for members in buckets:
        sigs = signature_of(members)
        if len(members) > PAIRWISE_BUCKET_LIMIT:
            similar = (sigs == sigs[0]).mean(axis=1) >= threshold
            edges += [(members[0], m) for m in members[1:][similar[1:]]]
            continue
        jaccard = (sigs[:, None, :] == sigs[None, :, :]).mean(axis=2)
        a, b = np.nonzero(np.triu(jaccard >= threshold, k=1))
        edges += list(zip(members[a], members[b]))
    return np.asarray(edges, dtype=np.int64).reshape(-1, 2)


def components(n: int, edges: np.ndarray) -> np.ndarray:
    """Connected-component label of each of `n` rows given undirected `edges`."""
    graph = coo_matrix((np.ones(len(edges), dtype=np.int8), (edges[:, 0], edges[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def cluster_labels(ids: list[str], labels: np.ndarray) -> list[str]:
    """Each row's cluster named by the smallest id in it; a singleton is named by its own id."""
    smallest: dict[int, str] = {}
    for doc_id, label in zip(ids, labels):
        smallest[label] = min(smallest.get(label, doc_id), doc_id)
    return [smallest[label] for label in labels]


def near_duplicate_clusters(
    ids: list[str],
    texts: list[str],
    *,
    threshold: float = 0.8,
    num_perm: int = 128,
    num_bands: int = 16,
    shingle_words: int = 5,
    seed: int = 42,
) -> list[str]:
    """Cluster label for each document (in memory): the smallest id among its near-duplicates."""
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
    sigs = signatures(texts, num_perm=num_perm, shingle_words=shingle_words, seed=seed)
    keys = band_keys(sigs, num_bands)
    buckets = candidate_buckets(keys[:, b] for b in range(num_bands))
    edges = confirmed_edges(buckets, lambda rows: sigs[rows], threshold)
    return cluster_labels(ids, components(len(ids), edges))
