"""Tracing side by side: write traces through each library's tracing API, then search them.

Each side runs ``traces_driver.py`` in its own interpreter on its own fresh SQLite file::

    .venv/bin/python -m benchmarks.traces                    # 10,000 traces x 20 spans
    .venv/bin/python -m benchmarks.traces --traces 1000      # what fits a shared 2-core box
    .venv/bin/python -m benchmarks.traces --quick            # 100 traces, seconds
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.common import (
    REPO_ROOT,
    Row,
    latency_row,
    machine,
    mlflow_python,
    mlharbor_python,
    render_table,
    throughput_row,
    write_json,
)

DRIVER = Path(__file__).with_name("traces_driver.py")


def _run(python: str, impl: str, db: Path, traces: int, spans: int, samples: int) -> Any:
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT / "src"),
        "GIT_PYTHON_REFRESH": "quiet",
        # Both libraries read this: write each trace before the next, so neither drops traces
        # from a full export queue and the write figure is the store's own.
        "MLFLOW_ENABLE_ASYNC_TRACE_LOGGING": "false",
    }
    done = subprocess.run(
        [python, str(DRIVER), impl, str(db), str(traces), str(spans), str(samples)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--traces", type=int, default=10_000)
    parser.add_argument("--spans", type=int, default=20)
    parser.add_argument("--samples", type=int, default=15)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.traces, args.samples = 100, 5
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for impl, python in (("mlharbor", mlharbor_python()), ("mlflow", mlflow_python())):
            db = Path(scratch) / f"{impl}.db"
            results[impl] = _run(python, impl, db, args.traces, args.spans, args.samples)
    rows: list[Row] = [
        throughput_row("write (traces/s)", results, "write", "traces_per_s"),
        latency_row("search by tag p50 (ms)", results, "search_tag", "p50_ms"),
        latency_row(
            "search by span attribute p50 (ms)", results, "search_span_attribute", "p50_ms"
        ),
    ]
    print(render_table(f"tracing: {args.traces} traces x {args.spans} spans", rows))
    found = {
        impl: (r["search_tag"]["found"], r["search_span_attribute"]["found"])
        for impl, r in results.items()
    }
    print(f"traces found (tag, span attribute): {found}")
    path = write_json(
        "traces",
        {
            "machine": machine(),
            "args": vars(args),
            "results": results,
            "rows": [r.as_json() for r in rows],
        },
    )
    print(f"raw figures: {path}")


if __name__ == "__main__":
    main()
