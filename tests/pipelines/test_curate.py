"""`curate` end to end on a small fixture of real files, through Kedro's runner and an in-memory catalog."""

import gzip
import json
import re
import shutil

import pandas as pd
import pytest

from tests.conftest import PROJECT, SAMPLE, load_parameters, small_quality_eval
from tests.own_corpus import NEWS
from tests.pipelines.runner import run
from winnow.ingest.text import content_id, normalise_text
from winnow.pipelines import curate, select
from winnow.selection.accounting import AccountingError


@pytest.fixture(scope="module")
def fixture_corpus(tmp_path_factory):
    """40 news articles, 40 SMS spam, 20 fortunes, a clean letter with an email and a phone number, two
    HTML pages, a WARC and the malformed files."""
    root = tmp_path_factory.mktemp("corpus")
    for name, n in [("bbc_news", 40), ("sms_spam", 40), ("fortunes", 20)]:
        with gzip.open(SAMPLE / f"{name}.jsonl.gz", "rt") as src, open(root / f"{name}.jsonl", "w") as dst:
            dst.writelines(line for _, line in zip(range(n), src))
    (root / "html").mkdir()
    for page in sorted((SAMPLE / "html").glob("python_*.html"))[:2]:
        shutil.copy(page, root / "html" / page.name)
    shutil.copytree(SAMPLE / "warc", root / "warc")
    shutil.copytree(SAMPLE / "malformed", root / "malformed")
    shutil.copy(root / "bbc_news.jsonl", root / "bbc_copy.jsonl")  # 40 exact duplicates
    contact = ("\n\n".join(NEWS[:3]) + "\n\nReaders can write to the harbour office at harbour.office@example.org "
               "or call it on +44 20 7946 0958 during the consultation.")
    (root / "letters.jsonl").write_text(json.dumps({  # PII in clean text, in the URL and in an extra field
        "text": contact, "source": "letters", "url": "https://letters.example.org/from?reply=Ann.Lee@Example.Com",
        "author_email": "jose.perez@example.net"}) + "\n")
    return root


@pytest.fixture(scope="module")
def fixture_ratings(fixture_corpus, tmp_path_factory):
    """Pairwise judgments on the fixture's own documents: news beats spam and fortunes, plus two bad rows."""
    ids = {}
    for name in ("bbc_news", "sms_spam", "fortunes"):
        with open(fixture_corpus / f"{name}.jsonl") as f:
            ids[name] = [content_id(normalise_text(json.loads(line)["text"])) for line in f]
    rows = [(news, other, "a", f"r{i % 3}") for i, (news, other) in
            enumerate(zip(ids["bbc_news"][:30], ids["sms_spam"][:15] + ids["fortunes"][:15]))]
    rows += [(ids["sms_spam"][20 + i], ids["bbc_news"][30 + i], "b", "r0") for i in range(10)]
    rows += [("not-a-document", ids["bbc_news"][0], "a", "r1"), (ids["bbc_news"][1], ids["bbc_news"][1], "tie", "r1")]
    path = tmp_path_factory.mktemp("ratings") / "pairs.csv"
    pd.DataFrame(rows, columns=["a_id", "b_id", "preferred", "rater"]).to_csv(path, index=False)
    return path


def parameters(raw_dir, ratings=None) -> dict:
    params = {}
    for name in ("ingest", "score", "select", "score_eval"):
        params.update(load_parameters(name))
    params["ingest"]["raw_dir"] = str(raw_dir)
    params["scoring"].update(workers=1, cache_dir=None)
    params["rater"].update(pairwise_path=str(ratings), pointwise_path=None)
    params["perplexity"].update(lm_config={"vocab_size": 512, "n_ctx": 64, "n_layer": 1, "n_head": 2, "n_embd": 32},
                                train_config={"token_budget": 20_000, "batch_size": 4, "progress": False},
                                max_tokens=64)
    return params


def shipped_inputs() -> dict:
    """The reference corpus, gold set and (a slice of) the evaluation set as the catalog loads them."""
    return {"reference_corpus": pd.read_json(PROJECT / "data/01_raw/reference/wikipedia.jsonl.gz", lines=True).head(300),
            "gold_labels": pd.read_csv(PROJECT / "data/01_raw/gold/sample_gold.csv"),
            "quality_eval": small_quality_eval()}


