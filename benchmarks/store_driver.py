"""Time one tracking store implementation; print the figures as one JSON line.

Runs under either interpreter: ``--impl mlharbor`` in mlharbor's venv, ``--impl mlflow``
in the reference MLflow venv, so it imports nothing from mlharbor at module level.
``benchmarks/store.py`` starts it (``python -m benchmarks.store_driver`` with the
repository root on ``PYTHONPATH``) once per implementation with the same arguments.

Bulk data for the search and history figures is written by :mod:`benchmarks.bulkload`
into the store's own tables, so generating 100k runs or 1M points takes seconds; only
the measured calls go through the store API.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import bulkload

BATCH_SIZE = 1000


@dataclass
class Impl:
    """What differs between the two stores: how to build them and their entity classes."""

    name: str
    version: str
    store: Any
    metric: Callable[..., Any]
    active_only: Any


def _load(impl: str, db_path: Path, artifact_root: Path) -> Impl:
    uri = f"sqlite:///{db_path}"
    if impl == "mlflow":
        import mlflow
        from mlflow.entities import Metric, ViewType
        from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

        return Impl(
            name="mlflow",
            version=mlflow.__version__,
            store=SqlAlchemyStore(uri, str(artifact_root)),
            metric=Metric,
            active_only=ViewType.ACTIVE_ONLY,
        )
    import mlharbor
    from mlharbor.entities import Metric as HarborMetric
    from mlharbor.entities import ViewType as HarborViewType
    from mlharbor.store.tracking.sql import SqlTrackingStore

    return Impl(
        name="mlharbor",
        version=mlharbor.__version__,
        store=SqlTrackingStore(uri, str(artifact_root)),
        metric=HarborMetric,
        active_only=HarborViewType.ACTIVE_ONLY,
    )


def _new_run(impl: Impl, experiment_id: str, name: str) -> str:
    run = impl.store.create_run(experiment_id, "bench", bulkload.BASE_TIME_MS, [], name)
    return str(run.info.run_id)


def bench_log_metric(impl: Impl, experiment_id: str, calls: int) -> dict[str, float]:
    run_id = _new_run(impl, experiment_id, "log-metric")
    start = time.perf_counter()
    for step in range(calls):
        metric = impl.metric("loss", step * 0.5, bulkload.BASE_TIME_MS + step, step)
        impl.store.log_metric(run_id, metric)
    elapsed = time.perf_counter() - start
    return {"calls": calls, "seconds": elapsed, "calls_per_s": calls / elapsed}


def bench_log_batch(impl: Impl, experiment_id: str, batches: int) -> dict[str, float]:
    run_id = _new_run(impl, experiment_id, "log-batch")
    start = time.perf_counter()
    for batch in range(batches):
        first = batch * BATCH_SIZE
        metrics = [
            impl.metric(f"m{j % 10}", j * 0.25, bulkload.BASE_TIME_MS + j, j)
            for j in range(first, first + BATCH_SIZE)
        ]
        impl.store.log_batch(run_id, metrics, [], [])
    elapsed = time.perf_counter() - start
    total = batches * BATCH_SIZE
    return {"metrics": total, "seconds": elapsed, "metrics_per_s": total / elapsed}


def bench_search(impl: Impl, experiment_id: str, repeat: int) -> dict[str, Any]:
    timings: list[float] = []
    page: list[str] = []
    budget_end = time.perf_counter() + bulkload.SEARCH_BUDGET_S
    while len(timings) < repeat:
        if len(timings) >= bulkload.SEARCH_MIN_REPEAT and time.perf_counter() > budget_end:
            break
        start = time.perf_counter()
        result = impl.store.search_runs(
            [experiment_id],
            bulkload.SEARCH_FILTER,
            impl.active_only,
            bulkload.SEARCH_PAGE,
            bulkload.SEARCH_ORDER_BY,
            None,
        )
        timings.append(time.perf_counter() - start)
        page = [run.info.run_id for run in result]
    return {
        "repeat": len(timings),
        "p50_ms": statistics.median(timings) * 1000,
        "min_ms": min(timings) * 1000,
        "returned": len(page),
        "page_digest": bulkload.page_digest(page),
    }


def bench_history(impl: Impl, run_id: str, points: int) -> dict[str, Any]:
    start = time.perf_counter()
    total = 0
    token = None
    while True:
        page = impl.store.get_metric_history(run_id, bulkload.HISTORY_KEY, None, token)
        total += len(page)
        token = page.token
        if not token:
            break
    elapsed = time.perf_counter() - start
    if total != points:
        raise SystemExit(f"{impl.name}: get_metric_history returned {total} of {points} points")
    return {"points": total, "seconds": elapsed}


def emit(section: str, payload: dict[str, Any]) -> None:
    """Report one finished section at once, so a driver stopped by the time limit still
    leaves everything it measured before."""
    print(json.dumps({"section": section, "data": payload}), flush=True)


def started(section: str) -> None:
    """Mark the start of a measured section (the wall-clock time lets the caller bound it)."""
    emit("started", {"name": section, "at": time.time()})


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
    emit(
        "meta",
        {
            "impl": impl.name,
            "version": impl.version,
            "python": sys.version.split()[0],
            "open_store_s": time.perf_counter() - start,
        },
    )
    writes = impl.store.create_experiment("bench-writes")
    started("log_metric")
    emit("log_metric", bench_log_metric(impl, writes, args.metric_calls))
    started("log_batch")
    emit("log_batch", bench_log_batch(impl, writes, args.batches))

    history_run = _new_run(impl, impl.store.create_experiment("bench-history"), "history")
    emit("load_history", {"seconds": bulkload.load_history(db_path, history_run, args.points)})
    started("get_metric_history")
    emit("get_metric_history", bench_history(impl, history_run, args.points))

    # Last, because a slow store can spend minutes on one query over 100k runs.
    searched = impl.store.create_experiment("bench-search")
    loaded = bulkload.load_runs(db_path, impl.name, searched, str(artifact_root), args.runs)
    emit("load_runs", {"seconds": loaded, "runs": args.runs})
    started("search_runs")
    emit("search_runs", bench_search(impl, searched, args.search_repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
