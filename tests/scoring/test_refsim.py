"""Reference-based scorers on real documents: clean prose sits closer to the Wikipedia reference
than spam, keyword lists and link lists, and the metric values are the libraries' own."""

import pickle

import numpy as np
import pandas as pd
import pytest
from rouge_score.rouge_scorer import RougeScorer
from sacrebleu.metrics import BLEU

from tests.conftest import PROJECT, SAMPLE
from winnow.scoring.dsir import DSIRImportance
from winnow.scoring.refsim import ReferenceSimilarity, first_words

CLEAN = ("bbc_news", "lee_news")
LOW_QUALITY = ("sms_spam", "seo_keywords", "link_lists")
RAW_MIX = ("bbc_news", "lee_news", "sms_spam", "seo_keywords", "link_lists", "fortunes", "chatterbot", "gcide")


@pytest.fixture(scope="module")
def reference_texts() -> list[str]:
    return pd.read_json(PROJECT / "data" / "01_raw" / "reference" / "wikipedia.jsonl.gz", lines=True)["text"].tolist()


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """100 seeded documents of each kind in RAW_MIX (the raw corpus the DSIR scorer is fitted on)."""
    frames = []
    for source in RAW_MIX:
        frame = pd.read_json(SAMPLE / f"{source}.jsonl.gz", lines=True)
        frames.append(frame.sample(min(100, len(frame)), random_state=0)[["text"]].assign(kind=source))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def refsim(reference_texts) -> ReferenceSimilarity:
    return ReferenceSimilarity(k=3, max_words=100).fit(reference_texts)


@pytest.fixture(scope="module")
def dsir(reference_texts, sample) -> DSIRImportance:
    return DSIRImportance(n_buckets=10_000).fit(reference_texts, sample["text"])


@pytest.fixture(scope="module")
def medians(refsim, dsir, sample) -> pd.DataFrame:
    """Median of every signal over 20 documents of each clean / low-quality kind."""
    docs = sample[sample["kind"].isin(CLEAN + LOW_QUALITY)].groupby("kind").head(20).reset_index(drop=True)
    signals = pd.concat([refsim.score_texts(docs["text"]), dsir.score_texts(docs["text"])], axis=1)
    return signals.groupby(docs["kind"]).median()


@pytest.mark.parametrize(
    "signal", ["refsim_rougeL", "refsim_bleu", "refsim_cosine", "dsir_log_ratio", "dsir_log_ratio_per_ngram"]
)
@pytest.mark.parametrize("clean", CLEAN)
@pytest.mark.parametrize("low", LOW_QUALITY)
def test_clean_prose_scores_above_spam_keywords_and_links(medians, signal, clean, low):
    assert medians.loc[clean, signal] > medians.loc[low, signal], medians[signal].to_dict()


def test_a_reference_passage_matches_itself(refsim, reference_texts):
    row = refsim.score_texts([reference_texts[10]]).iloc[0]
    assert row["refsim_rougeL"] == pytest.approx(1.0)
    assert row["refsim_cosine"] == pytest.approx(1.0)
    assert row["refsim_bleu"] == pytest.approx(100.0)


def test_rouge_and_bleu_are_the_libraries_own_values():
    reference, document = "the cat sat on the mat", "the cat lay on the mat"
    row = ReferenceSimilarity(k=1).fit([reference]).score_texts([document]).iloc[0]
    expected_rouge = RougeScorer(["rougeL"]).score(reference, document)["rougeL"].fmeasure
    assert expected_rouge == pytest.approx(5 / 6)  # LCS "the cat on the mat": P = R = 5/6
    assert row["refsim_rougeL"] == pytest.approx(expected_rouge)
    expected_bleu = BLEU(effective_order=True, max_ngram_order=2).sentence_score(document, [reference]).score
    assert row["refsim_bleu"] == pytest.approx(expected_bleu)


def test_rouge_l_equals_rouge_scores_own_on_real_documents(refsim, sample):
    """The LCS runs in rapidfuzz; the value must stay rouge_score's (its tokens, its F1, best of the k)."""
    rouge = RougeScorer(["rougeL"])
    heads = [first_words(t, refsim.max_words) for t in sample["text"].iloc[::7]]
    neighbours, _ = refsim._nearest(heads)
    ours = [refsim._rouge_l([refsim.windows[j] for j in row], head) for row, head in zip(neighbours, heads)]
    theirs = [rouge.score_multi([refsim.windows[j] for j in row], head)["rougeL"].fmeasure
              for row, head in zip(neighbours, heads)]
    assert len(heads) > 100 and 0 < np.mean(ours) < 1
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-12)