@pytest.fixture(scope="module")
def curated(fixture_corpus, fixture_ratings, tmp_path_factory):
    inputs = {k: v for k, v in shipped_inputs().items() if k in curate.create_pipeline().inputs()}
    params = parameters(fixture_corpus, fixture_ratings)
    blocklist = tmp_path_factory.mktemp("blocklist") / "mine.txt"
    blocklist.write_text("# the WARC's site\niana.org\n")
    params["domains"]["extra_path"] = str(blocklist)
    return run(curate.create_pipeline(), inputs, params)


def test_counts_add_up_and_nothing_is_lost(curated, fixture_corpus):
    totals, manifest = curated["curate_totals"], curated["ingest_manifest"]
    assert totals["in"] == totals["kept"] + totals["dropped"] + totals["quarantined"] == manifest["n_records"].sum()
    decisions, quarantine = curated["decisions"], curated["quarantine"]
    assert (decisions["reason"] == "exact_duplicate").sum() >= 40
    assert set(quarantine["file"]) >= {"malformed/broken.jsonl", "malformed/binary.txt"}
    assert set(decisions["file"]) | set(quarantine["file"]) == set(manifest["file"])


def test_selection_is_the_kept_documents_best_first(curated):
    selection, decisions = curated["selection"], curated["decisions"]
    assert set(selection["id"]) == set(decisions.loc[decisions["kept"], "id"])
    assert selection["rank"].is_monotonic_increasing and selection["score"].is_monotonic_decreasing
    assert {"id", "text", "source", "url", "n_chars", "lang", "lang_score", "dup_cluster"} <= set(selection.columns)


def test_news_is_kept_and_spam_and_fortunes_are_dropped(curated):
    decisions = curated["decisions"]
    kept_share = decisions[decisions["reason"] != "exact_duplicate"].groupby("source")["kept"].mean()
    assert kept_share["bbc_news"] > 0.9
    assert kept_share["sms_spam"] < 0.1 and kept_share["fortunes"] < 0.2
    spam = decisions[decisions["source"] == "sms_spam"]
    assert (spam["failed_rules"] != "").all()
    assert spam["reason"].isin(["failed_heuristic_score", "below_top_fraction", "language", "near_duplicate"]).all()


def test_every_score_is_in_decisions_and_scorers_are_evaluated_on_gold(curated):
    decisions, metrics = curated["decisions"], curated["score_eval_metrics"]
    assert {"heuristic_score", "perplexity_score", "classifier_prob", "rater_score", "refsim_rougeL",
            "dsir_log_ratio_per_ngram", "score"} <= set(decisions.columns)
    assert metrics["score_eval.gold.heuristic_score.roc_auc"] > 0.9  # news vs SMS spam is easy for the rules
    assert "| heuristic_score " in curated["score_eval_report"]


def test_the_evaluation_set_is_scored_like_the_corpus_and_reported_per_kind(curated):
    """Every evaluation document gets every signal from the corpus's fitted models; the report has
    the overall, per-kind and per-source tables, and the gold set only as a secondary view."""
    scores, metrics, report = curated["quality_eval_scores"], curated["score_eval_metrics"], curated["score_eval_report"]
    assert len(scores) == len(small_quality_eval())
    assert scores[["heuristic_score", "perplexity_score", "coherence_prob", "classifier_prob"]].notna().all().all()
    kinds = set(scores.loc[(scores["split"] == "test") & (scores["label"] == 0), "kind"])
    assert {"ngram_chain", "word_shuffle", "server_log"} <= kinds
    for kind in kinds:
        assert 0.0 <= metrics[f"score_eval.quality.score.roc_auc.{kind}"] <= 1.0
    assert metrics["score_eval.quality.heuristic_score.roc_auc.word_list"] > 0.9  # rules catch a word list
    assert metrics["score_eval.quality.test_docs"] == (scores["split"] == "test").sum()
    assert 0.5 < metrics["score_eval.quality.coherence_prob.pair_accuracy"] <= 1.0
    assert report.index("text Winnow never trained on") < report.index("Secondary view")
    assert "| word_shuffle " in report or "word_shuffle |" in report
    # the combination is one fixed function: applied to the corpus it gives the decisions' scores
    combination, decisions = curated["combination"], curated["decisions"]
    unique = decisions.drop_duplicates("id")
    assert combination.apply(unique).to_numpy() == pytest.approx(unique["score"].to_numpy())


