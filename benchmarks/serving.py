"""Scoring-server latency and throughput: ``mlharbor models serve`` vs ``mlflow models serve``.

Both servers serve the same model directory (saved once by mlharbor; MLflow 3.17.2 loads it
unchanged) with one worker each, ``--env-manager local``, and run at the same time; the same
client sends the same ``/invocations`` bodies to each in turn, so load from elsewhere on the
machine hits both alike. The client is a kept-alive ``http.client`` connection with the body
encoded once, so the figures are the servers' own; single-row latency is also measured through
``requests``, whose ~0.5 ms per call is added to both sides alike. Two models:
the iris RandomForest of the seed workflow (100 trees, where prediction itself dominates) and a
logistic regression (where the server's own overhead dominates). Prints a table and writes
``.bench/serving.json``.

    python -m benchmarks.serving            # full sizes
    python -m benchmarks.serving --quick    # small sizes, for a smoke run
    python -m benchmarks.serving --monitor  # mlharbor with drift monitoring switched on
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import orjson
from tests.fixtures.servers import free_port, run_server

from benchmarks.common import Row, machine, mlflow_python, render_table, speedup, write_json

FULL = {
    "rounds": 5,
    "single": 500,
    "warmup": 30,
    "threads": 8,
    "per_thread": 40,
    "batch_rows": 10_000,
    "batches": 7,
}
QUICK = {
    "rounds": 3,
    "single": 60,
    "warmup": 10,
    "threads": 8,
    "per_thread": 15,
    "batch_rows": 10_000,
    "batches": 3,
}
COLUMNS = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
ROW = [5.1, 3.5, 1.4, 0.2]
_JSON_HEADERS = {"Content-Type": "application/json"}


def save_models(root: Path) -> dict[str, str]:
    """Train and save the benchmark models; returns name -> model directory."""
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.linear_model import LogisticRegression

    import mlharbor.sklearn

    features, target = load_iris(return_X_y=True, as_frame=True)
    features.columns = COLUMNS
    models = {
        "iris-rf": RandomForestClassifier(n_estimators=100, random_state=42),
        "iris-logreg": LogisticRegression(max_iter=500),
    }
    paths = {}
    for name, model in models.items():
        model.fit(features, target)
        path = root / name
        mlharbor.sklearn.save_model(model, str(path))
        paths[name] = str(path)
    return paths


def _reference_rows() -> Any:
    """The iris training features under the benchmark's column names."""
    from sklearn.datasets import load_iris

    features = load_iris(as_frame=True).data
    features.columns = COLUMNS
    return features


def batch_body(rows: int) -> dict[str, Any]:
    import numpy as np

    generator = np.random.default_rng(0)
    data = generator.uniform([4.3, 2.0, 1.0, 0.1], [7.9, 4.4, 6.9, 2.5], size=(rows, 4))
    return {"dataframe_split": {"columns": COLUMNS, "data": data.round(2).tolist()}}


