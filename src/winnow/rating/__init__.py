"""Preference rater (QuRating's idea): learn people's judgments of text quality, apply them to every document."""

from winnow.rating.agreement import evaluate_rater, split_pairs
from winnow.rating.features import DocumentFeatures, DocumentFeaturizer, featurize_documents
from winnow.rating.preferences import fit_bradley_terry, rater_vs_majority, self_consistency
from winnow.rating.rater import PreferenceRater, fit_pointwise, fit_preference_rater
from winnow.rating.ratings import read_pairwise_ratings, read_pointwise_ratings

__all__ = [
    "DocumentFeatures",
    "DocumentFeaturizer",
    "PreferenceRater",
    "evaluate_rater",
    "featurize_documents",
    "fit_bradley_terry",
    "fit_pointwise",
    "fit_preference_rater",
    "rater_vs_majority",
    "read_pairwise_ratings",
    "read_pointwise_ratings",
    "self_consistency",
    "split_pairs",
]
