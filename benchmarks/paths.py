"""The tracking server's hot paths, ``mlharbor server`` vs ``mlflow server`` 3.17.2, in rounds.

Both servers run at the same time, each on its own fresh SQLite file with a local artifact
destination, loaded with the same bulk data. The same client (``requests`` sessions in this
process) runs every workload against one server, then the other; the order flips every round
so a busy neighbour slows both alike, and each figure is the median over the rounds. Prints a
table and writes ``.bench/paths.json``.

    python -m benchmarks.paths --quick --rounds 3    # small sizes
    python -m benchmarks.paths --rounds 3            # the sizes of the figures in README.md
    python -m benchmarks.paths --quick --postgres    # write paths on PostgreSQL

With ``--postgres`` both servers use their own database of one throw-away PostgreSQL cluster
and only the write workloads run (the bulk loader writes SQLite files).
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from tests.fixtures.servers import RunningServer, free_port, run_server

from benchmarks import bulkload
from benchmarks.common import Row, machine, render_table, write_json
from benchmarks.server import Client, group_rss_mib, server_command

FULL = {
    "runs": 100_000,
    "points": 1_000_000,
    "metric_requests": 1000,
    "batches": 20,
    "training_runs": 100,
    "repeat": 15,
    "artifact_mib": 256,
}
QUICK = {
    "runs": 20_000,
    "points": 200_000,
    "metric_requests": 200,
    "batches": 5,
    "training_runs": 20,
    "repeat": 7,
    "artifact_mib": 64,
}
IMPLS = ("mlharbor", "mlflow")
SAMPLE_POINTS = 320  # what the web UI asks a chart for
SHORT_HISTORY_KEY = "short_loss"
LIKE_FILTER = "attributes.run_name LIKE 'run-1%'"
BATCH_SIZE = 1000


def _p50_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm caches and connections first
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1000


def log_metric(client: Client, experiment_id: str, sizes: dict[str, int]) -> float:
    run_id = client.create_run(experiment_id, "log-metric")
    start = time.perf_counter()
    for step in range(sizes["metric_requests"]):
        client.log_metric(run_id, step)
    return sizes["metric_requests"] / (time.perf_counter() - start)


def log_batch(client: Client, experiment_id: str, sizes: dict[str, int]) -> float:
    run_id = client.create_run(experiment_id, "log-batch")
    bodies = [
        {
            "run_id": run_id,
            "metrics": [
                {"key": f"m{j % 10}", "value": j * 0.25, "timestamp": j, "step": j}
                for j in range(batch * BATCH_SIZE, (batch + 1) * BATCH_SIZE)
            ],
        }
        for batch in range(sizes["batches"])
    ]
    start = time.perf_counter()
    for body in bodies:
        client.post("/runs/log-batch", body)
    return sizes["batches"] * BATCH_SIZE / (time.perf_counter() - start)


def training_runs(client: Client, experiment_id: str, sizes: dict[str, int]) -> float:
    """Create a run, log 10 params, 2 tags and 20 metrics in one batch, finish it."""
    start = time.perf_counter()
    for i in range(sizes["training_runs"]):
        run_id = client.create_run(experiment_id, f"train-{i}")
        client.post(
            "/runs/log-batch",
            {
                "run_id": run_id,
                "params": [{"key": f"p{j}", "value": str(j)} for j in range(10)],
                "tags": [{"key": "team", "value": "a"}, {"key": "stage", "value": "dev"}],
                "metrics": [
                    {"key": f"m{j % 4}", "value": j / 7, "timestamp": j, "step": j // 4}
                    for j in range(20)
                ],
            },
        )
        client.post("/runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 5})
    return sizes["training_runs"] / (time.perf_counter() - start)


def sample_chart(client: Client, run_id: str, key: str, repeat: int) -> float:
    params = {"run_ids": run_id, "metric_key": key, "max_results": SAMPLE_POINTS}

    def fetch() -> None:
        got = client.get("/metrics/get-history-bulk-interval", params)
        if len(got.get("metrics", [])) != SAMPLE_POINTS:
            raise RuntimeError(f"chart sample returned {len(got.get('metrics', []))} points")

    return _p50_ms(fetch, repeat)


def full_history(
    client: Client, server: RunningServer, run_id: str, points: int
) -> dict[str, float]:
    """One GET without ``max_results``; the server's peak and settled RSS around it."""
    pgid = os.getpgid(server.process.pid)
    before = group_rss_mib(pgid)
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], group_rss_mib(pgid))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    got = client.get("/metrics/get-history", {"run_id": run_id, "metric_key": "loss"})
    elapsed = time.perf_counter() - start
    done.set()
    watcher.join()
    if len(got.get("metrics", [])) != points:
        raise RuntimeError(f"get-history returned {len(got.get('metrics', []))} of {points}")
    del got
    time.sleep(1.0)
    return {
        "seconds": elapsed,
        "rss_before_mib": before,
        "peak_rss_mib": peak[0],
        "rss_after_mib": group_rss_mib(pgid),
    }


