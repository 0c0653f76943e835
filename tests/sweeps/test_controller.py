"""The sweep stores on SQLite, PostgreSQL and REST: trials handed out exactly once under
concurrent claims, finishing, stop and resume, dead agents, and which runs a trial may name."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from mlharbor.entities import Metric, RunTag
from mlharbor.entities.sweep import SweepState, TrialState
from mlharbor.exceptions import MlharborException
from mlharbor.store.sweeps import SweepStore
from mlharbor.store.sweeps.rest import RestSweepStore
from mlharbor.store.sweeps.sql import SqlSweepStore
from mlharbor.store.tracking.protocol import TrackingStore
from mlharbor.store.tracking.rest import RestTrackingStore
from mlharbor.store.tracking.sql import SqlTrackingStore
from mlharbor.store.tracking.sql.engine import dispose_engine
from tests.rest.live_server import serve_in_thread


@dataclass
class Stores:
    """A sweep store and the tracking store of the same database (or server)."""

    sweeps: SweepStore
    tracking: TrackingStore


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres), "rest"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "rest":
        monkeypatch: pytest.MonkeyPatch = request.getfixturevalue("monkeypatch")
        monkeypatch.setenv("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")
        with serve_in_thread(tmp_path) as url:
            yield Stores(RestSweepStore(url), RestTrackingStore(url))
        return
    if request.param == "postgres":
        uri = str(request.getfixturevalue("postgres_url"))
    else:
        uri = f"sqlite:///{tmp_path / 'sweeps.db'}"
    tracking = SqlTrackingStore(uri, str(tmp_path / "artifacts"))
    try:
        yield Stores(SqlSweepStore(uri, tracking), tracking)
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


def _child_run(stores: Stores, sweep_id: str) -> str:
    sweep = stores.sweeps.get_sweep(sweep_id)
    tags = [RunTag("mlflow.parentRunId", sweep.parent_run_id)]
    return stores.tracking.create_run(sweep.experiment_id, "u", None, tags, None).info.run_id


def test_concurrent_claims_hand_out_each_trial_once(stores: Stores) -> None:
    sweep_id = stores.sweeps.create_sweep(
        "0", _config(method="bayes", run_cap=24), None, "u"
    ).sweep_id
    claimed: list[int] = []
    lock = threading.Lock()

    def agent() -> None:
        while (claim := stores.sweeps.claim_trial(sweep_id)) is not None:
            with lock:
                claimed.append(claim.trial.number)

    threads = [threading.Thread(target=agent) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == list(range(24))
    sweep = stores.sweeps.get_sweep(sweep_id)
    assert sweep.trial_counts == {"RUNNING": 24}
    assert len({t.params["x"] for t in sweep.trials}) == 24


def test_grid_sweep_finishes_when_exhausted(stores: Stores) -> None:
    config = _config(method="grid", parameters={"x": {"values": [1, 2]}, "y": {"value": "c"}})
    sweep_id = stores.sweeps.create_sweep("0", config, "grid", "u").sweep_id
    claims = [stores.sweeps.claim_trial(sweep_id) for _ in range(3)]
    assert claims[2] is None
    assert [c.trial.params for c in claims[:2] if c] == [{"x": 1, "y": "c"}, {"x": 2, "y": "c"}]
    for claim in claims[:2]:
        assert claim is not None
        run_id = _child_run(stores, sweep_id)
        stores.tracking.log_metric(run_id, _metric("loss", claim.trial.params["x"]))
        assert stores.sweeps.report_trial(sweep_id, claim.trial.number, run_id) is False
        stores.sweeps.report_trial(sweep_id, claim.trial.number, run_id, TrialState.FINISHED)
    sweep = stores.sweeps.get_sweep(sweep_id)
    assert sweep.state == SweepState.FINISHED
    assert sweep.best_value == 1.0
    parent = stores.tracking.get_run(sweep.parent_run_id)
    assert parent.info.user_id == "u"
    assert parent.info.run_name == "grid"
    assert parent.info.status == "FINISHED"
    assert parent.data.metrics == {"loss": 1.0}


def test_stop_and_resume(stores: Stores) -> None:
    sweep_id = stores.sweeps.create_sweep("0", _config(), None, "u").sweep_id
    assert stores.sweeps.stop_sweep(sweep_id).state == SweepState.STOPPED
    assert stores.sweeps.claim_trial(sweep_id) is None
    assert stores.sweeps.resume_sweep(sweep_id).state == SweepState.RUNNING
    assert stores.sweeps.claim_trial(sweep_id) is not None
    assert [s.sweep_id for s in stores.sweeps.list_sweeps("0")] == [sweep_id]


def test_silent_trial_is_failed_with_its_run(
    stores: Stores, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MLHARBOR_SWEEP_HEARTBEAT_TIMEOUT", "0.3")
    sweep_id = stores.sweeps.create_sweep("0", _config(run_cap=1), None, "u").sweep_id
    claim = stores.sweeps.claim_trial(sweep_id)
    assert claim is not None
    assert claim.heartbeat_interval == pytest.approx(0.075)
    run_id = _child_run(stores, sweep_id)
    stores.sweeps.report_trial(sweep_id, 0, run_id)
    time.sleep(0.5)
    sweep = stores.sweeps.get_sweep(sweep_id)
    assert sweep.trials[0].state == TrialState.FAILED
    assert sweep.state == SweepState.FINISHED
    assert stores.tracking.get_run(run_id).info.status == "FAILED"
    # The agent, should it come back, is told to stop.
    assert stores.sweeps.report_trial(sweep_id, 0, run_id) is True


def test_trial_run_must_be_a_child_of_the_sweep(stores: Stores) -> None:
    sweep_id = stores.sweeps.create_sweep("0", _config(), None, "u").sweep_id
    stores.sweeps.claim_trial(sweep_id)
    stranger = stores.tracking.create_run("0", "u", None, [], None).info.run_id
    with pytest.raises(MlharborException, match="not a child run") as caught:
        stores.sweeps.report_trial(sweep_id, 0, stranger)
    assert caught.value.error_code == "INVALID_PARAMETER_VALUE"
    with pytest.raises(MlharborException) as missing:
        stores.sweeps.report_trial(sweep_id, 7)
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"
