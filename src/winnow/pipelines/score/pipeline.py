"""score: each scorer fits once (cached) and writes attributes_<scorer>, keyed by document id.

The same scoring nodes run a second time, under the namespace `quality_eval`, on the
construction-labelled evaluation set: its documents get exactly the signals a corpus document
would, from the same fitted models, and nothing is fitted on them.
"""

from kedro.pipeline import Node, Pipeline, pipeline

from winnow.pipelines.score import nodes

FITTED = ("perplexity", "classifier", "rater", "refsim", "dsir", "coherence")
SCORERS = ["heuristic", "perplexity", "classifier", "rater", "refsim", "dsir", "coherence", "pii", "toxicity",
           "domains", "encoding"]  # each writes attributes_<scorer>; combine reads them all
PARAMETERS = {"params:scoring", "params:heuristic", "params:pii", "params:toxicity", "params:domains"}


def _scoring_node(scorer: str) -> Node:
    return Node(nodes.score_with_fitted, ["documents", f"{scorer}_model", "params:scoring"],
                [f"attributes_{scorer}", f"{scorer}_metrics"], name=f"score_{scorer}")


def fitting_pipeline() -> Pipeline:
    return Pipeline([
        Node(nodes.fit_quality_classifier,
             ["documents", "reference_corpus", "gold_labels", "params:classifier", "params:scoring"],
             ["classifier_model", "classifier_fit_metrics"], name="fit_classifier"),
        Node(nodes.fit_rater, ["documents", "coherence_model", "params:rater", "params:heuristic", "params:scoring"],
             ["rater_model", "rater_fit_metrics", "ratings_pairwise", "ratings_quarantine"], name="fit_rater"),
        Node(nodes.fit_reference_similarity, ["reference_corpus", "params:refsim", "params:scoring"],
             ["refsim_model", "refsim_fit_metrics"], name="fit_refsim"),
        Node(nodes.fit_dsir, ["documents", "reference_corpus", "params:dsir", "params:scoring"],
             ["dsir_model", "dsir_fit_metrics"], name="fit_dsir"),
        Node(nodes.fit_perplexity, ["reference_corpus", "params:perplexity", "params:scoring"],
             ["perplexity_model", "perplexity_fit_metrics", "perplexity_learning_curve_plot"], name="fit_perplexity"),
        Node(nodes.fit_coherence, ["reference_corpus", "params:coherence", "params:scoring"],
             ["coherence_model", "coherence_fit_metrics"], name="fit_coherence"),
    ])


def scoring_pipeline() -> Pipeline:
    """`documents` -> one `attributes_<scorer>` per scorer; the fitted models are inputs."""
    return Pipeline([
        Node(nodes.score_heuristics, ["documents", "params:heuristic", "params:scoring"],
             ["attributes_heuristic", "heuristic_metrics"], name="score_heuristics"),
        Node(nodes.score_pii, ["documents", "params:pii", "params:scoring"], ["attributes_pii", "pii_metrics"],
             name="score_pii"),
        Node(nodes.score_toxicity, ["documents", "params:toxicity", "params:scoring"],
             ["attributes_toxicity", "toxicity_metrics"], name="score_toxicity"),
        Node(nodes.score_encoding, ["documents", "params:scoring"], ["attributes_encoding", "encoding_metrics"],
             name="score_encoding"),
        Node(nodes.score_domains, ["documents", "params:domains"], ["attributes_domains", "domains_metrics"],
             name="score_domains"),
        Node(nodes.score_rater, ["documents", "rater_model", "attributes_heuristic", "attributes_coherence",
                                 "attributes_encoding", "params:scoring"], ["attributes_rater", "rater_metrics"],
             name="score_rater"),
        *(_scoring_node(s) for s in FITTED if s != "rater"),
    ])


def quality_eval_pipeline() -> Pipeline:
    """The evaluation set scored like a corpus: `quality_eval_scores`, one row per document, every signal."""
    labelled_scoring = Pipeline([
        Node(nodes.prepare_quality_eval, ["table", "params:score_eval"], "documents", name="prepare_documents"),
        scoring_pipeline(),
        Node(nodes.label_quality_eval_scores, ["documents", *(f"attributes_{s}" for s in SCORERS)], "scores",
             name="label_scores"),
    ])
    return pipeline(labelled_scoring, namespace="quality_eval",
                    inputs={"table": "quality_eval", **{f"{s}_model": f"{s}_model" for s in FITTED}},
                    outputs={"scores": "quality_eval_scores"}, parameters=PARAMETERS | {"params:score_eval"})


def create_pipeline(**kwargs) -> Pipeline:
    return fitting_pipeline() + scoring_pipeline() + quality_eval_pipeline()
