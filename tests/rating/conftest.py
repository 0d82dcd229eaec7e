import gzip
import json
from functools import cache

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT, SAMPLE
from winnow.ingest.text import content_id, normalise_text
from winnow.rating import read_pairwise_ratings, read_pointwise_ratings

RATINGS = PROJECT / "data" / "01_raw" / "ratings"


@cache
def sample_texts(file: str) -> tuple[str, ...]:
    """Raw texts of one sample file, in record order (= ingest's `position`)."""
    if file.endswith(".parquet"):
        return tuple(pq.read_table(SAMPLE / file, columns=["text"]).column("text").to_pylist())
    with gzip.open(SAMPLE / file, "rt", encoding="utf-8") as fh:
        return tuple(json.loads(line).get("text") for line in fh if line.strip())


@pytest.fixture(scope="session")
def rated_documents() -> pd.DataFrame:
    """`id, text, source, kind` of every document the shipped ratings name, read from the sample at
    the (file, position) listed in sample_rated_documents.csv; each text must hash to its id."""
    listing = pd.read_csv(RATINGS / "sample_rated_documents.csv", dtype={"id": str})
    listing["text"] = [normalise_text(sample_texts(row.file)[row.position]) for row in listing.itertuples()]
    bad = listing[listing["text"].map(content_id) != listing["id"]]
    assert bad.empty, f"sample_rated_documents.csv lists ids that are not their texts' ids: {bad['id'].head().tolist()}"
    return listing[["id", "text", "source", "kind"]]


@pytest.fixture(scope="session")
def shipped_ratings(rated_documents):
    """(pairs, pair quarantine, points, point quarantine) read from the shipped files."""
    pairs, pair_quarantine = read_pairwise_ratings(RATINGS / "sample_pairwise.csv", rated_documents["id"])
    points, point_quarantine = read_pointwise_ratings(RATINGS / "sample_pointwise.csv", rated_documents["id"])
    return pairs, pair_quarantine, points, point_quarantine
