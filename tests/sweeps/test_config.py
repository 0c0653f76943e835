"""Parsing W&B sweep configurations, the samplers' values, hyperband cuts and agent commands."""

from __future__ import annotations

import math
import sys

import pytest

from mlharbor.exceptions import MlharborException
from mlharbor.sweeps.config import parse_config
from mlharbor.sweeps.program import build_command
from mlharbor.sweeps.search import TrialHistory, hyperband_stop, rung_values, suggest
from tests.sweeps.seed_train import sweep_config as SEED_CONFIG  # noqa: N812


def test_seed_config_parses_and_samples_within_bounds() -> None:
    config = parse_config(SEED_CONFIG)
    assert (config.method, config.metric_name, config.maximize) == ("bayes", "val_accuracy", True)
    history: list[TrialHistory] = []
    for number in range(12):
        suggestion = suggest(config, 7, history)
        assert suggestion is not None
        params = suggestion.params
        assert 1e-5 <= params["learning_rate"] <= 1e-1
        assert params["batch_size"] in (16, 32, 64, 128)
        assert params["hidden_dim"] in (64, 128, 256, 512)
        assert 0.1 <= params["dropout"] <= 0.5
        history.append(TrialHistory(number, "FINISHED", suggestion.sampled, params["dropout"]))
    # The same seed and history give the same suggestion.
    assert suggest(config, 7, history[:5]) == suggest(config, 7, history[:5])


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        ({"min": 1, "max": 4}, lambda v: isinstance(v, int) and 1 <= v <= 4),
        ({"distribution": "q_uniform", "min": 0, "max": 10, "q": 2.5}, lambda v: v % 2.5 == 0),
        (
            {"distribution": "q_log_uniform_values", "min": 1, "max": 1000, "q": 8},
            lambda v: isinstance(v, int) and v % 8 == 0,
        ),
        ({"distribution": "log_uniform", "min": 0, "max": 2}, lambda v: 1 <= v <= math.e**2),
        ({"values": [[1, 2], {"a": 1}]}, lambda v: v in ([1, 2], {"a": 1})),
        ({"value": "fixed"}, lambda v: v == "fixed"),
    ],
)
def test_distributions(spec: dict[str, object], check: object) -> None:
    config = parse_config({"method": "random", "metric": {"name": "m"}, "parameters": {"p": spec}})
    for number in range(5):
        suggestion = suggest(config, number, [])
        assert suggestion is not None
        assert check(suggestion.params["p"])  # type: ignore[operator]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"method": "hill", "metric": {"name": "m"}, "parameters": {"p": {"value": 1}}}, "method"),
        ({"method": "random", "parameters": {"p": {"value": 1}}}, "metric"),
        ({"method": "random", "metric": {"name": "m"}, "parameters": {}}, "parameters"),
        (
            {
                "method": "grid",
                "metric": {"name": "m"},
                "parameters": {"p": {"min": 0.0, "max": 1}},
            },
            "no finite grid",
        ),
        (
            {
                "method": "random",
                "metric": {"name": "m"},
                "parameters": {"p": {"min": 2, "max": 1}},
            },
            "min < max",
        ),
        (
            {
                "method": "random",
                "metric": {"name": "m"},
                "parameters": {"p": {"distribution": "normal", "mu": 0, "sigma": 1}},
            },
            "unsupported distribution 'normal'",
        ),
        (
            {
                "method": "random",
                "metric": {"name": "m"},
                "parameters": {"p": {"value": 1}},
                "run_cap": 0,
            },
            "run_cap",
        ),
    ],
)
def test_bad_configs_are_refused_clearly(config: dict[str, object], message: str) -> None:
    with pytest.raises(MlharborException, match=message) as caught:
        parse_config(config)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"


@pytest.mark.parametrize(
    ("parameters", "early", "message"),
    [
        ({"p": {"min": 0, "max": 10**12}}, None, "grid points"),
        ({"p": {"distribution": "log_uniform", "min": 0, "max": 1000}}, None, "exponents"),
        ({"p": {"value": 1}}, {"type": "hyperband", "min_iter": 10**30}, "min_iter"),
        ({"p": {"value": 1}}, {"type": "hyperband", "min_iter": 1, "eta": 1}, "eta"),
        ({"<img src=x>": {"value": 1}}, None, "parameters"),
    ],
)
def test_configs_that_would_exhaust_the_controller_are_refused(
    parameters: dict[str, object], early: object, message: str
) -> None:
    config: dict[str, object] = {"method": "grid", "metric": {"name": "m"}}
    config["parameters"] = parameters
    if early is not None:
        config["early_terminate"] = early
    with pytest.raises(MlharborException, match=message):
        parse_config(config)


def test_hyperband_rungs_and_cuts() -> None:
    config = parse_config(
        {
            "method": "random",
            "metric": {"name": "loss"},
            "parameters": {"p": {"value": 1}},
            "early_terminate": {"type": "hyperband", "min_iter": 2, "eta": 3, "max_iter": 20},
        }
    )
    assert config.early_terminate is not None
    assert config.early_terminate.rungs == (2, 6, 18)
    assert rung_values(config, [9, 8, 7, 6, 5, 4]) == {2: 8, 6: 4}
    leaders = [{2: 1.0}, {2: 2.0}]
    assert hyperband_stop(config, {2: 1.5}, leaders) is True  # not in the best third of three
    assert hyperband_stop(config, {2: 0.5}, leaders) is False
    assert hyperband_stop(config, {2: 9.0}, []) is False  # alone at its rung


def test_agent_command_expands_wandb_macros() -> None:
    params = {"lr": 0.1, "layers": [1, 2]}
    assert build_command({"program": "train.py"}, params) == [
        "/usr/bin/env",
        sys.executable,
        "train.py",
        "--lr=0.1",
        "--layers=[1, 2]",
    ]
    custom = {"command": ["python3", "-m", "pkg", "${args_no_hyphens}"]}
    assert build_command(custom, {"lr": 0.1}) == ["python3", "-m", "pkg", "lr=0.1"]
    with pytest.raises(MlharborException, match="program"):
        build_command({}, params)
