from kedro.pipeline import Node, Pipeline

from winnow.pipelines.ingest.nodes import drop_exact_duplicates, mark_near_duplicates, read_corpus, tag_languages


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(read_corpus, "params:ingest", ["raw_records", "quarantine", "ingest_manifest"], name="read_corpus"),
        Node(drop_exact_duplicates, "raw_records", ["unique_records", "exact_duplicates"], name="drop_exact_duplicates"),
        Node(tag_languages, ["unique_records", "params:ingest"], "tagged_records", name="tag_languages"),
        Node(mark_near_duplicates, ["tagged_records", "params:near_dedup"], "documents", name="mark_near_duplicates"),
    ])
