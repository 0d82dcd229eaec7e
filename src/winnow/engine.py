"""Run independent pieces of work (shards) here, in local processes, or on a Ray cluster.

Results come back in input order whatever the engine, so what a pipeline computes never depends
on where it ran. Local workers are spawned, never forked (see `winnow.scoring.batch`).
"""

from __future__ import annotations

import logging
import os
import pickle
from collections.abc import Callable, Sequence
from typing import Any


from rich.progress import Progress

from winnow.config import EngineConfig

log = logging.getLogger(__name__)
LOCAL_OBJECT_STORE_BYTES = 512 * 2**20  # shard results are small summaries; the parts go to disk


def map_shards(func: Callable[[Any], Any], items: Sequence[Any], engine: EngineConfig, description: str) -> list:
    """`[func(item) for item in items]` on the configured engine, with progress."""
    if engine.name == "ray":
        return _map_on_ray(func, items, engine, description)
    with Progress(transient=True) as progress:
        task = progress.add_task(description, total=len(items))
        if engine.workers <= 1 or len(items) <= 1:
            results = []
            for item in items:
                results.append(func(item))
                progress.advance(task)
            return results
        from winnow.scoring.batch import worker_pool

        with worker_pool(min(engine.workers, len(items))) as pool:
            results = []
            for result in pool.map(func, items):
                results.append(result)
                progress.advance(task)
            return results


def _map_on_ray(func, items, engine: EngineConfig, description: str) -> list:
    """Ray Data runs one task per item (`ray.data.from_items(...).map`); results travel pickled, so any
    Python value comes back intact. A cluster this call started is shut down when it returns."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    started = not ray.is_initialized()
    if started:
        local = {"num_cpus": os.cpu_count(), "object_store_memory": LOCAL_OBJECT_STORE_BYTES} if not engine.address else {}
        ray.init(address=engine.address, include_dashboard=False, logging_level=logging.WARNING, **local)
    try:
        log.info("%s on Ray (%s)", description, engine.address or "local cluster")
        def run(row: dict) -> dict:
            return {"index": row["index"], "result": pickle.dumps(func(items[row["index"]]))}

        rows = ray.data.from_items([{"index": i} for i in range(len(items))], override_num_blocks=max(len(items), 1)) \
            .map(run).take_all()
        return [pickle.loads(row["result"]) for row in sorted(rows, key=lambda row: row["index"])]
    finally:
        if started:
            ray.shutdown()
