"""Scorers skip what they already scored, and a run killed mid-scoring resumes where it stopped."""

import gzip
import json

import pandas as pd
import pytest

from tests.conftest import SAMPLE
from winnow.scoring.cache import fingerprint, fit_cached, score_cached
from winnow.scoring.heuristics import HeuristicSuite


class CountingScorer(HeuristicSuite):
    """The real heuristic scorer, counting the texts it is asked to score; can fail after N texts."""

    def __init__(self, fail_after: int | None = None):
        super().__init__()
        self.seen, self.fail_after = 0, fail_after

    def score_texts(self, texts):
        texts = list(texts)
        if self.fail_after is not None and self.seen + len(texts) > self.fail_after:
            raise KeyboardInterrupt("killed mid-scoring")
        self.seen += len(texts)
        return super().score_texts(texts)


@pytest.fixture(scope="module")
def documents() -> pd.DataFrame:
    with gzip.open(SAMPLE / "bbc_news.jsonl.gz", "rt") as f:
        texts = [json.loads(line)["text"] for _, line in zip(range(120), f)]
    return pd.DataFrame({"id": [f"{i:03d}" for i in range(len(texts))], "text": texts})


def test_rerun_scores_nothing_and_added_documents_cost_only_themselves(documents, tmp_path):
    first = CountingScorer()
    signals, counts = score_cached(first, documents.iloc[:100], tmp_path, chunk_rows=10)
    assert counts == {"cached": 0, "scored": 100} and first.seen == 100

    again = CountingScorer()
    cached, counts = score_cached(again, documents.iloc[:100], tmp_path, chunk_rows=10)
    assert again.seen == 0 and counts == {"cached": 100, "scored": 0}
    pd.testing.assert_frame_equal(cached, signals)

    more = CountingScorer()
    grown, counts = score_cached(more, documents, tmp_path, chunk_rows=10)
    assert more.seen == 20 and counts == {"cached": 100, "scored": 20}
    assert grown["id"].tolist() == documents["id"].tolist()
    pd.testing.assert_frame_equal(grown.iloc[:100], signals)


def test_interrupted_run_resumes_and_matches_an_uninterrupted_one(documents, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        score_cached(CountingScorer(fail_after=60), documents, tmp_path, chunk_rows=10)
    resumed_scorer = CountingScorer()
    resumed, counts = score_cached(resumed_scorer, documents, tmp_path, chunk_rows=10)
    assert counts["cached"] == 40 and resumed_scorer.seen == 80  # blocks of 4 chunks: 40 were on disk
    uninterrupted, _ = score_cached(CountingScorer(), documents, None, chunk_rows=10)
    pd.testing.assert_frame_equal(resumed, uninterrupted)


def test_keys_change_with_version_and_parameters_and_fits_are_reused(tmp_path):
    assert fingerprint("rater", "1", {"C": 1.0}) == fingerprint("rater", "1", {"C": 1.0})
    assert fingerprint("rater", "1", {"C": 1.0}) != fingerprint("rater", "2", {"C": 1.0})
    assert fingerprint("rater", "1", {"C": 1.0}) != fingerprint("rater", "1", {"C": 2.0})
    calls = []
    model, cached = fit_cached(tmp_path / "m", lambda: calls.append(1) or {"weights": [1, 2]})
    again, cached_again = fit_cached(tmp_path / "m", lambda: calls.append(1) or {"weights": [0]})
    assert (cached, cached_again, again, len(calls)) == (False, True, {"weights": [1, 2]}, 1)


class StartMethodScorer(HeuristicSuite):
    """The heuristic signals, plus how the process that computed them was started."""

    def score_texts(self, texts):
        import multiprocessing
        import os

        signals = super().score_texts(texts)
        return signals.assign(start_method=multiprocessing.get_start_method(), pid=os.getpid())


def test_workers_are_spawned_not_forked_so_no_cuda_state_is_inherited(documents):
    """A forked child would share the parent's CUDA context; spawned ones load the scorer afresh."""
    import os

    signals, counts = score_cached(StartMethodScorer(), documents.head(12), None, chunk_rows=3, workers=2)
    assert counts["scored"] == 12
    assert set(signals["start_method"]) == {"spawn"} and os.getpid() not in set(signals["pid"])
    expected = HeuristicSuite().score(documents.head(12))
    pd.testing.assert_frame_equal(signals.drop(columns=["start_method", "pid"]), expected)


class ReadsASignal(CountingScorer):
    """Like the rater: reads another scorer's column beside the text."""

    signal_columns = ("other_signal",)

    def score(self, documents):
        assert "other_signal" in documents.columns
        signals = super().score(documents)
        signals["echo"] = documents["other_signal"].to_numpy()
        return signals


def test_columns_documents_lack_are_joined_to_each_part_by_id(documents, tmp_path):
    from winnow.datasets import ShardedParquetDataset

    dataset = ShardedParquetDataset(str(tmp_path / "documents.parquet"), part_rows=50)
    dataset.save(documents)  # three parts, with no `other_signal`
    other = pd.DataFrame({"id": documents["id"], "other_signal": range(len(documents))}).sample(frac=1, random_state=0)
    signals, counts = score_cached(ReadsASignal(), dataset.load(), tmp_path / "cache", chunk_rows=10, extra=other)
    assert counts["scored"] == len(documents) and signals["id"].tolist() == documents["id"].tolist()
    assert signals["echo"].tolist() == list(range(len(documents)))  # each text got its own row's value
