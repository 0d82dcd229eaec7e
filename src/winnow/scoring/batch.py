"""Run a scorer over a table in bounded chunks, on several processes when asked, with progress.

Worker processes are *spawned*, never forked: a forked child inherits the parent's CUDA context
(a fitted perplexity LM on the GPU), which CUDA does not support. Each chunk's scorer arrives
pickled, and a model moves to its device inside the worker.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Executor, ProcessPoolExecutor

import pandas as pd
from rich.progress import Progress

from winnow.scoring.base import Scorer


def _score_chunk(scorer: Scorer, chunk: pd.DataFrame) -> pd.DataFrame:
    return scorer.score(chunk).drop(columns="id")


def worker_pool(workers: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))


def score_in_chunks(scorer: Scorer, documents: pd.DataFrame, chunk_rows: int = 1000,
                    pool: Executor | None = None) -> pd.DataFrame:
    """`scorer.score` over `documents`, `chunk_rows` texts at a time, in input order; on `pool` if given.

    A chunk carries `id`, `text` and the scorer's `signal_columns` (a rater that also reads other
    scorers' columns), nothing else: what is pickled to a worker stays small.
    """
    columns = ["id", "text", *getattr(scorer, "signal_columns", ())]
    chunks = [documents[columns].iloc[i : i + chunk_rows] for i in range(0, len(documents), chunk_rows)]
    parts: list[pd.DataFrame] = []
    with Progress(transient=True) as progress:
        task = progress.add_task(f"scoring {scorer.name}", total=len(documents))
        if pool is not None and len(chunks) > 1:
            for part in pool.map(_score_chunk, [scorer] * len(chunks), chunks):
                parts.append(part)
                progress.advance(task, len(part))
        else:
            for chunk in chunks:
                parts.append(_score_chunk(scorer, chunk))
                progress.advance(task, len(chunk))
    signals = pd.concat(parts, ignore_index=True) if parts else scorer.score_texts([])
    signals.insert(0, "id", documents["id"].to_numpy())
    return signals
