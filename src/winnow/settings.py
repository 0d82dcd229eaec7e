"""Project settings: the MLflow tracking hook, and a config pattern so conf/*/mlflow.yml is read."""

from winnow.hooks import MlflowTrackingHook

HOOKS = (MlflowTrackingHook(),)

CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    "config_patterns": {"mlflow": ["mlflow*", "mlflow*/**"]},
}
