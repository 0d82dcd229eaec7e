"""Run independent pieces of work (shards) here, in local processes, or on a Ray cluster.

Results come back in input order whatever the engine, so what a pipeline computes never depends
on where it ran. Local workers are spawned, never forked (see `winnow.scoring.batch`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.progress import Progress

from winnow.config import EngineConfig


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
    raise NotImplementedError("engine.name=ray")
