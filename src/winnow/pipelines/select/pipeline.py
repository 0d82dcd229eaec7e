from kedro.pipeline import Node, Pipeline

from winnow.pipelines.select.nodes import account_for_documents, build_selection, decide_documents, report_curation


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(decide_documents, ["documents", "exact_duplicates", "attributes_heuristic", "params:select"],
             "decisions", name="decide_documents"),
        Node(account_for_documents, ["ingest_manifest", "decisions", "quarantine"], "curate_totals",
             name="account_for_documents"),
        Node(build_selection, ["documents", "decisions", "curate_totals"], "selection", name="build_selection"),
        Node(report_curation, ["decisions", "quarantine", "curate_totals", "params:select"],
             ["curate_metrics", "selection_report", "score_histogram_plot", "decisions_by_reason_plot"],
             name="report_curation"),
    ])
