"""Decontamination finds copies of evaluation text however they are cased, spaced or punctuated."""

import pandas as pd

from winnow.experiment.decontaminate import decontaminate

PLOT = ("A retired detective is drawn back into the case that ruined his career when a young journalist "
        "uncovers new evidence in a small coastal town")
REVIEW = "A sharp, funny and surprisingly moving film about grief."


def docs(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"d{i}" for i in range(len(texts))], "text": texts, "source": "web"})


def test_a_shared_13_gram_is_found_despite_case_spacing_and_punctuation():
    copied = "Preview: " + PLOT.upper().replace(" ", " -- ", 3)[:110] + " etc."
    clean, contaminated = decontaminate(docs(copied, "An unrelated article about rainfall in the hills."), [PLOT])
    assert list(contaminated["id"]) == ["d0"] and list(clean["id"]) == ["d1"]
    assert len(contaminated["overlap"][0].split()) == 13


def test_twelve_shared_words_are_not_contamination():
    twelve = " ".join(PLOT.split()[:12])
    _, contaminated = decontaminate(docs(f"{twelve}. Then something else entirely happens here."), [PLOT])
    assert contaminated.empty


def test_a_short_review_is_matched_by_its_8_grams_and_very_short_texts_never():
    _, contaminated = decontaminate(docs(f"Readers wrote: {REVIEW} Agreed.", "Great film. Great film."),
                                    [REVIEW, "Great film."])
    assert list(contaminated["id"]) == ["d0"]
    assert contaminated["overlap"][0] == "a sharp funny and surprisingly moving film about"