def test_bad_rating_rows_are_quarantined_and_the_rater_ranks_news_above_spam(curated):
    quarantine = curated["ratings_quarantine"]
    assert len(quarantine) == 2 and quarantine["error"].str.contains("line").all()
    assert curated["rater_fit_metrics"]["rater.pairs_valid"] == 40
    scores = curated["decisions"].groupby("source")["rater_score"].median()
    assert scores["bbc_news"] > scores["sms_spam"] and scores["bbc_news"] > scores["fortunes"]


def test_report_and_metrics(curated):
    metrics, report = curated["curate_metrics"], curated["selection_report"]
    assert metrics["docs_in"] == curated["curate_totals"]["in"]
    assert metrics["source.bbc_news.kept"] > 30 and metrics["duplicates_exact"] >= 40
    assert "documents in:" in report and "malformed/broken.jsonl" in report


def test_run_fails_loudly_when_a_document_goes_missing(curated):
    inputs = {name: curated[name] for name in select.create_pipeline().inputs() if not name.startswith("params:")}
    inputs["quarantine"] = curated["quarantine"].iloc[1:]  # one quarantined record "lost"
    with pytest.raises(AccountingError, match="missing"):
        run(select.create_pipeline(), inputs, parameters("unused"))


@pytest.fixture(scope="module")
def one_source_corpus(tmp_path_factory):
    """Five documents of one source, none of them in the sample or the gold set."""
    root = tmp_path_factory.mktemp("one_source")
    (root / "letters.jsonl").write_text("".join(json.dumps({"text": t}) + "\n" for t in NEWS[:5]))
    return root


def test_a_few_documents_of_one_source_with_ratings_naming_none_of_them(one_source_corpus, tmp_path):
    """The rater leaves (no rated document anywhere), the classifier has 5 negatives, DSIR fits on
    5 documents, a quota on the only source still selects, and score_eval measures on the evaluation
    set and says the sample's gold set has no document here."""
    ratings = tmp_path / "elsewhere.csv"
    ratings.write_text("a_id,b_id,preferred,rater\n" + "".join(f"{i:032x},{i + 1:032x},b,me\n" for i in range(4)))
    params = parameters(one_source_corpus, ratings)
    params["rater"]["rated_corpus"] = None
    params["select"].update(quotas={"letters": 0.5}, hard_filters={})
    inputs = {k: v for k, v in shipped_inputs().items() if k in curate.create_pipeline().inputs()}
    out = run(curate.create_pipeline(), inputs, params)
    decisions = out["decisions"]
    assert len(decisions) == 5 and decisions["rater_score"].isna().all()
    assert out["rater_model"].skipped.startswith("0 of 4 pairwise judgments in elsewhere.csv")
    assert out["combine_metrics"]["combine.left_out.rater_score"] == 1.0
    assert "combine.weight.rater_score" not in out["combine_metrics"]
    assert out["classifier_fit_metrics"]["classifier.n_negatives"] == 5
    assert decisions["classifier_prob"].notna().all() and decisions["dsir_log_ratio"].notna().all()
    assert 1 <= decisions["kept"].sum() <= 2  # the quota: at most half of the selection
    assert set(decisions["reason"]) <= {"kept", "over_source_quota", "below_min_score"}
    assert not any(k.startswith("score_eval.gold.") for k in out["score_eval_metrics"])
    assert "score_eval.quality.score.roc_auc" in out["score_eval_metrics"]
    assert "Skipped: 0 of 3,709 documents" in out["score_eval_report"]


