"""score: each scorer fits once (cached) and writes attributes_<scorer>, keyed by document id."""

from kedro.pipeline import Node, Pipeline

from winnow.pipelines.score import nodes


def _scoring_node(scorer: str) -> Node:
    return Node(nodes.score_with_fitted, ["documents", f"{scorer}_model", "params:scoring"],
                [f"attributes_{scorer}", f"{scorer}_metrics"], name=f"score_{scorer}")


def create_pipeline(**kwargs) -> Pipeline:
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
        Node(nodes.fit_quality_classifier,
             ["documents", "reference_corpus", "gold_labels", "params:classifier", "params:scoring"],
             ["classifier_model", "classifier_fit_metrics"], name="fit_classifier"),
        Node(nodes.fit_rater, ["documents", "params:rater", "params:scoring"],
             ["rater_model", "rater_fit_metrics", "ratings_pairwise", "ratings_quarantine"], name="fit_rater"),
        Node(nodes.fit_reference_similarity, ["reference_corpus", "params:refsim", "params:scoring"],
             ["refsim_model", "refsim_fit_metrics"], name="fit_refsim"),
        Node(nodes.fit_dsir, ["documents", "reference_corpus", "params:dsir", "params:scoring"],
             ["dsir_model", "dsir_fit_metrics"], name="fit_dsir"),
        Node(nodes.fit_perplexity, ["reference_corpus", "params:perplexity", "params:scoring"],
             ["perplexity_model", "perplexity_fit_metrics", "perplexity_learning_curve_plot"], name="fit_perplexity"),
        *(_scoring_node(s) for s in ("perplexity", "classifier", "rater", "refsim", "dsir")),
    ])
