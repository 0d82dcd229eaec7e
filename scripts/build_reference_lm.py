#!/usr/bin/env python3
"""Train the reference LM of the perplexity scorer once and ship it (data/06_models/shipped/).

    .venv/bin/python scripts/build_reference_lm.py

Runs the `fit_perplexity` node exactly as `kedro run` would, with the parameters in
conf/base/parameters_score.yml and the default reference corpus, and saves the fitted scorer with
the key it was fitted for. `fit_perplexity` uses the shipped file only when that key matches (same
settings, same reference text), so a first `curate` skips ~70 s of training and any other setting
trains its own. Deterministic: seeded, CPU, one torch thread. Rerun after changing either input.
A stand-alone maintenance tool: code under src/ must never import it.
"""
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

import joblib  # noqa: E402
import pandas as pd  # noqa: E402
import torch  # noqa: E402
import yaml  # noqa: E402

from winnow.pipelines.score.nodes import fit_perplexity  # noqa: E402


def main() -> int:
    torch.set_num_threads(1)
    params = yaml.safe_load((ROOT / "conf/base/parameters_score.yml").read_text())
    catalog = yaml.safe_load((ROOT / "conf/base/catalog.yml").read_text())
    reference_path = catalog["reference_corpus"]["filepath"].split(",")[-1].rstrip("}")
    reference = pd.read_json(ROOT / reference_path, lines=True)
    target = ROOT / params["perplexity"]["shipped_model"]
    settings = {**params["perplexity"], "shipped_model": None}  # never load the file being rebuilt
    fitted, metrics, _ = fit_perplexity(reference, settings, {**params["scoring"], "cache_dir": None})
    target.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(fitted, target, compress=3)
    print(f"{target.relative_to(ROOT)}: key {fitted.key}, {target.stat().st_size / 1e6:.1f} MB, "
          f"reference median perplexity {metrics['perplexity.reference_median_ppl']:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
