"""Time one tracking store implementation; print the figures as one JSON line.

Runs under either interpreter: ``--impl mlharbor`` in mlharbor's venv, ``--impl mlflow``
in the reference MLflow venv, so it imports nothing from mlharbor at module level.
``benchmarks/store.py`` starts it once per implementation with the same arguments.

Bulk data for the search and history figures is written with plain ``sqlite3`` into
the store's own tables (identical rows for both), so generating 100k runs or 1M
points takes seconds; only the measured calls go through the store API.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEARCH_FILTER = "metrics.accuracy > 0.5 and params.model = 'rf'"
SEARCH_ORDER_BY = ["metrics.accuracy DESC"]
SEARCH_PAGE = 100
BATCH_SIZE = 1000
BASE_TIME_MS = 1_700_000_000_000
INSERT_CHUNK = 50_000


@dataclass
class Impl:
    """What differs between the two stores: how to build them and their table layout."""

    name: str
    version: str
    store: Any
    metric: Callable[..., Any]
    active_only: Any
    tag_table: str
    insert_run: Callable[[sqlite3.Connection, list[tuple[Any, ...]]], None]


def _load(impl: str, db_path: Path, artifact_root: Path) -> Impl:
    uri = f"sqlite:///{db_path}"
    if impl == "mlflow":
        import mlflow
        from mlflow.entities import Metric, ViewType
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        def insert_mlflow_runs(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
            conn.executemany(
                "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name,"
                " user_id, status, start_time, end_time, source_version, lifecycle_stage,"
                " artifact_uri, experiment_id, deleted_time)"
                " VALUES (?, ?, 'LOCAL', '', '', ?, ?, ?, ?, '', ?, ?, ?, NULL)",
                [(r[0], r[1], r[3], r[4], r[5], r[6], r[7], r[8], r[2]) for r in rows],
            )

        return Impl(
            name="mlflow",
            version=mlflow.__version__,
            store=SqlAlchemyStore(uri, str(artifact_root)),
            metric=Metric,
            active_only=ViewType.ACTIVE_ONLY,
            tag_table="tags",
            insert_run=insert_mlflow_runs,
        )
    if impl == "mlharbor":
        import mlharbor
        from mlharbor.entities import Metric as HarborMetric
        from mlharbor.entities import ViewType as HarborViewType
        from mlharbor.store.tracking.sql import SqlTrackingStore

        def insert_harbor_runs(conn: sqlite3.Connection, rows: list[tuple[Any, ...]]) -> None:
            conn.executemany(
                "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time,"
                " end_time, lifecycle_stage, artifact_uri, deleted_time)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                rows,
            )

        return Impl(
            name="mlharbor",
            version=mlharbor.__version__,
            store=SqlTrackingStore(uri, str(artifact_root)),
            metric=HarborMetric,
            active_only=HarborViewType.ACTIVE_ONLY,
            tag_table="run_tags",
            insert_run=insert_harbor_runs,
        )
    raise SystemExit(f"unknown implementation {impl!r}")


def _chunks(rows: Iterator[tuple[Any, ...]], size: int = INSERT_CHUNK) -> Iterator[list[Any]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _run_id(i: int) -> str:
    return hashlib.md5(f"bench-run-{i}".encode()).hexdigest()


def _accuracy(i: int) -> float:
    # A permutation of [0, 1): distinct values, so the sort order has no ties.
    return ((i * 7919) % 1_000_003) / 1_000_003


def _new_run(impl: Impl, experiment_id: str, name: str) -> str:
    run = impl.store.create_run(experiment_id, "bench", BASE_TIME_MS, [], name)
    return str(run.info.run_id)


def bench_log_metric(impl: Impl, experiment_id: str, calls: int) -> dict[str, float]:
    run_id = _new_run(impl, experiment_id, "log-metric")
    start = time.perf_counter()
    for step in range(calls):
        impl.store.log_metric(run_id, impl.metric("loss", step * 0.5, BASE_TIME_MS + step, step))
    elapsed = time.perf_counter() - start
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed}


def bench_log_batch(impl: Impl, experiment_id: str, batches: int) -> dict[str, float]:
    run_id = _new_run(impl, experiment_id, "log-batch")
    start = time.perf_counter()
    for batch in range(batches):
        first = batch * BATCH_SIZE
        metrics = [
            impl.metric(f"m{j % 10}", j * 0.25, BASE_TIME_MS + j, j)
            for j in range(first, first + BATCH_SIZE)
        ]
        impl.store.log_batch(run_id, metrics, [], [])
    elapsed = time.perf_counter() - start
    total = batches * BATCH_SIZE
    return {"metrics": total, "seconds": elapsed, "metrics_per_s": total / elapsed}


def load_runs(impl: Impl, db_path: Path, artifact_root: Path, experiment_id: str, n: int) -> float:
    """Insert ``n`` finished runs with 2 params, 2 tags and 2 metrics each; return seconds."""
    start = time.perf_counter()
    exp = int(experiment_id)
    ids = [_run_id(i) for i in range(n)]
    conn = sqlite3.connect(db_path, timeout=60)
    try:
        with conn:
            for chunk in _chunks(
                (
                    ids[i],
                    f"run-{i}",
                    exp,
                    "bench",
                    "FINISHED",
                    BASE_TIME_MS + i,
                    BASE_TIME_MS + i + 1000,
                    "active",
                    f"{artifact_root}/{exp}/{ids[i]}/artifacts",
                )
                for i in range(n)
            ):
                impl.insert_run(conn, chunk)
            conn.executemany(
                "INSERT INTO params (run_uuid, key, value) VALUES (?, ?, ?)",
                (
                    row
                    for i in range(n)
                    for row in (
                        (ids[i], "model", ("rf", "lr", "gbm")[i % 3]),
                        (ids[i], "max_depth", str(i % 10)),
                    )
                ),
            )
            conn.executemany(
                f"INSERT INTO {impl.tag_table} (run_uuid, key, value) VALUES (?, ?, ?)",
                (
                    row
                    for i in range(n)
                    for row in (
                        (ids[i], "mlflow.runName", f"run-{i}"),
                        (ids[i], "team", "ab"[i % 2]),
                    )
                ),
            )
            for table in ("metrics", "latest_metrics"):
                conn.executemany(
                    f"INSERT INTO {table} (run_uuid, key, value, timestamp, step, is_nan)"
                    " VALUES (?, ?, ?, ?, 0, 0)",
                    (
                        row
                        for i in range(n)
                        for row in (
                            (ids[i], "accuracy", _accuracy(i), BASE_TIME_MS + i),
                            (ids[i], "loss", 1.0 - _accuracy(i), BASE_TIME_MS + i),
                        )
                    ),
                )
    finally:
        conn.close()
    return time.perf_counter() - start


def bench_search(impl: Impl, experiment_id: str, repeat: int) -> dict[str, Any]:
    timings: list[float] = []
    page: list[str] = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = impl.store.search_runs(
            [experiment_id], SEARCH_FILTER, impl.active_only, SEARCH_PAGE, SEARCH_ORDER_BY, None
        )
        timings.append(time.perf_counter() - start)
        page = [run.info.run_id for run in result]
    return {
        "repeat": repeat,
        "p50_ms": statistics.median(timings) * 1000,
        "min_ms": min(timings) * 1000,
        "returned": len(page),
        # Both stores hold identical rows, so identical pages prove they answer alike.
        "page_digest": hashlib.sha256(",".join(page).encode()).hexdigest()[:16],
    }


def load_history(db_path: Path, run_id: str, points: int) -> float:
    start = time.perf_counter()
    conn = sqlite3.connect(db_path, timeout=60)
    try:
        with conn:
            conn.executemany(
                "INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)"
                " VALUES (?, 'loss', ?, ?, ?, 0)",
                ((run_id, 1.0 / (j + 1), BASE_TIME_MS + j, j) for j in range(points)),
            )
            conn.execute(
                "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)"
                " VALUES (?, 'loss', ?, ?, ?, 0)",
                (run_id, 1.0 / points, BASE_TIME_MS + points - 1, points - 1),
            )
    finally:
        conn.close()
    return time.perf_counter() - start


def bench_history(impl: Impl, run_id: str, points: int) -> dict[str, Any]:
    start = time.perf_counter()
    total = 0
    token = None
    while True:
        page = impl.store.get_metric_history(run_id, "loss", None, token)
        total += len(page)
        token = page.token
        if not token:
            break
    elapsed = time.perf_counter() - start
    if total != points:
        raise SystemExit(f"{impl.name}: get_metric_history returned {total} of {points} points")
    return {"points": total, "seconds": elapsed}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--impl", choices=["mlharbor", "mlflow"], required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--runs", type=int, required=True)
    parser.add_argument("--points", type=int, required=True)
    parser.add_argument("--metric-calls", type=int, required=True)
    parser.add_argument("--batches", type=int, required=True)
    parser.add_argument("--search-repeat", type=int, required=True)
    args = parser.parse_args(argv)

    args.workdir.mkdir(parents=True, exist_ok=True)
    db_path = args.workdir / f"{args.impl}.db"
    artifact_root = args.workdir / "artifacts"
    start = time.perf_counter()
    impl = _load(args.impl, db_path, artifact_root)
    results: dict[str, Any] = {
        "impl": impl.name,
        "version": impl.version,
        "python": sys.version.split()[0],
        "open_store_s": time.perf_counter() - start,
    }
    writes = impl.store.create_experiment("bench-writes")
    results["log_metric"] = bench_log_metric(impl, writes, args.metric_calls)
    results["log_batch"] = bench_log_batch(impl, writes, args.batches)

    searched = impl.store.create_experiment("bench-search")
    results["load_runs_s"] = load_runs(impl, db_path, artifact_root, searched, args.runs)
    results["search_runs"] = bench_search(impl, searched, args.search_repeat)
    results["search_runs"]["runs"] = args.runs

    history_exp = impl.store.create_experiment("bench-history")
    history_run = _new_run(impl, history_exp, "history")
    results["load_history_s"] = load_history(db_path, history_run, args.points)
    results["get_metric_history"] = bench_history(impl, history_run, args.points)

    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
