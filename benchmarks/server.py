"""Tracking-server throughput: ``mlharbor server`` vs ``mlflow server`` 3.17.2 over HTTP.

Both servers run on fresh SQLite files with a local artifact destination, one after the
other, and the same client (``requests`` sessions in this process) drives both through
MLflow's REST API. Prints a table and writes ``.bench/server.json``.

    python -m benchmarks.server            # full sizes: 100k runs, 1M history points
    python -m benchmarks.server --quick    # small sizes, for a smoke run
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.fixtures.servers import free_port, run_server

from benchmarks import bulkload
from benchmarks.common import (
    Row,
    latency_row,
    machine,
    mlflow_python,
    render_table,
    throughput_row,
    write_json,
)

FULL = {
    "runs": 100_000,
    "points": 1_000_000,
    "metric_requests": 2000,
    "batches": 20,
    "threads": 8,
    "requests_per_thread": 250,
    "repeat": 15,
    "search_timeout_s": 300,
}
QUICK = {
    "runs": 5_000,
    "points": 50_000,
    "metric_requests": 200,
    "batches": 3,
    "threads": 8,
    "requests_per_thread": 25,
    "repeat": 5,
    "search_timeout_s": 120,
}
BATCH_SIZE = 1000
HISTORY_PAGE = 25_000  # what MLflow's client asks for
API = "/api/2.0/mlflow"


def _page_size() -> int:
    return os.sysconf("SC_PAGE_SIZE")


def group_rss_mib(pgid: int) -> float:
    """Resident memory of every process in process group ``pgid``, in MiB."""
    total_pages = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state ppid pgrp ...
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:
            total_pages += int(statm.split()[1])
    return total_pages * _page_size() / 2**20


class Client:
    """A thin JSON client over one ``requests`` session; raises on any non-200 answer."""

    def __init__(self, base_url: str) -> None:
        import requests

        self.base = base_url + API
        self.session = requests.Session()

    def post(self, path: str, body: dict[str, Any], timeout_s: float = 600) -> dict[str, Any]:
        response = self.session.post(self.base + path, json=body, timeout=timeout_s)
        if response.status_code != 200:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.text[:500]}")
        result: dict[str, Any] = response.json()
        return result

    def get(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self.session.get(self.base + path, params=params, timeout=600)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: {response.status_code} {response.text[:500]}")
        result: dict[str, Any] = response.json()
        return result

    def create_experiment(self, name: str) -> str:
        return str(self.post("/experiments/create", {"name": name})["experiment_id"])

    def create_run(self, experiment_id: str, name: str) -> str:
        body = {
            "experiment_id": experiment_id,
            "start_time": bulkload.BASE_TIME_MS,
            "run_name": name,
        }
        return str(self.post("/runs/create", body)["run"]["info"]["run_id"])

    def log_metric(self, run_id: str, step: int) -> None:
        body = {
            "run_id": run_id,
            "key": "loss",
            "value": step * 0.5,
            "timestamp": bulkload.BASE_TIME_MS + step,
            "step": step,
        }
        self.post("/runs/log-metric", body)


def _timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_log_metric(client: Client, experiment_id: str, requests: int) -> dict[str, float]:
    run_id = client.create_run(experiment_id, "log-metric")

    def send() -> None:
        for step in range(requests):
            client.log_metric(run_id, step)

    elapsed = _timed(send)
    return {"requests": requests, "seconds": elapsed, "requests_per_s": requests / elapsed}


def bench_log_batch(client: Client, experiment_id: str, batches: int) -> dict[str, float]:
    run_id = client.create_run(experiment_id, "log-batch")

    def send() -> None:
        for batch in range(batches):
            first = batch * BATCH_SIZE
            metrics = [
                {
                    "key": f"m{j % 10}",
                    "value": j * 0.25,
                    "timestamp": bulkload.BASE_TIME_MS + j,
                    "step": j,
                }
                for j in range(first, first + BATCH_SIZE)
            ]
            client.post("/runs/log-batch", {"run_id": run_id, "metrics": metrics})

    elapsed = _timed(send)
    total = batches * BATCH_SIZE
    return {"metrics": total, "seconds": elapsed, "metrics_per_s": total / elapsed}


def bench_concurrent(
    base_url: str, experiment_id: str, threads: int, per_thread: int
) -> dict[str, float]:
    """``threads`` clients, each logging to its own run, all at once."""
    clients = [Client(base_url) for _ in range(threads)]
    runs = [c.create_run(experiment_id, f"concurrent-{i}") for i, c in enumerate(clients)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads + 1)

    def work(client: Client, run_id: str) -> None:
        barrier.wait()
        try:
            for step in range(per_thread):
                client.log_metric(run_id, step)
        except BaseException as exc:  # reported below, after every thread has finished
            errors.append(exc)

    workers = [
        threading.Thread(target=work, args=(c, r), daemon=True)
        for c, r in zip(clients, runs, strict=True)
    ]
    for worker in workers:
        worker.start()
    barrier.wait()
    start = time.perf_counter()
    for worker in workers:
        worker.join(timeout=1800)
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} client threads failed: {errors[0]}")
    total = threads * per_thread
    return {
        "threads": threads,
        "requests": total,
        "seconds": elapsed,
        "requests_per_s": total / elapsed,
    }


def bench_search(
    client: Client, experiment_id: str, repeat: int, timeout_s: float
) -> dict[str, Any]:
    """p50 of the search; a first answer slower than ``timeout_s`` is reported as cut off."""
    import requests

    body = {
        "experiment_ids": [experiment_id],
        "filter": bulkload.SEARCH_FILTER,
        "order_by": bulkload.SEARCH_ORDER_BY,
        "max_results": bulkload.SEARCH_PAGE,
        "run_view_type": "ACTIVE_ONLY",
    }
    timings: list[float] = []
    page: list[str] = []
    budget_end = time.perf_counter() + bulkload.SEARCH_BUDGET_S
    while len(timings) < repeat:
        if len(timings) >= bulkload.SEARCH_MIN_REPEAT and time.perf_counter() > budget_end:
            break
        start = time.perf_counter()
        try:
            result = client.post("/runs/search", body, timeout_s=timeout_s)
        except requests.Timeout:
            if timings:
                break
            return {"timed_out_after_s": timeout_s}
        timings.append(time.perf_counter() - start)
        page = [run["info"]["run_id"] for run in result.get("runs", [])]
    return {
        "repeat": len(timings),
        "p50_ms": statistics.median(timings) * 1000,
        "min_ms": min(timings) * 1000,
        "returned": len(page),
        "page_digest": bulkload.page_digest(page),
    }


def bench_history(client: Client, run_id: str, points: int) -> dict[str, Any]:
    total = 0
    params: dict[str, Any] = {
        "run_id": run_id,
        "metric_key": bulkload.HISTORY_KEY,
        "max_results": HISTORY_PAGE,
    }
    start = time.perf_counter()
    while True:
        page = client.get("/metrics/get-history", params)
        total += len(page.get("metrics", []))
        token = page.get("next_page_token")
        if not token:
            break
        params["page_token"] = token
    elapsed = time.perf_counter() - start
    if total != points:
        raise RuntimeError(f"get-history returned {total} of {points} points")
    return {"points": total, "seconds": elapsed}


def server_command(
    impl: str, db: Path, artifacts: Path, port: int, workers: int | None
) -> list[str]:
    """The command line starting ``impl``'s server with MLflow's flags."""
    if impl == "mlharbor":
        program = str(Path(sys.executable).parent / "mlharbor")
    else:
        program = str(Path(mlflow_python()).parent / "mlflow")
    cmd = [
        program,
        "server",
        "--backend-store-uri", f"sqlite:///{db}",
        "--artifacts-destination", str(artifacts),
        "--host", "127.0.0.1",
        "--port", str(port),
    ]  # fmt: skip
    if workers is not None:
        cmd += ["--workers", str(workers)]
    return cmd


def _workloads(
    url: str, pgid: int, db: Path, workdir: Path, sizes: dict[str, int], results: dict[str, Any]
) -> None:
    time.sleep(2)  # let start-up work (workers, migrations) settle before measuring
    results["idle_rss_mib"] = group_rss_mib(pgid)
    client = Client(url)
    writes = client.create_experiment("bench-writes")
    results["log_metric"] = bench_log_metric(client, writes, sizes["metric_requests"])
    results["log_batch"] = bench_log_batch(client, writes, sizes["batches"])
    results["concurrent"] = bench_concurrent(
        url, writes, sizes["threads"], sizes["requests_per_thread"]
    )
    history_run = client.create_run(client.create_experiment("bench-history"), "history")
    results["load_history_s"] = bulkload.load_history(db, history_run, sizes["points"])
    results["get_metric_history"] = bench_history(client, history_run, sizes["points"])
    # Last, because a slow server can spend minutes on one query over 100k runs.
    searched = client.create_experiment("bench-search")
    results["load_runs_s"] = bulkload.load_runs(
        db, results["impl"], searched, str(workdir / "artifacts"), sizes["runs"]
    )
    results["search_runs"] = bench_search(
        client, searched, sizes["repeat"], sizes["search_timeout_s"]
    )
    results["rss_after_mib"] = group_rss_mib(pgid)


def measure(impl: str, scratch: Path, sizes: dict[str, int], workers: int | None) -> dict[str, Any]:
    """Start ``impl``'s server on a fresh database, run every workload, stop it."""
    print(f"running {impl} server ...", file=sys.stderr, flush=True)
    workdir = scratch / impl
    workdir.mkdir()
    db = workdir / "tracking.db"
    port = free_port()
    cmd = server_command(impl, db, workdir / "artifacts", port, workers)
    started = time.perf_counter()
    with run_server(cmd, port, "/health", cwd=workdir, timeout_s=300) as server:
        results: dict[str, Any] = {
            "impl": impl,
            "command": cmd,
            "start_s": time.perf_counter() - started,
        }
        try:
            _workloads(server.url, os.getpgid(server.process.pid), db, workdir, sizes, results)
        except Exception as exc:
            raise RuntimeError(f"{impl} server failed: {exc}\n{server.log()[-3000:]}") from exc
    return results


