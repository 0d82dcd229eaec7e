"""curate = ingest + score + select (+ score_eval): raw folder to ranked, thresholded selection in one run."""

from kedro.pipeline import Pipeline

from winnow.pipelines import ingest, score, score_eval, select


def create_pipeline(**kwargs) -> Pipeline:
    return ingest.create_pipeline() + score.create_pipeline() + select.create_pipeline() + score_eval.create_pipeline()
