"""Run-search latency by query shape, at 100,000 runs in one experiment.

Loads the runs of :mod:`benchmarks.bulkload` (2 params, 2 tags, 2 metrics each) into a fresh
SQLite file and, when PostgreSQL is installed, a throw-away PostgreSQL cluster; then times
``SqlTrackingStore.search_runs`` returning one page of 100 runs for each shape and prints the
median (p50) per shape and backend.

    python -m benchmarks.search_shapes                 # 100k runs, both backends
    python -m benchmarks.search_shapes --runs 20000 --backend sqlite
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import bulkload

# name -> (filter, order_by, page offset in pages)
SHAPES: dict[str, tuple[str | None, list[str] | None, int]] = {
    "default order": (None, None, 0),
    "order metric DESC": (None, ["metrics.accuracy DESC"], 0),
    "order metric ASC": (None, ["metrics.loss ASC"], 0),
    "order metric DESC, page 50": (None, ["metrics.accuracy DESC"], 50),
    "filter param, order param": ("params.model = 'rf'", ["params.max_depth ASC"], 0),
    # The web UI always sends its order: attributes.start_time DESC unless re-sorted.
    "UI: start_time DESC": (None, ["attributes.start_time DESC"], 0),
    "UI: filter metric": ("metrics.accuracy > 0.5", ["attributes.start_time DESC"], 0),
    "UI: filter param": ("params.model = 'rf'", ["attributes.start_time DESC"], 0),
    "UI: filter tag": ("tags.team = 'a'", ["attributes.start_time DESC"], 0),
    "filter metric, default order": ("metrics.accuracy > 0.5", None, 0),
    "seed: metric+param, order metric": (
        "metrics.accuracy > 0.9 AND params.model = 'rf'",
        ["metrics.accuracy DESC"],
        0,
    ),
    "order param DESC": (None, ["params.max_depth DESC"], 0),
    "order attribute": (None, ["attributes.run_name ASC"], 0),
}
PAGE = 100
REPEAT = 7


def _load_postgres(url: str, n: int) -> None:
    """Copy the same rows :func:`bulkload.load_runs` writes into a PostgreSQL database."""
    import psycopg

    ids = [bulkload.run_id(i) for i in range(n)]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        with cur.copy(
            "COPY runs (run_uuid, name, experiment_id, user_id, status, start_time, end_time,"
            " lifecycle_stage, artifact_uri) FROM STDIN"
        ) as copy:
            for i in range(n):
                copy.write_row(
                    (ids[i], f"run-{i}", 1, "bench", "FINISHED", bulkload.BASE_TIME_MS + i,
                     bulkload.BASE_TIME_MS + i + 1000, "active", f"/a/{ids[i]}")
                )  # fmt: skip
        with cur.copy("COPY params (run_uuid, key, value) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((ids[i], "model", ("rf", "lr", "gbm")[i % 3]))
                copy.write_row((ids[i], "max_depth", str(i % 10)))
        with cur.copy("COPY run_tags (run_uuid, key, value) FROM STDIN") as copy:
            for i in range(n):
                copy.write_row((ids[i], "mlflow.runName", f"run-{i}"))
                copy.write_row((ids[i], "team", "ab"[i % 2]))
        for table in ("metrics", "latest_metrics"):
            with cur.copy(
                f"COPY {table} (run_uuid, key, value, timestamp, step, is_nan) FROM STDIN"
            ) as copy:
                for i in range(n):
                    acc = bulkload.accuracy(i)
                    copy.write_row((ids[i], "accuracy", acc, bulkload.BASE_TIME_MS + i, 0, False))
                    copy.write_row((ids[i], "loss", 1 - acc, bulkload.BASE_TIME_MS + i, 0, False))
        conn.commit()
        cur.execute("ANALYZE")


def _time_shapes(store: Any, experiment_id: str) -> dict[str, tuple[float, int]]:
    from mlharbor.store.search.page_token import encode_offset

    results: dict[str, tuple[float, int]] = {}
    for name, (filter_string, order_by, page) in SHAPES.items():
        token = encode_offset(page * PAGE) if page else None
        timings: list[float] = []
        returned = 0
        for _ in range(REPEAT):
            start = time.perf_counter()
            found = store.search_runs([experiment_id], filter_string, 1, PAGE, order_by, token)
            timings.append(time.perf_counter() - start)
            returned = len(found)
        results[name] = (statistics.median(timings) * 1000, returned)
    return results


def bench_sqlite(workdir: Path, n: int) -> dict[str, tuple[float, int]]:
    import sqlite3

    from mlharbor.store.tracking.sql import SqlTrackingStore

    db = workdir / "search.db"
    store = SqlTrackingStore(f"sqlite:///{db}", str(workdir / "artifacts"))
    experiment_id = store.create_experiment("shapes", None, [])
    bulkload.load_runs(db, "mlharbor", experiment_id, str(workdir / "artifacts"), n)
    conn = sqlite3.connect(db)
    conn.execute("ANALYZE")
    conn.close()
    return _time_shapes(store, experiment_id)


def bench_postgres(workdir: Path, n: int) -> dict[str, tuple[float, int]] | None:
    from tests.fixtures.postgres import PostgresUnavailableError, postgres_cluster

    from mlharbor.store.tracking.sql import SqlTrackingStore

    try:
        with postgres_cluster() as server:
            database = server.create_database()
            url = server.url(database)
            store = SqlTrackingStore(url, str(workdir / "pg-artifacts"))
            experiment_id = store.create_experiment("shapes", None, [])
            _load_postgres(url, n)
            return _time_shapes(store, experiment_id)
    except PostgresUnavailableError:
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlharbor-shapes-") as tmp:
        figures: dict[str, dict[str, tuple[float, int]] | None] = {}
        if args.backend in ("sqlite", "both"):
            figures["sqlite"] = bench_sqlite(Path(tmp), args.runs)
        if args.backend in ("postgres", "both"):
            figures["postgres"] = bench_postgres(Path(tmp), args.runs)
    backends = list(figures)
    print(f"run search p50 (ms), {args.runs} runs, page of {PAGE}")
    print(f"{'shape':36}" + "".join(f"{b:>12}" for b in backends))
    for name in SHAPES:
        cells = []
        for backend in backends:
            result = figures[backend]
            cells.append(f"{result[name][0]:12.1f}" if result else f"{'n/a':>12}")
        print(f"{name:36}" + "".join(cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