def summarize(results: dict[str, dict[str, Any]], sizes: dict[str, int]) -> dict[str, Any]:
    """Side-by-side figures with the speed-up of mlharbor over MLflow."""

    def scalar(label: str, key: str) -> Row:
        values = {impl: results.get(impl, {}).get(key) for impl in ("mlharbor", "mlflow")}
        return Row(label, values["mlharbor"], values["mlflow"], higher_is_better=False)

    rows = [
        scalar("server start, fresh db (s)", "start_s"),
        scalar("idle RSS (MiB)", "idle_rss_mib"),
        throughput_row("log-metric (req/s)", results, "log_metric", "requests_per_s"),
        throughput_row(
            f"log-batch x{BATCH_SIZE} (metrics/s)", results, "log_batch", "metrics_per_s"
        ),
        throughput_row(
            f"log-metric, {sizes['threads']} threads (req/s)",
            results,
            "concurrent",
            "requests_per_s",
        ),
        latency_row(
            f"search {sizes['runs']:,} runs p50 (ms)", results, "search_runs", "p50_ms", 1000.0
        ),
        latency_row(
            f"get-history {sizes['points']:,} (s)", results, "get_metric_history", "seconds"
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
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--runs", type=int, help="runs in the searched experiment")
    parser.add_argument("--points", type=int, help="points in the metric history")
    parser.add_argument(
        "--workers", type=int, help="worker processes for both servers (default: each one's own)"
    )
    parser.add_argument(
        "--only", choices=["mlharbor", "mlflow"], help="measure one implementation only"
    )
    args = parser.parse_args(argv)

    sizes = dict(QUICK if args.quick else FULL)
    if args.runs:
        sizes["runs"] = args.runs
    if args.points:
        sizes["points"] = args.points
    impls = [args.only] if args.only else ["mlharbor", "mlflow"]

    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="mlharbor-bench-") as scratch:
        for impl in impls:
            results[impl] = measure(impl, Path(scratch), sizes, args.workers)

    summary = summarize(results, sizes)
    title = "Tracking server over HTTP, SQLite (speed-up > 1: mlharbor better)"
    print(render_table(title, summary["rows"]))
    if summary["search_pages_identical"] is not None:
        print(f"search pages identical: {summary['search_pages_identical']}")
    path = write_json(
        "server",
        {
            "machine": machine(),
            "sizes": sizes,
            "workers": args.workers,
            "results": results,
            "summary": {**summary, "rows": [row.as_json() for row in summary["rows"]]},
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
