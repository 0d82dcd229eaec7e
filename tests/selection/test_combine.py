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
