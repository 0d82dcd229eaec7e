"""experiment: pretrain -> finetune -> evaluate, once per arm (Kedro namespaces), then compare the arms.

Runs after `curate` (it reads `documents`, `document_scores` and the latest `selection`):
    kedro run --pipeline=experiment
"""

from kedro.pipeline import Node, Pipeline, pipeline

from winnow.experiment.arms import ARMS
from winnow.pipelines.experiment import nodes

SHARED = {"experiment_tokenizer", "heldout_domains", "downstream_tasks"}


def arm_pipeline() -> Pipeline:
    """The per-arm template; each arm's copy reads `arm_corpus_<arm>` and writes `<dataset>_<arm>`."""
    return Pipeline([
        Node(nodes.pretrain_arm, ["arm_corpus", "experiment_tokenizer", "heldout_domains", "params:experiment"],
             "pretrained", name="pretrain"),
        Node(nodes.finetune_arm, ["pretrained", "downstream_tasks", "params:experiment"], "finetuned", name="finetune"),
        Node(nodes.evaluate_arm, ["pretrained", "finetuned", "heldout_domains"], "arm_results", name="evaluate"),
    ])


def create_pipeline(**kwargs) -> Pipeline:
    prepare = Pipeline([
        Node(nodes.decontaminate_pool, ["documents", "downstream_tasks", "heldout_domains", "params:experiment"],
             ["experiment_pool", "contaminated_documents", "decontamination_metrics"], name="decontaminate"),
        Node(nodes.train_shared_tokenizer, ["experiment_pool", "params:experiment"], "experiment_tokenizer",
             name="train_shared_tokenizer"),
        Node(nodes.build_arm_corpora,
             ["experiment_pool", "selection", "contaminated_documents", "document_scores", "experiment_tokenizer",
              "params:experiment"],
             [f"arm_corpus_{arm}" for arm in ARMS] + ["arms_metrics"], name="build_arm_corpora"),
    ])
    arms = sum((pipeline(arm_pipeline(), namespace=arm, parameters={"params:experiment"},
                         inputs={**{name: name for name in SHARED}, "arm_corpus": f"arm_corpus_{arm}"},
                         outputs={name: f"{name}_{arm}" for name in ("pretrained", "finetuned", "arm_results")})
                for arm in ARMS), Pipeline([]))
    compare = Pipeline([
        Node(nodes.compare_arms,
             {"arms_metrics": "arms_metrics", "decontamination_metrics": "decontamination_metrics",
              "params": "params:experiment",
              **{f"{kind}_{arm}": f"{kind}_{arm}" for kind in ("arm_results", "pretrained", "finetuned") for arm in ARMS}},
             ["experiment_table", "experiment_paired", "experiment_report", "experiment_learning_curves_plot",
              "experiment_data_efficiency_plot", "experiment_metrics", "experiment_runs"], name="compare_arms"),
    ])
    return prepare + arms + compare
