"""Every scorer and the combined score on the construction-labelled evaluation set, before and after.

    .venv/bin/python benchmarks/bench_quality.py      # -> results/quality_eval.json, results/quality_eval.md

Runs `kedro run --pipeline=curate` on the sample twice, in the repository root, with the score
cache (so the second run reuses what the first scored):

- `before`: the scorers as they were before the coherence model and the several-genre reference:
  reference = the Wikipedia passages only, combination = the hand weights without
  `coherence_prob` and `encoding_damage_per_1k_chars` (`combine.method=weights`);
- `after`: the defaults (several-genre reference, coherence model, weights fitted on the
  evaluation set's validation split).

Both are measured by `score_eval` on the test split of data/01_raw/quality_eval/ and read back from
MLflow (MLFLOW_TRACKING_URI=sqlite:////tmp/bench_quality_mlflow.db, so the project's store is
untouched). Like any curate run it rewrites data/02_intermediate ... data/08_reporting.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import mlflow

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
STORE = "sqlite:////tmp/bench_quality_mlflow.db"
ARMS = {
    "before": ("reference_path=data/01_raw/reference/wikipedia.jsonl.gz,combine.method=weights,"
               "combine.weights.coherence_prob=0,combine.weights.encoding_damage_per_1k_chars=0"),
    "after": "",
}
SCORES = ["heuristic_score", "classifier_prob", "perplexity_score", "rater_score", "refsim_rougeL", "refsim_bleu",
          "dsir_log_ratio_per_ngram", "coherence_prob", "encoding_damage_per_1k_chars", "score"]


def run_arm(name: str, params: str) -> dict:
    env = {**os.environ, "MLFLOW_TRACKING_URI": STORE, "KEDRO_DISABLE_TELEMETRY": "1",
           "MLFLOW_DISABLE_TELEMETRY": "1", "HF_HUB_OFFLINE": "1"}
    args = [str(REPO / ".venv/bin/kedro"), "run", "--pipeline=curate"] + ([f"--params={params}"] if params else [])
    started = time.perf_counter()
    subprocess.run(args, cwd=REPO, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    mlflow.set_tracking_uri(STORE)
    run = mlflow.search_runs(experiment_names=["winnow"], order_by=["start_time DESC"]).iloc[0]
    metrics = {k.removeprefix("metrics."): float(v) for k, v in run.items()
               if k.startswith("metrics.score_eval.") and v == v}
    return {"params": params, "seconds": round(seconds, 1), "metrics": metrics}


def table(results: dict) -> str:
    kinds = sorted({k.split(".roc_auc.")[1] for k in results["after"]["metrics"] if ".score.roc_auc." in k})
    lines = ["| score | before AUC | after AUC | before pair acc. | after pair acc. | before prec.@kept | after prec.@kept |",
             "|---|---|---|---|---|---|---|"]
    for score in SCORES:
        cells = []
        for what in ("roc_auc", "pair_accuracy", "precision_at_kept_fraction"):
            for arm in ("before", "after"):
                value = results[arm]["metrics"].get(f"score_eval.quality.{score}.{what}")
                cells.append("–" if value is None or (arm == "before" and score.startswith(("coherence", "encoding")))
                             else f"{value:.3f}")
        lines.append(f"| {score} | " + " | ".join(cells) + " |")
    lines += ["", "| kind | before | after |", "|---|---|---|"]
    for kind in kinds:
        before = results["before"]["metrics"].get(f"score_eval.quality.score.roc_auc.{kind}")
        after = results["after"]["metrics"][f"score_eval.quality.score.roc_auc.{kind}"]
        lines.append(f"| {kind} | {before:.3f} | {after:.3f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    results = {name: run_arm(name, params) for name, params in ARMS.items()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "quality_eval.json").write_text(json.dumps(results, indent=1, sort_keys=True))
    (RESULTS / "quality_eval.md").write_text(table(results))
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
