"""Typed parameters of `curate`: one model per group of `conf/base/parameters_*.yml`.

Defaults live in the YAML only, so every field here is required; an unknown or misspelled key is
an error that names it and the keys allowed (`check_parameters`, run by a hook before the first
node). A node builds its group's model once and hands typed values to library code.
"""

from __future__ import annotations

from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator


class Group(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Bounds(Group):
    """Inclusive bounds on one signal; at least one side."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="after")
    def _one_side(self) -> Bounds:
        if self.min is None and self.max is None:
            raise ValueError("give 'min' and/or 'max'")
        return self

    def fails(self, values):
        """True where a value is outside the bounds (NaN fails too: an unscored document never passes)."""
        failing = values.isna()
        if self.min is not None:
            failing |= values < self.min
        if self.max is not None:
            failing |= values > self.max
        return failing


class IngestConfig(Group):
    raw_dir: str
    exclude: list[str]
    langid_max_chars: int
    shard_bytes: int      # input files are grouped into shards of about this many bytes on disk
    work_dir: str         # finished shards, named by their files and settings (what a rerun reuses)


class EngineConfig(Group):
    """Where independent shards run: `local` (`workers` processes here) or `ray` (a local Ray
    cluster with the machine's cores, or the cluster at `address`: auto, ray://host:port)."""

    name: Literal["local", "ray"]
    address: str | None
    workers: int


class NearDedupConfig(Group):
    threshold: float
    num_perm: int
    num_bands: int
    shingle_words: int
    seed: int


class ScoringConfig(Group):
    cache_dir: str | None
    chunk_rows: int
    workers: int


class HeuristicConfig(Group):
    rules: dict[str, dict[str, Bounds]]


class PerplexityConfig(Group):
    model: Literal["reference", "smollm2"]
    max_tokens: int
    batch_tokens: int
    heldout_fraction: float
    threads: int | None
    seed: int
    lm_config: dict[str, Any]  # winnow.training's LMConfig / TrainConfig check their own keys
    train_config: dict[str, Any]
    shipped_model: str | None  # a model built by scripts/build_reference_lm.py; used when built for these settings


class ClassifierModelConfig(Group):
    features: Literal["hashed_ngrams", "minilm"]
    n_features: int
    ngram_max: int
    C: float


class ClassifierConfig(Group):
    seed: int
    cv_folds: int
    model: ClassifierModelConfig


class RaterModelConfig(Group):
    n_features: int
    max_chars: int
    C: float
    alpha: float


class RaterEvaluationConfig(Group):
    test_fraction: float
    seed: int


class RaterConfig(Group):
    pairwise_path: str
    pointwise_path: str | None
    rated_corpus: str | None
    rated_corpus_exclude: list[str]
    score_range: tuple[float, float]
    signal_columns: list[str]  # other scorers' columns the rater sees beside the text
    model: RaterModelConfig
    evaluation: RaterEvaluationConfig


class RefsimConfig(Group):
    k: int
    max_words: int
    bleu_max_order: int
    use_idf: bool
    n_features: int


class DsirConfig(Group):
    n_buckets: int
    pseudo_count: float
    max_raw_docs: int | None
    seed: int


class CoherenceConfig(Group):
    synonyms_path: str
    boilerplate_path: str
    n_buckets: int
    topics: int
    max_chars: int
    copies: int
    heldout_fraction: float
    seed: int


class PIIConfig(Group):
    phone_regions: list[str]


class ToxicityConfig(Group):
    classifier: bool
    exclude: list[str]


class DomainsConfig(Group):
    blocklist_path: str
    extra_path: str | None


class ScoreEvalConfig(Group):
    gold_name: str
    quality_eval_name: str
    columns: list[str]
    lower_is_better: list[str]


class CombineConfig(Group):
    method: Literal["weights", "learned", "validation"]
    weights: dict[str, float]
    C: float  # inverse regularisation of the learned combination


class SelectConfig(Group):
    languages: list[str]
    min_lang_score: float
    drop_near_duplicates: bool
    hard_filters: dict[str, Bounds]
    mode: Literal["min_score", "top_fraction", "token_budget", "temperature"]
    min_score: float
    top_fraction: float
    token_budget: int
    temperature: float
    seed: int
    quotas: dict[str, float]
    redact_pii: bool

    @model_validator(mode="after")
    def _ranges(self) -> SelectConfig:
        if not 0 < self.top_fraction <= 1:
            raise ValueError(f"top_fraction must be in (0, 1], got {self.top_fraction}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        return self


GROUPS: dict[str, type[Group]] = {
    "ingest": IngestConfig, "engine": EngineConfig, "near_dedup": NearDedupConfig, "scoring": ScoringConfig, "heuristic": HeuristicConfig,
    "perplexity": PerplexityConfig, "classifier": ClassifierConfig, "rater": RaterConfig, "refsim": RefsimConfig,
    "dsir": DsirConfig, "coherence": CoherenceConfig, "pii": PIIConfig, "toxicity": ToxicityConfig, "domains": DomainsConfig,
    "score_eval": ScoreEvalConfig, "combine": CombineConfig, "select": SelectConfig,
}


class ParameterError(ValueError):
    """A parameter group that does not match its model: names the group, the key and what is allowed."""


def _allowed(model: type[Group], location: tuple) -> list[str]:
    """The keys allowed at `location` (field names, and keys of `dict[str, Model]` fields) in `model`."""
    parts = list(location)
    while parts:
        annotation = model.model_fields[str(parts.pop(0))].annotation
        if get_origin(annotation) is dict:  # the next part is a free key (a rule or filter name)
            annotation = get_args(annotation)[1]
            if get_origin(annotation) is dict:
                annotation = get_args(annotation)[1]
                parts = parts[1:]
            parts = parts[1:]
        if not (isinstance(annotation, type) and issubclass(annotation, Group)):
            return []
        model = annotation
    return sorted(model.model_fields)


def parse(group: str, values: dict) -> Group:
    """The typed model of parameter group `group`; raises ParameterError naming every bad key."""
    model = GROUPS[group]
    try:
        return model.model_validate(values)
    except ValidationError as err:
        problems = []
        for error in err.errors():
            where = ".".join(map(str, (group, *error["loc"])))
            if error["type"] == "extra_forbidden":
                allowed = _allowed(model, error["loc"][:-1])
                problems.append(f"unknown key {where!r}" + (f"; allowed: {', '.join(allowed)}" if allowed else ""))
            elif error["type"] == "missing":
                problems.append(f"missing key {where!r} (defaults live in conf/base/parameters_*.yml)")
            elif error["loc"]:
                problems.append(f"{where}: {error['msg']} (got {error.get('input')!r})")
            else:
                problems.append(f"{where}: {error['msg']}")
        raise ParameterError("parameters: " + "; ".join(problems)) from None


def check_parameters(params: dict) -> None:
    """Every known group present in `params` parses; the first bad group raises before any node runs."""
    for group in GROUPS:
        if group in params:
            parse(group, params[group])