class Connection:
    """One kept-alive HTTP/1.1 connection posting pre-encoded JSON bodies."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self._conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=600)
        self._path = parts.path

    def post(self, body: bytes) -> float:
        """Seconds from sending the request to the end of the response body."""
        start = time.perf_counter()
        self._conn.request("POST", self._path, body=body, headers=_JSON_HEADERS)
        response = self._conn.getresponse()
        payload = response.read()
        elapsed = time.perf_counter() - start
        if response.status != 200:
            raise RuntimeError(f"{self._path}: {response.status} {payload[:300]!r}")
        return elapsed

    def close(self) -> None:
        self._conn.close()


def _requests_post(session: Any, url: str, body: dict[str, Any]) -> float:
    start = time.perf_counter()
    response = session.post(url, json=body, timeout=600)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code} {response.text[:300]}")
    return elapsed


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def _burst(url: str, sizes: dict[str, int], body: bytes) -> float:
    """Requests per second of ``threads`` clients sending ``per_thread`` requests each."""
    errors: list[str] = []

    def client() -> None:
        connection = Connection(url)
        try:
            for _ in range(sizes["per_thread"]):
                connection.post(body)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(sizes["threads"])]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"concurrent clients failed: {errors[:3]}")
    return sizes["threads"] * sizes["per_thread"] / elapsed


def bench_servers(
    urls: dict[str, str], sizes: dict[str, int], big: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    """Drive every server in ``urls`` (impl -> base URL) with the same requests, interleaved:
    one request (or burst) to each in turn, the order flipping every round, so a noisy
    neighbour on a shared machine slows all sides alike."""
    import requests

    single = {"dataframe_split": {"columns": COLUMNS, "data": [ROW]}}
    single_body = orjson.dumps(single)
    big_body = orjson.dumps(big)
    impls = list(urls)
    latencies: dict[str, list[float]] = {impl: [] for impl in impls}
    via_requests: dict[str, list[float]] = {impl: [] for impl in impls}
    batch: dict[str, list[float]] = {impl: [] for impl in impls}
    bursts: dict[str, list[float]] = {impl: [] for impl in impls}
    connections = {impl: Connection(urls[impl] + "/invocations") for impl in impls}
    sessions = {impl: requests.Session() for impl in impls}
    try:
        for _ in range(sizes["warmup"]):
            for impl in impls:
                connections[impl].post(single_body)
                _requests_post(sessions[impl], urls[impl] + "/invocations", single)
        for i in range(sizes["single"]):
            for impl in impls if i % 2 == 0 else impls[::-1]:
                latencies[impl].append(connections[impl].post(single_body))
                via_requests[impl].append(
                    _requests_post(sessions[impl], urls[impl] + "/invocations", single)
                )
        for i in range(sizes["batches"]):
            for impl in impls if i % 2 == 0 else impls[::-1]:
                batch[impl].append(connections[impl].post(big_body))
    finally:
        for connection in connections.values():
            connection.close()
        for session in sessions.values():
            session.close()
    for i in range(sizes["rounds"]):
        for impl in impls if i % 2 == 0 else impls[::-1]:
            bursts[impl].append(_burst(urls[impl] + "/invocations", sizes, single_body))
    return {
        impl: {
            "single_p50_ms": statistics.median(latencies[impl]) * 1000,
            "single_p95_ms": _percentile(latencies[impl], 0.95) * 1000,
            "single_requests_p50_ms": statistics.median(via_requests[impl]) * 1000,
            "throughput_rps": statistics.median(bursts[impl]),
            "batch_median_ms": statistics.median(batch[impl]) * 1000,
        }
        for impl in impls
    }


def command(
    impl: str, model_dir: str, port: int, monitor_reference: str | None = None
) -> tuple[list[str], dict[str, str]]:
    if impl == "mlharbor":
        exe = str(Path(sys.executable).with_name("mlharbor"))
        cmd = [exe, "models", "serve", "-m", model_dir, "--port", str(port)]
        if monitor_reference:
            cmd += ["--monitor-reference", monitor_reference]
        return cmd, {}
    mlflow_bin = Path(mlflow_python()).parent
    cmd = [
        str(mlflow_bin / "mlflow"), "models", "serve", "-m", model_dir,
        "--port", str(port), "--env-manager", "local",
    ]  # fmt: skip
    # mlflow starts the ``uvicorn`` found on PATH: its own venv's
    return cmd, {"PATH": f"{mlflow_bin}{os.pathsep}{os.environ.get('PATH', '')}"}


def measure(
    impls: list[str],
    model_dir: str,
    sizes: dict[str, int],
    big: dict[str, Any],
    monitor_reference: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Start every implementation on ``model_dir`` (one after the other, timing start-up),
    keep them all running, then drive them side by side. With ``monitor_reference``,
    mlharbor also checks scored rows for drift against that CSV."""
    with contextlib.ExitStack() as stack:
        urls: dict[str, str] = {}
        startup: dict[str, float] = {}
        for impl in impls:
            port = free_port()
            cmd, env = command(impl, model_dir, port, monitor_reference)
            started = time.perf_counter()
            server = stack.enter_context(run_server(cmd, port, "/ping", env, timeout_s=180))
            startup[impl] = time.perf_counter() - started
            urls[impl] = server.url
        figures = bench_servers(urls, sizes, big)
    for impl in impls:
        figures[impl]["startup_s"] = startup[impl]
    return figures


ROWS = [
    ("single-row p50 (ms)", "single_p50_ms", False),
    ("single-row p95 (ms)", "single_p95_ms", False),
    ("single-row p50, requests (ms)", "single_requests_p50_ms", False),
    ("8 clients (req/s)", "throughput_rps", True),
    ("10k-row batch (ms)", "batch_median_ms", False),
    ("start to /ping (s)", "startup_s", False),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    parser.add_argument("--only", choices=["mlharbor", "mlflow"], help="measure one side only")
    parser.add_argument(
        "--monitor", action="store_true", help="mlharbor with drift monitoring on (iris reference)"
    )
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    impls = [args.only] if args.only else ["mlharbor", "mlflow"]
    big = batch_body(sizes["batch_rows"])
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="mlharbor-bench-serving-") as scratch:
        models = save_models(Path(scratch))
        reference = None
        if args.monitor:
            reference = str(Path(scratch) / "reference.csv")
            _reference_rows().to_csv(reference, index=False)
        for model_name, model_dir in models.items():
            results[model_name] = measure(impls, model_dir, sizes, big, reference)
    summary: dict[str, list[dict[str, Any]]] = {}
    for model_name, by_impl in results.items():
        rows = []
        table: list[Row] = []
        for label, key, higher in ROWS:
            ours = by_impl.get("mlharbor", {}).get(key)
            theirs = by_impl.get("mlflow", {}).get(key)
            table.append(Row(label, ours, theirs, higher))
            rows.append(
                {
                    "figure": label,
                    "mlharbor": ours,
                    "mlflow": theirs,
                    "speedup": speedup(ours, theirs, higher),
                }
            )
        summary[model_name] = rows
        print(
            render_table(
                f"Scoring server, {model_name} (speed-up > 1: mlharbor better)",
                table,
            )
        )
        print()
    path = write_json(
        "serving",
        {"machine": machine(), "sizes": sizes, "results": results, "summary": summary},
    )
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
