"""Where a model runs and in what precision: CUDA when present, with bf16 autocast there, else CPU in fp32."""

from __future__ import annotations

import contextlib

import torch


def resolve_device(device: str) -> torch.device:
    """"auto" = CUDA when present, else CPU; anything else is passed to torch as is."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def autocast_for(device: torch.device):
    """bf16 autocast on CUDA; on CPU nothing (fp32 throughout)."""
    return torch.autocast("cuda", dtype=torch.bfloat16) if device.type == "cuda" else contextlib.nullcontext()
