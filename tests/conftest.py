import os
from pathlib import Path

import pytest
import yaml

os.environ.setdefault("KEDRO_DISABLE_TELEMETRY", "1")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "data" / "01_raw" / "sample"


def load_parameters(name: str) -> dict:
    return yaml.safe_load((PROJECT / "conf" / "base" / f"parameters_{name}.yml").read_text())


@pytest.fixture(scope="session")
def heuristic_rules() -> dict:
    """The thresholds users actually run with, so tests check the shipped configuration."""
    groups = load_parameters("score")["heuristic"]["rules"]
    return {signal: bounds for rules in groups.values() for signal, bounds in rules.items()}


@pytest.fixture(scope="module")
def torch_one_thread():
    """Tiny models gain nothing from a second thread, and OpenMP threads stall on a busy machine."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
