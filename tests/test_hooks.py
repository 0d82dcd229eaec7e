"""The missing-input check names what is missing and which pipeline writes it, before any node runs."""

import pandas as pd
import pytest
from kedro.io import DataCatalog
from kedro.pipeline import Node, Pipeline
from kedro_datasets.pandas import ParquetDataset

from winnow.hooks import MissingInputsCheck


def count(documents: pd.DataFrame) -> int:
    return len(documents)


def test_a_missing_upstream_dataset_is_named_with_the_pipeline_that_writes_it(tmp_path):
    pipeline = Pipeline([Node(count, "documents", "n")])
    catalog = DataCatalog({"documents": ParquetDataset(filepath=str(tmp_path / "documents.parquet"))})
    with pytest.raises(RuntimeError, match=r"documents \(written by: kedro run --pipeline=curate, kedro run --pipeline=ingest\)"):
        MissingInputsCheck().before_pipeline_run({}, pipeline, catalog)
    pd.DataFrame({"id": ["a"]}).to_parquet(tmp_path / "documents.parquet")
    MissingInputsCheck().before_pipeline_run({}, pipeline, catalog)  # present: nothing to say
