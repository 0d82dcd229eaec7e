"""Each validation case quarantined with its exact message; valid rows survive; wrong files raise."""

import gzip
import json
import re

import pandas as pd
import pytest

from winnow.rating import read_pairwise_ratings, read_pointwise_ratings

A, B, C = "a" * 32, "b" * 32, "c" * 32
KNOWN = {A, B, C}
HEADER = "a_id,b_id,preferred,rater"


def write(tmp_path, name: str, lines: list[str]):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# (bad row, message after "ratings.csv line 3: "); line 2 is a valid row that must survive
PAIR_CASES = [
    (f"{A},{B},a,", "empty field 'rater'"),
    (f",{B},a,r1", "empty field 'a_id'"),
    (f"{A},{B}", "empty field 'preferred'"),
    (f"{A},abc123,a,r1", "unknown document id 'abc123' in b_id"),
    (f"{A},{'f' * 60},a,r1", f"unknown document id '{'f' * 40}…' in b_id"),
    (f"{A},{A},b,r1", f"a_id and b_id are the same document '{A}'"),
    (f"{A},{B},maybe,r1", "preferred must be 'a', 'b' or 'tie', got 'maybe'"),
    (f"{A},{C},a,r1", "duplicate of line 2 (same rater 'r1', same pair, same judgment)"),
    (f"{C},{A},b,r1", "duplicate of line 2 (same rater 'r1', same pair, same judgment)"),
]


@pytest.mark.parametrize("bad,message", PAIR_CASES, ids=[m.split(" (")[0] for _, m in PAIR_CASES])
def test_each_bad_pairwise_row_is_quarantined_with_its_message(tmp_path, bad, message):
    path = write(tmp_path, "ratings.csv", [HEADER, f"{A},{C},a,r1", bad, f"{B},{C},tie,r2"])
    valid, quarantine = read_pairwise_ratings(path, KNOWN)
    assert quarantine["error"].tolist() == [f"ratings.csv line 3: {message}"]
    assert quarantine[["file", "line"]].values.tolist() == [["ratings.csv", 3]]
    assert valid[["a_id", "b_id", "preferred", "rater", "line"]].values.tolist() == [
        [A, C, "a", "r1", 2], [B, C, "tie", "r2", 4]]


@pytest.mark.parametrize("second", [f"{A},{B},b,r1", f"{B},{A},a,r1", f"{B},{A},tie,r1"],
                         ids=["a_then_b", "reversed_same_letter", "a_then_tie_reversed"])
def test_conflicting_judgments_quarantine_every_line_of_that_rater_on_that_pair(tmp_path, second):
    path = write(tmp_path, "ratings.csv", [HEADER, f"{A},{B},a,r1", f"{A},{C},b,r1", second, f"{A},{B},a,r2"])
    valid, quarantine = read_pairwise_ratings(path, KNOWN)
    message = "rater 'r1' judged the same pair differently on lines 2 and 4; all 2 judgments quarantined"
    assert quarantine["error"].tolist() == [f"ratings.csv line 2: {message}", f"ratings.csv line 4: {message}"]
    assert set(quarantine["reason"]) == {"conflict"}
    assert valid["line"].tolist() == [3, 5]  # r2 on the same pair is another rater's view, kept


def test_several_raters_on_one_pair_are_all_kept(tmp_path):
    path = write(tmp_path, "ratings.csv", [HEADER, f"{A},{B},a,r1", f"{B},{A},a,r2", f"{A},{B},tie,r3"])
    valid, quarantine = read_pairwise_ratings(path, KNOWN)
    assert quarantine.empty and len(valid) == 3


def test_jsonl_pairwise_reads_like_csv_and_quarantines_broken_lines(tmp_path):
    records = [{"a_id": A, "b_id": B, "preferred": "A ", "rater": "r1"}, {"a_id": A, "b_id": C, "rater": "r1"}]
    lines = [json.dumps(records[0]), "{not json", "", json.dumps(records[1]), "[1, 2]"]
    path = tmp_path / "ratings.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    valid, quarantine = read_pairwise_ratings(path, KNOWN)
    assert valid[["a_id", "b_id", "preferred", "rater", "line"]].values.tolist() == [[A, B, "a", "r1", 1]]
    assert quarantine["error"].tolist() == [
        "ratings.jsonl.gz line 2: invalid JSON: Expecting property name enclosed in double quotes at column 2",
        "ratings.jsonl.gz line 4: missing field 'preferred'",
        "ratings.jsonl.gz line 5: expected a JSON object, got list",
    ]


POINT_CASES = [
    (f"{B},r1,7", "score 7 is outside the range [1, 5]"),
    (f"{B},r1,0.5", "score 0.5 is outside the range [1, 5]"),
    (f"{B},r1,five", "score 'five' is not a number"),
    (f"{B},r1,nan", "score 'nan' is not a number"),
    (f"{B},r1,", "empty field 'score'"),
    (f"zzz,r1,3", "unknown document id 'zzz' in id"),
    (f"{A},r1,4", "duplicate of line 2 (same rater 'r1', same document, same judgment)"),
]


