"""Validation thresholds for :func:`mlharbor.evaluate`: a model that misses one fails loudly.

``MetricThreshold`` and ``validate_evaluation_results`` carry MLflow's names, so a promotion gate
written for MLflow ports unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = ["MetricThreshold", "ModelValidationFailedException", "validate_evaluation_results"]


class ModelValidationFailedException(MlharborException):
    """A candidate model missed at least one validation threshold."""

    default_error_code = "INVALID_PARAMETER_VALUE"


@dataclass(frozen=True)
class MetricThreshold:
    """What a metric must reach: an absolute bound and/or a gain over a baseline model.

    Args:
        threshold: the candidate's value must be >= it (or <= it when lower is better).
        min_absolute_change: the candidate must beat the baseline by at least this much.
        min_relative_change: the candidate must beat the baseline by at least this fraction.
        greater_is_better: the metric's direction; required.
    """

    threshold: float | None = None
    min_absolute_change: float | None = None
    min_relative_change: float | None = None
    greater_is_better: bool | None = None

    def __post_init__(self) -> None:
        if self.greater_is_better is None:
            raise InvalidParameterValue(
                "`greater_is_better` is a required field of MetricThreshold"
            )
        for name in ("min_absolute_change", "min_relative_change"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InvalidParameterValue(f"`{name}` must be a positive number, got {value}")
        if (
            self.threshold is None
            and self.min_absolute_change is None
            and (self.min_relative_change is None)
        ):
            raise InvalidParameterValue(
                "MetricThreshold needs at least one of `threshold`, `min_absolute_change` "
                "or `min_relative_change`"
            )

    def failures(self, name: str, candidate: float, baseline: float | None) -> list[str]:
        """Describe each way ``candidate`` misses this threshold; empty when it passes."""
        sign = 1.0 if self.greater_is_better else -1.0
        better = "higher" if self.greater_is_better else "lower"
        problems = []
        if self.threshold is not None and sign * (candidate - self.threshold) < 0:
            problems.append(
                f"{name}={candidate} must be {better} than or equal to the threshold "
                f"{self.threshold}"
            )
        if self.min_absolute_change is None and self.min_relative_change is None:
            return problems
        if baseline is None:
            problems.append(f"{name} has no baseline value to compare the candidate with")
            return problems
        gain = sign * (candidate - baseline)
        if self.min_absolute_change is not None and gain < self.min_absolute_change:
            problems.append(
                f"{name}={candidate} must beat the baseline {baseline} by at least "
                f"{self.min_absolute_change} (gained {gain:.6g})"
            )
        if self.min_relative_change is not None:
            relative = gain / abs(baseline) if baseline else math.inf if gain > 0 else 0.0
            if relative < self.min_relative_change:
                problems.append(
                    f"{name}={candidate} must beat the baseline {baseline} by at least "
                    f"{self.min_relative_change:.2%} (gained {relative:.2%})"
                )
        return problems


def validate_evaluation_results(
    validation_thresholds: Mapping[str, MetricThreshold],
    candidate_result: Any,
    baseline_result: Any = None,
) -> None:
    """Raise :class:`ModelValidationFailedException` when a candidate misses a threshold.

    Args:
        validation_thresholds: metric name -> :class:`MetricThreshold`.
        candidate_result: an ``EvaluationResult`` (or anything with a ``metrics`` dict).
        baseline_result: the baseline model's result, needed for the change thresholds.
    """
    candidate = dict(candidate_result.metrics)
    baseline = dict(baseline_result.metrics) if baseline_result is not None else {}
    problems = []
    for name, threshold in validation_thresholds.items():
        if not isinstance(threshold, MetricThreshold):
            raise InvalidParameterValue(
                f"validation_thresholds[{name!r}] must be a MetricThreshold, "
                f"got {type(threshold).__name__}"
            )
        if name not in candidate:
            problems.append(f"{name} was not computed for the candidate model")
            continue
        problems.extend(threshold.failures(name, float(candidate[name]), baseline.get(name)))
    if problems:
        raise ModelValidationFailedException(
            "Model validation failed:\n" + "\n".join(f"- {p}" for p in problems)
        )
