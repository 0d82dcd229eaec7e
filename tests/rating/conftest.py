import gzip
import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tests.conftest import PROJECT, SAMPLE
from winnow.ingest.text import content_id, normalise_text
from winnow.rating import read_pairwise_ratings, read_pointwise_ratings

RATINGS = PROJECT / "data" / "01_raw" / "ratings"
_TRAILING_SPACE, _BLANK_RUNS = re.compile(r"[ \t]+\n"), re.compile(r"\n{3,}")


def quick_normalise(text: str) -> str:
    """`normalise_text` without ftfy (ftfy costs ~10 s over the whole sample). Same result for
    most texts; where it differs, the content id tells (see `rated_documents`)."""
    text = _TRAILING_SPACE.sub("\n", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_RUNS.sub("\n\n", text).strip()


def sample_texts(file: str) -> list[str]:
    """Raw texts of one sample file, in record order (= ingest's `position`)."""
    if file.endswith(".parquet"):
        return pq.read_table(SAMPLE / file, columns=["text"]).column("text").to_pylist()
    with gzip.open(SAMPLE / file, "rt", encoding="utf-8") as fh:
        return [json.loads(line).get("text") for line in fh if line.strip()]


@pytest.fixture(scope="session")
def rated_documents() -> pd.DataFrame:
    """`id, text, source, kind` of every document the shipped ratings name, read from the sample at
    the (file, position) listed in sample_rated_documents.csv; each text must hash to its id."""
    listing = pd.read_csv(RATINGS / "sample_rated_documents.csv", dtype={"id": str})
    texts = []
    for row in listing.itertuples():
        raw = sample_texts_cached(row.file)[row.position]
        text = quick_normalise(raw)
        texts.append(text if content_id(text) == row.id else normalise_text(raw))
    listing["text"] = texts
    bad = listing[listing["text"].map(content_id) != listing["id"]]
    assert bad.empty, f"sample_rated_documents.csv lists ids that are not their texts' ids: {bad['id'].head().tolist()}"
    return listing[["id", "text", "source", "kind"]]


_CACHE: dict[str, list[str]] = {}


def sample_texts_cached(file: str) -> list[str]:
    if file not in _CACHE:
        _CACHE[file] = sample_texts(file)
    return _CACHE[file]


@pytest.fixture(scope="session")
def shipped_ratings(rated_documents):
    """(pairs, pair quarantine, points, point quarantine) read from the shipped files."""
    pairs, pair_quarantine = read_pairwise_ratings(RATINGS / "sample_pairwise.csv", rated_documents["id"])
    points, point_quarantine = read_pointwise_ratings(RATINGS / "sample_pointwise.csv", rated_documents["id"])
    return pairs, pair_quarantine, points, point_quarantine
