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
    tasks = catalog(task_path=str(path)).load("downstream_tasks")
    assert list(tasks) == ["my_task"]
    pd.testing.assert_frame_equal(tasks["my_task"], TASK)


def test_a_folder_is_a_set_of_named_tables_and_other_files_are_skipped(tmp_path):
    TASK.to_csv(tmp_path / "polarity.csv", index=False)
    (tmp_path / "topics.jsonl.gz").write_bytes(gzip.compress(TASK.to_json(orient="records", lines=True).encode()))
    (tmp_path / "README.md").write_text("# my tasks")
    tasks = catalog(task_path=str(tmp_path)).load("downstream_tasks")
    assert sorted(tasks) == ["polarity", "topics"]
    TASK.to_json(tmp_path / "Polarity.JSONL", orient="records", lines=True)
    TASK.to_json(tmp_path / "polarity.jsonl", orient="records", lines=True)
    with pytest.raises(DatasetError, match=r"polarity\.csv and polarity\.jsonl would both be the table 'polarity'"):
        catalog(task_path=str(tmp_path)).load("downstream_tasks")
    (tmp_path / "polarity.jsonl").unlink()
    assert sorted(catalog(task_path=str(tmp_path)).load("downstream_tasks")) == ["Polarity", "polarity", "topics"]
    (tmp_path / "Polarity.JSONL").unlink()
    (tmp_path / "polarity.csv").unlink()
    (tmp_path / "topics.jsonl.gz").unlink()
    with pytest.raises(DatasetError, match=r"no \.csv or \.jsonl table"):
        catalog(task_path=str(tmp_path)).load("downstream_tasks")


def test_shipped_inputs_still_load():
    shipped = catalog()
    tasks, domains = shipped.load("downstream_tasks"), shipped.load("heldout_domains")
    assert len(tasks) >= 2 and len(tasks["rotten_tomatoes"]) > 10_000
    assert len(domains) >= 3 and len(domains["movie_plots"]) > 1000 and all(len(d) >= 200 for d in domains.values())
    assert len(shipped.load("reference_corpus")) > 1000
    gold = shipped.load("gold_labels")
    assert gold["id"].map(type).eq(str).all() and set(gold["label"]) == {0, 1}


@pytest.mark.parametrize(("entry", "param", "column"), [("downstream_tasks", "task_path", "label"),
                                                         ("heldout_domains", "heldout_path", "text"),
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
        catalog(task_path=str(path)).load("downstream_tasks")


def test_versioned_parts_keep_every_run_and_load_the_newest(tmp_path):
    from kedro.io import Version

    from winnow.datasets import ShardedParquetDataset
    from winnow.reporting.digest import newest_version

    path = tmp_path / "selection.parquet"
    runs = [pd.DataFrame({"id": ["a", "b"], "rank": [1, 2]}), pd.DataFrame({"id": ["c"], "rank": [1]})]
    for version, table in zip(["2026-01-01T00.00.00.000Z", "2026-01-02T00.00.00.000Z"], runs):
        ShardedParquetDataset(str(path), Version(None, version)).save({"part-00000": table, "part-00001": table.head(0)})
    assert sorted(p.name for p in path.iterdir()) == ["2026-01-01T00.00.00.000Z", "2026-01-02T00.00.00.000Z"]
    loaded = ShardedParquetDataset(str(path), Version(None, None)).load()
    assert len(loaded.paths) == 2 and loaded.to_frame().equals(runs[1])
    old = ShardedParquetDataset(str(path), Version("2026-01-01T00.00.00.000Z", None)).load()
    assert old.to_frame().equals(runs[0])
    # the digest tool reads the newest run's folder of parts, and an unversioned folder of parts as itself
    assert newest_version(path) == loaded.folder and newest_version(loaded.folder) == loaded.folder
    assert pd.read_parquet(newest_version(path)).equals(runs[1])


def test_a_table_cut_into_parts_keeps_its_rows_order_types_and_attrs(tmp_path):
    from winnow.datasets import ShardedParquetDataset

    table = pd.DataFrame({"id": [f"d{i}" for i in range(5)], "value": [0.5, None, 1.5, 2.0, 3.0]})
    table.attrs = {"scorer": "heuristic", "key": "abc"}
    dataset = ShardedParquetDataset(str(tmp_path / "attributes.parquet"), part_rows=2)
    dataset.save(table)
    parts = dataset.load()
    assert [len(p) for p in parts.frames()] == [2, 2, 1]
    whole = parts.to_frame()
    assert whole.equals(table) and parts.frame(0).attrs == table.attrs
