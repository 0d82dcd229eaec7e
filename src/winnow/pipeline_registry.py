"""Project pipelines: one per stage (`ingest`, `score`, `select`) and `curate`, which chains them."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    if "curate" in pipelines:  # Kedro imports only the pipelines a run asks for
        pipelines["__default__"] = pipelines["curate"]
    return pipelines
