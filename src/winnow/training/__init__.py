"""Tokenizer, model, data and training loop for small LMs; knows nothing about Kedro or MLflow.

tokenizer    byte-level BPE (train, save, load)
model        LMConfig -> GPT-2 (causal) or BERT (masked); save_lm / load_lm
device       CUDA or CPU, bf16 autocast on CUDA
data         texts -> EOT-prefixed token stream and blocks; EOT-prefixed rows of single documents
masking      the masked-LM objective (BERT's dynamic masking and its loss)
checkpoints  save / resume everything a run needs
loop         TrainConfig, optimizer, schedule and `train_lm`, the one function that trains an LM
heldout      per-document loss (`document_nll`, also the perplexity scorer's) and held-out loss
finetune     classification head on a pretrained LM, and its metrics
"""

from winnow.training.data import tokenize_stream
from winnow.training.heldout import document_nll, heldout_evaluator, heldout_loss
from winnow.training.loop import TrainConfig, train_lm
from winnow.training.model import LMConfig, build_model, count_parameters, load_lm, save_lm
from winnow.training.tokenizer import load_tokenizer, run_tokenizer, save_tokenizer, train_bpe_tokenizer

__all__ = [
    "LMConfig",
    "TrainConfig",
    "build_model",
    "count_parameters",
    "document_nll",
    "heldout_evaluator",
    "heldout_loss",
    "load_lm",
    "load_tokenizer",
    "run_tokenizer",
    "save_lm",
    "save_tokenizer",
    "tokenize_stream",
    "train_bpe_tokenizer",
    "train_lm",
]
