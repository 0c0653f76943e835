"""Helpers shared by the benchmark scripts: locating interpreters, tables, JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = REPO_ROOT / ".bench"


def mlharbor_python() -> str:
    """Interpreter with mlharbor installed: the one running this script."""
    return sys.executable


def mlflow_python() -> str:
    """Interpreter of the reference MLflow venv (``MLHARBOR_MLFLOW_PYTHON`` overrides)."""
    path = os.environ.get("MLHARBOR_MLFLOW_PYTHON") or str(
        REPO_ROOT / ".mlflow-venv" / "bin" / "python"
    )
    if not Path(path).exists():
        raise SystemExit(
            f"reference MLflow interpreter not found at {path}; run 'bash scripts/test' once "
            "(it creates .mlflow-venv) or set MLHARBOR_MLFLOW_PYTHON"
        )
    return path


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }


def speedup(ours: float | None, theirs: float | None, higher_is_better: bool) -> float | None:
    """How many times faster mlharbor is (> 1: mlharbor wins), or None if a side is missing."""
    if not ours or not theirs:
        return None
    return ours / theirs if higher_is_better else theirs / ours


@dataclass(frozen=True)
class Row:
    """One figure for both systems. ``*_at_least`` marks a latency cut off by a time limit:
    the true value is larger than the one shown."""

    label: str
    mlharbor: float | None
    mlflow: float | None
    higher_is_better: bool
    mlharbor_at_least: bool = False
    mlflow_at_least: bool = False

    @property
    def speedup(self) -> float | None:
        return speedup(self.mlharbor, self.mlflow, self.higher_is_better)

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "speedup": self.speedup}


def latency_row(
    label: str,
    results: dict[str, dict[str, Any]],
    section: str,
    key: str,
    scale: float = 1.0,
) -> Row:
    """A lower-is-better row; a section that timed out counts as at least its time limit."""
    values: dict[str, tuple[float | None, bool]] = {}
    for impl in ("mlharbor", "mlflow"):
        data = results.get(impl, {}).get(section)
        if data is None:
            values[impl] = (None, False)
        elif "timed_out_after_s" in data:
            values[impl] = (float(data["timed_out_after_s"]) * scale, True)
        else:
            values[impl] = (float(data[key]), False)
    return Row(
        label,
        values["mlharbor"][0],
        values["mlflow"][0],
        higher_is_better=False,
        mlharbor_at_least=values["mlharbor"][1],
        mlflow_at_least=values["mlflow"][1],
    )


def throughput_row(label: str, results: dict[str, dict[str, Any]], section: str, key: str) -> Row:
    """A higher-is-better row; a side that did not finish the section shows as missing."""

    def value(impl: str) -> float | None:
        data = results.get(impl, {}).get(section)
        return float(data[key]) if data and key in data else None

    return Row(label, value("mlharbor"), value("mlflow"), higher_is_better=True)


TableRow = tuple[str, float | None, float | None, float | None]


def render_table(title: str, rows: Sequence[Row | TableRow]) -> str:
    """Format rows as a fixed-width table; ``>`` marks a lower bound.

    A row is a :class:`Row` or a plain ``(label, mlharbor, mlflow, speedup)`` tuple.
    """

    def cell(value: float | None, at_least: bool = False) -> str:
        if value is None:
            return "-"
        text = f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
        return (">" + text) if at_least else text

    header = f"{'':34} {'mlharbor':>12} {'mlflow':>12} {'speed-up':>11}"
    lines = [title, header, "-" * len(header)]
    for row in rows:
        if isinstance(row, Row):
            label, ours, theirs, ratio = row.label, row.mlharbor, row.mlflow, row.speedup
            ours_bound, theirs_bound = row.mlharbor_at_least, row.mlflow_at_least
        else:
            label, ours, theirs, ratio = row
            ours_bound = theirs_bound = False
        if ratio is None:
            ratio_text = "-"
        else:
            ratio_text = ("<" if ours_bound else ">" if theirs_bound else "") + f"{ratio:.2f}x"
        lines.append(
            f"{label:34} {cell(ours, ours_bound):>12} {cell(theirs, theirs_bound):>12} "
            f"{ratio_text:>11}"
        )
    return "\n".join(lines)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``.bench/<name>.json`` and return the path."""
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
