"""Typed parameters: the shipped YAML parses, and a wrong key stops the run before any node, named."""

import copy
import subprocess

import pytest

from tests.conftest import PROJECT, clean_env, load_parameters
from winnow.config import GROUPS, ParameterError, check_parameters, parse


@pytest.fixture(scope="module")
def shipped() -> dict:
    params = {}
    for name in ("ingest", "score", "select", "score_eval"):
        params.update(load_parameters(name))
    return params


def test_every_shipped_group_parses_and_has_a_model(shipped):
    check_parameters(shipped)
    assert set(GROUPS) == set(shipped)


@pytest.mark.parametrize(("edit", "message"), [
    (lambda p: p["select"].update(min_scor=1),
     "unknown key 'select.min_scor'; allowed: drop_near_duplicates, hard_filters, languages, min_lang_score, "
     "min_score, mode, quotas, redact_pii, seed, temperature, token_budget, top_fraction"),
    (lambda p: p["classifier"]["model"].update(feature="minilm"),
     "unknown key 'classifier.model.feature'; allowed: C, features, n_features, ngram_max"),
    (lambda p: p["heuristic"]["rules"]["c4"]["c4_lorem_ipsum"].update(mx=1),
     "unknown key 'heuristic.rules.c4.c4_lorem_ipsum.mx'; allowed: max, min"),
    (lambda p: p["select"]["hard_filters"]["heuristic_score"].update(mni=1),
     "unknown key 'select.hard_filters.heuristic_score.mni'; allowed: max, min"),
    (lambda p: p["scoring"].pop("workers"), "missing key 'scoring.workers'"),
    (lambda p: p["select"].update(mode="best"), "select.mode: Input should be 'min_score'"),
    (lambda p: p["select"].update(top_fraction=1.5), "top_fraction must be in (0, 1], got 1.5"),
])
def test_a_wrong_key_or_value_is_named_with_what_is_allowed(shipped, edit, message):
    params = copy.deepcopy(shipped)
    edit(params)
    with pytest.raises(ParameterError) as error:
        check_parameters(params)
    assert message in str(error.value)


def test_defaults_live_in_the_yaml_only():
    with pytest.raises(ParameterError, match="missing key 'combine.weights'"):
        parse("combine", {"method": "weights", "C": 1.0})


def test_a_misspelled_runtime_parameter_stops_kedro_before_the_first_node():
    result = subprocess.run([str(PROJECT / ".venv/bin/kedro"), "run", "--pipeline=ingest",
                             "--params=ingest.raw_dirr=/nowhere"], cwd=PROJECT, env={**clean_env(), "COLUMNS": "250"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "unknown key 'ingest.raw_dirr'; allowed: exclude, langid_max_chars, raw_dir" in output
    assert "Running node" not in output
