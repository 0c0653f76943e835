"""Helpers shared by the benchmark scripts: locating interpreters, tables, JSON output."""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Sequence
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


def render_table(
    title: str, rows: Sequence[tuple[str, float | None, float | None, float | None]]
) -> str:
    """Format ``(label, mlharbor, mlflow, speedup)`` rows as a fixed-width table."""

    def cell(value: float | None) -> str:
        if value is None:
            return "-"
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.3g}"

    header = f"{'':34} {'mlharbor':>12} {'mlflow':>12} {'speed-up':>9}"
    lines = [title, header, "-" * len(header)]
    for label, ours, theirs, ratio in rows:
        ratio_text = f"{ratio:.2f}x" if ratio is not None else "-"
        lines.append(f"{label:34} {cell(ours):>12} {cell(theirs):>12} {ratio_text:>9}")
    return "\n".join(lines)


def write_json(name: str, payload: dict[str, Any]) -> Path:
    """Write ``payload`` to ``.bench/<name>.json`` and return the path."""
    BENCH_DIR.mkdir(exist_ok=True)
    path = BENCH_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path
