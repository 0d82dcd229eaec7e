from pathlib import Path

import pytest

from tests.annotate.corpus import sample_documents, write_corpus
from winnow.annotate.config import AnnotateConfig


@pytest.fixture(scope="session")
def annotate_docs():
    return sample_documents()


@pytest.fixture
def annotate_config(tmp_path: Path, annotate_docs) -> AnnotateConfig:
    """App settings on the small real-text corpus; the first document is in the gold set."""
    paths = write_corpus(tmp_path / "corpus", annotate_docs, gold=[annotate_docs["id"].iloc[0]])
    return AnnotateConfig(documents=paths["documents"], scores=paths["scores"], gold=paths["gold"],
                          db=tmp_path / "judgments.sqlite", export=tmp_path / "human_pairwise.csv",
                          mlflow_db=tmp_path / "mlflow.db", target=5)


@pytest.fixture
def html_pair_config(tmp_path: Path, annotate_docs) -> AnnotateConfig:
    """A corpus of two documents, one full of HTML and a script: the only pair there is to show."""
    two = annotate_docs[annotate_docs["source"].isin(["spam_html"]) | (annotate_docs.index == 0)]
    paths = write_corpus(tmp_path / "html_corpus", two)
    return AnnotateConfig(documents=paths["documents"], scores=paths["scores"], gold=None,
                          db=tmp_path / "html.sqlite", export=tmp_path / "html_pairwise.csv",
                          mlflow_db=tmp_path / "mlflow.db")


@pytest.fixture(scope="session")
def rater_mlflow_store(tmp_path_factory) -> Path:
    """A real MLflow store: a rater fit on alice's judgments, then a later run that fitted no rater
    and a failed one (neither may be reported as the latest retraining)."""
    from mlflow import MlflowClient

    path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    client = MlflowClient(tracking_uri=f"sqlite:///{path}")
    experiment = client.create_experiment("winnow")
    for start, status, metrics in [(1_000, "FINISHED", {"rater.heldout_agreement_bt": 0.8,
                                                         "rater.heldout_agreement_combined": 0.75,
                                                         "rater.n_heldout_decisive": 16,
                                                         "rater.rater/alice/model_agreement": 0.9}),
                                   (2_000, "FINISHED", {"docs_in": 10}),
                                   (3_000, "FAILED", {"rater.heldout_agreement_bt": 0.1})]:
        run = client.create_run(experiment, start_time=start, run_name="curate")
        client.log_param(run.info.run_id, "rater.pairwise_path", "data/01_raw/annotations/human_pairwise.csv")
        for key, value in metrics.items():
            client.log_metric(run.info.run_id, key, value)
        client.set_terminated(run.info.run_id, status)
    return path