def test_safety_signals_reach_decisions_report_and_metrics_and_pii_never_ships(curated):
    decisions, selection = curated["decisions"], curated["selection"]
    assert {"pii_phone", "pii_email", "pii_total", "toxicity_per_1k_words", "domains_blocked"} <= set(decisions.columns)
    spam = decisions[(decisions["source"] == "sms_spam") & (decisions["reason"] != "exact_duplicate")]
    assert (spam["pii_phone"] > 0).sum() >= 10  # the spam's premium-rate numbers
    iana = decisions["domains_host"].str.endswith("iana.org")
    assert iana.sum() >= 5 and (decisions.loc[iana, "domains_blocked"] == 1).all() and not decisions.loc[iana, "kept"].any()
    metrics = curated["curate_metrics"]
    assert metrics["safety.pii_phone.docs"] == (spam["pii_phone"] > 0).sum() + (
        decisions[(decisions["source"] != "sms_spam") & (decisions["reason"] != "exact_duplicate")]["pii_phone"] > 0).sum()
    assert metrics["safety.domains_blocked.kept"] == 0
    assert "## Safety and privacy" in curated["selection_report"]
    assert "phone numbers: " in curated["selection_report"]
    kept_pii = decisions.loc[decisions["kept"], ["id", "pii_total"]].merge(selection[["id", "pii_redacted", "text"]], on="id")
    letters = selection["source"] == "letters"
    assert (kept_pii.loc[~kept_pii["id"].isin(selection.loc[letters, "id"]), "pii_redacted"]
            == kept_pii.loc[~kept_pii["id"].isin(selection.loc[letters, "id"]), "pii_total"]).all()
    letter = selection[letters].iloc[0]
    assert "<EMAIL>" in letter["text"] and "<PHONE>" in letter["text"] and letter["pii_redacted"] == 4
    shipped = selection[["text", "url", "meta"]].astype(str).to_string()
    for original in ("7946", "harbour.office", "Ann.Lee", "jose.perez"):
        assert original not in shipped
    assert not re.search(r"[\w.+-]+@[\w-]+\.[\w.]+", shipped)  # an independent check: no address-like string at all


def test_a_rater_whose_held_out_split_has_no_decisive_pair_is_fitted_without_evaluation(one_source_corpus, tmp_path):
    from winnow.pipelines.score.nodes import fit_rater
    from winnow.rating.agreement import split_pairs
    from winnow.scoring.base import FittedScorer, SkippedScorer

    docs = pd.DataFrame({"text": [json.loads(line)["text"] for line in (one_source_corpus / "letters.jsonl").open()]})
    docs["id"] = docs["text"].map(lambda t: content_id(normalise_text(t)))
    docs["source"] = "letters"  # as ingest names it
    ids = docs["id"].tolist()
    rows = [(ids[0], ids[1], "a", "me")] + [(ids[i % 5], ids[(i + 2) % 5], "tie", f"r{i}") for i in range(10)]
    ratings = tmp_path / "mostly_ties.csv"
    pd.DataFrame(rows, columns=["a_id", "b_id", "preferred", "rater"]).to_csv(ratings, index=False)
    params = parameters(one_source_corpus, ratings)
    frame = pd.DataFrame(rows, columns=["a_id", "b_id", "preferred", "rater"])
    seed = next(seed for seed in range(100)  # a split that holds out the only decisive judgment
                if (split_pairs(frame, params["rater"]["evaluation"]["test_fraction"], seed)[1]["preferred"] == "a").any())
    params["rater"]["evaluation"]["seed"] = seed
    no_coherence = FittedScorer(SkippedScorer("coherence", ("coherence_prob",), "not fitted here"), "skipped")
    fitted, metrics, pairs, _ = fit_rater(docs, no_coherence, params["rater"], params["heuristic"], params["scoring"])
    assert len(pairs) == 11 and not fitted.skipped
    assert fitted.scorer.signal_columns == ("heuristic_score",)  # a skipped scorer's signals are left out
    assert metrics["rater.heldout_evaluated"] == 0.0


def test_a_folder_of_only_unreadable_records_says_so(tmp_path):
    from winnow.pipelines.ingest.nodes import read_shards

    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "broken.jsonl").write_text("{not json\n")
    params = load_parameters("ingest")
    ingest = {**params["ingest"], "raw_dir": str(tmp_path / "raw"), "work_dir": str(tmp_path / "shards")}
    with pytest.raises(ValueError, match=r"no readable document under .*: all 1 records failed \(broken.jsonl@0: invalid JSON"):
        read_shards(ingest, params["near_dedup"])
