"""curate = ingest + score + select: raw folder to ranked, thresholded selection in one run."""

from kedro.pipeline import Pipeline

from winnow.pipelines import ingest, score, select


def create_pipeline(**kwargs) -> Pipeline:
    return ingest.create_pipeline() + score.create_pipeline() + select.create_pipeline()
