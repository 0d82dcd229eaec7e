"""Run a Kedro pipeline in memory, keeping every dataset so tests can inspect intermediate outputs.

Datasets the catalog stores as Parquet parts (`documents`) are written as such, to a temporary
folder: nodes hand them loaders, not tables, which only that dataset turns into parts.
"""

import tempfile
from pathlib import Path

import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner

from winnow.datasets import ShardedParquetDataset
from winnow.parts import Parts

CATALOG = Path(__file__).resolve().parents[2] / "conf" / "base" / "catalog.yml"
SHARDED = {name for name, entry in yaml.safe_load(CATALOG.read_text()).items()
           if isinstance(entry, dict) and entry.get("type") == "winnow.datasets.ShardedParquetDataset"}


class KeptDataset(MemoryDataset):
    """A memory dataset the runner cannot release, so tests can inspect intermediate outputs."""

    def _release(self) -> None:
        pass


class Outputs:
    def __init__(self, catalog: DataCatalog):
        self._catalog = catalog

    def __getitem__(self, name):
        """The dataset's value; a table stored as parts comes back whole, as a DataFrame."""
        value = self._catalog.load(name)
        return value.to_frame() if isinstance(value, Parts) else value


def run(pipeline, inputs: dict, params: dict) -> Outputs:
    catalog = DataCatalog()
    folder = Path(tempfile.mkdtemp(prefix="winnow_parts_"))
    for name in pipeline.datasets():
        catalog[name] = (ShardedParquetDataset(str(folder / f"{name}.parquet")) if name in SHARDED
                         else KeptDataset(copy_mode="assign"))
    for name, value in inputs.items():
        catalog.save(name, value)
    for group, value in params.items():
        if f"params:{group}" in pipeline.datasets():
            catalog.save(f"params:{group}", value)
    SequentialRunner().run(pipeline, catalog)
    return Outputs(catalog)
