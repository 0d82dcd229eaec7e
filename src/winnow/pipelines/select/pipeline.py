from kedro.pipeline import Node, Pipeline

from winnow.pipelines.score.pipeline import SCORERS
from winnow.pipelines.select import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(nodes.combine_scores,
             ["params:combine", "ratings_pairwise", "quality_eval_scores", *(f"attributes_{s}" for s in SCORERS)],
             ["document_scores", "combination", "combine_metrics"], name="combine_scores"),
        Node(nodes.decide_documents, ["documents", "exact_duplicates", "document_scores", "params:select"],
             "decisions", name="decide_documents"),
        Node(nodes.account_for_documents, ["ingest_manifest", "decisions", "quarantine"], "curate_totals",
             name="account_for_documents"),
        Node(nodes.build_selection, ["documents", "decisions", "curate_totals", "params:select", "params:pii"],
             "selection", name="build_selection"),
        Node(nodes.report_curation, ["decisions", "quarantine", "curate_totals", "params:select"],
             ["curate_metrics", "selection_report", "score_histogram_plot", "decisions_by_reason_plot"],
             name="report_curation"),
    ])
