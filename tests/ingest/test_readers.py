"""Every input format reads, and every malformed input ends in quarantine with a clear message."""

import gzip
import json
import shutil

import pandas as pd
import pytest

from tests.conftest import SAMPLE
from winnow.ingest.readers import Failure, Record, list_input_files, read_file
from winnow.ingest.text import content_id, normalise_text

PROSE = "A short paragraph of ordinary English prose, written to be read by people."


def read_all(path, rel=None):
    items = list(read_file(path, rel or path.name))
    return [i for i in items if isinstance(i, Record)], [i for i in items if isinstance(i, Failure)]


def test_jsonl_fields_and_default_source(tmp_path):
    path = tmp_path / "forum_posts.jsonl"
    path.write_text(json.dumps({"text": PROSE, "url": "http://x", "meta": {"lang": "en"}, "votes": 3}) + "\n\n"
                    + json.dumps({"text": PROSE + " Again.", "source": "forum"}) + "\n")
    records, failures = read_all(path)
    assert not failures
    assert [r.source for r in records] == ["forum_posts", "forum"]
    assert records[0].url == "http://x" and records[0].meta == {"lang": "en", "votes": 3}
    assert [r.position for r in records] == [0, 1]  # the blank line is not a record


def test_gzipped_jsonl_from_sample():
    records, failures = read_all(SAMPLE / "bbc_news.jsonl.gz")
    assert len(records) > 2000 and not failures
    assert all(r.source == "bbc_news" and r.text for r in records[:50])


def test_parquet_from_sample():
    records, failures = read_all(SAMPLE / "python_docs.parquet")
    assert len(records) > 1000 and not failures
    assert records[0].source == "python_docs" and isinstance(records[0].meta, dict)


def test_parquet_without_text_column_is_quarantined(tmp_path):
    path = tmp_path / "bad.parquet"
    pd.DataFrame({"body": ["x"]}).to_parquet(path)
    records, failures = read_all(path)
    assert not records and "no 'text' column" in failures[0].error


def test_plain_text_file_is_one_document():
    path = sorted((SAMPLE / "txt").glob("*.txt"))[0]
    records, failures = read_all(path, f"txt/{path.name}")
    assert len(records) == 1 and not failures
    assert records[0].source == "txt" and records[0].text == normalise_text(path.read_text())


def test_html_main_text_without_navigation(tmp_path):
    page = tmp_path / "page.html"
    body = " ".join([PROSE] * 6)
    page.write_text(f"<html><body><nav><a href='/'>Home</a> | <a href='/about'>About us</a></nav>"
                    f"<article><h1>Title</h1><p>{body}</p><p>{body}</p></article>"
                    f"<footer>Copyright 2024 Example Corp. All rights reserved.</footer></body></html>")
    records, failures = read_all(page)
    assert not failures and PROSE in records[0].text
    assert "About us" not in records[0].text and "All rights reserved" not in records[0].text


def test_real_html_pages_from_sample():
    pages = sorted((SAMPLE / "html").glob("*.html"))
    assert len(pages) >= 20
    texts = [read_all(p)[0] for p in pages[:5]]
    assert all(len(r) == 1 and len(r[0].text) > 200 for r in texts)


def test_warc_html_records_become_documents_and_the_rest_is_accounted():
    path = next((SAMPLE / "warc").glob("*.warc.gz"))
    records, failures = read_all(path)
    assert records, "the sample WARC holds HTML responses"
    assert all(r.url and r.url.startswith("http") for r in records)
    positions = sorted([r.position for r in records] + [f.position for f in failures])
    assert positions == list(range(len(positions)))  # one outcome per response record
    assert all("WARC payload type" in f.error or "no main text" in f.error for f in failures)


