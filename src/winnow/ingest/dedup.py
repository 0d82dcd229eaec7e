"""Near-duplicate clusters with MinHash LSH (rensa, a Rust MinHash), joined by union-find."""

import re

from rensa import RMinHash, RMinHashLSH

_WORD = re.compile(r"\w+")


def shingles(text: str, n: int) -> list[str]:
    """Word n-grams of the lower-cased text; short texts fall back to their whole word sequence."""
    words = _WORD.findall(text.lower())
    if len(words) <= n:
        return [" ".join(words)]
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


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
    """Cluster label for each document: the smallest id among documents it is a near-duplicate of.

    Candidates come from LSH banding and are confirmed by estimated Jaccard >= threshold, so a
    band collision alone never merges two documents. Singletons are labelled with their own id.
    """
    if len(ids) != len(texts):
        raise ValueError(f"{len(ids)} ids but {len(texts)} texts")
    lsh = RMinHashLSH(threshold=threshold, num_perm=num_perm, num_bands=num_bands)
    minhashes = []
    for key, text in enumerate(texts):
        mh = RMinHash(num_perm=num_perm, seed=seed)
        mh.update(shingles(text, shingle_words))
        lsh.insert(key, mh)
        minhashes.append(mh)

    parent = list(range(len(ids)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for key, mh in enumerate(minhashes):
        for other in lsh.query(mh):
            if other != key and mh.jaccard(minhashes[other]) >= threshold:
                a, b = root(key), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)

    smallest: dict[int, str] = {}
    for i, doc_id in enumerate(ids):
        r = root(i)
        smallest[r] = min(smallest.get(r, doc_id), doc_id)
    return [smallest[root(i)] for i in range(len(ids))]
