"""Data drift: does the current data still look like the reference data, column by column?

:func:`data_drift` runs one statistical test per column (see :mod:`._stattests`) and calls the
dataset drifted when the share of drifted columns reaches ``drift_share``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.monitoring._report import Report, escape, number
from mlharbor.monitoring._stattests import (
    STATTESTS,
    ColumnType,
    StatTest,
    default_stattest,
    get_stattest,
)

__all__ = ["ColumnDrift", "DriftReport", "data_drift"]

_COLUMN_TYPES: dict[str, ColumnType] = {
    "numerical": "numerical",
    "numeric": "numerical",
    "num": "numerical",
    "categorical": "categorical",
    "category": "categorical",
    "cat": "categorical",
}
_HISTOGRAM_BINS = 10
_TOP_CATEGORIES = 10


@dataclass(frozen=True)
class ColumnDrift:
    """The verdict on one column.

    Attributes:
        column: the column's name.
        column_type: ``numerical`` or ``categorical``.
        stattest: the test's name (``ks``, ``wasserstein``, ``chisquare``, ``jensenshannon``,
            ``psi``).
        statistic: the test's score: a p-value for ``ks`` and ``chisquare`` (drift when below
            ``threshold``), a distance for the others (drift when above).
        threshold: the threshold applied.
        drift_detected: whether this column drifted.
        reference_summary: count, missing and distribution of the reference values.
        current_summary: the same for the current values, over the same bins or categories.
    """

    column: str
    column_type: ColumnType
    stattest: str
    statistic: float
    threshold: float
    drift_detected: bool
    reference_summary: dict[str, Any]
    current_summary: dict[str, Any]

    @property
    def score_kind(self) -> str:
        """``p_value`` or ``distance``: which way :attr:`statistic` points."""
        return STATTESTS[self.stattest].kind

    def to_dict(self) -> dict[str, Any]:
        """The verdict as plain data."""
        return {
            "column": self.column,
            "column_type": self.column_type,
            "stattest": self.stattest,
            "score_kind": self.score_kind,
            "statistic": self.statistic,
            "threshold": self.threshold,
            "drift_detected": self.drift_detected,
            "reference_summary": self.reference_summary,
            "current_summary": self.current_summary,
        }


@dataclass(frozen=True)
class DriftReport(Report):
    """The result of :func:`data_drift`.

    Attributes:
        dataset_drift: whether ``share_of_drifted_columns`` reached ``drift_share``.
        share_of_drifted_columns: drifted columns / columns compared.
        number_of_drifted_columns: how many columns drifted.
        number_of_columns: how many columns were compared.
        drift_share: the share of drifted columns that makes the dataset drifted.
        reference_rows: rows in the reference data.
        current_rows: rows in the current data.
        columns: column name -> :class:`ColumnDrift`, in the order compared.
    """

    dataset_drift: bool
    share_of_drifted_columns: float
    number_of_drifted_columns: int
    number_of_columns: int
    drift_share: float
    reference_rows: int
    current_rows: int
    columns: dict[str, ColumnDrift] = field(default_factory=dict)

    _title = "Data drift report"
    _default_prefix = "drift"

    def to_dict(self) -> dict[str, Any]:
        """The report as plain data (what :meth:`to_json` writes)."""
        return {
            "dataset_drift": self.dataset_drift,
            "share_of_drifted_columns": self.share_of_drifted_columns,
            "number_of_drifted_columns": self.number_of_drifted_columns,
            "number_of_columns": self.number_of_columns,
            "drift_share": self.drift_share,
            "reference_rows": self.reference_rows,
            "current_rows": self.current_rows,
            "columns": {name: drift.to_dict() for name, drift in self.columns.items()},
        }

    def _run_metrics(self) -> dict[str, float]:
        metrics = {
            "dataset_drift": float(self.dataset_drift),
            "share_of_drifted_columns": self.share_of_drifted_columns,
            "number_of_drifted_columns": float(self.number_of_drifted_columns),
        }
        for name, drift in self.columns.items():
            metrics[f"{name}.statistic"] = drift.statistic
            metrics[f"{name}.drift_detected"] = float(drift.drift_detected)
        return metrics

    def _html_body(self) -> str:
        verdict = (
            '<span class="drift">Dataset drift detected</span>'
            if self.dataset_drift
            else '<span class="ok">No dataset drift</span>'
        )
        parts = [
            f"<p>{verdict}: {self.number_of_drifted_columns} of {self.number_of_columns} columns "
            f"drifted (share {number(self.share_of_drifted_columns)}; the dataset drifts at "
            f"{number(self.drift_share)}). Reference rows: {self.reference_rows}; current rows: "
            f"{self.current_rows}.</p>",
            "<table><tr><th>Column</th><th>Type</th><th>Test</th><th>Score</th>"
            "<th>Threshold</th><th>Drift</th></tr>",
        ]
        for drift in self.columns.values():
            flag = (
                '<td class="drift">yes</td>' if drift.drift_detected else '<td class="ok">no</td>'
            )
            parts.append(
                f"<tr><td>{escape(drift.column)}</td><td>{escape(drift.column_type)}</td>"
                f"<td>{escape(drift.stattest)} ({escape(drift.score_kind)})</td>"
                f"<td>{escape(number(drift.statistic))}</td>"
                f"<td>{escape(number(drift.threshold))}</td>{flag}</tr>"
            )
        parts.append("</table>")
        for drift in self.columns.values():
            parts.append(_column_section(drift))
        return "".join(parts)


def _column_section(drift: ColumnDrift) -> str:
    ref, cur = drift.reference_summary, drift.current_summary
    stats = [k for k in ref if k != "distribution"]
    rows = "".join(
        f"<tr><th>{escape(k)}</th><td>{escape(number(ref[k]))}</td>"
        f"<td>{escape(number(cur.get(k)))}</td></tr>"
        for k in stats
    )
    bars = "".join(
        f"<tr><td>{escape(label)}</td>"
        f'<td><span class="bar" style="width:{120 * r:.1f}px"></span> {number(r)}</td>'
        f'<td><span class="bar cur" style="width:{120 * c:.1f}px"></span> {number(c)}</td></tr>'
        for (label, r), (_, c) in zip(
            ref["distribution"].items(), cur["distribution"].items(), strict=True
        )
    )
    return (
        f"<h2>{escape(drift.column)}</h2>"
        "<table><tr><th></th><th>Reference</th><th>Current</th></tr>"
        f"{rows}</table>"
        '<p class="muted">Share of rows per bin or category</p>'
        f"<table><tr><th>Bin</th><th>Reference</th><th>Current</th></tr>{bars}</table>"
    )


def _require_frame(value: Any, name: str) -> Any:
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        raise InvalidParameterValue(
            f"`{name}` must be a pandas DataFrame, got {type(value).__name__}"
        )
    if len(value) == 0:
        raise InvalidParameterValue(f"`{name}` has no rows")
    if value.columns.has_duplicates:
        duplicated = sorted({str(c) for c in value.columns[value.columns.duplicated()]})
        raise InvalidParameterValue(f"`{name}` has duplicate columns: {', '.join(duplicated)}")
    return value


def _detect_type(series: Any) -> ColumnType | None:
    """numerical, categorical, or None for columns no test compares (dates, times)."""
    from pandas.api import types

    if types.is_bool_dtype(series.dtype):
        return "categorical"
    if types.is_numeric_dtype(series.dtype):
        return "numerical"
    if types.is_datetime64_any_dtype(series.dtype) or types.is_timedelta64_dtype(series.dtype):
        return None
    return "categorical"


def _per_column(value: Any, name: str, columns: Sequence[str]) -> Mapping[str, Any]:
    """``value`` spread over ``columns`` when it is one value, else checked as a mapping."""
    if not isinstance(value, Mapping):
        return dict.fromkeys(columns, value)
    unknown = sorted(str(k) for k in value if k not in columns)
    if unknown:
        raise InvalidParameterValue(
            f"`{name}` names columns that are not compared: {', '.join(unknown)}"
        )
    return value


def _values(frame: Any, column: Any, column_type: ColumnType, side: str) -> tuple[Any, int]:
    """Non-missing values of ``column`` (numbers as floats, categories as text), missing count."""
    import numpy as np
    import pandas as pd

    series = frame[column]
    if column_type == "numerical":
        numbers = pd.to_numeric(series, errors="coerce")
        if numbers.notna().sum() < series.notna().sum():
            raise InvalidParameterValue(
                f"Column {column!r} of the {side} data is declared numerical but holds values "
                "that are not numbers"
            )
        array = numbers.to_numpy(dtype=float, na_value=np.nan)
        kept = array[np.isfinite(array)]
    else:
        kept = series.dropna().astype(str).to_numpy()
    if len(kept) == 0:
        raise InvalidParameterValue(f"Column {column!r} has no values in the {side} data")
    return kept, len(series) - len(kept)


def _summaries(
    reference: Any, current: Any, column_type: ColumnType, missing: tuple[int, int]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Each side's statistics and distribution over shared bins (or the top categories)."""
    import numpy as np
    import pandas as pd

    out: list[dict[str, Any]] = []
    if column_type == "numerical":
        low = min(float(reference.min()), float(current.min()))
        high = max(float(reference.max()), float(current.max()))
        edges = np.linspace(low, high, _HISTOGRAM_BINS + 1) if high > low else np.array([low, low])
        labels = [f"[{number(a)}, {number(b)}]" for a, b in pairwise(edges)]
        for values, lost in zip((reference, current), missing, strict=True):
            counts = np.histogram(values, edges)[0] if high > low else np.array([len(values)])
            q25, median, q75 = (float(q) for q in np.quantile(values, [0.25, 0.5, 0.75]))
            out.append(
                {
                    "count": len(values),
                    "missing": lost,
                    "mean": float(np.mean(values)),
                    "std": float(np.std(values)),
                    "min": float(values.min()),
                    "p25": q25,
                    "median": median,
                    "p75": q75,
                    "max": float(values.max()),
                    "distribution": dict(
                        zip(labels, (c / len(values) for c in counts), strict=True)
                    ),
                }
            )
        return out[0], out[1]
    ref_counts = pd.Series(reference).value_counts()
    cur_counts = pd.Series(current).value_counts()
    total = ref_counts.add(cur_counts, fill_value=0).sort_values(ascending=False, kind="stable")
    top = [str(c) for c in total.index[:_TOP_CATEGORIES]]
    for counts, lost in zip((ref_counts, cur_counts), missing, strict=True):
        size = int(counts.sum())
        distribution = {c: float(counts.get(c, 0)) / size for c in top}
        if len(total) > _TOP_CATEGORIES:
            distribution["(other)"] = 1.0 - sum(distribution.values())
        out.append(
            {"count": size, "missing": lost, "unique": len(counts), "distribution": distribution}
        )
    return out[0], out[1]


