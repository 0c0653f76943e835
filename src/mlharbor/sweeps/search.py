"""The controller's decisions: the next trial's parameters, and hyperband's cuts.

Suggestions replay the sweep's recorded trials (kept in the tracking database) into an
in-memory Optuna study and ask its sampler for one more: TPE for ``bayes`` (with the constant
liar, so trials still running on other agents are not suggested again), the random sampler for
``random``. Both are seeded from the sweep's seed and the trial number, so a sweep's
suggestions are reproducible. ``grid`` walks the Cartesian product of the parameters in the
order the configuration lists them, as W&B does. Optuna is imported only here, on first use.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import NotImplementedFeature
from mlharbor.sweeps.config import Parameter, SweepConfig

__all__ = ["Suggestion", "TrialHistory", "hyperband_stop", "rung_values", "suggest"]

# Optuna's categorical choices must be scalars; choices are sampled by index instead, so lists
# and mappings work as values too.
_INDEXED = ("categorical",)


@dataclass(frozen=True)
class TrialHistory:
    """What the sampler needs of one recorded trial."""

    number: int
    state: str  # RUNNING, FINISHED, FAILED, STOPPED
    sampled: Mapping[str, Any]
    value: float | None


@dataclass(frozen=True)
class Suggestion:
    """A new trial's point: ``sampled`` in the searched space, ``params`` as the program sees
    them."""

    sampled: dict[str, Any]
    params: dict[str, Any]


def _optuna() -> Any:
    try:
        import optuna
    except ModuleNotFoundError:
        raise NotImplementedFeature(
            "random and bayes sweeps need Optuna where the sweep's controller runs (the "
            "tracking server, or this process for a local tracking URI): "
            "pip install 'mlharbor[sweeps]'"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _distribution(parameter: Parameter) -> Any:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    kind = parameter.distribution
    if kind in _INDEXED:
        return CategoricalDistribution(list(range(len(parameter.values))))
    if kind == "int_uniform":
        return IntDistribution(int(parameter.low), int(parameter.high))
    log = kind in ("log_uniform_values", "q_log_uniform_values")
    return FloatDistribution(parameter.low, parameter.high, log=log)


def _value(parameter: Parameter, sampled: Any) -> Any:
    if parameter.distribution in _INDEXED:
        return parameter.values[int(sampled)]
    return parameter.to_value(sampled)


def _grid(config: SweepConfig, number: int) -> Suggestion | None:
    axes = [p.grid_points() for p in config.parameters]
    total = math.prod(len(axis) for axis in axes)
    if number >= total:
        return None
    point = next(itertools.islice(itertools.product(*axes), number, None))
    params = {p.name: v for p, v in zip(config.parameters, point, strict=True)}
    return Suggestion(dict(params), params)


def grid_size(config: SweepConfig) -> int | None:
    """How many trials a grid sweep has; ``None`` for other methods."""
    if config.method != "grid":
        return None
    return math.prod(len(p.grid_points()) for p in config.parameters)


def _sampler(config: SweepConfig, seed: int) -> Any:
    optuna = _optuna()
    if config.method == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, constant_liar=True)


def suggest(config: SweepConfig, seed: int, history: Sequence[TrialHistory]) -> Suggestion | None:
    """The parameters of trial number ``len(history)``; ``None`` when a grid is exhausted."""
    number = len(history)
    if config.method == "grid":
        return _grid(config, number)
    optuna = _optuna()
    from optuna.trial import TrialState, create_trial

    searched = [p for p in config.parameters if p.distribution != "constant"]
    distributions = {p.name: _distribution(p) for p in searched}
    study = optuna.create_study(
        direction="maximize" if config.maximize else "minimize",
        sampler=_sampler(config, (seed * 1_000_003 + number) % 2**32),
    )
    if config.method == "bayes":
        for trial in history:
            if trial.state == "RUNNING":
                state, value = TrialState.RUNNING, None
            elif trial.value is not None and math.isfinite(trial.value):
                state, value = TrialState.COMPLETE, trial.value
            else:
                continue
            study.add_trial(
                create_trial(
                    state=state,
                    value=value,
                    params={k: trial.sampled[k] for k in distributions},
                    distributions=distributions,
                )
            )
    asked = study.ask(distributions)
    sampled: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for parameter in config.parameters:
        if parameter.distribution == "constant":
            sampled[parameter.name] = params[parameter.name] = parameter.values[0]
            continue
        sampled[parameter.name] = asked.params[parameter.name]
        params[parameter.name] = _value(parameter, asked.params[parameter.name])
    return Suggestion(sampled, params)


def rung_values(config: SweepConfig, history: Sequence[float]) -> dict[int, float]:
    """The target metric at each hyperband rung ``history`` (its logged values) has reached."""
    if config.early_terminate is None:
        return {}
    return {r: history[r - 1] for r in config.early_terminate.rungs if len(history) >= r}


def hyperband_stop(
    config: SweepConfig, own: Mapping[int, float], others: Sequence[Mapping[int, float]]
) -> bool:
    """Whether a trial with rung values ``own`` falls outside the best ``1/eta`` of all trials
    (``others`` and itself) at any rung it reached."""
    hyperband = config.early_terminate
    if hyperband is None:
        return False
    for rung, value in own.items():
        seen = sorted([o[rung] for o in others if rung in o] + [value], reverse=config.maximize)
        kept = max(1, math.floor(len(seen) / hyperband.eta))
        cut = seen[kept - 1]
        if config.better(cut, value):
            return True
    return False
