"""Tracking-store throughput: mlharbor's SqlTrackingStore vs MLflow 3.17.2's SqlAlchemyStore.

Each store runs in its own interpreter (``store_driver.py``) on its own fresh SQLite file,
one after the other, with identical workloads and bulk-loaded data. Prints a table and
writes ``.bench/store.json``.

    python -m benchmarks.store            # full sizes: 100k runs, 1M history points
    python -m benchmarks.store --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.common import (
    REPO_ROOT,
    machine,
    mlflow_python,
    mlharbor_python,
    render_table,
    speedup,
    write_json,
)

FULL = {"runs": 100_000, "points": 1_000_000, "metric_calls": 2000, "batches": 20, "repeat": 15}
QUICK = {"runs": 5_000, "points": 50_000, "metric_calls": 200, "batches": 3, "repeat": 5}


def run_driver(impl: str, python: str, workdir: Path, sizes: dict[str, int]) -> dict[str, Any]:
    """Run the driver for one implementation and return its JSON figures."""
    cmd = [
        python,
        "-m", "benchmarks.store_driver",
        "--impl", impl,
        "--workdir", str(workdir / impl),
        "--runs", str(sizes["runs"]),
        "--points", str(sizes["points"]),
        "--metric-calls", str(sizes["metric_calls"]),
        "--batches", str(sizes["batches"]),
        "--search-repeat", str(sizes["repeat"]),
    ]  # fmt: skip
    print(f"running {impl} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    # The repository root on PYTHONPATH makes ``benchmarks`` importable in MLflow's venv;
    # it holds no ``mlharbor`` package (that lives under src/), so nothing leaks across.
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        cmd, cwd=workdir, env=env, capture_output=True, text=True, check=False, timeout=3600
    )
    if result.returncode != 0:
        raise SystemExit(f"{impl} driver failed ({result.returncode}):\n{result.stderr[-4000:]}")
    figures: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    figures["wall_s"] = time.perf_counter() - started
    return figures


def _get(figures: dict[str, Any] | None, section: str, key: str) -> float | None:
    if figures is None:
        return None
    value = figures[section][key]
    return float(value)


def summarize(results: dict[str, dict[str, Any]], sizes: dict[str, int]) -> dict[str, Any]:
    """Side-by-side figures with the speed-up of mlharbor over MLflow."""
    ours, theirs = results.get("mlharbor"), results.get("mlflow")
    spec = [
        ("log_metric (calls/s)", "log_metric", "calls_per_s", True),
        (f"log_batch x{1000} (metrics/s)", "log_batch", "metrics_per_s", True),
        (f"search_runs {sizes['runs']:,} runs p50 (ms)", "search_runs", "p50_ms", False),
        (f"get_metric_history {sizes['points']:,} (s)", "get_metric_history", "seconds", False),
    ]
    rows = []
    for label, section, key, higher in spec:
        a, b = _get(ours, section, key), _get(theirs, section, key)
        rows.append({"figure": label, "mlharbor": a, "mlflow": b, "speedup": speedup(a, b, higher)})
    same_page = None
    if ours and theirs:
        same_page = ours["search_runs"]["page_digest"] == theirs["search_runs"]["page_digest"]
    return {"rows": rows, "search_pages_identical": same_page}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--runs", type=int, help="runs in the searched experiment")
    parser.add_argument("--points", type=int, help="points in the metric history")
    parser.add_argument(
        "--only", choices=["mlharbor", "mlflow"], help="measure one implementation only"
    )
    args = parser.parse_args(argv)

    sizes = dict(QUICK if args.quick else FULL)
    if args.runs:
        sizes["runs"] = args.runs
    if args.points:
        sizes["points"] = args.points
    impls = {"mlharbor": mlharbor_python, "mlflow": mlflow_python}
    if args.only:
        impls = {args.only: impls[args.only]}

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="mlharbor-bench-") as scratch:
        for impl, python in impls.items():
            results[impl] = run_driver(impl, python(), Path(scratch), sizes)

    summary = summarize(results, sizes)
    print(
        render_table(
            "Tracking store, SQLite (speed-up > 1: mlharbor faster)",
            [(r["figure"], r["mlharbor"], r["mlflow"], r["speedup"]) for r in summary["rows"]],
        )
    )
    if summary["search_pages_identical"] is not None:
        print(f"search_runs pages identical: {summary['search_pages_identical']}")
    path = write_json(
        "store",
        {"machine": machine(), "sizes": sizes, "results": results, "summary": summary},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
