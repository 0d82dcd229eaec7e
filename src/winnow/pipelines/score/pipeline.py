from kedro.pipeline import Node, Pipeline

from winnow.pipelines.score.nodes import score_heuristics


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(score_heuristics, ["documents", "params:heuristic"], "attributes_heuristic", name="score_heuristics"),
    ])
