"""Score nodes: each scorer fits (once, cached) and writes its own attribute table keyed by document id.

A fit node returns a `FittedScorer` (the scorer, the key of what it was fitted on, its metrics);
its score node takes that and goes through `_score`: signals already on disk for the same scorer
version and fit key are reused, so a rerun or a few added documents cost only the new work.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import joblib
import pandas as pd

from winnow.config import (ClassifierConfig, CoherenceConfig, DomainsConfig, DsirConfig, HeuristicConfig, PerplexityConfig,
                           PIIConfig, RaterConfig, RefsimConfig, ScoreEvalConfig, ScoringConfig, ToxicityConfig)
from winnow.parts import Parts, as_frame, frames
from winnow.rating import evaluate_rater, fit_preference_rater, read_pairwise_ratings, read_pointwise_ratings
from winnow.rating.rated_documents import resolve_rated_documents
from winnow.reporting.plots import learning_curve
from winnow.scoring import apply_rules
from winnow.scoring.base import FittedScorer, Scorer, SkippedScorer
from winnow.scoring.cache import fingerprint, fit_cached, ids_fingerprint, score_cached
from winnow.scoring.classifier import QualityClassifier, sample_negatives
from winnow.scoring.domains import BlockedDomains
from winnow.scoring.dsir import DSIRImportance
from winnow.scoring.heuristics import HeuristicSuite
from winnow.scoring.refsim import ReferenceSimilarity
from winnow.selection.combine import merge_attributes

log = logging.getLogger(__name__)

EVAL_COLUMNS = ("id", "label", "kind", "source", "genre", "split", "pair_of")

RATER_COLUMNS = ("rater_bt", "rater_pointwise", "rater_score")


def _cache_dir(scoring: ScoringConfig, *parts: str) -> Path | None:
    return Path(scoring.cache_dir, *parts) if scoring.cache_dir else None


def _score(scorer: Scorer, documents: pd.DataFrame | Parts, scoring: ScoringConfig, fit_key: str = "",
           extra: pd.DataFrame | None = None) -> tuple[pd.DataFrame, dict]:
    key = fingerprint(scorer.name, scorer.version, fit_key)
    signals, counts = score_cached(scorer, documents, _cache_dir(scoring, "attributes", scorer.name, key),
                                   scoring.chunk_rows, scoring.workers, extra)
    log.info("%s: %d documents from cache, %d scored now", scorer.name, counts["cached"], counts["scored"])
    signals.attrs = {"scorer": scorer.name, "version": scorer.version, "key": key}
    return signals, {f"{scorer.name}.docs_cached": counts["cached"], f"{scorer.name}.docs_scored": counts["scored"]}


def _fit(name: str, scoring: ScoringConfig, key: str, fit: Callable[[], FittedScorer],
         shipped: str | None = None) -> tuple[FittedScorer, dict]:
    """The shipped model if it was built for `key`, else the cached `FittedScorer` for `key`, else
    `fit()` cached; and its metrics prefixed with `name`."""
    if shipped and Path(shipped).exists():
        fitted = joblib.load(shipped)
        if fitted.key == key:
            log.info("%s: shipped model %s", name, shipped)
            metrics = {f"{name}.{k}": v for k, v in fitted.metrics.items()}
            return fitted, {**metrics, f"{name}.model_cached": 1.0, f"{name}.model_shipped": 1.0, f"{name}.skipped": 0.0}
        log.info("%s: the shipped model %s was built for other settings or text; fitting one", name, shipped)
    fitted, cached = fit_cached(_cache_dir(scoring, "fitted", name, key), fit)
    log.info("%s: %s", name, "fitted model loaded from cache" if cached else "fitted")
    metrics = {f"{name}.{k}": v for k, v in fitted.metrics.items()}
    return fitted, {**metrics, f"{name}.model_cached": float(cached), f"{name}.skipped": 0.0}


def _skipped(name: str, columns: tuple[str, ...], reason: str) -> tuple[FittedScorer, dict]:
    log.warning("%s skipped: %s; the combined score leaves it out", name, reason)
    return FittedScorer(SkippedScorer(name, columns, reason), "skipped"), {f"{name}.skipped": 1.0}


def score_heuristics(documents: pd.DataFrame, params: dict, scoring: dict) -> tuple[pd.DataFrame, dict]:
    """Gopher, C4 and FineWeb signals, which rules fail, and `heuristic_score` (share of rules passed).

    Only the signals are cached: rules are re-applied every run, so changing a threshold never rescores.
    """
    config = HeuristicConfig.model_validate(params)
    signals, metrics = _score(HeuristicSuite(), documents, ScoringConfig.model_validate(scoring))
    attributes = signals.merge(apply_rules(signals, config.rules), on="id", validate="one_to_one")
    attributes.attrs = signals.attrs
    return attributes, metrics


def score_pii(documents: pd.DataFrame, params: dict, scoring: dict) -> tuple[pd.DataFrame, dict]:
    """Counts of emails, phone numbers, IP addresses, payment cards and IBANs per document."""
    from winnow.scoring.pii import PIIScorer

    config = PIIConfig.model_validate(params)
    attributes, metrics = _score(PIIScorer(tuple(config.phone_regions)), documents,
                                 ScoringConfig.model_validate(scoring), fingerprint(config.model_dump()))
    return attributes, {**metrics, **{f"pii.docs_with_{c.removeprefix('pii_')}": int((attributes[c] > 0).sum())
                                      for c in attributes.columns if c.startswith("pii_")}}


def score_toxicity(documents: pd.DataFrame, params: dict, scoring: dict) -> tuple[pd.DataFrame, dict]:
    """Toxic and adult words per 1,000 words (a packaged word list), and optionally a packaged classifier."""
    from winnow.scoring.toxicity import CLASSIFIER_PROVENANCE, WORDLIST_PROVENANCE, ToxicityScorer

    config = ToxicityConfig.model_validate(params)
    model = CLASSIFIER_PROVENANCE if config.classifier else None
    attributes, metrics = _score(ToxicityScorer(config.classifier, config.exclude), documents,
                                 ScoringConfig.model_validate(scoring), fingerprint(config.model_dump(), WORDLIST_PROVENANCE, model))
    attributes.attrs["wordlist"] = WORDLIST_PROVENANCE
    return attributes, {**metrics, "toxicity.docs_with_matches": int((attributes["toxicity_matches"] > 0).sum())}


def score_encoding(documents: pd.DataFrame, scoring: dict) -> tuple[pd.DataFrame, dict]:
    """Damage ftfy could not repair: U+FFFD, `?` for lost letters, leftover mojibake, control
    characters, words mixing Latin with Cyrillic or Greek; and their total per 1,000 characters."""
    from winnow.scoring.encoding import EncodingDamage

    attributes, metrics = _score(EncodingDamage(), documents, ScoringConfig.model_validate(scoring))
    return attributes, {**metrics, "encoding.docs_damaged": int((attributes["encoding_damage_per_1k_chars"] > 0).sum())}


def score_domains(documents: pd.DataFrame, params: dict) -> tuple[pd.DataFrame, dict]:
    """Whether each document's URL host (or a parent domain) is on the default or the user's blocklist.

    Not cached: a set lookup per document costs less than reading a cache.
    """
    config = DomainsConfig.model_validate(params)
    scorer = BlockedDomains([p for p in (config.blocklist_path, config.extra_path) if p])
    attributes = scorer.score(as_frame(documents, ["id", "url"]))
    attributes.attrs = {"scorer": scorer.name, "version": scorer.version, "blocklists": scorer.sources}
    return attributes, {"domains.blocklist_entries": len(scorer.blocked),
                        "domains.docs_with_url": int((attributes["domains_host"] != "").sum()),
                        "domains.docs_blocked": int(attributes["domains_blocked"].sum())}


def fit_quality_classifier(documents: pd.DataFrame, reference_corpus: pd.DataFrame, gold_labels: pd.DataFrame,
                           params: dict, scoring: dict) -> tuple[FittedScorer, dict]:
    """Reference passages (positives) vs as many random raw documents (negatives), gold set left out."""
    config = ClassifierConfig.model_validate(params)
    negatives = sample_negatives(documents, len(reference_corpus), set(gold_labels["id"]), config.seed)
    if not negatives:
        return _skipped("classifier", ("classifier_prob",),
                        f"no negatives: all {len(documents)} documents of this corpus are in the gold set")
    key = fingerprint(QualityClassifier.version, params, ids_fingerprint(reference_corpus["text"]),
                      ids_fingerprint(pd.Series(negatives)))

    def fit() -> FittedScorer:
        classifier = QualityClassifier(**config.model.model_dump(), seed=config.seed)
        metrics = classifier.fit(reference_corpus["text"].tolist(), negatives, config.cv_folds)
        return FittedScorer(classifier, key, metrics)

    return _fit("classifier", ScoringConfig.model_validate(scoring), key, fit)


SIGNAL_SOURCES = ("heuristic", "coherence", "encoding")  # scorers whose columns the rater may take as features


def _rater_signals(docs: pd.DataFrame, columns: list[str], coherence: FittedScorer, heuristic: dict,
                   scoring: ScoringConfig) -> pd.DataFrame:
    """`id` + the signal columns for documents the corpus's attribute tables may not hold (rated
    documents from elsewhere), computed by the same scorers through the same cache."""
    from winnow.scoring.encoding import EncodingDamage

    signals = docs[["id"]]
    if any(not c.startswith(("coherence_", "encoding_")) for c in columns):
        heuristic_signals, _ = score_heuristics(docs, heuristic, scoring.model_dump())
        signals = signals.merge(heuristic_signals, on="id")
    if any(c.startswith("coherence_") for c in columns):
        signals = signals.merge(score_with_fitted(docs, coherence, scoring.model_dump())[0], on="id")
    if any(c.startswith("encoding_") for c in columns):
        signals = signals.merge(_score(EncodingDamage(), docs, scoring)[0], on="id")
    missing = [c for c in columns if c not in signals.columns]
    if missing:
        raise KeyError(f"rater.signal_columns {missing} are not columns of the {', '.join(SIGNAL_SOURCES)} scorers")
    return signals[["id", *columns]]


def fit_rater(documents: pd.DataFrame, coherence_model: FittedScorer, params: dict, heuristic: dict, scoring: dict):
    """Validate the ratings, measure agreement on held-out pairs and on held-out sources, fit the
    rater on all of them.

    The rater learns from the documents its ratings name (`resolve_rated_documents`), so ratings
    made on one corpus score any other; beside their text it sees `signal_columns` of the heuristic,
    coherence and encoding scorers. Bad rating rows are quarantined (file, line, reason), never
    fatal; an unreadable file is. With no decisive judgment left, the run goes on without a rater.
    """
    from winnow.rating.agreement import leave_one_source_out

    config, scoring = RaterConfig.model_validate(params), ScoringConfig.model_validate(scoring)
    files = {"pairwise": config.pairwise_path, "pointwise": config.pointwise_path}
    files = {kind: path for kind, path in files.items() if path}
    rated_docs, counts = resolve_rated_documents(documents, files, config.rated_corpus, config.rated_corpus_exclude,
                                                 _cache_dir(scoring, "rated_documents"))
    pairs, bad_pairs = read_pairwise_ratings(config.pairwise_path, rated_docs["id"])
    points, bad_points = (read_pointwise_ratings(config.pointwise_path, rated_docs["id"], config.score_range)
                          if config.pointwise_path else (None, None))
    quarantine = pd.concat([q for q in (bad_pairs, bad_points) if q is not None], ignore_index=True)
    metrics = {**{f"rater.{k}": v for k, v in counts.items()}, "rater.pairs_valid": len(pairs),
               "rater.rows_quarantined": len(quarantine), "rater.points_valid": 0 if points is None else len(points)}
    decisive = int((pairs["preferred"] != "tie").sum())
    if not decisive:
        fitted, skip_metrics = _skipped("rater", RATER_COLUMNS, (
            f"0 of {len(pairs) + len(bad_pairs):,} pairwise judgments in {Path(config.pairwise_path).name} are decisive "
            f"and name documents found in this corpus, in the ratings' own texts or in rater.rated_corpus "
            f"({config.rated_corpus})"))
        return fitted, {**metrics, **skip_metrics}, pairs, quarantine
    columns = list(config.signal_columns)
    if coherence_model.skipped:
        columns = [c for c in columns if not c.startswith("coherence_")]
    if columns:
        signals = _rater_signals(rated_docs, columns, coherence_model, heuristic, scoring)
        rated_docs = rated_docs.merge(signals, on="id", how="left")
    fit_args = {**config.model.model_dump(), "score_range": config.score_range, "signal_columns": tuple(columns),
                "signals": rated_docs[["id", *columns]] if columns else None}
    key = fingerprint({k: v for k, v in fit_args.items() if k != "signals"}, config.evaluation.model_dump(),
                      pd.util.hash_pandas_object(pairs[["a_id", "b_id", "preferred", "rater"]], index=False).sum(),
                      None if points is None else pd.util.hash_pandas_object(points[["id", "rater", "score"]], index=False).sum(),
                      ids_fingerprint(rated_docs["text"]), coherence_model.key if columns else None)

    def fit() -> FittedScorer:
        rater = fit_preference_rater(rated_docs, pairs, points, **fit_args)
        agreement = evaluate_rater(rated_docs, pairs, points, quarantine, **config.evaluation.model_dump(), **fit_args)
        return FittedScorer(rater, key, {**agreement, **leave_one_source_out(rated_docs, pairs, **fit_args)})

    fitted, fit_metrics = _fit("rater", scoring, key, fit)
    return fitted, {**metrics, **fit_metrics}, pairs, quarantine


def score_rater(documents: pd.DataFrame, rater_model: FittedScorer, attributes_heuristic: pd.DataFrame,
                attributes_coherence: pd.DataFrame, attributes_encoding: pd.DataFrame, scoring: dict):
    """The rater's scores; the signal columns it was fitted with come from the other attribute tables."""
    columns = [] if rater_model.skipped else list(rater_model.scorer.signal_columns)
    signals = merge_attributes(attributes_heuristic, attributes_coherence, attributes_encoding)[["id", *columns]] \
        if columns else None
    return score_with_fitted(documents, rater_model, scoring, extra=signals)  # joined to each part of texts


