"""Concurrent writers: processes sharing a SQLite file, threads racing on PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from mlharbor.entities import Param
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine

WRITER = """
import sys
from mlharbor.entities import Metric, Param
from mlharbor.store.tracking.sql import SqlTrackingStore

uri, run_id, tag, singles, batches = sys.argv[1:6]
store = SqlTrackingStore(uri, "/artifacts")
for i in range(int(singles)):
    store.log_metric(run_id, Metric(f"single-{tag}", float(i), 1000 + i, i))
for b in range(int(batches)):
    store.log_batch(
        run_id,
        metrics=[Metric(f"batch-{tag}", float(i), 1000 + i, b * 100 + i) for i in range(100)],
        params=[Param(f"p-{tag}-{b}", str(b))],
    )
print("done")
"""

SINGLES = 200
BATCHES = 20


def _start_writers(uri: str, run_id: str, tags: list[str]) -> list[subprocess.Popen[str]]:
    return [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, uri, run_id, tag, str(SINGLES), str(BATCHES)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for tag in tags
    ]


def _wait(processes: list[subprocess.Popen[str]]) -> None:
    try:
        for process in processes:
            out, err = process.communicate(timeout=240)
            assert process.returncode == 0, err
            assert out.strip() == "done"
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()


def test_two_processes_write_metrics_to_one_file(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    store = SqlTrackingStore(uri, "/artifacts")
    run_id = store.create_run("0", "u", None, [], None).info.run_id
    try:
        _wait(_start_writers(uri, run_id, ["a", "b"]))
        for tag in ("a", "b"):
            singles = store.get_metric_history(run_id, f"single-{tag}")
            assert [m.step for m in singles] == list(range(SINGLES))
            batched = store.get_metric_history(run_id, f"batch-{tag}")
            assert len(batched) == 100 * BATCHES
        run = store.get_run(run_id)
        assert len(run.data.params) == 2 * BATCHES
        assert run.data.metrics["single-a"] == float(SINGLES - 1)
    finally:
        dispose_engine(uri)


def test_processes_opening_a_fresh_file_migrate_it_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'fresh.db'}"
    script = (
        "import sys\n"
        "from mlharbor.store.tracking.sql import SqlTrackingStore\n"
        "SqlTrackingStore(sys.argv[1], '/artifacts')\n"
        "print('done')\n"
    )
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", script, uri],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    _wait(processes)
    store = SqlTrackingStore(uri, "/artifacts")
    try:
        assert store.get_experiment("0").name == "Default"
        assert store.create_experiment("after") == "1"
    finally:
        dispose_engine(uri)


def test_racing_different_param_values_leave_one_winner(postgres_url: str) -> None:
    """Two threads log the same new param with different values at once: one wins, one fails."""
    store = SqlTrackingStore(postgres_url, "/artifacts")
    run_id = store.create_run("0", "u", None, [], None).info.run_id
    rounds = 25
    barrier = threading.Barrier(2)
    outcomes: dict[str, list[tuple[str, str | None]]] = {}
    lock = threading.Lock()

    def log(value: str) -> None:
        for i in range(rounds):
            barrier.wait(timeout=60)
            error = None
            try:
                store.log_param(run_id, Param(f"k{i}", value))
            except InvalidParameterValue as exc:
                error = exc.error_code
            with lock:
                outcomes.setdefault(f"k{i}", []).append((value, error))

    try:
        threads = [threading.Thread(target=log, args=(value,)) for value in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        params = store.get_run(run_id).data.params
        assert len(outcomes) == rounds
        for key, results in outcomes.items():
            winners = [value for value, error in results if error is None]
            assert len(winners) == 1, results
            assert [error for _, error in results if error] == ["INVALID_PARAMETER_VALUE"]
            assert params[key] == winners[0]
    finally:
        dispose_engine(postgres_url)


def test_forked_child_writes_through_its_own_connections(tmp_path: Path) -> None:
    import multiprocessing

    uri = f"sqlite:///{tmp_path / 'forked.db'}"
    store = SqlTrackingStore(uri, "/artifacts")
    run_id = store.create_run("0", "u", None, [], None).info.run_id
    store.get_run(run_id)  # the parent now holds pooled connections

    def child() -> None:
        from mlharbor.entities import Metric

        store.log_metric(run_id, Metric("from-child", 1.0, 1, 0))

    try:
        process = multiprocessing.get_context("fork").Process(target=child)
        process.start()
        process.join(timeout=120)
        assert process.exitcode == 0
        assert store.get_run(run_id).data.metrics == {"from-child": 1.0}
    finally:
        dispose_engine(uri)
