"""A few hundred Wikipedia passages and a 512-token tokenizer trained on them: the training tests' data."""

import gzip
import json

import pytest

from tests.conftest import PROJECT
from winnow.training.model import LMConfig
from winnow.training.tokenizer import train_bpe_tokenizer

TINY = LMConfig(vocab_size=512, n_ctx=64, n_layer=2, n_head=2, n_embd=64)


@pytest.fixture(scope="module")
def texts() -> list[str]:
    with gzip.open(PROJECT / "data" / "01_raw" / "reference" / "wikipedia.jsonl.gz", "rt") as f:
        return [json.loads(line)["text"] for _, line in zip(range(200), f)]


@pytest.fixture(scope="module")
def tokenizer(texts):
    return train_bpe_tokenizer(texts, vocab_size=512)
