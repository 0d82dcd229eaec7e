"""Rated ids resolve against the corpus, the ratings' own texts, or the folder the ratings were made on."""

import json

import pandas as pd

from tests.conftest import PROJECT, SAMPLE
from winnow.ingest.text import content_id, normalise_text
from winnow.rating.rated_documents import carried_texts, named_ids, texts_from_folder
from winnow.rating.ratings import read_pairwise_ratings

RATED = PROJECT / "data/01_raw/ratings/sample_rated_documents.csv"


def test_shipped_ratings_resolve_in_the_sample_folder_to_the_ids_ingest_gives():
    rated = pd.read_csv(RATED)
    wanted = set(rated["id"].head(40)) | {"f" * 32}  # one id that is in no file
    found = texts_from_folder(SAMPLE, wanted, ["*PROVENANCE.md", "*provenance.json"])
    assert set(found["id"]) == wanted - {"f" * 32}
    assert (found["id"] == found["text"].map(content_id)).all()  # the text hashes to its id
    shipped = named_ids(PROJECT / "data/01_raw/ratings/sample_pairwise.csv", "pairwise")
    assert set(rated["id"]) <= shipped | named_ids(PROJECT / "data/01_raw/ratings/sample_pointwise.csv", "pointwise")


def test_a_ratings_file_may_carry_the_texts_it_rates(tmp_path):
    good, bad = "A clear account of how tides follow the moon.", "cheap pills cheap pills cheap"
    a_id, b_id = content_id(normalise_text(good)), content_id(normalise_text(bad))
    path = tmp_path / "pairs.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in [
        {"a_id": a_id, "b_id": b_id, "preferred": "a", "rater": "me", "a_text": good, "b_text": bad},
        {"a_id": "1" * 32, "b_id": b_id, "preferred": "b", "rater": "me"},  # no text for a_id: unknown
    ]) + "\n")
    texts = carried_texts(path, "pairwise")
    assert dict(zip(texts["id"], texts["text"])) == {a_id: good, b_id: bad}
    valid, quarantine = read_pairwise_ratings(path, texts["id"])
    assert valid["a_id"].tolist() == [a_id]
    assert quarantine["error"].tolist() == [f"pairs.jsonl line 2: unknown document id '{'1' * 32}' in a_id"]


def test_ratings_without_text_columns_carry_no_texts():
    assert carried_texts(PROJECT / "data/01_raw/ratings/sample_pairwise.csv", "pairwise").empty


def test_a_folder_that_gains_the_missing_document_is_read_again(tmp_path):
    from winnow.rating.rated_documents import resolve_rated_documents

    texts = ["The first rated passage, about tides and the moon.", "The second rated passage, about rivers."]
    ids = [content_id(normalise_text(t)) for t in texts]
    ratings = tmp_path / "pairs.csv"
    ratings.write_text(f"a_id,b_id,preferred,rater\n{ids[0]},{ids[1]},a,me\n")
    folder = tmp_path / "rated"
    folder.mkdir()
    (folder / "one.jsonl").write_text(json.dumps({"text": texts[0]}) + "\n")
    empty = pd.DataFrame(columns=["id", "text"])
    first, counts = resolve_rated_documents(empty, {"pairwise": ratings}, folder, [], tmp_path / "cache")
    assert counts["rated_docs_from_rated_corpus"] == 1
    (folder / "two.jsonl").write_text(json.dumps({"text": texts[1]}) + "\n")
    second, counts = resolve_rated_documents(empty, {"pairwise": ratings}, folder, [], tmp_path / "cache")
    assert counts["rated_docs_from_rated_corpus"] == 2 and set(second["id"]) == set(ids)
