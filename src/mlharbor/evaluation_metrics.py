"""Custom metrics and artifacts for :func:`mlharbor.evaluate` (``extra_metrics``,
``custom_artifacts``), called the way MLflow calls them so metric code ports unchanged.

A metric's ``eval_fn`` names what it needs: ``predictions`` and ``targets`` (pandas Series),
``metrics`` (the figures computed so far, name -> :class:`MetricValue`), any column of the
evaluation data by name, or a key of ``evaluator_config``. It returns a number or a
:class:`MetricValue`; numbers log as ``<name>``, aggregates as ``<name>/<aggregate>``.
"""

from __future__ import annotations

import inspect
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["EvaluationMetric", "MetricValue", "make_metric"]


@dataclass
class MetricValue:
    """A metric's result: per-row ``scores`` and ``justifications``, and named aggregates."""

    scores: list[Any] | None = None
    justifications: list[str] | None = None
    aggregate_results: dict[str, float] | None = None


class EvaluationMetric:
    """A custom metric: ``eval_fn`` plus how to name and rank it."""

    def __init__(
        self,
        eval_fn: Callable[..., Any],
        name: str,
        greater_is_better: bool,
        long_name: str | None = None,
        version: str | None = None,
        metric_details: str | None = None,
        metric_metadata: dict[str, Any] | None = None,
        genai_metric_args: dict[str, Any] | None = None,
    ) -> None:
        self.eval_fn = eval_fn
        self.name = name
        self.greater_is_better = greater_is_better
        self.long_name = long_name or name
        self.version = version
        self.metric_details = metric_details
        self.metric_metadata = metric_metadata
        self.genai_metric_args = genai_metric_args

    def __call__(self, **kwargs: Any) -> Any:
        return self.eval_fn(**kwargs)

    def __str__(self) -> str:
        parts = [f"name={self.name}", f"greater_is_better={self.greater_is_better}"]
        if self.long_name != self.name:
            parts.append(f"long_name={self.long_name}")
        if self.version:
            parts.append(f"version={self.version}")
        return f"EvaluationMetric({', '.join(parts)})"


def make_metric(
    *,
    eval_fn: Callable[..., Any],
    greater_is_better: bool,
    name: str | None = None,
    long_name: str | None = None,
    version: str | None = None,
    metric_details: str | None = None,
    metric_metadata: dict[str, Any] | None = None,
    genai_metric_args: dict[str, Any] | None = None,
) -> EvaluationMetric:
    """Build an :class:`EvaluationMetric`; ``name`` defaults to the function's name.

    Raises:
        InvalidParameterValue: no name is given and ``eval_fn`` is a lambda.
    """
    if name is None:
        name = getattr(eval_fn, "__name__", None)
        if not name or name == "<lambda>":
            raise InvalidParameterValue(
                "`name` must be specified if `eval_fn` is a lambda function."
            )
    return EvaluationMetric(
        eval_fn,
        name,
        greater_is_better,
        long_name,
        version,
        metric_details,
        metric_metadata,
        genai_metric_args,
    )


def _arguments(
    metric: EvaluationMetric, available: Mapping[str, Any], config: Mapping[str, Any]
) -> dict[str, Any]:
    parameters = inspect.signature(metric.eval_fn).parameters
    arguments: dict[str, Any] = {}
    missing = []
    for name, parameter in parameters.items():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if name in available:
            arguments[name] = available[name]
        elif name in config:
            arguments[name] = config[name]
        elif parameter.default is parameter.empty:
            missing.append(name)
    if missing:
        raise InvalidParameterValue(
            f"Error: Metric calculation failed for the following metrics: {metric.name}. "
            f"Missing arguments {missing}: name them after a column of the data, one of "
            f"'predictions', 'targets', 'metrics', or a key of evaluator_config."
        )
    return arguments


def compute_extra_metrics(
    extra_metrics: list[EvaluationMetric],
    predictions: Any,
    targets: Any,
    frame: Any,
    builtin: dict[str, float],
    config: Mapping[str, Any],
) -> dict[str, float]:
    """Run each custom metric in order; each sees the figures of those before it.

    Raises:
        InvalidParameterValue: a metric is not an EvaluationMetric, needs an argument nobody
            provides, or returns something that is neither a number nor a MetricValue.
    """
    import pandas as pd

    computed: dict[str, float] = {}
    values: dict[str, MetricValue] = {
        name: MetricValue(aggregate_results={name: value}) for name, value in builtin.items()
    }
    available: dict[str, Any] = {column: frame[column] for column in frame.columns}
    available["predictions"] = pd.Series(predictions, name="predictions")
    available["targets"] = pd.Series(targets, name="targets") if targets is not None else None
    for metric in extra_metrics:
        if not isinstance(metric, EvaluationMetric):
            raise InvalidParameterValue(
                f"extra_metrics must be EvaluationMetric objects (see make_metric), "
                f"got {type(metric).__name__}"
            )
        available["metrics"] = values
        result = metric.eval_fn(**_arguments(metric, available, config))
        prefix = f"{metric.name}/{metric.version}" if metric.version else metric.name
        if isinstance(result, MetricValue):
            for aggregate, value in (result.aggregate_results or {}).items():
                computed[f"{prefix}/{aggregate}"] = float(value)
            values[metric.name] = result
        elif isinstance(result, int | float) and not isinstance(result, bool):
            computed[prefix] = float(result)
            values[metric.name] = MetricValue(aggregate_results={metric.name: float(result)})
        elif result is None:
            continue  # MLflow skips a metric whose function returns None
        else:
            raise InvalidParameterValue(
                f"Metric '{metric.name}' returned {type(result).__name__}; return a number "
                "or a MetricValue."
            )
    return computed


def write_custom_artifacts(
    functions: list[Callable[..., Any]],
    eval_df: Any,
    metrics: dict[str, float],
    directory: str,
) -> dict[str, str]:
    """Call each ``fn(eval_df, builtin_metrics, artifacts_dir)``; name -> file written.

    A function returns name -> a path it wrote, a pandas DataFrame (saved as JSON), a
    matplotlib figure (PNG) or anything JSON can hold.

    Raises:
        InvalidParameterValue: a function returns something other than such a mapping.
    """
    import pandas as pd

    files: dict[str, str] = {}
    for function in functions:
        produced = function(eval_df, dict(metrics), directory)
        if not isinstance(produced, Mapping):
            raise InvalidParameterValue(
                f"Custom artifact function {getattr(function, '__name__', function)!r} must "
                f"return a dict of artifact name to artifact, got {type(produced).__name__}"
            )
        for name, value in produced.items():
            if isinstance(value, str | os.PathLike) and os.path.isfile(value):
                files[name] = os.fspath(value)
            elif isinstance(value, pd.DataFrame):
                files[name] = os.path.join(directory, f"{name}.json")
                value.to_json(files[name], orient="split")
            elif hasattr(value, "savefig"):
                files[name] = os.path.join(directory, f"{name}.png")
                value.savefig(files[name])
            else:
                files[name] = os.path.join(directory, f"{name}.json")
                with open(files[name], "w", encoding="utf-8") as handle:
                    json.dump(value, handle)
    return files
