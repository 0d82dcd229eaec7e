"""The training library on a tiny GPT-2 and a few hundred Wikipedia passages: seconds, on CPU."""

import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from tests.training.conftest import TINY
from winnow.training.data import get_batch, n_blocks, tokenize_stream
from winnow.training.loop import TrainConfig, train_lm
from winnow.training.model import build_model, load_lm, save_lm
from winnow.training.tokenizer import EOT, load_tokenizer, run_tokenizer, save_tokenizer


pytestmark = pytest.mark.usefixtures("torch_one_thread")


@pytest.fixture(scope="module")
def tokens(texts, tokenizer) -> np.ndarray:
    return tokenize_stream(texts, tokenizer)


def quiet(**overrides) -> TrainConfig:
    return TrainConfig(**{"batch_size": 4, "warmup_steps": 3, "progress": False, **overrides})


def test_tokenizer_is_lossless_and_survives_save_load(tokenizer, tmp_path):
    text = "Zürich's naïve café — 3.5 km² of “quotes”, emoji 🙂 and\ttabs\n\nnew lines."
    ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    assert tokenizer.decode(ids) == text  # byte-level: nothing is <unk>
    assert len(tokenizer) == 512 and tokenizer.convert_tokens_to_ids(EOT) == tokenizer.eos_token_id
    save_tokenizer(tokenizer, tmp_path)
    assert load_tokenizer(tmp_path)(text, add_special_tokens=False)["input_ids"] == ids


def test_stream_puts_end_of_text_before_every_document(texts, tokenizer, tokens):
    assert tokens[0] == tokenizer.eos_token_id
    assert (tokens == tokenizer.eos_token_id).sum() == len(texts)


def test_each_epoch_visits_every_block_once(tokens):
    blocks = n_blocks(tokens, 64)
    inputs = torch.cat([get_batch(tokens, 64, step, 1, seed=0)[0] for step in range(blocks)])
    firsts = sorted(inputs[:, 0].tolist())
    assert firsts == sorted(tokens[np.arange(blocks) * 64].tolist())
    inputs, targets = get_batch(tokens, 64, 0, 4, seed=0)
    assert inputs.shape == targets.shape == (4, 64) and torch.equal(inputs[:, 1:], targets[:, :-1])


def test_a_curriculum_reads_the_shuffled_runs_blocks_in_stream_order(tokens):
    blocks = n_blocks(tokens, 64)
    index = {tuple(tokens[i * 64 : i * 64 + 64].tolist()): i for i in range(blocks)}

    def read(steps: int, curriculum: bool) -> list[int]:
        total = steps * 2 if curriculum else None
        return [index[tuple(row.tolist())] for step in range(steps)
                for row in get_batch(tokens, 64, step, 2, seed=5, curriculum_samples=total)[0]]

    part = blocks // 3  # a budget below one epoch: the same blocks as a shuffled run, sorted
    assert read(part, True) == sorted(read(part, False))
    longer = (blocks + part) // 2  # one epoch and a bit: every block in order, then a sorted sample
    order = read(longer, True)
    assert order[:blocks] == list(range(blocks))
    assert order[blocks:] == sorted(order[blocks:]) and len(set(order[blocks:])) == len(order[blocks:])


def test_loss_decreases(tokenizer, tokens):
    history = train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=60 * 4 * 64, learning_rate=1e-2))
    losses = [r["loss"] for r in history]
    assert np.mean(losses[-5:]) < np.mean(losses[:5]) - 0.5  # 6.1 -> 5.3 nats here
    assert {"step", "tokens", "loss", "lr", "tokens_per_s"} <= set(history[0])


def test_token_budget_is_never_exceeded(tokenizer, tokens):
    history = train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=10_000))
    assert len(history) == 10_000 // (4 * 64) == 39
    assert history[-1]["tokens"] == 39 * 256 <= 10_000
    with pytest.raises(ValueError, match="below one step"):
        train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=255))


class Interrupted(Exception):
    pass


def test_resume_after_interruption_gives_the_same_weights(tokenizer, tokens, tmp_path):
    config = replace(TINY, dropout=0.1)  # dropout: the RNG state must be restored too
    train = quiet(token_budget=12 * 256, checkpoint_every=5)
    straight = build_model(config, tokenizer)
    expected = train_lm(straight, tokens, train)

    def crash_at_step_7(record):
        if record["step"] == 7:
            raise Interrupted  # steps 6 and 7 are lost; the checkpoint holds step 5

    with pytest.raises(Interrupted):
        train_lm(build_model(config, tokenizer), tokens, train, tmp_path, on_step=crash_at_step_7)
    torch.manual_seed(1234)  # a different process state must not matter
    resumed = build_model(replace(config, init_seed=99), tokenizer)
    history = train_lm(resumed, tokens, train, tmp_path, init_from="resume")

    assert [r["loss"] for r in history] == [r["loss"] for r in expected]
    for (name, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), name


def test_resume_needs_a_matching_checkpoint(tokenizer, tokens, tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=2560), tmp_path, init_from="resume")
    train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=2560), tmp_path)
    with pytest.raises(ValueError, match="different"):
        train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=2560, seed=1), tmp_path, init_from="resume")


def test_trained_lm_saves_and_loads_as_a_directory(texts, tmp_path):
    tokenizer = run_tokenizer(texts[:50], TINY.vocab_size)
    model = build_model(TINY, tokenizer)
    history = train_lm(model, tokenize_stream(texts[:50], tokenizer), quiet(token_budget=5 * 256))
    assert len(history) == 5
    save_lm(model, tokenizer, tmp_path)
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= {p.name for p in tmp_path.iterdir()}
    loaded, loaded_tokenizer = load_lm(tmp_path)
    ids = torch.tensor([tokenizer(texts[0], add_special_tokens=False)["input_ids"][:64]])
    assert loaded_tokenizer(texts[0], add_special_tokens=False)["input_ids"][:64] == ids[0].tolist()
    with torch.no_grad():
        assert torch.allclose(model(input_ids=ids).logits, loaded(input_ids=ids).logits)


def test_a_resumed_run_keeps_its_saved_tokenizer(texts, tmp_path):
    first = run_tokenizer(texts[:50], 512, tmp_path)
    assert (tmp_path / "tokenizer.json").is_file()
    other = texts[100:150]  # another sample would give other merges, so other ids than the checkpoint's
    assert run_tokenizer(other, 512, tmp_path, resume=True).get_vocab() == first.get_vocab()
    assert run_tokenizer(other, 512, tmp_path).get_vocab() != first.get_vocab()


def test_training_without_a_progress_bar_needs_no_rich(tokenizer, tokens, monkeypatch):
    monkeypatch.setitem(sys.modules, "rich", None)  # `import rich...` now fails, as on a machine without it
    monkeypatch.setitem(sys.modules, "rich.progress", None)
    assert len(train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=2 * 256))) == 2
    with pytest.raises(ImportError):
        train_lm(build_model(TINY, tokenizer), tokens, quiet(token_budget=2 * 256, progress=True))
