"""Data efficiency pairs each seed with the random run of the same seed."""

import math

import pandas as pd
import pytest

from winnow.experiment.report import data_efficiency


def test_each_seed_is_measured_against_its_own_random_run():
    tokens = [100, 200, 300, 400]
    random = pd.DataFrame({0: [4.0, 3.0, 2.5, 2.0], 1: [4.0, 3.5, 3.2, 3.0]}, index=tokens)
    curated = pd.DataFrame({0: [3.0, 2.0, 1.5, 1.2], 1: [4.0, 3.8, 3.6, 3.4]}, index=tokens)
    efficiency = data_efficiency({"random": random, "curated": curated})
    # seed 0 reaches its random's 2.0 at 200 tokens; seed 1 never reaches 3.0 (seed 0's target it would have)
    assert efficiency["curated_tokens_per_seed"][0] == pytest.approx(200) and math.isnan(efficiency["curated_tokens_per_seed"][1])
    assert efficiency["curated_reached"] == 1 and efficiency["curated_seeds"] == 2
    assert efficiency["curated_token_fraction"] == pytest.approx(0.5) and math.isnan(efficiency["curated_token_fraction_low"])
    assert efficiency["random_final"] == pytest.approx(2.5) and efficiency["budget_tokens"] == 400
