"""Runs: creation, names, status updates, lifecycle, and their error cases."""

from __future__ import annotations

import re

from mlharbor.entities import RunTag
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code

RUN_NAME = "mlflow.runName"


def test_create_run_fills_in_everything(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("runs")
    location = tracking_store.get_experiment(experiment_id).artifact_location
    run = tracking_store.create_run(
        experiment_id, "root", 1795380368864, [RunTag("mlflow.user", "root")], None
    )
    info = run.info
    assert re.fullmatch(r"[0-9a-f]{32}", info.run_id)
    assert info.run_uuid == info.run_id
    assert info.experiment_id == experiment_id
    assert info.user_id == "root"
    assert info.status == "RUNNING"
    assert info.start_time == 1795380368864
    assert info.end_time is None
    assert info.lifecycle_stage == "active"
    assert info.artifact_uri == f"{location}/{info.run_id}/artifacts"
    assert re.fullmatch(r"[a-z]+-[a-z]+-\d{1,3}", info.run_name)
    assert len(info.run_name) <= 20
    assert run.data.tags == {"mlflow.user": "root", RUN_NAME: info.run_name}
    assert tracking_store.get_run(info.run_id) == run


def test_run_name_from_argument_or_tag(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("named")
    by_argument = tracking_store.create_run(experiment_id, "u", None, [], "my-run")
    assert by_argument.info.run_name == "my-run"
    assert by_argument.data.tags[RUN_NAME] == "my-run"
    by_tag = tracking_store.create_run(experiment_id, "u", None, [RunTag(RUN_NAME, "tagged")], None)
    assert by_tag.info.run_name == "tagged"
    same = tracking_store.create_run(experiment_id, "u", None, [RunTag(RUN_NAME, "x")], "x")
    assert same.info.run_name == "x"


def test_run_name_conflicting_with_tag_rejected(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("conflict")
    with raises_code("INVALID_PARAMETER_VALUE", "different values"):
        tracking_store.create_run(experiment_id, "u", None, [RunTag(RUN_NAME, "a")], "b")
    assert list(tracking_store.search_runs([experiment_id])) == []


def test_create_run_in_deleted_experiment(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("gone")
    tracking_store.delete_experiment(experiment_id)
    with raises_code(
        "INVALID_PARAMETER_VALUE",
        f"The experiment {experiment_id} must be in the 'active' state. Current state is deleted.",
    ):
        tracking_store.create_run(experiment_id, "u", None, [], None)


def test_create_run_in_unknown_experiment(tracking_store: TrackingStore) -> None:
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.create_run("424242", "u", None, [], None)


def test_get_unknown_run(tracking_store: TrackingStore) -> None:
    run_id = "0123456789abcdef0123456789abcdef"
    with raises_code("RESOURCE_DOES_NOT_EXIST", f"Run with id={run_id} not found"):
        tracking_store.get_run(run_id)


def test_update_changes_only_given_fields(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("update")
    run_id = tracking_store.create_run(experiment_id, "u", 1000, [], "before").info.run_id
    info = tracking_store.update_run_info(run_id, "FINISHED", 2000, None)
    assert (info.status, info.end_time, info.run_name) == ("FINISHED", 2000, "before")
    # Resuming sends RUNNING with the old end time (what the official client does).
    info = tracking_store.update_run_info(run_id, "RUNNING", 2000, None)
    assert (info.status, info.end_time) == ("RUNNING", 2000)
    info = tracking_store.update_run_info(run_id, None, None, "after")
    assert (info.status, info.run_name) == ("RUNNING", "after")
    assert tracking_store.get_run(run_id).data.tags[RUN_NAME] == "after"


def test_update_rejects_unknown_status(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("bad-status")
    run_id = tracking_store.create_run(experiment_id, "u", 1000, [], None).info.run_id
    with raises_code("INVALID_PARAMETER_VALUE"):
        tracking_store.update_run_info(run_id, "SIDEWAYS", None, None)
    assert tracking_store.get_run(run_id).info.status == "RUNNING"


def test_set_run_name_tag_renames(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("rename-by-tag")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], "first").info.run_id
    tracking_store.set_tag(run_id, RunTag(RUN_NAME, "second"))
    assert tracking_store.get_run(run_id).info.run_name == "second"


def test_delete_and_restore_are_idempotent(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("delete-run")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    tracking_store.delete_run(run_id)
    tracking_store.delete_run(run_id)
    assert tracking_store.get_run(run_id).info.lifecycle_stage == "deleted"
    tracking_store.restore_run(run_id)
    tracking_store.restore_run(run_id)
    assert tracking_store.get_run(run_id).info.lifecycle_stage == "active"
    with raises_code("RESOURCE_DOES_NOT_EXIST"):
        tracking_store.delete_run("0123456789abcdef0123456789abcdef")


def test_update_deleted_run_rejected(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("update-deleted")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    tracking_store.delete_run(run_id)
    with raises_code("INVALID_PARAMETER_VALUE", "must be in the 'active' state"):
        tracking_store.update_run_info(run_id, "FINISHED", 5, None)
    assert tracking_store.get_run(run_id).info.status == "RUNNING"
