"""Model performance drift: the same quality metrics on reference and current predictions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.monitoring._drift import _require_frame
from mlharbor.monitoring._report import Report, escape, number

__all__ = ["PerformanceReport", "performance_drift"]

Task = Literal["classification", "regression"]

# metrics where a smaller value is better; degradation is measured the other way round for them
_LOWER_IS_BETTER = frozenset({"rmse", "mae"})


@dataclass(frozen=True)
class PerformanceReport(Report):
    """The result of :func:`performance_drift`.

    Attributes:
        task: ``classification`` or ``regression``.
        reference: metric -> value on the reference rows.
        current: metric -> value on the current rows.
        degradation: metric -> how much worse the current value is (positive: worse), i.e.
            reference - current for accuracy, precision, recall, f1 and r2, and
            current - reference for rmse and mae.
        reference_rows: rows in the reference data.
        current_rows: rows in the current data.
    """

    task: Task
    reference: dict[str, float]
    current: dict[str, float]
    degradation: dict[str, float]
    reference_rows: int
    current_rows: int

    _title = "Model performance report"
    _default_prefix = "performance"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what :meth:`to_json` writes)."""
        return {
            "task": self.task,
            "reference": self.reference,
            "current": self.current,
            "degradation": self.degradation,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
        }

    def _run_metrics(self) -> dict[str, float]:
        metrics: dict[str, float] = {}
        for side in ("reference", "current", "degradation"):
            for name, value in getattr(self, side).items():
                metrics[f"{side}.{name}"] = value
        return metrics

    def _html_body(self) -> str:
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{escape(number(self.reference[name]))}</td>"
            f"<td>{escape(number(self.current[name]))}</td>"
            f"<td>{escape(number(self.degradation[name]))}</td></tr>"
            for name in self.reference
        )
        return (
            f"<p>Task: {escape(self.task)}. Reference rows: {self.reference_rows}; current rows: "
            f"{self.current_rows}. Degradation is positive when the current data scores worse."
            "</p><table><tr><th>Metric</th><th>Reference</th><th>Current</th>"
            f"<th>Degradation</th></tr>{rows}</table>"
        )


def _classification(y: Any, y_pred: Any, labels: Any) -> dict[str, float]:
    from sklearn import metrics as skm

    # binary: the larger label is the positive class on both sides, whatever each side holds
    average: dict[str, Any] = (
        {"average": "binary", "pos_label": labels[-1]}
        if len(labels) == 2
        else {"average": "weighted", "labels": labels}
    )
    return {
        "accuracy": float(skm.accuracy_score(y, y_pred)),
        "precision": float(skm.precision_score(y, y_pred, zero_division=0, **average)),
        "recall": float(skm.recall_score(y, y_pred, zero_division=0, **average)),
        "f1": float(skm.f1_score(y, y_pred, zero_division=0, **average)),
    }


def _regression(y: Any, y_pred: Any) -> dict[str, float]:
    import numpy as np
    from sklearn import metrics as skm

    return {
        "rmse": float(np.sqrt(skm.mean_squared_error(y, y_pred))),
        "mae": float(skm.mean_absolute_error(y, y_pred)),
        "r2": float(skm.r2_score(y, y_pred)) if len(y) > 1 else float("nan"),
    }


def _pairs(frame: Any, side: str, target: str, prediction: str) -> tuple[Any, Any]:
    absent = [c for c in (target, prediction) if c not in frame.columns]
    if absent:
        raise InvalidParameterValue(f"Columns missing from the {side} data: {', '.join(absent)}")
    pairs = frame[[target, prediction]].dropna()
    if len(pairs) == 0:
        raise InvalidParameterValue(
            f"The {side} data has no rows with both {target!r} and {prediction!r}"
        )
    return pairs[target].to_numpy(), pairs[prediction].to_numpy()


def performance_drift(
    reference: Any,
    current: Any,
    target: str = "target",
    prediction: str = "prediction",
    task: str = "classification",
) -> PerformanceReport:
    """Score the predictions of both frames against their labels and compare.

    Args:
        reference: a DataFrame with ``target`` and ``prediction`` columns (e.g. validation).
        current: the same columns for production rows whose labels have arrived.
        target: the label column.
        prediction: the prediction column.
        task: ``classification`` (accuracy, precision, recall, f1; binary labels use the
            larger label as positive, more classes a support-weighted average) or
            ``regression`` (rmse, mae, r2).

    Returns:
        A :class:`PerformanceReport`. Rows missing a label or prediction are left out.

    Raises:
        InvalidParameterValue: for non-DataFrame or empty inputs, missing columns, an unknown
            task, or non-numeric regression columns.
    """
    import numpy as np

    reference = _require_frame(reference, "reference")
    current = _require_frame(current, "current")
    if task not in ("classification", "regression"):
        raise InvalidParameterValue(f"task must be 'classification' or 'regression', got {task!r}")
    ref_y, ref_pred = _pairs(reference, "reference", target, prediction)
    cur_y, cur_pred = _pairs(current, "current", target, prediction)
    if task == "classification":
        try:
            labels = np.unique(np.concatenate([ref_y, ref_pred, cur_y, cur_pred]))
        except TypeError:
            raise InvalidParameterValue(
                "Labels and predictions must be of one comparable type (all numbers or all text)"
            ) from None
        ref_scores = _classification(ref_y, ref_pred, labels)
        cur_scores = _classification(cur_y, cur_pred, labels)
    else:
        try:
            ref_scores = _regression(ref_y.astype(float), ref_pred.astype(float))
            cur_scores = _regression(cur_y.astype(float), cur_pred.astype(float))
        except (TypeError, ValueError):
            raise InvalidParameterValue(
                "Regression targets and predictions must be numbers"
            ) from None
    degradation = {
        name: (cur_scores[name] - ref) if name in _LOWER_IS_BETTER else (ref - cur_scores[name])
        for name, ref in ref_scores.items()
    }
    return PerformanceReport(
        task="classification" if task == "classification" else "regression",
        reference=ref_scores,
        current=cur_scores,
        degradation=degradation,
        reference_rows=len(reference),
        current_rows=len(current),
    )
