"""Sweep configurations in W&B's format, checked once when a sweep is created.

A configuration names a ``method`` (``grid``, ``random`` or ``bayes``), the target ``metric``
(``{name, goal}``), the ``parameters`` and optionally ``early_terminate`` (``hyperband``),
``run_cap``, ``program`` and ``command``, and ``seed`` (an integer fixing the samplers'
random state; by default each sweep draws its own). Each parameter is one of

* ``value``: a constant; ``values``: a categorical choice (``probabilities`` are not used);
* ``min``/``max`` with a ``distribution``: ``uniform``, ``int_uniform``, ``log_uniform_values``
  (bounds are values), ``log_uniform`` (bounds are natural-log exponents), or the quantised
  ``q_uniform``, ``q_log_uniform_values``, ``q_log_uniform`` (step ``q``, default 1). Without a
  ``distribution``, integer bounds mean ``int_uniform`` and others ``uniform``.

Nothing here does I/O or imports Optuna; :mod:`mlharbor.sweeps.search` turns a parsed
:class:`Parameter` into an Optuna distribution.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.utils.validation import validate_key_name

__all__ = ["MAX_GRID_POINTS", "METHODS", "Hyperband", "Parameter", "SweepConfig", "parse_config"]

METHODS = ("grid", "random", "bayes")
_GOALS = ("minimize", "maximize")
_CONTINUOUS = {
    "uniform",
    "log_uniform_values",
    "log_uniform",
    "q_uniform",
    "q_log_uniform_values",
    "q_log_uniform",
}
_DISTRIBUTIONS = {"constant", "categorical", "int_uniform", *_CONTINUOUS}
# Rungs beyond this many are never reached by a realistic training loop.
_MAX_RUNGS = 12
MAX_GRID_POINTS = 100_000
_MAX_ITER = 10**9


def _invalid(message: str) -> InvalidParameterValue:
    return InvalidParameterValue(f"Invalid sweep configuration: {message}")


def _number(spec: Mapping[str, Any], key: str, where: str) -> float:
    value = spec.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise _invalid(f"parameter {where!r} needs a finite number for {key!r}, got {value!r}.")
    return value


@dataclass(frozen=True)
class Parameter:
    """One searched parameter.

    Attributes:
        name: the parameter name, as logged and passed to the program.
        distribution: one of the names in the module docstring.
        values: the choices (``categorical``) or the single value (``constant``).
        low, high: bounds in the sampled space (exponents for ``log_uniform``).
        q: the quantisation step of ``q_*`` distributions.
    """

    name: str
    distribution: str
    values: tuple[Any, ...] = ()
    low: float = 0.0
    high: float = 0.0
    q: float = 1.0

    def grid_points(self) -> list[Any]:
        """Every value a grid search visits, in order.

        Raises:
            InvalidParameterValue: for a continuous distribution, which has no finite grid.
        """
        if self.distribution in ("constant", "categorical"):
            return list(self.values)
        if self.distribution in ("int_uniform", "q_uniform"):
            step = 1.0 if self.distribution == "int_uniform" else self.q
            count = math.floor((self.high - self.low) / step + 1e-9) + 1
            if count > MAX_GRID_POINTS:
                raise _invalid(
                    f"parameter {self.name!r} has {count} grid points; a grid allows at most "
                    f"{MAX_GRID_POINTS} per parameter."
                )
            if self.distribution == "int_uniform":
                return list(range(int(self.low), int(self.high) + 1))
            return [self.quantise(self.low + i * self.q) for i in range(count)]
        raise _invalid(
            f"grid search needs 'values', 'value', int_uniform or q_uniform for {self.name!r}; "
            f"{self.distribution} has no finite grid."
        )

    def quantise(self, value: float) -> float | int:
        """Round ``value`` to this parameter's step, keeping integer steps integral."""
        rounded = round(value / self.q) * self.q
        return int(rounded) if float(self.q).is_integer() else rounded

    def to_value(self, sampled: Any) -> Any:
        """The parameter value for a point ``sampled`` in the searched space."""
        if self.distribution == "log_uniform":
            return math.exp(sampled)
        if self.distribution in ("q_uniform", "q_log_uniform_values"):
            return self.quantise(sampled)
        if self.distribution == "q_log_uniform":
            return self.quantise(math.exp(sampled))
        return sampled


@dataclass(frozen=True)
class Hyperband:
    """W&B's hyperband early termination: at each rung (a count of logged values of the
    target metric) a trial outside the best ``1/eta`` of the trials seen there is stopped."""

    min_iter: int
    eta: float
    rungs: tuple[int, ...]


@dataclass(frozen=True)
class SweepConfig:
    """A parsed configuration; ``raw`` is the mapping it was read from."""

    method: str
    metric_name: str
    goal: str
    parameters: tuple[Parameter, ...]
    raw: Mapping[str, Any]
    early_terminate: Hyperband | None = None
    run_cap: int | None = None
    seed: int | None = None

    @property
    def maximize(self) -> bool:
        return self.goal == "maximize"

    def better(self, value: float, than: float | None) -> bool:
        """Whether ``value`` improves on ``than`` for this sweep's goal."""
        if than is None:
            return True
        return value > than if self.maximize else value < than


