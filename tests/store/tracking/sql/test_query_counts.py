"""A search page loads its runs' data in a fixed number of statements, whatever its size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event

from mlharbor.entities import Metric, Param, RunTag
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine


def _statements_for_page(store: SqlTrackingStore, experiment_id: str, size: int) -> int:
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    event.listen(store.engine, "before_cursor_execute", counted)
    try:
        page = store.search_runs([experiment_id], max_results=size)
    finally:
        event.remove(store.engine, "before_cursor_execute", counted)
    assert len(page) == size
    assert all(run.data.params and run.data.metric_objs for run in page)
    return count


def test_page_statements_do_not_grow_with_the_page(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'runs.db'}"
    store = SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    try:
        experiment_id = store.create_experiment("page")
        for i in range(60):
            run_id = store.create_run(experiment_id, "u", i, [], f"run-{i}").info.run_id
            store.log_batch(
                run_id,
                metrics=[Metric("acc", i / 60, 1, 0)],
                params=[Param("model", "rf")],
                tags=[RunTag("team", "a")],
            )
        assert _statements_for_page(store, experiment_id, 3) == _statements_for_page(
            store, experiment_id, 60
        )
    finally:
        dispose_engine(uri)
