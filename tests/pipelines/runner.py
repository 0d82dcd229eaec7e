"""Run a Kedro pipeline in memory, keeping every dataset so tests can inspect intermediate outputs."""

from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner


class KeptDataset(MemoryDataset):
    """A memory dataset the runner cannot release, so tests can inspect intermediate outputs."""

    def _release(self) -> None:
        pass


class Outputs:
    def __init__(self, catalog: DataCatalog):
        self._catalog = catalog

    def __getitem__(self, name):
        return self._catalog.load(name)


def run(pipeline, inputs: dict, params: dict) -> Outputs:
    catalog = DataCatalog()
    for name in pipeline.datasets():
        catalog[name] = KeptDataset(copy_mode="assign")
    for name, value in inputs.items():
        catalog.save(name, value)
    for group, value in params.items():
        if f"params:{group}" in pipeline.datasets():
            catalog.save(f"params:{group}", value)
    SequentialRunner().run(pipeline, catalog)
    return Outputs(catalog)
