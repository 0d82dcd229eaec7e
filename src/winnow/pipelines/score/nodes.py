"""Score nodes: each scorer fits (once, cached) and writes its own attribute table keyed by document id.

Every scorer goes through `_score`: signals already on disk for the same scorer version, parameters
and fitted model are reused, so a rerun or a few added documents cost only the new work.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from winnow.reporting.plots import learning_curve
from winnow.rating import evaluate_rater, fit_preference_rater, read_pairwise_ratings, read_pointwise_ratings
from winnow.rating.rated_documents import carried_texts, named_ids, texts_from_folder
from winnow.scoring import apply_rules
from winnow.scoring.base import Scorer, SkippedScorer
from winnow.scoring.cache import fingerprint, fit_cached, ids_fingerprint, score_cached
from winnow.scoring.classifier import QualityClassifier, sample_negatives
from winnow.scoring.dsir import DSIRImportance
from winnow.scoring.reference import ReferenceSimilarity
from winnow.scoring.heuristics import HeuristicSuite

log = logging.getLogger(__name__)


def _cache_dir(scoring: dict, *parts: str) -> Path | None:
    return Path(scoring["cache_dir"], *parts) if scoring.get("cache_dir") else None


def _score(scorer: Scorer, documents: pd.DataFrame, scoring: dict, model_key: str = "") -> tuple[pd.DataFrame, dict]:
    key = fingerprint(scorer.name, scorer.version, model_key)
    workers = scoring["workers"] if getattr(scorer, "parallel_safe", True) else 1
    signals, counts = score_cached(scorer, documents, _cache_dir(scoring, "attributes", scorer.name, key),
                                   scoring["chunk_rows"], workers)
    log.info("%s: %d documents from cache, %d scored now", scorer.name, counts["cached"], counts["scored"])
    signals.attrs = {"scorer": scorer.name, "version": scorer.version, "key": key}
    return signals, {f"{scorer.name}.docs_cached": counts["cached"], f"{scorer.name}.docs_scored": counts["scored"]}


def _fit(name: str, scoring: dict, key: str, fit) -> tuple[object, bool]:
    model, cached = fit_cached(_cache_dir(scoring, "models", name, key), fit)
    log.info("%s: %s", name, "fitted model loaded from cache" if cached else "fitted")
    return model, cached


def score_heuristics(documents: pd.DataFrame, params: dict, scoring: dict) -> tuple[pd.DataFrame, dict]:
    """Gopher, C4 and FineWeb signals, which rules fail, and `heuristic_score` (share of rules passed).

    Only the signals are cached: rules are re-applied every run, so changing a threshold never rescores.
    """
    signals, metrics = _score(HeuristicSuite(), documents, scoring)
    attributes = signals.merge(apply_rules(signals, params["rules"]), on="id", validate="one_to_one")
    attributes.attrs = signals.attrs
    return attributes, metrics


def fit_quality_classifier(documents: pd.DataFrame, reference_corpus: pd.DataFrame, gold_labels: pd.DataFrame,
                           params: dict, scoring: dict) -> tuple[QualityClassifier, dict]:
    """Reference passages (positives) vs as many random raw documents (negatives), gold set left out."""
    negatives = sample_negatives(documents, len(reference_corpus), set(gold_labels["id"]), params["seed"])
    if not negatives:
        reason = f"no negatives: all {len(documents)} documents of this corpus are in the gold set"
        log.warning("classifier skipped: %s", reason)
        return SkippedScorer("classifier", ("classifier_prob",), reason), {"classifier.skipped": 1.0}
    key = fingerprint(QualityClassifier.version, params, ids_fingerprint(reference_corpus["text"]),
                      ids_fingerprint(pd.Series(negatives)))

    def fit():
        classifier = QualityClassifier(**params["model"], seed=params["seed"])
        classifier.fit_metrics = classifier.fit(reference_corpus["text"].tolist(), negatives, params["cv_folds"])
        return classifier

    classifier, cached = _fit("classifier", scoring, key, fit)
    classifier.cache_key = key
    return classifier, {**{f"classifier.{k}": v for k, v in classifier.fit_metrics.items()},
                        "classifier.model_cached": float(cached)}




RATER_COLUMNS = ("rater_bt", "rater_pointwise", "rater_score")
MIN_PAIRS_TO_EVALUATE = 10  # fewer distinct rated pairs leave nothing to hold out


def resolve_rated_documents(documents: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, dict]:
    """`id, text` of every document the ratings name: from this corpus, the ratings files' own texts,
    or `params.rated_corpus` (the folder the ratings were made on), in that order."""
    files = {"pairwise": params["pairwise_path"], "pointwise": params.get("pointwise_path")}
    files = {kind: path for kind, path in files.items() if path}
    named = set().union(*(named_ids(path, kind) for kind, path in files.items()))
    found = [documents.loc[documents["id"].isin(named), ["id", "text"]],
             *(carried_texts(path, kind) for kind, path in files.items())]
    missing = named - set(pd.concat(found)["id"])
    counts = {"rater.rated_docs_named": len(named), "rater.rated_docs_in_corpus": len(found[0])}
    folder = params.get("rated_corpus")
    if missing and folder:
        key = fingerprint("rated_corpus", folder, sorted(missing))
        from_folder, _ = fit_cached(_cache_dir(params["scoring"], "rated_documents", key),
                                    lambda: texts_from_folder(folder, missing, params.get("rated_corpus_exclude", [])))
        found.append(from_folder)
        counts["rater.rated_docs_from_rated_corpus"] = len(from_folder)
    rated = pd.concat(found, ignore_index=True).drop_duplicates("id")
    counts["rater.rated_docs_found"] = len(rated)
    return rated, counts


def fit_rater(documents: pd.DataFrame, params: dict, scoring: dict):
    """Validate the ratings, measure agreement on held-out pairs, fit the rater on all of them.

    The rater learns from the documents its ratings name (`resolve_rated_documents`), so ratings
    made on one corpus score any other. Bad rating rows are quarantined (file, line, reason), never
    fatal; an unreadable file is. With no decisive judgment left, the run goes on without a rater.
    """
    rated_docs, counts = resolve_rated_documents(documents, {**params, "scoring": scoring})
    pairs, bad_pairs = read_pairwise_ratings(params["pairwise_path"], rated_docs["id"])
    points, bad_points = (read_pointwise_ratings(params["pointwise_path"], rated_docs["id"], tuple(params["score_range"]))
                          if params.get("pointwise_path") else (None, None))
    quarantine = pd.concat([q for q in (bad_pairs, bad_points) if q is not None], ignore_index=True)
    metrics = {**counts, "rater.pairs_valid": len(pairs), "rater.rows_quarantined": len(quarantine),
               "rater.points_valid": 0 if points is None else len(points)}
    if not (pairs["preferred"] != "tie").any():
        n_rows = len(pairs) + len(bad_pairs)
        reason = (f"{(pairs['preferred'] != 'tie').sum()} of {n_rows:,} pairwise judgments in "
                  f"{Path(params['pairwise_path']).name} are decisive and name documents found in this corpus, "
                  f"in the ratings' own texts or in rater.rated_corpus ({params.get('rated_corpus')})")
        log.warning("rater skipped: %s; the combined score leaves the rater out", reason)
        return SkippedScorer("rater", RATER_COLUMNS, reason), {**metrics, "rater.skipped": 1.0}, pairs, quarantine
    fit_args = {k: (tuple(v) if isinstance(v, list) else v) for k, v in params["model"].items()}
    fit_args["score_range"] = tuple(params["score_range"])
    key = fingerprint(params["model"], params["score_range"], params["evaluation"],
                      pd.util.hash_pandas_object(pairs[["a_id", "b_id", "preferred", "rater"]], index=False).sum(),
                      None if points is None else pd.util.hash_pandas_object(points[["id", "rater", "score"]], index=False).sum(),
                      ids_fingerprint(rated_docs["text"]))

    def fit():
        rater = fit_preference_rater(rated_docs, pairs, points, **fit_args)
        evaluable = pd.concat([pairs["a_id"], pairs["b_id"]]).nunique() > 1 and len(pairs) >= MIN_PAIRS_TO_EVALUATE
        rater.fit_metrics = (evaluate_rater(rated_docs, pairs, points, quarantine, **params["evaluation"], **fit_args)
                             if evaluable else {"heldout_evaluated": 0.0})
        return rater

    rater, cached = _fit("rater", scoring, key, fit)
    rater.cache_key = key
    metrics.update({f"rater.{k}": v for k, v in rater.fit_metrics.items()})
    metrics.update({"rater.model_cached": float(cached), "rater.skipped": 0.0})
    return rater, metrics, pairs, quarantine


def fit_perplexity(reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """A small LM trained on the reference passages (or SmolLM2), calibrated on held-out passages.

    Held-out passages are whole articles (grouped by URL), so calibration never sees training text.
    """
    from winnow.scoring.perplexity import fit_reference_lm  # torch: only the processes that need it pay ~250 MB

    key = fingerprint("perplexity", params, ids_fingerprint(reference_corpus["text"]))

    def fit():
        scorer, history = fit_reference_lm(reference_corpus["text"], groups=reference_corpus.get("url"), **params)
        scorer.history = history
        return scorer

    scorer, cached = _fit("perplexity", scoring, key, fit)
    scorer.cache_key = key
    history = pd.DataFrame(scorer.history)
    metrics = {"perplexity.model_cached": float(cached),
               "perplexity.reference_median_ppl": float(pd.Series(scorer.reference_ppl).median())}
    if len(history):
        metrics.update({"perplexity.train_steps": len(history), "perplexity.train_final_loss": float(history["loss"].iloc[-1]),
                        "perplexity.train_tokens_per_s": float(history["tokens_per_s"].median())})
    return scorer, metrics, learning_curve(history, "reference LM")


def fit_reference_similarity(reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """Index the reference passages for ROUGE-L / BLEU / cosine against each document's nearest ones."""
    key = fingerprint(ReferenceSimilarity.version, params, ids_fingerprint(reference_corpus["text"]))
    scorer, cached = _fit("refsim", scoring, key, lambda: ReferenceSimilarity(**params).fit(reference_corpus["text"]))
    scorer.cache_key = key
    return scorer, {"refsim.model_cached": float(cached)}


def fit_dsir(documents: pd.DataFrame, reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """Hashed n-gram distributions of the reference (target) and of the raw documents (DSIR)."""
    key = fingerprint(DSIRImportance.version, params, ids_fingerprint(reference_corpus["text"]),
                      ids_fingerprint(documents["id"]))
    scorer, cached = _fit("dsir", scoring, key,
                          lambda: DSIRImportance(**params).fit(reference_corpus["text"], documents["text"]))
    scorer.cache_key = key
    return scorer, {"dsir.model_cached": float(cached)}


def score_with_fitted(documents: pd.DataFrame, scorer: Scorer, scoring: dict):
    """Any fitted scorer whose fit node set `cache_key` (the fingerprint of its training inputs)."""
    if isinstance(scorer, SkippedScorer):  # all-missing columns: nothing worth caching
        signals = scorer.score(documents)
        signals.attrs = {"scorer": scorer.name, "version": scorer.version, "skipped": scorer.reason}
        return signals, {f"{scorer.name}.docs_cached": 0, f"{scorer.name}.docs_scored": 0}
    return _score(scorer, documents, scoring, scorer.cache_key)