@pytest.mark.parametrize("bad,message", POINT_CASES, ids=[m.split(" (")[0] for _, m in POINT_CASES])
def test_each_bad_pointwise_row_is_quarantined_with_its_message(tmp_path, bad, message):
    path = write(tmp_path, "scores.csv", ["id,rater,score", f"{A},r1,4", bad, f"{C},r2,2.5"])
    valid, quarantine = read_pointwise_ratings(path, KNOWN)
    assert quarantine["error"].tolist() == [f"scores.csv line 3: {message}"]
    assert valid[["id", "rater", "score"]].values.tolist() == [[A, "r1", 4.0], [C, "r2", 2.5]]


def test_pointwise_range_is_a_parameter_and_conflicts_are_quarantined(tmp_path):
    path = write(tmp_path, "scores.csv", ["id,rater,score", f"{A},r1,0", f"{A},r1,9", f"{B},r1,10"])
    valid, quarantine = read_pointwise_ratings(path, KNOWN, score_range=(0, 9))
    assert valid["id"].tolist() == []
    assert quarantine["reason"].tolist() == ["conflict", "conflict", "bad_score"]
    assert quarantine["error"].iloc[2] == "scores.csv line 4: score 10 is outside the range [0, 9]"


@pytest.mark.parametrize("name,content,message", [
    ("ratings.csv", "a_id,b_id,winner,rater\nx,y,a,r1\n", "ratings.csv: missing column(s) ['preferred']"),
    ("ratings.csv", "", "ratings.csv: missing column(s)"),
    ("ratings.jsonl", '{"a": 1}\n', "ratings.jsonl: no record has field(s) ['a_id', 'b_id', 'preferred', 'rater']"),
    ("ratings.txt", "a_id,b_id,preferred,rater\n", "ratings.txt: ratings must be .csv or .jsonl"),
])
def test_wrong_columns_or_format_raise_naming_the_file(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    with pytest.raises(ValueError, match=re.escape(message)):
        read_pairwise_ratings(tmp_path / name, KNOWN)


@pytest.mark.parametrize("name,data", [("ratings.csv", b"\xff\xfe\x00a_id"), ("ratings.csv.gz", b"not gzip")])
def test_unreadable_file_raises_naming_the_file(tmp_path, name, data):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ValueError, match=re.escape(f"{name}: cannot read ratings file")):
        read_pairwise_ratings(tmp_path / name, KNOWN)


def test_missing_file_raises_naming_the_file(tmp_path):
    with pytest.raises(ValueError, match="nowhere.csv: cannot read ratings file: FileNotFoundError"):
        read_pointwise_ratings(tmp_path / "nowhere.csv", KNOWN)


def test_shipped_pairwise_file_quarantines_exactly_its_deliberate_bad_rows(shipped_ratings):
    """The rows appended by scripts/build_ratings.py (listed in data/01_raw/ratings/README.md)."""
    pairs, quarantine, points, point_quarantine = shipped_ratings
    appended = quarantine[quarantine["line"] >= 2002].set_index("line")["reason"].to_dict()
    assert appended == {2002: "missing_field", 2003: "missing_field", 2004: "unknown_id", 2005: "self_pair",
                        2006: "bad_preferred", 2007: "duplicate", 2008: "duplicate", 2009: "conflict"}
    conflict = quarantine.loc[quarantine["line"] == 2009, "error"].item()
    assert "on lines 5 and 2009" in conflict and 5 in quarantine["line"].tolist()
    # everything else quarantined is a simulated rater repeating a pair
    assert set(quarantine.loc[quarantine["line"] < 2002, "reason"]) == {"duplicate", "conflict"}
    assert len(pairs) + len(quarantine) == 2008
    assert point_quarantine["reason"].tolist() == ["bad_score", "bad_score", "unknown_id"]
    assert point_quarantine["line"].tolist() == [402, 403, 404] and len(points) == 400
    assert pd.api.types.is_float_dtype(points["score"])


@pytest.mark.parametrize("name", ["bom.csv", "bom.jsonl", "bom.csv.gz"])
def test_ratings_files_with_a_byte_order_mark_lose_no_row(tmp_path, name):
    lines = ([HEADER, f"{A},{B},a,r1", f"{B},{C},tie,r2"] if ".csv" in name else
             [json.dumps({"a_id": A, "b_id": B, "preferred": "a", "rater": "r1"}),
              json.dumps({"a_id": B, "b_id": C, "preferred": "tie", "rater": "r2"})])
    data = b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    valid, quarantine = read_pairwise_ratings(path, KNOWN)
    assert quarantine.empty
    assert valid[["a_id", "preferred", "line"]].values.tolist() == [[A, "a", 1 + (".csv" in name)], [B, "tie", 2 + (".csv" in name)]]
