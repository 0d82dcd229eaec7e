import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
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


def readme_commands() -> list[str]:
    blocks = re.findall(r"```bash\n(.*?)```", (PROJECT / "README.md").read_text(), flags=re.S)
    return [blocks[0].strip(), blocks[1].strip()]


def clean_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "MLFLOW_TRACKING", "PYTEST"))}
    env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep) if ".venv" not in p)
    return env


# Session-scoped: the README's main command (~5 min) runs once for every test that needs its output
# (tests/test_readme.py and the browser checks of MLflow and Kedro-Viz in tests/browser/).
def copy_project(root: Path) -> Path:
    """The project's files as a fresh clone would have them (tracked + not ignored), nothing built."""
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=PROJECT,
                           capture_output=True, check=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if (PROJECT / rel).is_file():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / rel, root / rel)
    return root


@pytest.fixture(scope="session")
def fresh_project(tmp_path_factory) -> Path:
    return copy_project(tmp_path_factory.mktemp("fresh") / "winnow")


@pytest.fixture(scope="session")
def curated_project(fresh_project) -> Path:
    main_command = readme_commands()[0]
    result = subprocess.run(["bash", "-c", main_command], cwd=fresh_project, env=clean_env(),
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return fresh_project


@pytest.fixture(scope="session")
def viz_build(curated_project) -> Path:
    """`kedro viz build` in the curated copy: its static site folder."""
    result = subprocess.run([".venv/bin/kedro", "viz", "build"], cwd=curated_project, env=clean_env(),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    return curated_project / "build"


def small_quality_eval(per_kind: int = 8) -> pd.DataFrame:
    """A slice of the shipped evaluation set: a few documents of every kind and split, and the originals of the copies."""
    table = pd.read_json(PROJECT / "data/01_raw/quality_eval/quality_eval.jsonl.gz", lines=True, dtype={"pair_of": str})
    picked = table.groupby(["kind", "split"]).head(per_kind)
    originals = table[table["id"].isin(picked["pair_of"])]
    return pd.concat([picked, originals]).drop_duplicates("id").reset_index(drop=True)
