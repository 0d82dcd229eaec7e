"""Training checkpoints: everything a run needs to resume and end with the weights of an uninterrupted one.

A checkpoint is a directory with model.safetensors + config.json (the model) and state.pt
(optimizer, scheduler, step, RNG states, history, train config). It is written to a sibling and
swapped in, so an interruption mid-save leaves the previous checkpoint intact.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import torch
from safetensors.torch import load_model, save_model
from transformers import PreTrainedModel

if TYPE_CHECKING:
    from winnow.training.loop import TrainConfig

RESUME_KEYS = ("seed", "batch_size", "token_budget")  # a resume with other values would train another run


def save_checkpoint(directory: Path, model: PreTrainedModel, optimizer, scheduler, step: int, history: list[dict],
                    config: TrainConfig) -> None:
    staging = directory.with_name(directory.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    save_model(model, str(staging / "model.safetensors"))  # handles the tied input/output embeddings
    model.config.to_json_file(staging / "config.json")
    state = {
        "step": step,
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "rng_cpu": torch.get_rng_state(),
        "rng_cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "history": history,
        "train_config": asdict(config),
    }
    torch.save(state, staging / "state.pt")
    old = directory.with_name(directory.name + ".old")
    if directory.exists():
        directory.rename(old)
    staging.rename(directory)
    shutil.rmtree(old, ignore_errors=True)


def load_checkpoint(directory: Path, model: PreTrainedModel, optimizer, scheduler,
                    config: TrainConfig) -> tuple[int, list[dict]]:
    """Restore everything `save_checkpoint` wrote into the given objects; returns (step, history)."""
    if not (directory / "state.pt").is_file():
        raise FileNotFoundError(f"{directory}: no checkpoint to resume from (state.pt missing)")
    state = torch.load(directory / "state.pt", map_location="cpu", weights_only=True)
    saved = state["train_config"]
    changed = [k for k in RESUME_KEYS if saved[k] != getattr(config, k)]
    if changed:
        raise ValueError(f"{directory}: checkpoint was trained with different {changed}: {[saved[k] for k in changed]}")
    load_model(model, str(directory / "model.safetensors"), device=str(next(model.parameters()).device))
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    torch.set_rng_state(state["rng_cpu"])
    if state["rng_cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["rng_cuda"])
    return state["step"], state["history"]