@pytest.mark.parametrize("scorer_name", ["refsim", "dsir"])
def test_one_row_per_text_in_input_order_with_documented_columns(request, sample, scorer_name):
    scorer = request.getfixturevalue(scorer_name)
    texts = sample["text"].iloc[::97].tolist()
    forward, backward = scorer.score_texts(texts), scorer.score_texts(texts[::-1])
    assert list(forward.columns) == list(scorer.columns)
    assert len(forward) == len(texts)
    pd.testing.assert_frame_equal(forward, backward.iloc[::-1].reset_index(drop=True))
    assert list(scorer.score_texts([]).columns) == list(scorer.columns)
    with_ids = scorer.score(pd.DataFrame({"id": ["a", "b"], "text": texts[:2]}))
    assert list(with_ids.columns) == ["id", *scorer.columns] and with_ids["id"].tolist() == ["a", "b"]


@pytest.mark.parametrize("scorer_name", ["refsim", "dsir"])
def test_empty_and_symbol_only_texts_score_zero(request, scorer_name):
    scorer = request.getfixturevalue(scorer_name)
    signals = scorer.score_texts(["", "   \n", None])
    assert (signals.to_numpy() == 0).all()
    short = scorer.score_texts(["!!", "Hi."])
    assert np.isfinite(short.to_numpy(dtype=float)).all()


@pytest.mark.parametrize("scorer_name", ["refsim", "dsir"])
def test_survives_pickling_for_worker_processes(request, sample, scorer_name):
    scorer = request.getfixturevalue(scorer_name)
    texts = sample["text"].iloc[:5].tolist()
    pd.testing.assert_frame_equal(pickle.loads(pickle.dumps(scorer)).score_texts(texts), scorer.score_texts(texts))


def test_unfitted_or_empty_reference_is_an_error():
    with pytest.raises(RuntimeError, match="before fit"):
        ReferenceSimilarity().score_texts(["text"])
    with pytest.raises(RuntimeError, match="before fit"):
        DSIRImportance().score_texts(["text"])
    with pytest.raises(ValueError, match="reference_texts: no words"):
        ReferenceSimilarity().fit(["", "  "])
    with pytest.raises(ValueError, match="raw_texts: no n-grams"):
        DSIRImportance().fit(["some reference text"], [""])


def test_dsir_weight_is_the_sum_over_ngrams_of_the_log_ratio():
    scorer = DSIRImportance(n_buckets=1000).fit(["good prose reads well"] * 5, ["spam spam click here"] * 5)
    signals = scorer.score_texts(["good prose", "click here", "good prose reads well and good prose"])
    assert signals.loc[0, "dsir_log_ratio"] > 0 > signals.loc[1, "dsir_log_ratio"]
    assert signals["dsir_n_ngrams"].tolist() == [3, 3, 13]  # unigrams + bigrams
    per_ngram_times_count = signals["dsir_log_ratio_per_ngram"] * signals["dsir_n_ngrams"]
    np.testing.assert_allclose(per_ngram_times_count, signals["dsir_log_ratio"])


def test_dsir_fits_the_raw_distribution_on_a_seeded_sample(reference_texts, sample):
    first = DSIRImportance(max_raw_docs=50, seed=1).fit(reference_texts[:50], sample["text"])
    again = DSIRImportance(max_raw_docs=50, seed=1).fit(reference_texts[:50], sample["text"])
    other = DSIRImportance(max_raw_docs=50, seed=2).fit(reference_texts[:50], sample["text"])
    np.testing.assert_array_equal(first.log_diff, again.log_diff)
    assert not np.array_equal(first.log_diff, other.log_diff)


@pytest.mark.parametrize("max_raw_docs", [None, 150])
def test_dsir_fitted_a_part_at_a_time_equals_the_whole_fit(reference_texts, sample, max_raw_docs):
    texts = sample["text"].tolist()
    whole = DSIRImportance(n_buckets=10_000, max_raw_docs=max_raw_docs).fit(reference_texts, texts)
    batches = [texts[i : i + 70] for i in range(0, len(texts), 70)]  # uneven parts, as shards are
    parts = DSIRImportance(n_buckets=10_000, max_raw_docs=max_raw_docs).fit_batches(reference_texts, iter(batches), len(texts))
    np.testing.assert_allclose(parts.log_diff, whole.log_diff, rtol=0, atol=1e-12)
    if max_raw_docs:  # the sample is a real sample: fewer texts than the whole give other counts
        assert not np.allclose(parts.log_diff, DSIRImportance(n_buckets=10_000, max_raw_docs=None)
                               .fit(reference_texts, texts).log_diff)