def search_ms(client: Client, experiment_id: str, body: dict[str, Any], repeat: int) -> float:
    return _p50_ms(
        lambda: client.post("/runs/search", {"experiment_ids": [experiment_id], **body}), repeat
    )


def artifacts(base_url: str, mib: int) -> dict[str, float]:
    """Upload and download one file of ``mib`` MiB through ``/mlflow-artifacts``."""
    import requests

    url = f"{base_url}/api/2.0/mlflow-artifacts/artifacts/bench/blob-{time.time_ns()}.bin"
    blob = os.urandom(mib * 2**20)
    with requests.Session() as session:
        start = time.perf_counter()
        session.put(url, data=blob, timeout=600).raise_for_status()
        upload = time.perf_counter() - start
        start = time.perf_counter()
        received = 0
        with session.get(url, stream=True, timeout=600) as response:
            response.raise_for_status()
            for chunk in response.iter_content(chunk_size=2**20):
                received += len(chunk)
        download = time.perf_counter() - start
    if received != len(blob):
        raise RuntimeError(f"downloaded {received} of {len(blob)} bytes")
    return {"upload_mib_s": mib / upload, "download_mib_s": mib / download}


class Target:
    """One running server with its bulk-loaded data (SQLite) or writes only (PostgreSQL)."""

    def __init__(self, impl: str, server: RunningServer, db: Path | None, workdir: Path) -> None:
        self.impl = impl
        self.server = server
        self.client = Client(server.url)
        self.writes = self.client.create_experiment("bench-writes")
        self.history_run = self.client.create_run(
            self.client.create_experiment("bench-history"), "history"
        )
        self.searched = self.client.create_experiment("bench-search")
        self.idle_rss = group_rss_mib(os.getpgid(server.process.pid))
        self.db = db
        self.workdir = workdir

    def load(self, sizes: dict[str, int]) -> None:
        if self.db is None:
            return
        # mlharbor records that steps logged in order have no gaps; loading says so too.
        gapless = self.impl == "mlharbor"
        bulkload.load_history(self.db, self.history_run, sizes["points"], gapless=gapless)
        bulkload.load_history(
            self.db,
            self.history_run,
            sizes["points"] // 10,
            key=SHORT_HISTORY_KEY,
            gapless=gapless,
        )
        bulkload.load_runs(
            self.db, self.impl, self.searched, str(self.workdir / "artifacts"), sizes["runs"]
        )

    def round(self, sizes: dict[str, int]) -> dict[str, float]:
        client, repeat = self.client, sizes["repeat"]
        figures = {
            "log_metric_req_s": log_metric(client, self.writes, sizes),
            "log_batch_metrics_s": log_batch(client, self.writes, sizes),
            "training_runs_s": training_runs(client, self.writes, sizes),
        }
        if self.db is None:
            return figures
        figures |= {
            "chart_sample_ms": sample_chart(client, self.history_run, "loss", repeat),
            "chart_sample_short_ms": sample_chart(
                client, self.history_run, SHORT_HISTORY_KEY, repeat
            ),
            "search_like_ms": search_ms(
                client, self.searched, {"filter": LIKE_FILTER, "max_results": 100}, repeat
            ),
            "search_page_1000_ms": search_ms(client, self.searched, {"max_results": 1000}, repeat),
        }
        history = full_history(client, self.server, self.history_run, sizes["points"])
        figures.update({f"history_{k}": v for k, v in history.items()})
        figures.update(artifacts(self.server.url, sizes["artifact_mib"]))
        return figures


