import pandas as pd
import pytest

from winnow.selection.accounting import AccountingError, check_accounting
from winnow.selection.select import decide, duplicate_decisions, rank_by_score

BASE = {"languages": ["en"], "min_lang_score": 0.65, "drop_near_duplicates": True,
        "mode": "min_score", "min_score": 0.5, "top_fraction": 0.5, "token_budget": 100,
        "temperature": 2.0, "seed": 0, "hard_filters": {}, "quotas": {}, "redact_pii": False}


@pytest.fixture
def documents():
    # d: German; e is a near-duplicate of a with a lower score; f scores low
    return pd.DataFrame({
        "id": list("abcdef"), "source": ["s"] * 6, "file": ["f"] * 6, "position": range(6),
        "n_chars": [200, 120, 80, 40, 200, 40], "lang": ["en", "en", "en", "de", "en", "en"],
        "lang_score": [0.9, 0.9, 0.9, 0.99, 0.9, 0.9], "dup_cluster": ["a", "b", "c", "d", "a", "f"],
    })


@pytest.fixture
def scores():
    return pd.DataFrame({"id": list("abcdef"), "score": [0.9, 0.8, 0.7, 1.0, 0.85, 0.2]})


def reasons(decisions):
    return dict(zip(decisions["id"], decisions["reason"]))


def test_min_score_mode(documents, scores):
    d = decide(documents, scores, BASE)
    assert reasons(d) == {"a": "kept", "b": "kept", "c": "kept", "d": "language", "e": "near_duplicate",
                          "f": "below_min_score"}
    assert d.set_index("id").loc[["d", "a", "e", "b"], "rank"].tolist() == [1, 2, 3, 4]


def test_top_fraction_and_token_budget(documents, scores):
    top = decide(documents, scores, {**BASE, "mode": "top_fraction", "top_fraction": 0.5})
    assert sorted(top.loc[top["kept"], "id"]) == ["a", "b"]  # 4 eligible (a b c f), keep ceil(2)
    # tokens ~ chars / 4: a=50, b=30, c=20 -> a budget of 80 keeps a and b only
    budget = decide(documents, scores, {**BASE, "mode": "token_budget", "token_budget": 80})
    assert sorted(budget.loc[budget["kept"], "id"]) == ["a", "b"]
    assert reasons(budget)["c"] == "over_token_budget"


def test_near_duplicate_keeps_best_scored_member(documents, scores):
    flipped = scores.assign(score=[0.6, 0.8, 0.7, 1.0, 0.85, 0.2])
    assert reasons(decide(documents, flipped, BASE))["a"] == "near_duplicate"


def test_bad_mode_and_missing_scores_fail_clearly(documents, scores):
    with pytest.raises(ValueError, match="select.mode: Input should be 'min_score', 'top_fraction'"):
        decide(documents, scores, {**BASE, "mode": "best"})
    with pytest.raises(ValueError, match="1 documents have no score"):
        decide(documents, scores.iloc[:5], BASE)


def test_ranking_is_deterministic_under_ties():
    ids, s = pd.Series(["b", "a", "c"]), pd.Series([0.5, 0.5, 0.9])
    assert rank_by_score(s, ids).tolist() == [3, 2, 1]
    assert rank_by_score(s[::-1].reset_index(drop=True), ids[::-1].reset_index(drop=True)).tolist() == [1, 2, 3]


def test_exact_copies_are_dropped_with_the_original_score(documents, scores):
    d = decide(documents, scores, BASE)
    copies = duplicate_decisions(pd.DataFrame({"id": ["a"], "source": ["t"], "file": ["g"], "position": [3]}), d)
    row = copies.iloc[0]
    assert (row["kept"], row["reason"], row["score"], row["file"]) == (False, "exact_duplicate", 0.9, "g")


@pytest.fixture
def accounted():
    manifest = pd.DataFrame({"file": ["x.jsonl", "y.txt"], "n_records": [3, 1]})
    decisions = pd.DataFrame({"file": ["x.jsonl", "x.jsonl"], "position": [0, 2], "kept": [True, False]})
    quarantine = pd.DataFrame({"file": ["x.jsonl", "y.txt"], "position": [1, 0]})
    return manifest, decisions, quarantine


def test_accounting_adds_up(accounted):
    assert check_accounting(*accounted) == {"in": 4, "kept": 1, "dropped": 1, "quarantined": 2}


def test_accounting_fails_when_a_document_goes_missing(accounted):
    manifest, decisions, quarantine = accounted
    with pytest.raises(AccountingError, match=r"x.jsonl: 1 missing"):
        check_accounting(manifest, decisions.iloc[:1], quarantine)


def test_accounting_fails_on_double_counting_and_unknown_files(accounted):
    manifest, decisions, quarantine = accounted
    with pytest.raises(AccountingError, match="counted more than once"):
        check_accounting(manifest, pd.concat([decisions, decisions.iloc[:1]]), quarantine)
    stray = pd.concat([decisions, pd.DataFrame({"file": ["z"], "position": [0], "kept": [True]})])
    with pytest.raises(AccountingError, match="never read"):
        check_accounting(manifest, stray, quarantine)