def data_drift(
    reference: Any,
    current: Any,
    columns: Sequence[str] | None = None,
    column_types: Mapping[str, str] | None = None,
    stattest: str | Mapping[str, str] | None = None,
    threshold: float | Mapping[str, float] | None = None,
    drift_share: float = 0.5,
) -> DriftReport:
    """Compare ``current`` with ``reference`` column by column.

    Args:
        reference: the data the model was trained or validated on (a pandas DataFrame).
        current: the data seen since (a pandas DataFrame holding every compared column).
        columns: the columns to compare; default every reference column except dates and times.
        column_types: column -> ``numerical`` or ``categorical``, overriding the guess (numbers
            are numerical; booleans, text and categories are categorical).
        stattest: a test name for every column, or column -> test name; columns left out get
            ``ks``/``chisquare`` for references of at most 1000 rows, else
            ``wasserstein``/``jensenshannon``. ``psi`` and ``jensenshannon`` compare either type.
        threshold: one threshold, or column -> threshold; default each test's own (0.05 for
            p-values, 0.1 for distances).
        drift_share: the dataset drifts when at least this share of columns drifted.

    Returns:
        A :class:`DriftReport`.

    Raises:
        InvalidParameterValue: for inputs that are not non-empty DataFrames, missing columns,
            unknown tests or types, a test that cannot compare a column's type, or a column
            with no values on one side.
    """
    if importlib.util.find_spec("scipy") is None:
        raise MlharborException("Drift tests need scipy: pip install 'mlharbor[monitoring]'")
    reference = _require_frame(reference, "reference")
    current = _require_frame(current, "current")
    if isinstance(drift_share, bool) or not 0 < drift_share <= 1:
        raise InvalidParameterValue(f"drift_share must be in (0, 1], got {drift_share!r}")
    types_given = dict(column_types or {})
    if columns is None:
        names = [c for c in reference.columns if c in types_given or _detect_type(reference[c])]
    else:
        if isinstance(columns, str):
            raise InvalidParameterValue("`columns` must be a list of column names, not a string")
        names = list(columns)
    if not names:
        raise InvalidParameterValue("No columns to compare")
    for side, frame in (("reference", reference), ("current", current)):
        absent = [str(c) for c in names if c not in frame.columns]
        if absent:
            raise InvalidParameterValue(
                f"Columns missing from the {side} data: {', '.join(absent)}"
            )
    _per_column(types_given, "column_types", names)
    tests = _per_column(stattest, "stattest", names)
    thresholds = _per_column(threshold, "threshold", names)
    results: dict[str, ColumnDrift] = {}
    for name in names:
        results[str(name)] = _column_drift(
            reference, current, name, types_given.get(name), tests.get(name), thresholds.get(name)
        )
    drifted = sum(r.drift_detected for r in results.values())
    share = drifted / len(results)
    return DriftReport(
        dataset_drift=share >= drift_share,
        share_of_drifted_columns=share,
        number_of_drifted_columns=drifted,
        number_of_columns=len(results),
        drift_share=float(drift_share),
        reference_rows=len(reference),
        current_rows=len(current),
        columns=results,
    )


