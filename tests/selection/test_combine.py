"""The learned combination is the rater's Bradley–Terry fit on z-scored scorer outputs: ties count half."""

import numpy as np
import pandas as pd
import pytest

from winnow.selection.combine import learn_weights


@pytest.fixture
def scored() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    return pd.DataFrame({"id": [f"d{i}" for i in range(200)], "useful": rng.normal(size=200),
                         "noise": rng.normal(size=200)})


def judged_by_usefulness(scores: pd.DataFrame, n: int, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.choice(len(scores), size=(2, n))
    keep = a != b
    useful = scores["useful"].to_numpy()
    return pd.DataFrame({"a_id": scores["id"].to_numpy()[a[keep]], "b_id": scores["id"].to_numpy()[b[keep]],
                         "preferred": np.where(useful[a[keep]] > useful[b[keep]], "a", "b")})


def test_ties_between_documents_far_apart_shrink_the_learned_weight(scored):
    decisive = judged_by_usefulness(scored, 300)
    order = scored.sort_values("useful")["id"].to_numpy()
    ties = pd.DataFrame({"a_id": order[:40], "b_id": order[-40:][::-1], "preferred": "tie"})  # extremes called equal
    alone, with_ties = learn_weights(scored, decisive, ["useful", "noise"]), \
        learn_weights(scored, pd.concat([decisive, ties]), ["useful", "noise"])
    assert alone["useful"] > 1.0
    assert 0 < with_ties["useful"] < 0.8 * alone["useful"]


def test_ties_and_unscored_documents_are_not_decided_pairs(scored):
    pairs = pd.concat([judged_by_usefulness(scored, 9),
                       pd.DataFrame({"a_id": ["d0"] * 5, "b_id": ["d1"] * 5, "preferred": "tie"}),
                       pd.DataFrame({"a_id": ["d0"] * 5, "b_id": ["nope"] * 5, "preferred": "a"})])
    with pytest.raises(ValueError, match=r"needs >= 10 decided pairs of scored documents, got 9"):
        learn_weights(scored, pairs, ["useful", "noise"])


def test_a_fitted_combination_scores_other_documents_as_if_they_were_in_the_corpus():
    """The evaluation set gets the score it would have had inside the corpus: same statistics, same weights."""
    from winnow.selection.combine import combine_weighted, fit_combination

    rng = np.random.default_rng(0)
    corpus = pd.DataFrame({"a": rng.normal(size=200), "b": rng.normal(3, 2, size=200)})
    corpus.loc[5, "b"] = np.nan
    weights = {"a": 1.0, "b": -0.5}
    combination = fit_combination(corpus, weights)
    assert combination.apply(corpus).to_numpy() == pytest.approx(combine_weighted(corpus, weights).to_numpy())
    together = pd.concat([corpus, corpus.iloc[:10] + 1], ignore_index=True)
    assert combination.apply(together).iloc[200:].to_numpy() == pytest.approx(
        combination.apply(corpus.iloc[:10] + 1).to_numpy())
    assert combination.apply(corpus.iloc[[5]]).iloc[0] == pytest.approx(combination.apply(corpus).iloc[5])


def test_weights_learned_from_labels_favour_the_column_that_separates_them():
    from winnow.selection.combine import learn_weights_from_labels

    rng = np.random.default_rng(1)
    labels = pd.Series(rng.integers(0, 2, size=400))
    z = pd.DataFrame({"useful": labels * 2.0 + rng.normal(size=400), "noise": rng.normal(size=400)})
    weights = learn_weights_from_labels(z, labels)
    assert weights["useful"] > 1.0 and abs(weights["noise"]) < 0.3
    with pytest.raises(ValueError, match="needs good and bad"):
        learn_weights_from_labels(z, pd.Series(np.ones(400, dtype=int)))
