"""A byte-level BPE tokenizer (GPT-2's scheme) trained with Hugging Face `tokenizers`.

Byte-level means every string is encodable: unknown characters fall back to their UTF-8 bytes,
so there is no <unk> token and scoring never silently drops text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

EOT = "<|endoftext|>"  # separates documents in training blocks and starts every scored document
PAD = "<|pad|>"  # fills batches of unequal length; always masked out, never predicted
MASK = "<|mask|>"  # replaces tokens a masked LM must predict (BERT-style pretraining)


def _batches(texts: Iterable[str], size: int = 1000) -> Iterator[list[str]]:
    batch: list[str] = []
    for text in texts:
        batch.append(text)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int = 4096, min_frequency: int = 2) -> PreTrainedTokenizerFast:
    """Learn `vocab_size` tokens (256 byte tokens, 3 special tokens, the rest merges) from `texts`.

    The pre-tokenizer splits on GPT-2's regex (words, numbers, punctuation runs, with the leading
    space kept on the word), so merges never cross word boundaries. `min_frequency=2` keeps
    one-off strings (hashes, URLs) from claiming vocabulary slots.
    """
    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[EOT, PAD, MASK],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(_batches(texts), trainer=trainer)
    return wrap_tokenizer(tokenizer)


def wrap_tokenizer(tokenizer: Tokenizer) -> PreTrainedTokenizerFast:
    """The transformers view of a `tokenizers.Tokenizer`, with EOT as bos/eos and PAD as padding.

    Tokenizers saved before MASK existed have none; they still load, without a mask token.
    """
    mask = {"mask_token": MASK} if tokenizer.token_to_id(MASK) is not None else {}
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token=EOT, eos_token=EOT, pad_token=PAD, **mask)


def save_tokenizer(tokenizer: PreTrainedTokenizerFast, directory: str | Path) -> Path:
    """Write `directory/tokenizer.json` (the whole tokenizer: vocab, merges, special tokens)."""
    path = Path(directory) / "tokenizer.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    tokenizer.backend_tokenizer.save(str(path))
    return path


def load_tokenizer(directory: str | Path) -> PreTrainedTokenizerFast:
    path = Path(directory) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no tokenizer.json (save one with save_tokenizer)")
    return wrap_tokenizer(Tokenizer.from_file(str(path)))


def run_tokenizer(texts: Iterable[str], vocab_size: int, directory: str | Path | None = None,
                  resume: bool = False) -> PreTrainedTokenizerFast:
    """The tokenizer of a training run that owns `directory`: trained on `texts` and saved there, or,
    when resuming, the one saved there before (retraining could give other ids than the checkpoint's)."""
    if resume and directory is not None and (Path(directory) / "tokenizer.json").is_file():
        tokenizer = load_tokenizer(directory)
    else:
        tokenizer = train_bpe_tokenizer(texts, vocab_size)
    if directory is not None:
        save_tokenizer(tokenizer, directory)
    return tokenizer
