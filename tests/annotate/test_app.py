"""The app's API on a small real-text corpus: bad input gets a 4xx with a JSON message and changes
nothing; gold documents are never shown; the CLI refuses a missing corpus by name."""

import pytest
from fastapi.testclient import TestClient

from tests.annotate.corpus import HTML_TEXT
from tests.conftest import PROJECT
from winnow.annotate.__main__ import main
from winnow.annotate.app import create_app
from winnow.annotate.store import all_judgments, opened
from winnow.rating.ratings import read_pairwise_ratings

SESSION = {"rater": "alice", "session": "session-0001"}


@pytest.fixture
def client(annotate_config):
    return TestClient(create_app(annotate_config))


def stored(config) -> tuple[bytes, int]:
    """The export file's bytes and the number of stored judgments."""
    with opened(config.db) as conn:
        return config.export.read_bytes(), len(all_judgments(conn))


def judge(client, choice="a", **override):
    pair = client.get("/api/next", params=SESSION).json()["pair"]
    body = {**SESSION, "token": pair["token"], "a_id": pair["a"]["id"], "b_id": pair["b"]["id"],
            "choice": choice, "kind": pair["kind"], **override}
    return pair, client.post("/api/judgments", json=body)


def test_judgments_are_stored_exported_and_counted(client, annotate_config, annotate_docs):
    shown = [judge(client, choice)[0] for choice in ("a", "b", "tie", "skip")]
    progress = client.get("/api/progress", params=SESSION).json()
    assert progress == {"judged": 3, "skipped": 1, "judged_all_sessions": 3, "target": 5}
    valid, quarantine = read_pairwise_ratings(annotate_config.export, annotate_docs["id"])
    assert quarantine.empty and valid["preferred"].tolist() == ["a", "b", "tie"]
    gold = annotate_docs["id"].iloc[0]
    assert all(gold not in (p["a"]["id"], p["b"]["id"]) for p in shown)


def test_document_text_is_sent_as_it_is_for_the_page_to_show_as_text(html_pair_config):
    pair = TestClient(create_app(html_pair_config)).get("/api/next", params=SESSION).json()["pair"]
    assert HTML_TEXT in (pair["a"]["text"], pair["b"]["text"])


@pytest.mark.parametrize("override, status, message", [
    ({"a_id": "0" * 32}, 422, "unknown document id '00000000000000000000000000000000' in a_id"),
    ({"choice": "maybe"}, 422, "choice: Input should be 'a', 'b', 'tie' or 'skip'"),
    ({"rater": "x" * 65}, 422, "rater: rater name must be 1 to 64 characters, got 65"),
    ({"rater": "<script>"}, 422, "rater: rater name may hold only letters"),
    ({"token": "short"}, 422, "token: String should match pattern"),
    ({"kind": "favourite"}, 422, "kind: Input should be 'uncertain', 'random', 'shared' or 'repeat'"),
    ({"extra": 1}, 422, "extra: Extra inputs are not permitted"),
    ({"a_id": 5}, 422, "a_id: Input should be a valid string"),
])
def test_bad_judgments_are_refused_and_change_nothing(client, annotate_config, override, status, message):
    judge(client)
    before = stored(annotate_config)
    _, answer = judge(client, **override)
    assert answer.status_code == status and message in answer.json()["error"]
    assert stored(annotate_config) == before


def test_the_same_document_twice_is_refused(client, annotate_docs):
    doc = annotate_docs["id"].iloc[2]
    _, answer = judge(client, a_id=doc, b_id=doc)
    assert answer.status_code == 422 and answer.json() == {"error": "a_id and b_id are the same document"}


@pytest.mark.parametrize("body, headers, status, message", [
    (b'{"token": ', {"content-type": "application/json"}, 400, "body is not valid JSON"),
    (b"[1, 2]", {"content-type": "application/json"}, 422, "expected a JSON object, got list"),
    (b"choice=a", {"content-type": "application/x-www-form-urlencoded"}, 415, "send the judgment as JSON"),
    (b"{" + b" " * 5000 + b"}", {"content-type": "application/json"}, 413, "request body over 4096 bytes"),
])
def test_malformed_posts_are_refused(client, body, headers, status, message):
    answer = client.post("/api/judgments", content=body, headers=headers)
    assert answer.status_code == status and message in answer.json()["error"]


def test_bad_queries_and_unknown_routes_answer_in_json(client):
    assert client.get("/api/next", params={"rater": "alice"}).json() == {"error": "session: Field required"}
    assert client.get("/api/next", params={**SESSION, "session": "a b"}).status_code == 422
    assert client.get("/nowhere").json() == {"error": "not found: GET /nowhere"}
    page = client.get("/")
    assert "default-src 'self'" in page.headers["content-security-policy"] and "annotate.js" in page.text


def test_stats_before_any_retraining(client):
    judge(client)
    stats = client.get("/api/stats").json()
    assert stats["judgments"]["raters"][0]["rater"] == "alice"
    assert stats["model"]["status"] == "not retrained yet"


def test_cli_export_and_a_missing_corpus_named(annotate_config, client, tmp_path, capsys):
    judge(client, "b")
    out = tmp_path / "combined.csv"
    sample = PROJECT / "data/01_raw/ratings/sample_pairwise.csv"
    assert main(["export", "--db", str(annotate_config.db), "--out", str(out), "--include", str(sample)]) == 0
    assert "1 judgments by 1 rater(s) after 2008 rows" in capsys.readouterr().out
    with pytest.raises(SystemExit, match="nowhere.parquet: not found; run `kedro run --pipeline=curate` first"):
        main(["--documents", str(tmp_path / "nowhere.parquet")])


def test_a_judgment_is_kept_even_when_the_export_cannot_be_written(client, annotate_config):
    annotate_config.export.unlink()
    annotate_config.export.mkdir()  # now a folder: the CSV cannot replace it
    _, answer = judge(client)
    assert answer.status_code == 201 and "human_pairwise.csv" in answer.json()["export_error"]
    with opened(annotate_config.db) as conn:
        assert len(all_judgments(conn)) == 1