@pytest.mark.parametrize(
    "line,message",
    [
        (b'{"text": "unterminated', "invalid JSON"),
        (b'{"text": "caf\xe9 au lait"}', "invalid UTF-8 at byte"),
        (b'{"text": ""}', "empty text"),
        (b'{"text": "   \\n  "}', "empty text"),
        (b'{"body": "no text field"}', "missing field 'text'"),
        (b'{"text": 42}', "field 'text' must be a string, got int"),
        (b'["a", "list"]', "expected a JSON object, got list"),
    ],
)
def test_malformed_jsonl_lines_are_quarantined_and_neighbours_kept(tmp_path, line, message):
    path = tmp_path / "mixed.jsonl"
    good = json.dumps({"text": PROSE}).encode()
    path.write_bytes(good + b"\n" + line + b"\n" + good.replace(b"prose", b"text") + b"\n")
    records, failures = read_all(path)
    assert [r.position for r in records] == [0, 2]
    assert len(failures) == 1 and failures[0].position == 1 and failures[0].file == "mixed.jsonl"
    assert message in failures[0].error


def test_binary_and_non_utf8_text_files_are_quarantined(tmp_path):
    (tmp_path / "blob.txt").write_bytes(gzip.compress(b"binary payload" * 20))
    (tmp_path / "latin1.txt").write_bytes("caf\u00e9".encode("latin-1"))
    _, binary = read_all(tmp_path / "blob.txt")
    _, latin = read_all(tmp_path / "latin1.txt")
    assert "binary content" in binary[0].error or "invalid UTF-8" in binary[0].error
    assert "invalid UTF-8 at byte 3" in latin[0].error


def test_unsupported_and_corrupt_files_are_quarantined_whole(tmp_path):
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "cut.jsonl.gz").write_bytes(gzip.compress(b'{"text": "x"}\n' * 100)[:40])
    _, unsupported = read_all(tmp_path / "notes.docx")
    assert unsupported[0].error == "unsupported file type .docx" and unsupported[0].position == -1
    _, corrupt = read_all(tmp_path / "cut.jsonl.gz")
    assert corrupt[-1].position == -1 and "cannot read jsonl file" in corrupt[-1].error


def test_sample_malformed_folder_is_all_quarantine(tmp_path):
    shutil.copytree(SAMPLE / "malformed", tmp_path / "malformed")
    outcomes = [i for p in list_input_files(tmp_path, []) for i in read_file(p, p.relative_to(tmp_path).as_posix())]
    failures = [o for o in outcomes if isinstance(o, Failure)]
    errors = " | ".join(f.error for f in failures)
    for expected in ("invalid JSON", "invalid UTF-8", "empty text", "binary content"):
        assert expected in errors


def test_list_input_files_excludes_and_fails_on_missing_folder(tmp_path):
    (tmp_path / "a.jsonl").write_text("")
    (tmp_path / "PROVENANCE.md").write_text("# where the data came from")
    assert [p.name for p in list_input_files(tmp_path, ["*PROVENANCE.md"])] == ["a.jsonl"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list_input_files(tmp_path / "nope", [])


def test_normalisation_repairs_mojibake_and_ids_are_content_hashes():
    assert normalise_text("caf\u00c3\u00a9\r\n\r\n\r\n\r\nnext  \n") == "café\n\nnext"
    assert content_id("same text") == content_id(normalise_text("same text\r\n"))
    assert len(content_id("x")) == 32


@pytest.mark.parametrize("name", ["windows.jsonl", "windows.jsonl.gz"])
def test_jsonl_starting_with_a_byte_order_mark_keeps_its_first_record(tmp_path, name):
    data = b"\xef\xbb\xbf" + (json.dumps({"text": PROSE}) + "\r\n" + json.dumps({"text": PROSE + " Two."}) + "\r\n").encode()
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    records, failures = read_all(path)
    assert not failures
    assert [r.text for r in records] == [PROSE, PROSE + " Two."]


def test_text_file_with_a_byte_order_mark_has_no_stray_character(tmp_path):
    path = tmp_path / "notes" / "memo.txt"
    path.parent.mkdir()
    path.write_bytes(b"\xef\xbb\xbf" + PROSE.encode())
    records, _ = read_all(path)
    assert records[0].text == PROSE and content_id(records[0].text) == content_id(normalise_text(PROSE))
