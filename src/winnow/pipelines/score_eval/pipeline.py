from kedro.pipeline import Node, Pipeline

from winnow.pipelines.score_eval.nodes import evaluate_scorers


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline([
        Node(evaluate_scorers,
             ["decisions", "quality_eval_scores", "combination", "gold_labels", "params:score_eval",
              "params:select", "params:combine"],
             ["score_eval_metrics", "score_eval_report", "score_eval_kinds_plot", "score_eval_roc_plot"],
             name="evaluate_scorers"),
    ])
