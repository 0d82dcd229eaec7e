"""What each group of the coherence model's signals buys, on the evaluation set it never trained on.

    .venv/bin/python benchmarks/bench_coherence.py     # -> results/coherence_groups.{json,md}

Fits the coherence model as `fit_coherence` does (the default reference corpus, training thesaurus
and boilerplate, conf/base's `coherence` parameters), once with every signal and once without each
group below, and scores the construction-labelled evaluation set (data/01_raw/quality_eval/,
normalised as `prepare_quality_eval` does). Reports `coherence_prob`'s ROC-AUC overall and per kind
of bad text (clean documents vs that kind) and pair accuracy, on the validation split (where
choices are made) and the test split (what `score_eval` reports). Plus the feature and predict
throughput of the full model on the evaluation set, one process. ~4 minutes on 2 cores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from sklearn.metrics import roc_auc_score

from winnow.pipelines.score.nodes import prepare_quality_eval
from winnow.quality.degrade import Resources, read_lines, read_thesaurus
from winnow.scoring.coherence import CoherenceModel
from winnow.scoring.lexicon import COLUMNS as LEXICON

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
GROUPS = {
    "English words (wordfreq)": [c for c in LEXICON if "bigram" not in c],
    "English bigrams (symspellpy)": [c for c in LEXICON if "bigram" in c],
    "reference order": ["article_order", "quote_violations"],
    "paragraph cohesion": ["paragraph_overlap_gain", "paragraph_topic_gain"],
    "reference n-gram counts": ["uni_seen", "uni_rare", "uni_logfreq", "bi_seen", "bi_logfreq", "bi_minus_uni", "tri_seen"],
}


class Without(CoherenceModel):
    """The coherence model with some signals left out of training and scoring."""

    def __init__(self, left_out: list[str], **params):
        super().__init__(**params)
        self.left_out = left_out

    def features(self, texts):
        return super().features(texts).drop(columns=self.left_out)


def measure(scores: pd.DataFrame, prob: np.ndarray) -> dict:
    out = {}
    for split in ("validation", "test"):
        rows = (scores["split"] == split).to_numpy()
        s, p = scores[rows], pd.Series(prob[rows], index=scores.index[rows])
        clean = s["label"] == 1
        by_id = pd.Series(p.to_numpy(), index=s["id"])
        copies = s[(s["pair_of"] != "") & s["pair_of"].isin(by_id.index)]
        out[split] = {"roc_auc": roc_auc_score(s["label"], p),
                      "pair_accuracy": float(np.mean(by_id.loc[copies["pair_of"]].to_numpy()
                                                     > by_id.loc[copies["id"]].to_numpy())),
                      **{kind: roc_auc_score(s["label"][clean | (s["kind"] == kind)], p[clean | (s["kind"] == kind)])
                         for kind in sorted(s.loc[~clean, "kind"].unique())}}
    return out


def main() -> int:
    params = yaml.safe_load((REPO / "conf/base/parameters_score.yml").read_text())["coherence"]
    eval_params = yaml.safe_load((REPO / "conf/base/parameters_score_eval.yml").read_text())["score_eval"]
    reference = pd.read_json(REPO / "data/01_raw/reference/reference.jsonl.gz", lines=True)
    evaluation = prepare_quality_eval(pd.read_json(REPO / eval_params["quality_eval_name"], lines=True), eval_params)
    resources = Resources(synonyms=read_thesaurus(REPO / params["synonyms_path"]),
                          boilerplate=read_lines(REPO / params["boilerplate_path"]))
    model_params = {k: params[k] for k in ("n_buckets", "topics", "max_chars", "copies", "seed")}
    results = {}
    for name, left_out in {"all signals": [], **{f"without {g}": cols for g, cols in GROUPS.items()}}.items():
        model = Without(left_out, **model_params)
        started = time.perf_counter()
        fit = model.fit(reference["text"].tolist(), resources, groups=reference["url"].fillna("").tolist(),
                        heldout_fraction=params["heldout_fraction"])
        fit_seconds = time.perf_counter() - started
        started = time.perf_counter()
        prob = model.model.predict_proba(model.features(evaluation["text"].tolist()))[:, 1]
        results[name] = {**measure(evaluation, prob), "fit_seconds": round(fit_seconds, 1),
                         "docs_per_second": round(len(evaluation) / (time.perf_counter() - started), 1),
                         "heldout_pair_accuracy": fit["heldout_pair_accuracy"]}
        print(name, {s: round(results[name][s]["roc_auc"], 3) for s in ("validation", "test")}, flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "coherence_groups.json").write_text(json.dumps(results, indent=1))
    kinds = [k for k in results["all signals"]["test"] if k not in ("roc_auc", "pair_accuracy")]
    lines = ["| model | val AUC | test AUC | test pair acc. | " + " | ".join(kinds) + " |",
             "|---" * (4 + len(kinds)) + "|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['validation']['roc_auc']:.3f} | {r['test']['roc_auc']:.3f} | "
                     f"{r['test']['pair_accuracy']:.3f} | " + " | ".join(f"{r['test'][k]:.3f}" for k in kinds) + " |")
    (RESULTS / "coherence_groups.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
