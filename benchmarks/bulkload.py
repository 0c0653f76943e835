"""Write benchmark data straight into a tracking database with ``sqlite3``.

Both MLflow's and mlharbor's schemas name their run-data columns alike; they differ in
the ``runs`` table and in the name of the run-tag table, which :class:`Layout` captures.
Identical rows go into either layout, so the stores answer the same queries over the
same data. Only the standard library is used: this module also runs under MLflow's venv.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BASE_TIME_MS = 1_700_000_000_000
SEARCH_FILTER = "metrics.accuracy > 0.5 and params.model = 'rf'"
SEARCH_ORDER_BY = ["metrics.accuracy DESC"]
SEARCH_PAGE = 100
# A slow store gets fewer search samples: at least the minimum, then until the budget is spent.
SEARCH_MIN_REPEAT = 3
SEARCH_BUDGET_S = 60.0
HISTORY_KEY = "loss"
_CHUNK = 50_000


@dataclass(frozen=True)
class Layout:
    """Where one schema keeps runs and run tags."""

    tag_table: str
    run_insert: str


LAYOUTS = {
    "mlflow": Layout(
        tag_table="tags",
        run_insert=(
            "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time,"
            " end_time, lifecycle_stage, artifact_uri, source_type, source_name,"
            " entry_point_name, source_version, deleted_time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'LOCAL', '', '', '', NULL)"
        ),
    ),
    "mlharbor": Layout(
        tag_table="run_tags",
        run_insert=(
            "INSERT INTO runs (run_uuid, name, experiment_id, user_id, status, start_time,"
            " end_time, lifecycle_stage, artifact_uri, deleted_time)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)"
        ),
    ),
}


def run_id(i: int) -> str:
    """The id of the ``i``-th generated run (32 hex characters, like real run ids)."""
    return hashlib.md5(f"bench-run-{i}".encode()).hexdigest()


def accuracy(i: int) -> float:
    """A permutation of [0, 1): distinct values, so sorting by it has no ties."""
    return ((i * 7919) % 1_000_003) / 1_000_003


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == _CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _insert(conn: sqlite3.Connection, sql: str, rows: Iterator[tuple[Any, ...]]) -> None:
    for chunk in _chunks(rows):
        conn.executemany(sql, chunk)


def load_runs(db_path: Path, layout: str, experiment_id: str, artifact_root: str, n: int) -> float:
    """Insert ``n`` finished runs with 2 params, 2 tags and 2 metrics each; return seconds."""
    spec = LAYOUTS[layout]
    start = time.perf_counter()
    exp = int(experiment_id)
    ids = [run_id(i) for i in range(n)]
    conn = sqlite3.connect(db_path, timeout=120)
    try:
        with conn:
            _insert(
                conn,
                spec.run_insert,
                (
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
                ),
            )
            _insert(
                conn,
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
            _insert(
                conn,
                f"INSERT INTO {spec.tag_table} (run_uuid, key, value) VALUES (?, ?, ?)",
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
                _insert(
                    conn,
                    f"INSERT INTO {table} (run_uuid, key, value, timestamp, step, is_nan)"
                    " VALUES (?, ?, ?, ?, 0, 0)",
                    (
                        row
                        for i in range(n)
                        for row in (
                            (ids[i], "accuracy", accuracy(i), BASE_TIME_MS + i),
                            (ids[i], "loss", 1.0 - accuracy(i), BASE_TIME_MS + i),
                        )
                    ),
                )
    finally:
        conn.close()
    return time.perf_counter() - start


def load_history(
    db_path: Path, run: str, points: int, *, key: str = HISTORY_KEY, gapless: bool = False
) -> float:
    """Give metric ``key`` of ``run`` ``points`` steps, 0 to ``points - 1``; return seconds.

    ``gapless`` also fills mlharbor's ``latest_metrics.dense_first_step``, which its write path
    sets for steps logged in this order (MLflow's schema has no such column).
    """
    start = time.perf_counter()
    conn = sqlite3.connect(db_path, timeout=120)
    try:
        with conn:
            _insert(
                conn,
                "INSERT INTO metrics (run_uuid, key, value, timestamp, step, is_nan)"
                " VALUES (?, ?, ?, ?, ?, 0)",
                ((run, key, 1.0 / (j + 1), BASE_TIME_MS + j, j) for j in range(points)),
            )
            conn.execute(
                "INSERT INTO latest_metrics (run_uuid, key, value, timestamp, step, is_nan)"
                " VALUES (?, ?, ?, ?, ?, 0)",
                (run, key, 1.0 / points, BASE_TIME_MS + points - 1, points - 1),
            )
            if gapless:
                conn.execute(
                    "UPDATE latest_metrics SET dense_first_step = 0 WHERE run_uuid = ? AND key = ?",
                    (run, key),
                )
    finally:
        conn.close()
    return time.perf_counter() - start


def page_digest(run_ids: list[str]) -> str:
    """A short fingerprint of a result page, to check two systems answered alike."""
    return hashlib.sha256(",".join(run_ids).encode()).hexdigest()[:16]