def _parameter(name: str, spec: Any) -> Parameter:
    if not isinstance(spec, Mapping):
        raise _invalid(f"parameter {name!r} must be a mapping, got {spec!r}.")
    if "parameters" in spec:
        raise _invalid(f"nested parameters ({name!r}) are not supported; flatten their names.")
    distribution = spec.get("distribution")
    if distribution is not None and distribution not in _DISTRIBUTIONS:
        raise _invalid(
            f"unsupported distribution {distribution!r} for {name!r}; supported: "
            f"{', '.join(sorted(_DISTRIBUTIONS))}."
        )
    if "value" in spec and distribution in (None, "constant"):
        return Parameter(name, "constant", (spec["value"],))
    if "values" in spec and distribution in (None, "categorical"):
        values = spec["values"]
        if not isinstance(values, list) or not values:
            raise _invalid(f"parameter {name!r} needs a non-empty list of 'values'.")
        return Parameter(name, "categorical", tuple(values))
    if "min" not in spec or "max" not in spec:
        raise _invalid(f"parameter {name!r} needs 'value', 'values', or 'min' and 'max'.")
    low, high = _number(spec, "min", name), _number(spec, "max", name)
    if distribution is None:
        both_int = isinstance(spec["min"], int) and isinstance(spec["max"], int)
        distribution = "int_uniform" if both_int else "uniform"
    if distribution in ("constant", "categorical"):
        raise _invalid(f"parameter {name!r} with distribution {distribution} needs 'value(s)'.")
    if low >= high:
        raise _invalid(f"parameter {name!r} needs min < max, got {low} and {high}.")
    if distribution == "int_uniform":
        if not (float(low).is_integer() and float(high).is_integer()):
            raise _invalid(f"int_uniform parameter {name!r} needs integer bounds.")
        return Parameter(name, distribution, low=int(low), high=int(high))
    if distribution in ("log_uniform_values", "q_log_uniform_values") and low <= 0:
        raise _invalid(f"{distribution} parameter {name!r} needs min > 0.")
    if distribution in ("log_uniform", "q_log_uniform") and max(abs(low), abs(high)) > 700:
        # The bounds are exponents: e**700 is near the largest float.
        raise _invalid(f"{distribution} parameter {name!r} needs exponents within [-700, 700].")
    q = _number(spec, "q", name) if "q" in spec else 1.0
    if q <= 0:
        raise _invalid(f"parameter {name!r} needs q > 0.")
    return Parameter(name, distribution, low=float(low), high=float(high), q=q)


def _hyperband(spec: Any) -> Hyperband:
    if not isinstance(spec, Mapping) or spec.get("type") != "hyperband":
        raise _invalid("early_terminate supports {type: hyperband, min_iter | max_iter, ...}.")
    eta = spec.get("eta", 3)
    if isinstance(eta, bool) or not isinstance(eta, int | float) or not 1 < eta <= 100:
        raise _invalid("early_terminate.eta must be a number above 1 (at most 100).")
    max_iter, s = spec.get("max_iter"), spec.get("s")
    if "min_iter" in spec:
        min_iter = spec["min_iter"]
    elif isinstance(max_iter, int) and isinstance(s, int) and s > 0:
        # W&B's other form: brackets count down from max_iter by factors of eta.
        min_iter = max(1, round(max_iter / eta ** min(s, 100)))
    else:
        raise _invalid("early_terminate needs min_iter, or max_iter and s.")
    if (
        isinstance(min_iter, bool)
        or not isinstance(min_iter, int)
        or not 1 <= min_iter <= _MAX_ITER
    ):
        raise _invalid(f"early_terminate.min_iter must be an integer from 1 to {_MAX_ITER}.")
    rungs: list[int] = []
    for k in range(100):
        rung = round(min_iter * eta**k)
        if rung > _MAX_ITER or (isinstance(max_iter, int) and rung > max_iter):
            break
        if not rungs or rung > rungs[-1]:
            rungs.append(rung)
        if len(rungs) == _MAX_RUNGS:
            break
    return Hyperband(min_iter, float(eta), tuple(rungs))


def parse_config(raw: Any) -> SweepConfig:
    """Check a W&B-style sweep configuration and return it parsed.

    Raises:
        InvalidParameterValue: naming the first problem found.
    """
    if not isinstance(raw, Mapping):
        raise _invalid("the configuration must be a mapping.")
    method = raw.get("method")
    if method not in METHODS:
        raise _invalid(f"'method' must be one of {', '.join(METHODS)}, got {method!r}.")
    metric = raw.get("metric")
    if not isinstance(metric, Mapping) or not isinstance(metric.get("name"), str):
        raise _invalid("'metric' must be a mapping with a 'name'.")
    goal = metric.get("goal", "minimize")
    if goal not in _GOALS:
        raise _invalid(f"metric.goal must be minimize or maximize, got {goal!r}.")
    parameters = raw.get("parameters")
    if not isinstance(parameters, Mapping) or not parameters:
        raise _invalid("'parameters' must be a non-empty mapping.")
    # Parameters are logged as params and the metric is read back by name: both must be keys.
    validate_key_name(metric["name"], "metric.name")
    for name in parameters:
        validate_key_name(name, "parameters")
    parsed = tuple(_parameter(str(name), spec) for name, spec in parameters.items())
    if method == "grid":
        for parameter in parsed:
            parameter.grid_points()
    run_cap = raw.get("run_cap")
    if run_cap is not None and (
        isinstance(run_cap, bool) or not isinstance(run_cap, int) or run_cap < 1
    ):
        raise _invalid("'run_cap' must be a positive integer.")
    seed = raw.get("seed")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32
    ):
        raise _invalid("'seed' must be an integer from 0 to 2**32 - 1.")
    early = raw.get("early_terminate")
    return SweepConfig(
        method=method,
        metric_name=metric["name"],
        goal=goal,
        parameters=parsed,
        raw=dict(raw),
        early_terminate=_hyperband(early) if early is not None else None,
        run_cap=run_cap,
        seed=seed,
    )
