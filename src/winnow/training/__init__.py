"""Tokenizer, model and training loop for small causal LMs; knows nothing about Kedro or MLflow."""

from winnow.training.loop import TrainConfig, tokenize_stream, train_causal_lm, train_lm
from winnow.training.model import LMConfig, build_model, count_parameters, load_lm, save_lm
from winnow.training.tokenizer import load_tokenizer, save_tokenizer, train_bpe_tokenizer

__all__ = [
    "LMConfig",
    "TrainConfig",
    "build_model",
    "count_parameters",
    "load_lm",
    "load_tokenizer",
    "save_lm",
    "save_tokenizer",
    "tokenize_stream",
    "train_bpe_tokenizer",
    "train_causal_lm",
    "train_lm",
]
