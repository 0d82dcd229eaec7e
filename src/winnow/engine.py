"""Where independent work runs: here, in local processes, or on a Ray cluster (Ray Data).

The engine is chosen once per run (`use`, called by a hook from the `engine` parameters) and
decides where shards are read and documents scored, never what comes out: results return in
input order, or keyed by document id, whatever ran them. Local workers are spawned, never forked
(see `winnow.scoring.batch`).
"""

from __future__ import annotations

import atexit
import logging
import os
import pickle
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from typing import Any

import pandas as pd
from rich.progress import Progress

from winnow.config import EngineConfig

log = logging.getLogger(__name__)
LOCAL_OBJECT_STORE_BYTES = 512 * 2**20  # what travels is small (summaries, signal batches); parts go to disk
_engine = EngineConfig(name="local", address=None, workers=1)
_started_ray = False
_pool: tuple[int, Any] | None = None  # (workers, ProcessPoolExecutor), kept for the run


def use(config: EngineConfig) -> None:
    global _engine
    _close_pool()
    _engine = config


def current() -> EngineConfig:
    return _engine


def _ray():
    """Ray, connected: to `engine.address`, or to a local cluster with this machine's cores (started
    once per process, dashboard and usage stats off)."""
    global _started_ray
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    if not ray.is_initialized():
        local = {} if _engine.address else {"num_cpus": os.cpu_count(), "object_store_memory": LOCAL_OBJECT_STORE_BYTES}
        ray.init(address=_engine.address, include_dashboard=False, logging_level=logging.WARNING, **local)
        _started_ray = True
    return ray


def _local_pool(workers: int):
    """Spawned worker processes kept for the run: a spawned worker imports torch and Winnow anew
    (~10 s on 2 cores), which ten experiment nodes would otherwise pay ten times."""
    global _pool
    if _pool is None or _pool[0] != workers:
        from winnow.scoring.batch import worker_pool

        _close_pool()
        _pool = (workers, worker_pool(workers))
    return _pool[1]


def _close_pool() -> None:
    global _pool
    if _pool is not None:
        _pool[1].shutdown(cancel_futures=True)
        _pool = None


atexit.register(_close_pool)  # before interpreter teardown, when a caller never reached `stop`


def stop() -> None:
    """Shut down the local workers and a Ray connection this process opened."""
    global _started_ray
    _close_pool()
    if _started_ray:
        import ray

        ray.shutdown()
        _started_ray = False


def map_shards(func: Callable[[Any], Any], items: Sequence[Any], description: str, workers: int | None = None,
               keep_workers: bool = False) -> list:
    """`[func(item) for item in items]` on the current engine, with progress; locally on `workers`
    processes (default `engine.workers`), started in input order. `keep_workers` keeps those
    processes for the next such call, until `stop`: for many calls whose workers import much (the
    experiment's); otherwise they exit with the call and give their memory back."""
    if _engine.name == "ray":
        return _map_on_ray(func, items, description)
    from winnow.scoring.batch import worker_pool

    workers = min(workers or _engine.workers, len(items))
    with ExitStack() as stack, Progress(transient=True) as progress:
        task = progress.add_task(description, total=len(items))
        pool = (_local_pool(workers) if keep_workers else stack.enter_context(worker_pool(workers))) if workers > 1 else None
        apply = pool.map if pool is not None else map
        results = []
        try:
            for result in apply(func, items):
                results.append(result)
                progress.advance(task)
        except BaseException:
            if keep_workers:
                _close_pool()  # a failed or killed worker leaves the pool unusable: the next call starts afresh
            raise
        return results


def _map_on_ray(func, items, description: str) -> list:
    """Ray Data runs one task per item; results travel pickled, so any Python value comes back intact."""
    ray = _ray()
    log.info("%s on Ray (%s)", description, _engine.address or "local cluster")

    def run(row: dict) -> dict:
        return {"index": row["index"], "result": pickle.dumps(func(items[row["index"]]))}

    rows = ray.data.from_items([{"index": i} for i in range(len(items))], override_num_blocks=max(len(items), 1)) \
        .map(run).take_all()
    return [pickle.loads(row["result"]) for row in sorted(rows, key=lambda row: row["index"])]


class _ApplyScorer:
    """A Ray actor: gets the fitted scorer once (from the object store), then reads Parquet row
    groups itself and scores them, skipping documents whose signals are already cached. Reading
    inside the actor leaves no read task to compete with the actors for the cluster's CPUs."""

    def __init__(self, scorer, cached_ids, columns: list[str], extra=None):
        import ray

        get = lambda x: ray.get(x) if isinstance(x, ray.ObjectRef) else x  # noqa: E731
        self.scorer, self.cached, self.columns, self.extra = get(scorer), get(cached_ids), columns, get(extra)

    def __call__(self, units: pd.DataFrame) -> pd.DataFrame:
        import pyarrow.parquet as pq

        from winnow.scoring.cache import join_extra

        signals = []
        for part, row_group in zip(units["part"], units["row_group"]):
            batch = pq.ParquetFile(part).read_row_group(row_group, columns=self.columns).to_pandas()
            todo = join_extra(batch[~batch["id"].isin(self.cached)].reset_index(drop=True), self.extra)
            signals.append(self.scorer.score(todo))
        return pd.concat(signals, ignore_index=True)


def score_on_ray(scorer, parts: Sequence[str], columns: list[str], cached_ids: pd.Index, name: str,
                 extra: pd.DataFrame | None = None) -> Iterator[pd.DataFrame]:
    """Signals (id + columns) of every document in the Parquet `parts` not in `cached_ids`, a row
    group at a time as they finish: a pool of actors (one per CPU of the cluster) applies the scorer
    (to the rows joined with `extra` by id, when given)."""
    import pyarrow.parquet as pq

    ray = _ray()
    actors = max(1, int(ray.cluster_resources().get("CPU", 1)))
    units = [{"part": p, "row_group": g} for p in parts for g in range(pq.ParquetFile(p).num_row_groups)]
    log.info("%s: scoring %d row groups on Ray (%s) with %d actors", name, len(units),
             _engine.address or "local cluster", actors)
    signals = ray.data.from_items(units, override_num_blocks=len(units)).map_batches(
        _ApplyScorer, batch_size=1,
        fn_constructor_args=(ray.put(scorer), ray.put(cached_ids), columns, None if extra is None else ray.put(extra)),
        batch_format="pandas", compute=ray.data.ActorPoolStrategy(size=actors), num_cpus=1)
    for batch in signals.iter_batches(batch_format="pyarrow", batch_size=None):
        if batch.num_rows:
            yield batch.to_pandas()  # numpy dtypes, as a Parquet read gives (not Ray's pandas ArrowDtypes)
