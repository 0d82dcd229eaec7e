"""Project settings: hooks (missing-input check, MLflow tracking), a config pattern so conf/*/tracking.yml is read."""

import os

# No telemetry and no hub downloads, whatever the caller's environment says.
for _var in ("KEDRO_DISABLE_TELEMETRY", "MLFLOW_DISABLE_TELEMETRY", "HF_HUB_OFFLINE"):
    os.environ.setdefault(_var, "1")

from winnow.hooks import EngineSetup, MissingInputsCheck, MlflowTrackingHook, ParameterCheck  # noqa: E402

HOOKS = (ParameterCheck(), EngineSetup(), MissingInputsCheck(), MlflowTrackingHook())

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"tracking": ["tracking*", "tracking*/**"]},
    # an env (conf/smoke, conf/gpu) overrides single parameters and keeps the rest of base
    "merge_strategy": {"parameters": "soft"},
}