def start_targets(
    stack: ExitStack, scratch: Path, postgres: bool
) -> Iterator[tuple[str, Path | None, Path, RunningServer]]:
    cluster = None
    if postgres:
        from tests.fixtures.postgres import postgres_cluster

        cluster = stack.enter_context(postgres_cluster())
    for impl in IMPLS:
        workdir = scratch / impl
        workdir.mkdir()
        db: Path | None = workdir / "tracking.db"
        port = free_port()
        cmd = server_command(impl, workdir / "tracking.db", workdir / "artifacts", port, None)
        if cluster is not None:
            uri = cluster.url(cluster.create_database())
            if impl == "mlflow":
                # MLflow's SQLAlchemy picks psycopg 3 for postgresql://; its venv has psycopg2.
                uri = uri.replace("postgresql://", "postgresql+psycopg2://", 1)
            cmd[cmd.index("--backend-store-uri") + 1] = uri
            db = None
        print(f"starting {impl} server ...", file=sys.stderr, flush=True)
        server = stack.enter_context(run_server(cmd, port, "/health", cwd=workdir, timeout_s=300))
        yield impl, db, workdir, server


def _first_contact(make: Callable[[], Target]) -> Target:
    """``make()``, tried again while a server just started drops connections (uvicorn may
    still be restarting a worker that missed its first health check on a busy machine)."""
    import requests

    for attempt in range(5):
        try:
            return make()
        except requests.ConnectionError:
            if attempt == 4:
                raise
            time.sleep(3)
    raise AssertionError("unreachable")


ROWS = [
    ("log-metric, 1 thread (req/s)", "log_metric_req_s", True),
    ("log-batch x1000 (metrics/s)", "log_batch_metrics_s", True),
    ("training-run pattern (runs/s)", "training_runs_s", True),
    ("chart sample, {points} pts (ms)", "chart_sample_ms", False),
    ("chart sample, {short} pts (ms)", "chart_sample_short_ms", False),
    ("full history, one GET (s)", "history_seconds", False),
    ("  peak RSS during it (MiB)", "history_peak_rss_mib", False),
    ("  RSS 1 s after it (MiB)", "history_rss_after_mib", False),
    ("search run_name LIKE p50 (ms)", "search_like_ms", False),
    ("search, no filter, 1000 rows (ms)", "search_page_1000_ms", False),
    ("artifact upload (MiB/s)", "upload_mib_s", True),
    ("artifact download (MiB/s)", "download_mib_s", True),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, order flipping each")
    parser.add_argument("--points", type=int, help="points in the long metric history")
    parser.add_argument("--runs", type=int, help="runs in the searched experiment")
    parser.add_argument("--postgres", action="store_true", help="write paths on PostgreSQL")
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    if args.points:
        sizes["points"] = args.points
    if args.runs:
        sizes["runs"] = args.runs

    rounds: dict[str, list[dict[str, float]]] = {impl: [] for impl in IMPLS}
    idle: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="mlharbor-bench-") as tmp, ExitStack() as stack:
        targets = {}
        for impl, db, workdir, server in start_targets(stack, Path(tmp), args.postgres):
            targets[impl] = _first_contact(functools.partial(Target, impl, server, db, workdir))
        for target in targets.values():
            target.load(sizes)
            idle[target.impl] = target.idle_rss
        for number in range(args.rounds):
            order = IMPLS if number % 2 == 0 else IMPLS[::-1]
            for impl in order:
                print(f"round {number + 1}: {impl} ...", file=sys.stderr, flush=True)
                try:
                    rounds[impl].append(targets[impl].round(sizes))
                except Exception as exc:
                    log = targets[impl].server.log()[-3000:]
                    raise RuntimeError(f"{impl} failed: {exc}\n{log}") from exc

    medians = {
        impl: {key: statistics.median(r[key] for r in rounds[impl]) for key in rounds[impl][0]}
        for impl in IMPLS
    }
    rows = [Row("idle RSS (MiB)", idle["mlharbor"], idle["mlflow"], higher_is_better=False)]
    for label, key, higher in ROWS:
        if key not in medians["mlharbor"]:
            continue
        text = label.format(points=f"{sizes['points']:,}", short=f"{sizes['points'] // 10:,}")
        rows.append(Row(text, medians["mlharbor"][key], medians["mlflow"][key], higher))
    backend = "PostgreSQL" if args.postgres else "SQLite"
    title = (
        f"Tracking server hot paths, {backend}, median of {args.rounds} rounds "
        "(speed-up > 1: mlharbor better)"
    )
    print(render_table(title, rows))
    path = write_json(
        "paths-postgres" if args.postgres else "paths",
        {
            "machine": machine(),
            "load_average": os.getloadavg(),
            "sizes": sizes,
            "rounds": rounds,
            "idle_rss_mib": idle,
            "rows": [row.as_json() for row in rows],
        },
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
