"""The controller over SQLite and PostgreSQL: trials handed out exactly once under concurrent
claims, finishing, stop and resume, dead agents, and which runs a trial may name."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.entities import Metric, RunTag
from mlharbor.entities.sweep import SweepState, TrialState
from mlharbor.exceptions import MlharborException
from mlharbor.store.sweeps.sql import SqlSweepStore
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlSweepStore]:
    if request.param == "postgres":
        uri = str(request.getfixturevalue("postgres_url"))
    else:
        uri = f"sqlite:///{tmp_path / 'sweeps.db'}"
    tracking = SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    try:
        yield SqlSweepStore(uri, tracking)
    finally:
        dispose_engine(uri)


def _config(**extra: object) -> dict[str, object]:
    return {
        "method": "random",
        "metric": {"name": "loss", "goal": "minimize"},
        "parameters": {"x": {"min": 0.0, "max": 1.0}},
        **extra,
    }


def _metric(key: str, value: float) -> Metric:
    return Metric(key, float(value), int(time.time() * 1000), 0)


def _child_run(store: SqlSweepStore, sweep_id: str) -> str:
    sweep = store.get_sweep(sweep_id)
    tags = [RunTag("mlflow.parentRunId", sweep.parent_run_id)]
    return store._tracking.create_run(sweep.experiment_id, "u", None, tags, None).info.run_id


def test_concurrent_claims_hand_out_each_trial_once(stores: SqlSweepStore) -> None:
    sweep_id = stores.create_sweep("0", _config(method="bayes", run_cap=24), None, "u").sweep_id
    claimed: list[int] = []
    lock = threading.Lock()

    def agent() -> None:
        while (claim := stores.claim_trial(sweep_id)) is not None:
            with lock:
                claimed.append(claim.trial.number)

    threads = [threading.Thread(target=agent) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == list(range(24))
    sweep = stores.get_sweep(sweep_id)
    assert sweep.trial_counts == {"RUNNING": 24}
    assert len({t.params["x"] for t in sweep.trials}) == 24


def test_grid_sweep_finishes_when_exhausted(stores: SqlSweepStore) -> None:
    config = _config(method="grid", parameters={"x": {"values": [1, 2]}, "y": {"value": "c"}})
    sweep_id = stores.create_sweep("0", config, "grid", "u").sweep_id
    claims = [stores.claim_trial(sweep_id) for _ in range(3)]
    assert claims[2] is None
    assert [c.trial.params for c in claims[:2] if c] == [{"x": 1, "y": "c"}, {"x": 2, "y": "c"}]
    for claim in claims[:2]:
        assert claim is not None
        run_id = _child_run(stores, sweep_id)
        stores._tracking.log_metric(run_id, _metric("loss", claim.trial.params["x"]))
        assert stores.report_trial(sweep_id, claim.trial.number, run_id) is False
        stores.report_trial(sweep_id, claim.trial.number, run_id, TrialState.FINISHED)
    sweep = stores.get_sweep(sweep_id)
    assert sweep.state == SweepState.FINISHED
    assert sweep.best_value == 1.0
    parent = stores._tracking.get_run(sweep.parent_run_id)
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics == {"loss": 1.0}


def test_stop_and_resume(stores: SqlSweepStore) -> None:
    sweep_id = stores.create_sweep("0", _config(), None, "u").sweep_id
    assert stores.stop_sweep(sweep_id).state == SweepState.STOPPED
    assert stores.claim_trial(sweep_id) is None
    assert stores.resume_sweep(sweep_id).state == SweepState.RUNNING
    assert stores.claim_trial(sweep_id) is not None
    assert [s.sweep_id for s in stores.list_sweeps("0")] == [sweep_id]


def test_silent_trial_is_failed_with_its_run(
    stores: SqlSweepStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLHARBOR_SWEEP_HEARTBEAT_TIMEOUT", "0.3")
    sweep_id = stores.create_sweep("0", _config(run_cap=1), None, "u").sweep_id
    claim = stores.claim_trial(sweep_id)
    assert claim is not None
    assert claim.heartbeat_interval == pytest.approx(0.075)
    run_id = _child_run(stores, sweep_id)
    stores.report_trial(sweep_id, 0, run_id)
    time.sleep(0.5)
    sweep = stores.get_sweep(sweep_id)
    assert sweep.trials[0].state == TrialState.FAILED
    assert sweep.state == SweepState.FINISHED
    assert stores._tracking.get_run(run_id).info.status == "FAILED"
    # The agent, should it come back, is told to stop.
    assert stores.report_trial(sweep_id, 0, run_id) is True


def test_trial_run_must_be_a_child_of_the_sweep(stores: SqlSweepStore) -> None:
    sweep_id = stores.create_sweep("0", _config(), None, "u").sweep_id
    stores.claim_trial(sweep_id)
    stranger = stores._tracking.create_run("0", "u", None, [], None).info.run_id
    with pytest.raises(MlharborException, match="not a child run") as caught:
        stores.report_trial(sweep_id, 0, stranger)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlharborException) as missing:
        stores.report_trial(sweep_id, 7)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
