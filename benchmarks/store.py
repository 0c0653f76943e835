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
    latency_row,
    machine,
    mlflow_python,
    mlharbor_python,
    render_table,
    throughput_row,
    write_json,
)

FULL = {"runs": 100_000, "points": 1_000_000, "metric_calls": 2000, "batches": 20, "repeat": 15}
QUICK = {"runs": 5_000, "points": 50_000, "metric_calls": 200, "batches": 3, "repeat": 5}
BATCH_SIZE = 1000


def collect(stdout: str, killed_at: float | None) -> dict[str, Any]:
    """Merge the driver's section lines; a section running when the driver was stopped
    is recorded as ``{"timed_out_after_s": ...}``."""
    figures: dict[str, Any] = {}
    running: dict[str, Any] | None = None
    for line in stdout.splitlines():
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        if record["section"] == "started":
            running = record["data"]
        else:
            figures[record["section"]] = record["data"]
            if running is not None and running["name"] == record["section"]:
                running = None
    if killed_at is not None and running is not None:
        figures[running["name"]] = {"timed_out_after_s": killed_at - running["at"]}
    return figures


def run_driver(
    impl: str, python: str, workdir: Path, sizes: dict[str, int], limit_s: float
) -> dict[str, Any]:
    """Run the driver for one implementation, stopping it after ``limit_s`` seconds."""
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
    with subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        killed_at = None
        try:
            stdout, stderr = process.communicate(timeout=limit_s)
        except subprocess.TimeoutExpired:
            killed_at = time.time()
            process.kill()
            stdout, stderr = process.communicate()
            print(f"{impl}: stopped after the {limit_s:.0f}s limit", file=sys.stderr)
    if killed_at is None and process.returncode != 0:
        raise SystemExit(f"{impl} driver failed ({process.returncode}):\n{stderr[-4000:]}")
    figures = collect(stdout, killed_at)
    figures["wall_s"] = time.perf_counter() - started
    return figures


def summarize(results: dict[str, dict[str, Any]], sizes: dict[str, int]) -> dict[str, Any]:
    """Side-by-side figures with the speed-up of mlharbor over MLflow."""
    rows = [
        throughput_row("log_metric (calls/s)", results, "log_metric", "calls_per_s"),
        throughput_row(
            f"log_batch x{BATCH_SIZE} (metrics/s)", results, "log_batch", "metrics_per_s"
        ),
        latency_row(
            f"search_runs {sizes['runs']:,} runs p50 (ms)",
            results,
            "search_runs",
            "p50_ms",
            scale=1000.0,
        ),
        latency_row(
            f"get_metric_history {sizes['points']:,} (s)",
            results,
            "get_metric_history",
            "seconds",
        ),
    ]
    digests = {
        impl: figures.get("search_runs", {}).get("page_digest") for impl, figures in results.items()
    }
    same_page = None
    if all(digests.get(impl) for impl in ("mlharbor", "mlflow")):
        same_page = digests["mlharbor"] == digests["mlflow"]
    return {"rows": rows, "search_pages_identical": same_page}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--runs", type=int, help="runs in the searched experiment")
    parser.add_argument("--points", type=int, help="points in the metric history")
    parser.add_argument(
        "--only", choices=["mlharbor", "mlflow"], help="measure one implementation only"
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=1200.0,
        help="seconds each implementation may take; a section cut off shows as a lower bound",
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
            results[impl] = run_driver(impl, python(), Path(scratch), sizes, args.limit)

    summary = summarize(results, sizes)
    print(render_table("Tracking store, SQLite (speed-up > 1: mlharbor faster)", summary["rows"]))
    if summary["search_pages_identical"] is not None:
        print(f"search_runs pages identical: {summary['search_pages_identical']}")
    path = write_json(
        "store",
        {
            "machine": machine(),
            "sizes": sizes,
            "limit_s": args.limit,
            "results": results,
            "summary": {**summary, "rows": [row.as_json() for row in summary["rows"]]},
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
