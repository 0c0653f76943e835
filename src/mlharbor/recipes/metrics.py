"""Metrics of the regression and classification recipes, built-in and custom.

Built-in names follow MLflow's evaluator (``root_mean_squared_error``, ``f1_score``, ...).
Custom metrics are declared in recipe.yaml as ``custom_metrics: [{name, function,
greater_is_better}]``; ``function(eval_df, builtin_metrics)`` lives in
``steps/custom_metrics.py`` and gets a frame with ``prediction`` and ``target`` columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.recipes.steps.base import StepContext

__all__ = ["DEFAULT_PRIMARY_METRIC", "MetricSet", "metric_set"]

DEFAULT_PRIMARY_METRIC = {
    "regression/v1": "root_mean_squared_error",
    "classification/v1": "f1_score",
}

_LOWER_IS_BETTER = {
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "max_error",
    "mean_absolute_percentage_error",
    "log_loss",
}
_REGRESSION = (
    "mean_absolute_error",
    "mean_squared_error",
    "root_mean_squared_error",
    "max_error",
    "mean_absolute_percentage_error",
    "r2_score",
)
_CLASSIFICATION = (
    "accuracy_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "roc_auc",
    "log_loss",
)


@dataclass(frozen=True)
class MetricSet:
    """How one recipe scores a model."""

    template: str
    positive_class: Any
    custom: tuple[tuple[str, Any, bool], ...]  # name, function, greater_is_better

    @property
    def names(self) -> tuple[str, ...]:
        builtin = _REGRESSION if self.template == "regression/v1" else _CLASSIFICATION
        return (*builtin, *(name for name, _, _ in self.custom))

    def greater_is_better(self, name: str) -> bool:
        for custom_name, _, greater in self.custom:
            if custom_name == name:
                return greater
        return name not in _LOWER_IS_BETTER

    def compute(self, model: Any, features: Any, target: Any) -> dict[str, float]:
        """Score ``model`` (a fitted pipeline) on ``features`` against ``target``."""
        import pandas as pd

        predictions = model.predict(features)
        if self.template == "regression/v1":
            from mlharbor.evaluation import regressor_metrics

            values = regressor_metrics(target, predictions)
        else:
            values = self._classification(model, features, target, predictions)
        values = {k: v for k, v in values.items() if k in self.names or k == "example_count"}
        frame = pd.DataFrame({"prediction": predictions, "target": list(target)})
        for name, function, _ in self.custom:
            values[name] = float(function(frame, dict(values)))
        return values

    def _classification(
        self, model: Any, features: Any, target: Any, predictions: Any
    ) -> dict[str, float]:
        import numpy as np
        from sklearn import metrics as skm

        classes = list(getattr(model, "classes_", np.unique(target)))
        binary = len(classes) <= 2
        average: dict[str, Any] = (
            {"average": "binary", "pos_label": self.positive_class}
            if binary
            else {"average": "weighted"}
        )
        values = {
            "example_count": float(len(target)),
            "accuracy_score": float(skm.accuracy_score(target, predictions)),
            "precision_score": float(
                skm.precision_score(target, predictions, zero_division=0, **average)
            ),
            "recall_score": float(
                skm.recall_score(target, predictions, zero_division=0, **average)
            ),
            "f1_score": float(skm.f1_score(target, predictions, zero_division=0, **average)),
        }
        if hasattr(model, "predict_proba"):
            proba = model.predict_proba(features)
            values["log_loss"] = float(skm.log_loss(target, proba, labels=classes))
            if binary and len(classes) == 2:
                positive = proba[:, classes.index(self.positive_class)]
                is_positive = np.asarray(target) == self.positive_class
                if 0 < is_positive.sum() < len(is_positive):
                    values["roc_auc"] = float(skm.roc_auc_score(is_positive, positive))
            elif len(np.unique(target)) == len(classes):
                values["roc_auc"] = float(
                    skm.roc_auc_score(target, proba, multi_class="ovr", labels=classes)
                )
        return values


def metric_set(ctx: StepContext) -> MetricSet:
    """The metrics of the recipe run by ``ctx``, with its custom metrics loaded.

    Raises:
        InvalidParameterValue: for a malformed ``custom_metrics`` entry or an unknown
            ``primary_metric``.
    """
    custom = []
    for entry in ctx.config.get("custom_metrics") or []:
        if not isinstance(entry, dict) or not entry.get("name") or not entry.get("function"):
            raise InvalidParameterValue(
                "Each custom_metrics entry needs 'name', 'function' and 'greater_is_better'"
            )
        function = ctx.user_function("custom_metrics", str(entry["function"]), "custom_metrics")
        custom.append((str(entry["name"]), function, bool(entry.get("greater_is_better", True))))
    metrics = MetricSet(ctx.template, ctx.config.get("positive_class"), tuple(custom))
    primary = primary_metric(ctx.config)
    if primary not in metrics.names:
        raise InvalidParameterValue(
            f"primary_metric {primary!r} is not a metric of {ctx.template}; choose one of "
            f"{', '.join(metrics.names)}"
        )
    return metrics


def primary_metric(config: dict[str, Any]) -> str:
    return str(config.get("primary_metric") or DEFAULT_PRIMARY_METRIC[str(config["recipe"])])
