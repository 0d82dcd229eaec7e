"""engine.name=ray: the README's curate on a local Ray cluster decides exactly as the local engine did."""

import re
import shutil
import subprocess

from tests.conftest import clean_env
from tests.test_own_corpus import digests


def test_curate_on_a_local_ray_cluster_makes_the_local_engines_decisions(curated_project, tmp_path):
    copy = tmp_path / "winnow"
    shutil.copytree(curated_project, copy, symlinks=True, ignore=shutil.ignore_patterns(".venv", "mlruns"))
    (copy / ".venv").symlink_to(curated_project / ".venv")
    # a new work folder and ~2 MB shards: every shard is read again, several at once, by Ray tasks
    params = "engine.name=ray,ingest.work_dir=data/02_intermediate/ray_shards,ingest.shard_bytes=2000000"
    result = subprocess.run([".venv/bin/kedro", "run", "--pipeline=curate", f"--params={params}"], cwd=copy,
                            env={**clean_env(), "COLUMNS": "250"}, capture_output=True, text=True, timeout=900)
    log = result.stdout + result.stderr
    assert result.returncode == 0, log[-3000:]
    assert re.search(r"reading \S+ in \d+ shards on Ray \(local cluster\)", log)
    assert len(list((copy / "data/02_intermediate/ray_shards").glob("*.parquet"))) > 1
    assert digests(copy) == digests(curated_project)