def fit_perplexity(reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """A small LM trained on the reference passages (or SmolLM2), calibrated on held-out passages.

    Held-out passages are whole articles (grouped by URL), so calibration never sees training text.
    """
    from winnow.scoring.perplexity import fit_reference_lm  # torch: only the processes that need it pay ~250 MB

    config = PerplexityConfig.model_validate(params)
    settings = config.model_dump(exclude={"shipped_model"})
    groups = reference_corpus.get("url")  # the held-out split is by article: it decides the calibration
    key = fingerprint("perplexity", settings, ids_fingerprint(reference_corpus["text"]),
                      None if groups is None else ids_fingerprint(groups.fillna("")))

    def fit() -> FittedScorer:
        scorer, history = fit_reference_lm(reference_corpus["text"], groups=groups, **settings)
        metrics = {"reference_median_ppl": float(pd.Series(scorer.reference_ppl).median())}
        if history:
            metrics.update({"train_steps": len(history), "train_final_loss": float(history[-1]["loss"]),
                            "train_tokens_per_s": float(pd.Series([r["tokens_per_s"] for r in history]).median())})
        return FittedScorer(scorer, key, metrics, history)

    fitted, metrics = _fit("perplexity", ScoringConfig.model_validate(scoring), key, fit, config.shipped_model)
    return fitted, metrics, learning_curve(pd.DataFrame(fitted.history), "reference LM")


def fit_reference_similarity(reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """Index the reference passages for ROUGE-L / BLEU / cosine against each document's nearest ones."""
    config = RefsimConfig.model_validate(params)
    key = fingerprint(ReferenceSimilarity.version, config.model_dump(), ids_fingerprint(reference_corpus["text"]))
    return _fit("refsim", ScoringConfig.model_validate(scoring), key,
                lambda: FittedScorer(ReferenceSimilarity(**config.model_dump()).fit(reference_corpus["text"]), key))


def fit_dsir(documents: pd.DataFrame, reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """Hashed n-gram distributions of the reference (target) and of the raw documents (DSIR)."""
    config = DsirConfig.model_validate(params)
    ids = as_frame(documents, ["id"])["id"]
    key = fingerprint(DSIRImportance.version, config.model_dump(), ids_fingerprint(reference_corpus["text"]),
                      ids_fingerprint(ids))
    texts = (part["text"] for part in frames(documents, ["text"]))  # the corpus a part at a time
    return _fit("dsir", ScoringConfig.model_validate(scoring), key, lambda: FittedScorer(
        DSIRImportance(**config.model_dump()).fit_batches(reference_corpus["text"], texts, len(ids)), key))


def fit_coherence(reference_corpus: pd.DataFrame, params: dict, scoring: dict):
    """Reference passages against damaged copies of themselves (`winnow.scoring.coherence`).

    Damage uses the training thesaurus and boilerplate only; the evaluation set has its own.
    """
    from winnow.quality.degrade import Resources, read_lines, read_thesaurus
    from winnow.scoring.coherence import CoherenceModel

    config = CoherenceConfig.model_validate(params)
    groups = reference_corpus.get("url")
    if groups is not None and groups.nunique() < 10:  # too few articles to split by: split by passage
        groups = None
    resource_files = [Path(p).read_bytes() for p in (config.synonyms_path, config.boilerplate_path)]
    key = fingerprint(CoherenceModel.version, config.model_dump(), ids_fingerprint(reference_corpus["text"]),
                      None if groups is None else ids_fingerprint(groups.fillna("")),
                      [hashlib.sha256(b).hexdigest() for b in resource_files])

    def fit() -> FittedScorer:
        resources = Resources(synonyms=read_thesaurus(config.synonyms_path),
                              boilerplate=read_lines(config.boilerplate_path))
        model = CoherenceModel(n_buckets=config.n_buckets, topics=config.topics, max_chars=config.max_chars,
                               copies=config.copies, seed=config.seed)
        metrics = model.fit(reference_corpus["text"].tolist(), resources,
                            groups=None if groups is None else groups.fillna("").tolist(),
                            heldout_fraction=config.heldout_fraction)
        return FittedScorer(model, key, metrics)

    return _fit("coherence", ScoringConfig.model_validate(scoring), key, fit)


def prepare_quality_eval(quality_eval: pd.DataFrame, params: dict) -> pd.DataFrame:
    """The evaluation set as documents: text normalised as ingest does, id = content hash.

    Labels and kinds stay beside the text; the scorers read only `id`, `text` and `url`.
    """
    from winnow.ingest.text import content_id, normalise_text

    name = ScoreEvalConfig.model_validate(params).quality_eval_name
    docs = quality_eval.copy()
    docs["text"] = [normalise_text(t) for t in docs["text"].astype(str)]
    empty = docs.index[docs["text"] == ""]
    if len(empty):
        raise ValueError(f"{name} row {empty[0] + 2}: text is empty after normalisation")
    new_ids = [content_id(t) for t in docs["text"]]
    if "id" in docs:  # a degraded copy names its original by the set's own id
        docs["pair_of"] = docs["pair_of"].fillna("").astype(str).map(dict(zip(docs["id"].astype(str), new_ids))).fillna("")
    docs["id"] = new_ids
    repeated = docs[docs["id"].duplicated(keep=False)]
    if len(repeated):
        raise ValueError(f"{name}: rows {sorted((repeated.index[:4] + 2).tolist())} hold the same text; "
                         "every evaluation document must be unique")
    docs["url"] = docs["url"] if "url" in docs else None
    docs["n_chars"] = docs["text"].str.len()
    return docs.reset_index(drop=True)


def label_quality_eval_scores(documents: pd.DataFrame, *attribute_tables: pd.DataFrame) -> pd.DataFrame:
    """Every signal of each evaluation document beside its label, kind, source, split and pair."""
    labels = documents[[c for c in EVAL_COLUMNS if c in documents.columns]]
    return labels.merge(merge_attributes(*attribute_tables), on="id", how="left", validate="one_to_one")


def score_with_fitted(documents: pd.DataFrame | Parts, fitted: FittedScorer, scoring: dict,
                      extra: pd.DataFrame | None = None):
    """The attribute table of any fitted scorer; a skipped one gives all-missing columns, uncached."""
    if fitted.skipped:
        signals = fitted.scorer.score(as_frame(documents, ["id"]).assign(text=""))  # its columns are empty: no text read
        signals.attrs = {"scorer": fitted.scorer.name, "version": fitted.scorer.version, "skipped": fitted.skipped}
        return signals, {f"{fitted.scorer.name}.docs_cached": 0, f"{fitted.scorer.name}.docs_scored": 0}
    return _score(fitted.scorer, documents, ScoringConfig.model_validate(scoring), fitted.key, extra)
