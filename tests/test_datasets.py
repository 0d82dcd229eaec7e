"""User-supplied tables load from plain or compressed CSV/JSONL through the real catalog entries."""

import gzip

import pandas as pd
import pytest
from kedro.config import OmegaConfigLoader
from kedro.io import DataCatalog, DatasetError

from tests.conftest import PROJECT

TASK = pd.DataFrame({"text": ["good film", "dull film", "fine", "bad", "great", "poor"],
                     "label": ["pos", "neg", "pos", "neg", "pos", "neg"],
                     "split": ["train", "train", "dev", "dev", "test", "test"]})


def catalog(**runtime_params) -> DataCatalog:
    loader = OmegaConfigLoader(str(PROJECT / "conf"), base_env="base", default_run_env="local",
                               runtime_params=runtime_params)
    return DataCatalog.from_config(loader["catalog"])


@pytest.mark.parametrize("name", ["my_task.csv", "my_task.csv.gz", "my_task.jsonl", "my_task.jsonl.gz"])
def test_own_task_loads_plain_or_gzipped_csv_or_jsonl(tmp_path, name):
    path = tmp_path / name
    text = TASK.to_csv(index=False) if ".csv" in name else TASK.to_json(orient="records", lines=True)
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    pd.testing.assert_frame_equal(catalog(task_path=str(path)).load("downstream_task"), TASK)


def test_shipped_inputs_still_load():
    shipped = catalog()
    assert len(shipped.load("downstream_task")) > 10_000 and len(shipped.load("heldout_corpus")) > 1000
    assert len(shipped.load("reference_corpus")) > 1000
    gold = shipped.load("gold_labels")
    assert gold["id"].map(type).eq(str).all() and set(gold["label"]) == {0, 1}


@pytest.mark.parametrize(("entry", "param", "column"), [("downstream_task", "task_path", "label"),
                                                         ("heldout_corpus", "heldout_path", "text"),
                                                         ("gold_labels", "gold_path", "label"),
                                                         ("reference_corpus", "reference_path", "text")])
def test_a_missing_column_names_the_file_and_the_column(tmp_path, entry, param, column):
    path = tmp_path / "mine.csv"
    TASK.rename(columns={column: "something_else"}).assign(id="x").to_csv(path, index=False)
    with pytest.raises(DatasetError, match=rf"mine\.csv: missing column\(s\) \['{column}'\]"):
        catalog(**{param: str(path)}).load(entry)


def test_an_unknown_format_is_named(tmp_path):
    path = tmp_path / "task.xlsx"
    path.write_bytes(b"PK")
    with pytest.raises(DatasetError, match=r"task\.xlsx: expected a \.csv or \.jsonl file"):
        catalog(task_path=str(path)).load("downstream_task")