def _column_drift(
    reference: Any,
    current: Any,
    name: Any,
    declared: str | None,
    test_name: str | None,
    threshold: float | None,
) -> ColumnDrift:
    if declared is None:
        column_type = _detect_type(reference[name])
        if column_type is None:
            raise InvalidParameterValue(
                f"Column {name!r} holds dates or times, which no test compares; leave it out or "
                "declare it numerical or categorical in column_types"
            )
    elif declared in _COLUMN_TYPES:
        column_type = _COLUMN_TYPES[declared]
    else:
        raise InvalidParameterValue(
            f"Unknown column type {declared!r} for column {name!r}; use 'numerical' or "
            "'categorical'"
        )
    ref_values, ref_missing = _values(reference, name, column_type, "reference")
    cur_values, cur_missing = _values(current, name, column_type, "current")
    test: StatTest = (
        default_stattest(column_type, len(reference))
        if test_name is None
        else get_stattest(test_name, str(name), column_type)
    )
    if threshold is None:
        threshold = test.default_threshold
    elif isinstance(threshold, bool) or not isinstance(threshold, int | float):
        raise InvalidParameterValue(f"threshold for column {name!r} must be a number")
    score = test.compute(ref_values, cur_values, column_type)
    ref_summary, cur_summary = _summaries(
        ref_values, cur_values, column_type, (ref_missing, cur_missing)
    )
    return ColumnDrift(
        column=str(name),
        column_type=column_type,
        stattest=test.name,
        statistic=score,
        threshold=float(threshold),
        drift_detected=test.drifted(score, float(threshold)),
        reference_summary=ref_summary,
        current_summary=cur_summary,
    )
