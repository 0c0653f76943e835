"""Web UI benchmark: opening an experiment's chart view, in Chromium.

Starts ``mlharbor server`` on a fresh SQLite file, bulk-inserts the runs (``bulkload``) and
gives each run ``--metrics`` metric histories of ``--steps`` steps, then drives Debian's
Chromium through Playwright and times, from the user's side, the navigation to
``#/experiments/<id>?mode=charts`` until every panel in the viewport has drawn its lines
(panels below the fold load as they scroll into view):

* with the default of the first 10 runs on charts,
* with all 100 runs of the page on charts.

Each panel asks the server for a sampled history (``get-history-bulk-interval`` with
``max_results``), so the points drawn stay bounded whatever the runs logged.

Target: under 2 s. Run from the repository root::

    .venv/bin/python -m benchmarks.ui_charts                          # 100 runs x 10 x 10,000
    .venv/bin/python -m benchmarks.ui_charts --steps 1000 --repeat 2  # smoke run
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.fixtures.servers import free_port, run_server

from benchmarks import bulkload
from benchmarks.common import machine, write_json
from benchmarks.ui import CHROMIUM, CHROMIUM_ARGS, _create_experiment

TARGET_S = 2.0

# Every panel whose box meets the viewport has drawn (or failed, which the run reports).
_VISIBLE_DRAWN = """() => {
  const panels = [...document.querySelectorAll('#chart-panels .panel')];
  if (!panels.length) return false;
  const visible = panels.filter(p => p.getBoundingClientRect().top < innerHeight);
  return visible.every(p => p.dataset.state === 'drawn' || p.dataset.state === 'failed');
}"""


def load_histories(db: Path, runs: int, metrics: int, steps: int) -> float:
    """Give each of the first ``runs`` bulk-loaded runs ``metrics`` histories of ``steps``."""
    start = time.perf_counter()
    conn = sqlite3.connect(db, timeout=120)
    try:
        with conn:
            for i in range(runs):
                run = bulkload.run_id(i)
                conn.executemany(
                    "INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)"
                    " VALUES (?, ?, ?, ?, ?, 0)",
                    (
                        (
                            run,
                            f"metric_{k}",
                            (1 + k + i / runs) / (s + 1),
                            bulkload.BASE_TIME_MS + s,
                            s,
                        )
                        for k in range(metrics)
                        for s in range(steps)
                    ),
                )
                conn.executemany(
                    "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)"
                    " VALUES (?, ?, ?, ?, ?, 0)",
                    (
                        (
                            run,
                            f"metric_{k}",
                            (1 + k + i / runs) / steps,
                            bulkload.BASE_TIME_MS + steps - 1,
                            steps - 1,
                        )
                        for k in range(metrics)
                    ),
                )
    finally:
        conn.close()
    return time.perf_counter() - start


def _open(page: Any, url: str, chart_runs: int, experiment_id: str) -> tuple[float, int, float]:
    """Seconds from navigation to drawn visible panels, the points they fetched, and the
    slowest history request's seconds."""
    page.goto("about:blank")
    start = time.perf_counter()
    page.goto(url)
    page.evaluate(
        "([id, n]) => localStorage.setItem('mlharbor.chartRuns.' + id, String(n))",
        [experiment_id, chart_runs],
    )
    if chart_runs != 10:
        # The choice is read when the page renders: reload once so it applies, then time.
        page.goto("about:blank")
        start = time.perf_counter()
        page.goto(url)
    page.wait_for_function(_VISIBLE_DRAWN, timeout=300_000)
    elapsed = time.perf_counter() - start
    failed = page.locator("#chart-panels .panel[data-state='failed']").count()
    if failed:
        raise RuntimeError(f"{failed} chart panels failed to load")
    points = page.evaluate(
        "() => [...document.querySelectorAll('#chart-panels .panel')]"
        ".reduce((n, p) => n + Number(p.dataset.points || 0), 0)"
    )
    # The slowest history request, as the browser saw it: the server's share of the wait.
    server = page.evaluate(
        "() => Math.max(0, ...performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('get-history-bulk-interval')).map(e => e.duration / 1000))"
    )
    return elapsed, int(points), float(server)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--metrics", type=int, default=10)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    figures: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-ui-charts-") as scratch_dir:
        scratch = Path(scratch_dir)
        db = scratch / "tracking.db"
        port = free_port()
        cmd = [
            str(Path(sys.executable).parent / "mlharbor"),
            "server",
            "--backend-store-uri", f"sqlite:///{db}",
            "--artifacts-destination", str(scratch / "artifacts"),
            "--host", "127.0.0.1",
            "--port", str(port),
        ]  # fmt: skip
        with run_server(cmd, port, "/health", cwd=scratch, timeout_s=300) as server:
            experiment_id = _create_experiment(server.url, "bench-ui-charts")
            total = args.runs * args.metrics * args.steps
            print(f"loading {args.runs} runs, {total:,} metric points ...", file=sys.stderr)
            load_s = bulkload.load_runs(
                db, "mlharbor", experiment_id, "mlflow-artifacts:", args.runs
            )
            load_s += load_histories(db, args.runs, args.metrics, args.steps)
            url = f"{server.url}/#/experiments/{experiment_id}?mode=charts"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    context = browser.new_context(
                        viewport={"width": 1400, "height": 900}, bypass_csp=True
                    )
                    page = context.new_page()
                    for chart_runs in sorted({10, min(100, args.runs)}):
                        samples = [
                            _open(page, url, chart_runs, experiment_id) for _ in range(args.repeat)
                        ]
                        times = [s for s, _, _ in samples]
                        figures[f"chart view, {chart_runs} runs on charts"] = {
                            "median_s": statistics.median(times),
                            "max_s": max(times),
                            "request_median_s": statistics.median(r for _, _, r in samples),
                            "points_fetched": samples[-1][1],
                            "samples": len(times),
                        }
                finally:
                    browser.close()
    load = os.getloadavg()[0]
    print(
        f"\nChart view of {args.runs} runs x {args.metrics} metrics x {args.steps:,} steps "
        f"(target < {TARGET_S} s; load average {load:.1f} at the end)"
    )
    width = max(len(name) for name in figures)
    print("(request s: the slowest history request's share of the median, as the browser saw it)")
    print(
        f"{'action':<{width}}  {'median s':>9}  {'max s':>7}  {'request s':>9}  {'points':>7}  "
        "samples"
    )
    for name, f in figures.items():
        flag = "" if f["max_s"] < TARGET_S else "  over target"
        print(
            f"{name:<{width}}  {f['median_s']:>9.3f}  {f['max_s']:>7.3f}  "
            f"{f['request_median_s']:>9.3f}  {f['points_fetched']:>7.0f}  "
            f"{f['samples']:>7.0f}{flag}"
        )
    path = write_json(
        "ui_charts",
        {
            "runs": args.runs,
            "metrics": args.metrics,
            "steps": args.steps,
            "load_s": load_s,
            "figures": figures,
            "target_s": TARGET_S,
            "load_average": load,
            "machine": machine(),
        },
    )
    print(f"\nraw figures: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
