"""Web UI benchmark: the runs page of one experiment with 100,000 runs, in Chromium.

Starts ``mlharbor server`` on a fresh SQLite file, bulk-inserts the runs (``bulkload``: 2
params, 2 tags, 2 metrics each), then drives Debian's Chromium through Playwright and times,
from the user's side (action to a rendered table of 100 rows):

* the cold page load of ``#/experiments/<id>`` (static files fetched, first page searched),
* warm reloads (static files revalidated by ETag),
* re-sorting by clicking a metric column, then a parameter column, then back,
* a filter typed into the search box,
* paging forward twice.

Target: every figure under 1 s. Run from the repository root::

    .venv/bin/python -m benchmarks.ui             # 100,000 runs
    .venv/bin/python -m benchmarks.ui --runs 5000 # smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fixtures.servers import free_port, run_server

from benchmarks import bulkload
from benchmarks.common import machine, write_json

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
TARGET_S = 1.0
REPEAT = 5


def _create_experiment(url: str, name: str) -> str:
    request = urllib.request.Request(
        f"{url}/api/2.0/mlflow/experiments/create",
        data=json.dumps({"name": name}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.load(response)["experiment_id"])


def _loads(page: Any) -> int:
    return int(page.locator("html").get_attribute("data-runs-loads") or 0)


# Duration of the page's latest runs/search request, from the browser's resource timing.
_LAST_SEARCH_S = """() => {
  const entries = performance.getEntriesByType("resource")
    .filter(e => e.name.includes("runs/search"));
  return entries.length ? entries[entries.length - 1].duration / 1000 : null;
}"""

_search_share: list[float] = []


def _until_loaded(page: Any, before: int, action: Callable[[], None]) -> float:
    """Seconds from ``action`` to the runs table's next finished load (the page counts them
    in ``data-runs-loads`` of the document element). The runs/search request's own time is
    kept in ``_search_share``."""
    start = time.perf_counter()
    action()
    page.wait_for_function(
        "n => Number(document.documentElement.dataset.runsLoads || 0) > n",
        arg=before,
        timeout=120_000,
    )
    elapsed = time.perf_counter() - start
    _search_share.append(page.evaluate(_LAST_SEARCH_S) or 0.0)
    return elapsed


def _summary(samples: list[float]) -> dict[str, float]:
    search = _search_share[-len(samples) :]
    _search_share.clear()
    return {
        "median_s": statistics.median(samples),
        "max_s": max(samples),
        "search_median_s": statistics.median(search),
        "samples": len(samples),
    }


def measure_page(page: Any, runs_url: str) -> dict[str, dict[str, float]]:
    """Time the page interactions; returns figures by name."""
    figures: dict[str, dict[str, float]] = {}
    figures["cold load"] = _summary([_until_loaded(page, 0, lambda: page.goto(runs_url))])
    rows = page.locator("#runs-table tbody tr[data-run-id]").count()
    if rows != bulkload.SEARCH_PAGE:
        raise RuntimeError(f"expected {bulkload.SEARCH_PAGE} rows, the page shows {rows}")
    figures["warm reload"] = _summary(
        [_until_loaded(page, 0, lambda: page.reload()) for _ in range(REPEAT)]
    )
    sorts: list[float] = []
    for _ in range(REPEAT):
        for column in ("m:accuracy", "p:max_depth", "a:start_time"):
            header = page.locator(f"th[data-column='{column}']")
            sorts.append(_until_loaded(page, _loads(page), header.click))
    figures["re-sort (click header)"] = _summary(sorts)
    filters: list[float] = []
    for value in ("metrics.accuracy > 0.5 and params.model = 'rf'", "params.max_depth = '3'"):
        for _ in range(REPEAT):
            page.fill("#run-filter", value)
            filters.append(
                _until_loaded(page, _loads(page), lambda: page.press("#run-filter", "Enter"))
            )
            searched = _search_share.pop()
            _until_loaded(page, _loads(page), lambda: page.goto(runs_url))
            _search_share[-1] = searched
    figures["filter (Enter in search box)"] = _summary(filters)
    pages: list[float] = []
    for _ in range(2):
        pages.append(
            _until_loaded(page, _loads(page), page.get_by_role("button", name="Next").click)
        )
    figures["next page"] = _summary(pages)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=100_000)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-ui-") as scratch_dir:
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
            experiment_id = _create_experiment(server.url, "bench-ui")
            print(f"loading {args.runs:,} runs ...", file=sys.stderr, flush=True)
            load_s = bulkload.load_runs(
                db, "mlharbor", experiment_id, "mlflow-artifacts:", args.runs
            )
            runs_url = f"{server.url}/#/experiments/{experiment_id}"
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                try:
                    # Playwright's waiting helpers evaluate strings, which the page's CSP forbids.
                    context = browser.new_context(
                        viewport={"width": 1400, "height": 900}, bypass_csp=True
                    )
                    page = context.new_page()
                    figures = measure_page(page, runs_url)
                finally:
                    browser.close()
    width = max(len(name) for name in figures)
    print(f"\nWeb UI, runs page of one experiment with {args.runs:,} runs (target < {TARGET_S} s)")
    print("(search s: the runs/search request's share of the median, as the browser saw it)")
    print(f"{'action':<{width}}  {'median s':>9}  {'max s':>7}  {'search s':>9}  samples")
    for name, figure in figures.items():
        flag = "" if figure["max_s"] < TARGET_S else "  over target"
        print(
            f"{name:<{width}}  {figure['median_s']:>9.3f}  {figure['max_s']:>7.3f}  "
            f"{figure['search_median_s']:>9.3f}  {figure['samples']:>7}{flag}"
        )
    path = write_json(
        "ui",
        {
            "runs": args.runs,
            "load_runs_s": load_s,
            "figures": figures,
            "target_s": TARGET_S,
            "machine": machine(),
            "pid": os.getpid(),
        },
    )
    print(f"\nraw figures: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
