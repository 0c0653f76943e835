"""Chart samples (``get_metric_history_bulk_interval``) pick the same points as MLflow 3.17.2's
store, for gapless series (sampled by seeking steps) and for any other (sampled by position)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from mlharbor.entities import Metric
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine

CASES = {
    "gapless": list(range(5, 1006)),
    "default_step": [0] * 300,
    "repeats_and_gaps": [0] * 40 + list(range(1, 200, 3)) + [50] * 5,
    "gapless_then_repeat": [*range(100), 40],
}
LIMITS = (1, 2, 7, 320)

# Runs in MLflow's interpreter: log each case, print every sample as JSON.
_MLFLOW_SCRIPT = """
import json, sys
from mlflow.entities import Metric
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
cases, limits, workdir = json.loads(sys.argv[1]), json.loads(sys.argv[2]), sys.argv[3]
store = SqlAlchemyStore(f"sqlite:///{workdir}/mlflow.db", f"{workdir}/artifacts")
out = {}
for name, steps in cases.items():
    run_id = store.create_run(store.create_experiment(name), "u", 1, [], name).info.run_id
    points = [Metric("m", i * 0.5, 10 + i, step) for i, step in enumerate(steps)]
    for first in range(0, len(points), 1000):
        store.log_batch(run_id, points[first:first + 1000], [], [])
    def sample(limit, start=None, end=None):
        got = store.get_metric_history_bulk_interval([run_id], "m", limit, start, end)
        return [[m.step, m.timestamp, m.value] for m in got]
    out[name] = {str(limit): sample(limit) for limit in limits}
    out[name]["window"] = sample(5, min(steps) + 3, max(steps) + 6)
print(json.dumps(out))
"""


def _sample(
    store: SqlTrackingStore,
    run_id: str,
    limit: int,
    start: int | None = None,
    end: int | None = None,
) -> list[list[Any]]:
    got = store.get_metric_history_bulk_interval([run_id], "m", limit, start, end)
    return [[m.step, m.timestamp, m.value] for m in got]


def _mlharbor_samples(workdir: Path) -> dict[str, Any]:
    uri = f"sqlite:///{workdir / 'mlharbor.db'}"
    store = SqlTrackingStore(uri, str(workdir / "artifacts"))
    out: dict[str, Any] = {}
    try:
        for name, steps in CASES.items():
            run_id = store.create_run(store.create_experiment(name), "u", 1, [], name).info.run_id
            points = [Metric("m", i * 0.5, 10 + i, step) for i, step in enumerate(steps)]
            for first in range(0, len(points), 1000):
                store.log_batch(run_id, metrics=points[first : first + 1000])

            out[name] = {str(limit): _sample(store, run_id, limit) for limit in LIMITS}
            out[name]["window"] = _sample(store, run_id, 5, min(steps) + 3, max(steps) + 6)
    finally:
        dispose_engine(uri)
    return out


def test_samples_match_mlflow(mlflow_python: str, tmp_path: Path) -> None:
    completed = subprocess.run(
        [
            mlflow_python,
            "-c",
            _MLFLOW_SCRIPT,
            json.dumps(CASES),
            json.dumps(LIMITS),
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    theirs = json.loads(completed.stdout.strip().splitlines()[-1])
    ours = _mlharbor_samples(tmp_path)
    assert ours == theirs
    assert len(ours["gapless"]["320"]) == 320
