"""An arm's pretraining run resumes after an interruption and ends with the uninterrupted weights;
a finished run is loaded, not retrained. Checked for the causal and the masked objective."""

from dataclasses import replace

import pandas as pd
import pytest
import torch
from safetensors.torch import load_file

import winnow.experiment.runs as runs
from tests.training.conftest import TINY, texts, tokenizer  # noqa: F401 (fixtures)
from winnow.training.loop import TrainConfig

pytestmark = pytest.mark.usefixtures("torch_one_thread")


class Interrupted(Exception):
    pass


@pytest.fixture(scope="module")
def corpus(texts) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"w{i}" for i in range(120)], "text": texts[:120]})


@pytest.mark.parametrize("objective", ["causal", "masked"])
def test_interrupted_run_resumes_to_the_same_weights(corpus, tokenizer, texts, tmp_path, monkeypatch, objective):
    lm = replace(TINY, objective=objective, dropout=0.1)
    train = TrainConfig(token_budget=14 * 256, batch_size=4, warmup_steps=2, checkpoint_every=5, eval_every=5,
                        progress=False, seed=3)
    curve = texts[150:160]
    straight = runs.pretrain_run(corpus, tokenizer, lm, train, tmp_path / "straight", curve)

    real_train = runs.train_lm

    def crash_at_step_8(*args, **kwargs):
        def on_step(record):
            if record["step"] == 8:
                raise Interrupted  # the checkpoint holds step 5
        return real_train(*args, **kwargs, on_step=on_step)

    monkeypatch.setattr(runs, "train_lm", crash_at_step_8)
    with pytest.raises(Interrupted):
        runs.pretrain_run(corpus, tokenizer, lm, train, tmp_path / "resumed", curve)
    monkeypatch.setattr(runs, "train_lm", real_train)
    torch.manual_seed(999)
    resumed = runs.pretrain_run(corpus, tokenizer, lm, train, tmp_path / "resumed", curve)

    assert [r["loss"] for r in resumed] == [r["loss"] for r in straight]
    assert [r.get("heldout_loss") for r in resumed] == [r.get("heldout_loss") for r in straight]
    a = load_file(tmp_path / "straight" / "pretrained" / "model.safetensors")
    b = load_file(tmp_path / "resumed" / "pretrained" / "model.safetensors")
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)

    monkeypatch.setattr(runs, "train_lm", lambda *a, **k: pytest.fail("a finished run was trained again"))
    assert runs.pretrain_run(corpus, tokenizer, lm, train, tmp_path / "resumed", curve) == resumed


def test_other_data_starts_the_run_over(corpus, tokenizer, texts, tmp_path, monkeypatch):
    train = TrainConfig(token_budget=4 * 256, batch_size=4, progress=False)
    runs.pretrain_run(corpus, tokenizer, TINY, train, tmp_path, texts[150:155])
    key = (tmp_path / "run_key.txt").read_text()
    trained, real_train = [], runs.train_lm
    monkeypatch.setattr(runs, "train_lm", lambda *a, **k: trained.append(1) or real_train(*a, **k))
    fewer = runs.pretrain_run(corpus.iloc[:60], tokenizer, TINY, train, tmp_path, texts[150:155])
    assert trained == [1] and len(fewer) == 4 and (tmp_path / "run_key.txt").read_text() != key
