"""How well the fitted rater agrees with held-out judgments, and the raters with each other and themselves.

`evaluate_rater` fits on a seeded split of the pairs and reports, as a flat `{name: number}` dict
(names use `.` and `/` only, as MLflow accepts), the share of held-out decisive judgments each
model orders as the rater did (`utility_agreement`: chance is 0.5). Every definition it reports
with (pair keys, ties, inter-rater agreement, self-consistency) is `winnow.rating.preferences`'.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from winnow.rating.preferences import keyed, rater_metric, rater_vs_majority, self_consistency, utility_agreement
from winnow.rating.rater import fit_preference_rater
from winnow.rating.ratings import repeats_in_quarantine


def split_pairs(pairs: pd.DataFrame, test_fraction: float = 0.2, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split by unordered pair, so every judgment of one pair (any rater, any order) is on one side."""
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    keys = keyed(pairs)["key"]
    unique = np.sort(keys.unique())
    rng = np.random.default_rng(seed)
    test_keys = set(rng.choice(unique, size=max(1, round(test_fraction * len(unique))), replace=False))
    in_test = keys.isin(test_keys).to_numpy()
    return pairs[~in_test], pairs[in_test]


MIN_PAIRS_TO_EVALUATE = 10  # fewer rated pairs leave nothing to hold out


def evaluate_rater(documents: pd.DataFrame, pairs: pd.DataFrame, points: pd.DataFrame | None = None,
                   quarantine: pd.DataFrame | None = None, *, test_fraction: float = 0.2, seed: int = 0,
                   **fit_params) -> dict[str, float]:
    """Fit on a seeded split of the pairs, report agreement on the held-out ones.

    Pointwise scores on documents of held-out pairs are dropped from training, so the pointwise
    and combined agreements are held out too. `fit_params` go to `fit_preference_rater`;
    `quarantine` (from the readers) adds self-consistency. With fewer than MIN_PAIRS_TO_EVALUATE
    judgments, or a split that leaves either side without a decisive one, there is nothing to hold
    out: `{"heldout_evaluated": 0.0}`.
    """
    train, test = split_pairs(pairs, test_fraction, seed)
    if len(pairs) < MIN_PAIRS_TO_EVALUATE or not all((p["preferred"] != "tie").any() for p in (train, test)):
        return {"heldout_evaluated": 0.0}
    test_docs = set(test["a_id"]) | set(test["b_id"])
    train_points = points[~points["id"].isin(test_docs)] if points is not None and len(points) else None
    started = time.perf_counter()
    rater = fit_preference_rater(documents, train, train_points, **fit_params)
    fit_seconds = time.perf_counter() - started

    involved = documents[documents["id"].isin(test_docs)]
    scores = rater.score(involved).set_index("id")
    preferred = test["preferred"].to_numpy()
    out: dict[str, float] = {"fit_seconds": fit_seconds, "n_judgments_train": len(train), "n_judgments_test": len(test),
                             "n_pairs_train": keyed(train)["key"].nunique(),
                             "n_pairs_test": keyed(test)["key"].nunique()}
    columns = {"bt": "rater_bt", "combined": "rater_score"}
    if train_points is not None:
        columns["pointwise"] = "rater_pointwise"
        out["n_points_train"] = len(train_points)
    for label, column in columns.items():
        share, n = utility_agreement(scores.loc[test["a_id"], column].to_numpy(),
                                     scores.loc[test["b_id"], column].to_numpy(), preferred)
        out[f"heldout_agreement_{label}"], out["n_heldout_decisive"] = share, n

    train_docs = set(train["a_id"]) | set(train["b_id"])
    unseen = ~(test["a_id"].isin(train_docs) | test["b_id"].isin(train_docs)).to_numpy()
    share, n = utility_agreement(scores.loc[test["a_id"][unseen], "rater_bt"].to_numpy(),
                                 scores.loc[test["b_id"][unseen], "rater_bt"].to_numpy(), preferred[unseen])
    out["heldout_agreement_bt_unseen_docs"], out["n_heldout_unseen_docs"] = share, n

    for name, group in test.groupby("rater"):
        share, n = utility_agreement(scores.loc[group["a_id"], "rater_bt"].to_numpy(),
                                     scores.loc[group["b_id"], "rater_bt"].to_numpy(), group["preferred"].to_numpy())
        out[rater_metric(name, "model_agreement")], out[rater_metric(name, "n_heldout")] = share, n
    out.update(rater_vs_majority(pairs))
    if quarantine is not None:
        out.update(self_consistency(repeats_in_quarantine(quarantine)))
    return {k: float(v) for k, v in out.items()}


MIN_DECISIVE_PER_SOURCE = 10  # fewer held-out judgments say nothing about one source


def leave_one_source_out(documents: pd.DataFrame, pairs: pd.DataFrame, *, n_features: int = 2**18,
                         max_chars: int = 20_000, C: float = 1.0, signals: pd.DataFrame | None = None,
                         signal_columns=(), **_) -> dict[str, float]:
    """For each source of the rated documents: refit the Bradley–Terry utility without every
    judgment touching it, then the share of its decisive judgments the refit orders as the raters did.

    A rater that learned to recognise sources scores well on held-out pairs of known sources and
    badly here. `documents` needs `id, text, source`. The features are computed once (the signal
    standardisation from all rated documents); only the fit is repeated per source.
    Returns `loso_agreement.<source>`, `loso_n.<source>` and `loso_agreement_mean`.
    """
    from winnow.rating.features import DocumentFeaturizer, featurize_documents
    from winnow.rating.preferences import fit_bradley_terry

    docs = documents.drop_duplicates("id")
    featurizer = DocumentFeaturizer(n_features=n_features, max_chars=max_chars, signal_columns=tuple(signal_columns))
    if featurizer.signal_columns:
        featurizer.fit(docs[["id"]].merge(signals, on="id", how="left"))
    features = featurize_documents(featurizer, docs, signals)
    source_of = docs.set_index("id")["source"].fillna("")
    decisive = pairs[pairs["preferred"] != "tie"]
    out, shares = {}, []
    for source in sorted(set(source_of.loc[decisive["a_id"]]) | set(source_of.loc[decisive["b_id"]])):
        touches = (source_of.loc[pairs["a_id"]].to_numpy() == source) | (source_of.loc[pairs["b_id"]].to_numpy() == source)
        test, train = pairs[touches], pairs[~touches]
        test = test[test["preferred"] != "tie"]
        if len(test) < MIN_DECISIVE_PER_SOURCE or not (train["preferred"] != "tie").any():
            continue
        model = fit_bradley_terry(features, train, C=C)
        share, n = utility_agreement(model.decision_function(features.rows(test["a_id"])),
                                     model.decision_function(features.rows(test["b_id"])), test["preferred"].to_numpy())
        name = "".join(c if c.isalnum() or c in "._-/" else "_" for c in str(source)) or "unknown"
        out[f"loso_agreement.{name}"], out[f"loso_n.{name}"] = float(share), float(n)
        shares.append(share)
    if shares:
        out["loso_agreement_mean"] = float(np.mean(shares))
    return out
