from kedro.pipeline import Node, Pipeline

from winnow.pipelines.ingest.nodes import find_duplicates, read_shards, write_documents


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(read_shards, ["params:ingest", "params:near_dedup"],
             ["ingest_shards", "quarantine", "ingest_manifest"], name="read_corpus"),
        Node(find_duplicates, ["ingest_shards", "params:near_dedup"], ["exact_duplicates", "near_duplicates"],
             name="find_duplicates"),
        Node(write_documents, ["ingest_shards", "exact_duplicates", "near_duplicates"], "documents",
             name="write_documents"),
    ])
