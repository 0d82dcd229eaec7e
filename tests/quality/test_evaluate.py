"""Per-kind ROC-AUC, pair accuracy and per-source views on a small hand-made table."""

import numpy as np
import pandas as pd
import pytest

from winnow.quality.evaluate import evaluate_columns, kind_plot, pair_accuracy, source_views


@pytest.fixture
def table():
    # 4 clean passages of two sources, a degraded copy of each (two kinds), and 2 log chunks
    rows = [("c1", 1, "clean", "news", ""), ("c2", 1, "clean", "news", ""), ("c3", 1, "clean", "manual", ""),
            ("c4", 1, "clean", "manual", ""), ("d1", 0, "word_shuffle", "news", "c1"), ("d2", 0, "ngram_chain", "news", "c2"),
            ("d3", 0, "word_shuffle", "manual", "c3"), ("d4", 0, "ngram_chain", "manual", "c4"),
            ("l1", 0, "server_log", "fail2ban", ""), ("l2", 0, "server_log", "fail2ban", "")]
    table = pd.DataFrame(rows, columns=["id", "label", "kind", "source", "pair_of"])
    # good: separates perfectly; chainblind: ranks n-gram chains above clean text; ppl: lower is better
    table["good"] = [0.9, 0.8, 0.85, 0.95, 0.1, 0.2, 0.15, 0.3, 0.0, 0.05]
    table["chainblind"] = [0.6, 0.5, 0.55, 0.65, 0.1, 0.9, 0.1, 0.95, 0.0, 0.0]
    table["ppl"] = 1 - table["good"]
    return table


def test_overall_and_per_kind_auc_and_pair_accuracy(table):
    overall, by_kind, by_source = evaluate_columns(table, ["good", "chainblind", "ppl"], kept_fraction=0.4,
                                                   lower_is_better=("ppl",))
    overall, by_kind = overall.set_index("score"), by_kind.set_index("score")
    assert overall.loc["good", "roc_auc"] == 1.0 and overall.loc["ppl", "roc_auc"] == 1.0
    assert overall.loc["good", "precision_at_kept_fraction"] == 1.0 and overall.loc["good", "pair_accuracy"] == 1.0
    assert by_kind.loc["chainblind", "ngram_chain"] == 0.0 and by_kind.loc["chainblind", "word_shuffle"] == 1.0
    assert overall.loc["chainblind", "pair_accuracy"] == 0.5
    assert list(by_kind.columns) == ["ngram_chain", "server_log", "word_shuffle"]
    assert set(by_source.columns) == {"score", "fail2ban", "manual", "news"}


def test_pair_accuracy_counts_a_tie_as_half_and_reports_per_kind(table):
    values = pd.Series([1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 2.0, 0.0, 0.0, 0.0])
    overall, per_kind = pair_accuracy(table, values)
    assert overall == pytest.approx((0.5 + 1 + 0 + 1) / 4)
    assert per_kind.to_dict() == {"ngram_chain": 1.0, "word_shuffle": 0.25}


def test_a_clean_source_faces_its_own_copies_and_a_bad_source_faces_all_clean(table):
    views = source_views(table)
    assert table.loc[views["news"], "id"].tolist() == ["c1", "c2", "d1", "d2"]
    assert table.loc[views["fail2ban"], "id"].tolist() == ["c1", "c2", "c3", "c4", "l1", "l2"]


def test_kind_plot_shows_every_value(table):
    _, by_kind, _ = evaluate_columns(table, ["good", "chainblind"], 0.4)
    fig = kind_plot(by_kind, "test")
    texts = {t.get_text() for t in fig.axes[0].texts}
    assert {"1.00", "0.00"} <= texts and not np.isnan(by_kind.drop(columns="score").to_numpy(dtype=float)).any()
