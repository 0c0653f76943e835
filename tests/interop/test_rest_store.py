"""``RestTrackingStore`` and ``HttpArtifactRepository`` against a real ``mlflow server`` 3.17.2
and a real ``mlharbor server``: both servers must give the client the same answers."""

from __future__ import annotations

import math
import uuid
from pathlib import Path

import pytest

from mlharbor.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    Param,
    RunTag,
    ViewType,
)
from mlharbor.exceptions import MlharborException
from mlharbor.store.artifact.http import HttpArtifactRepository
from mlharbor.store.tracking.rest import RestTrackingStore
from tests.fixtures.servers import RunningServer


@pytest.fixture(params=["mlflow_server", "mlharbor_server"])
def server(request: pytest.FixtureRequest) -> RunningServer:
    running: RunningServer = request.getfixturevalue(request.param)
    return running


@pytest.fixture
def store(server: RunningServer) -> RestTrackingStore:
    return RestTrackingStore(server.url)


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_experiment_lifecycle(store: RestTrackingStore) -> None:
    name = _name("exp")
    exp_id = store.create_experiment(name, tags=[("team", "a")])
    exp = store.get_experiment(exp_id)
    assert exp.name == name
    assert exp.tags == {"team": "a"}
    assert exp.artifact_location == f"mlflow-artifacts:/{exp_id}"
    by_name = store.get_experiment_by_name(name)
    assert by_name is not None
    assert by_name.experiment_id == exp_id
    assert store.get_experiment_by_name(_name("missing")) is None

    store.set_experiment_tag(exp_id, "stage", "dev")
    store.rename_experiment(exp_id, name + "-renamed")
    renamed = store.get_experiment(exp_id)
    assert renamed.name == name + "-renamed"
    assert renamed.tags["stage"] == "dev"

    with pytest.raises(MlharborException) as dup:
        store.create_experiment(name + "-renamed")
    assert dup.value.error_code == "RESOURCE_ALREADY_EXISTS"

    store.delete_experiment(exp_id)
    assert store.get_experiment(exp_id).lifecycle_stage == "deleted"
    deleted = store.search_experiments(view_type=ViewType.DELETED_ONLY, max_results=1000)
    assert exp_id in {e.experiment_id for e in deleted}
    store.restore_experiment(exp_id)
    assert store.get_experiment(exp_id).lifecycle_stage == "active"

    found = store.search_experiments(filter_string=f"name = '{name}-renamed'")
    assert [e.experiment_id for e in found] == [exp_id]


def test_unknown_ids_raise_with_mlflow_codes(store: RestTrackingStore) -> None:
    with pytest.raises(MlharborException) as run_err:
        store.get_run("0123456789abcdef0123456789abcdef")
    assert run_err.value.error_code == "RESOURCE_DOES_NOT_EXIST"
    assert "Run with id=0123456789abcdef0123456789abcdef not found" in str(run_err.value)
    with pytest.raises(MlharborException) as exp_err:
        store.get_experiment("987654")
    assert exp_err.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_run_data_round_trip(store: RestTrackingStore) -> None:
    exp_id = store.create_experiment(_name("runs"))
    run = store.create_run(exp_id, "alice", 1_700_000_000_000, [RunTag("k", "v")], "my-run")
    run_id = run.info.run_id
    assert run.info.run_name == "my-run"
    assert run.info.status == "RUNNING"
    assert run.info.artifact_uri == f"mlflow-artifacts:/{exp_id}/{run_id}/artifacts"

    store.log_param(run_id, Param("alpha", "0.1"))
    store.log_metric(run_id, Metric("loss", 0.5, 1_700_000_000_001, 0))
    store.log_metric(run_id, Metric("loss", 0.25, 1_700_000_000_002, 1))
    store.log_metric(run_id, Metric("nan", math.nan, 1_700_000_000_003, 0))
    store.set_tag(run_id, RunTag("temp", "x"))
    store.log_batch(
        run_id,
        metrics=[Metric("acc", 0.9, 1_700_000_000_004, 2)],
        params=[Param("beta", "2")],
        tags=[RunTag("batch", "yes")],
    )
    store.delete_tag(run_id, "temp")

    fetched = store.get_run(run_id)
    assert fetched.data.params == {"alpha": "0.1", "beta": "2"}
    assert fetched.data.metrics["loss"] == 0.25
    assert fetched.data.metrics["acc"] == 0.9
    assert math.isnan(fetched.data.metrics["nan"])
    assert fetched.data.tags["k"] == "v"
    assert fetched.data.tags["batch"] == "yes"
    assert "temp" not in fetched.data.tags

    history = store.get_metric_history(run_id, "loss")
    assert [(m.step, m.value) for m in history] == [(0, 0.5), (1, 0.25)]
    assert history.token is None
    assert store.get_metric_history(run_id, "unknown") == []

    with pytest.raises(MlharborException) as changed:
        store.log_param(run_id, Param("alpha", "0.2"))
    assert changed.value.error_code == "INVALID_PARAMETER_VALUE"
    assert "Changing param values is not allowed" in str(changed.value)

    info = store.update_run_info(run_id, "FINISHED", 1_700_000_000_100, "renamed")
    assert info.status == "FINISHED"
    assert info.end_time == 1_700_000_000_100
    assert info.run_name == "renamed"
    assert store.get_run(run_id).data.tags["mlflow.runName"] == "renamed"


def test_search_runs_filters_orders_and_pages(store: RestTrackingStore) -> None:
    exp_id = store.create_experiment(_name("search"))
    ids = []
    for i in range(5):
        run = store.create_run(exp_id, "u", 1_700_000_000_000 + i, [], f"run-{i}")
        store.log_metric(run.info.run_id, Metric("accuracy", i / 10, 1, 0))
        store.log_param(run.info.run_id, Param("model", "rf" if i % 2 else "lr"))
        ids.append(run.info.run_id)

    best = store.search_runs(
        [exp_id],
        "metrics.accuracy > 0.15 and params.model = 'rf'",
        order_by=["metrics.accuracy DESC"],
    )
    assert [r.info.run_id for r in best] == [ids[3]]

    first = store.search_runs([exp_id], max_results=2, order_by=["attributes.start_time ASC"])
    assert [r.info.run_id for r in first] == ids[:2]
    assert first.token is not None
    second = store.search_runs(
        [exp_id], max_results=2, order_by=["attributes.start_time ASC"], page_token=first.token
    )
    assert [r.info.run_id for r in second] == ids[2:4]

    store.delete_run(ids[0])
    active = store.search_runs([exp_id], run_view_type=ViewType.ACTIVE_ONLY)
    assert ids[0] not in {r.info.run_id for r in active}
    deleted = store.search_runs([exp_id], run_view_type=ViewType.DELETED_ONLY)
    assert [r.info.run_id for r in deleted] == [ids[0]]
    store.restore_run(ids[0])
    assert store.get_run(ids[0]).info.lifecycle_stage == "active"

    with pytest.raises(MlharborException) as bad:
        store.search_runs([exp_id], "foo.bar = 1")
    assert bad.value.error_code == "INVALID_PARAMETER_VALUE"


def test_inputs_outputs_and_logged_models(store: RestTrackingStore) -> None:
    exp_id = store.create_experiment(_name("models"))
    run_id = store.create_run(exp_id, "u", None, [], None).info.run_id
    dataset = Dataset("train", "abc123", "local", '{"uri": "data.csv"}', None, '{"rows": 3}')
    context = InputTag("mlflow.data.context", "training")
    store.log_inputs(run_id, [DatasetInput(dataset, (context,))])

    model = store.create_logged_model(
        exp_id, "model", run_id, tags=[("t", "1")], params=[("p", "2")], model_type="clf"
    )
    assert model.model_id.startswith("m-")
    assert model.status == "PENDING"
    expected_uri = f"mlflow-artifacts:/{exp_id}/models/{model.model_id}/artifacts"
    assert model.artifact_location == expected_uri
    store.log_outputs(run_id, [LoggedModelOutput(model.model_id, 0)])
    store.log_inputs(run_id, models=[LoggedModelInput(model.model_id)])

    run = store.get_run(run_id)
    assert run.inputs.dataset_inputs[0].dataset == dataset
    assert run.inputs.dataset_inputs[0].tags == (context,)
    assert run.outputs.model_outputs == (LoggedModelOutput(model.model_id, 0),)

    store.set_logged_model_tags(model.model_id, [("owner", "me"), ("gone", "x")])
    store.delete_logged_model_tag(model.model_id, "gone")
    store.log_logged_model_params(model.model_id, [("lr", "0.1")])
    ready = store.finalize_logged_model(model.model_id, "READY")
    assert ready.status == "READY"
    got = store.get_logged_model(model.model_id)
    assert got.tags["owner"] == "me"
    assert "gone" not in got.tags
    assert got.params == {"p": "2", "lr": "0.1"}
    assert got.model_type == "clf"
    assert got.source_run_id == run_id

    found = store.search_logged_models([exp_id], "name = 'model'")
    assert [m.model_id for m in found] == [model.model_id]
    assert store.search_logged_models([exp_id], "name = 'nothing'") == []
    ordered = store.search_logged_models(
        [exp_id], order_by=[{"field_name": "creation_time", "ascending": False}], max_results=5
    )
    assert [m.model_id for m in ordered] == [model.model_id]

    store.delete_logged_model(model.model_id)
    with pytest.raises(MlharborException) as gone:
        store.get_logged_model(model.model_id)
    assert gone.value.error_code == "RESOURCE_DOES_NOT_EXIST"


def test_artifact_proxy_round_trip(
    store: RestTrackingStore, server: RunningServer, tmp_path: Path
) -> None:
    exp_id = store.create_experiment(_name("art"))
    run = store.create_run(exp_id, "u", None, [], None)
    repo = HttpArtifactRepository(run.info.artifact_uri, tracking_uri=server.url)

    src = tmp_path / "src"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("alpha")
    (src / "sub" / "b.bin").write_bytes(bytes(range(256)) * 100)
    (src / "with space.txt").write_text("spaced")
    single = tmp_path / "model.pkl"
    single.write_bytes(b"\x00pickle")

    repo.log_artifacts(str(src), "results")
    repo.log_artifact(str(single))
    repo.log_artifact(str(single), "nested/dir")

    top = repo.list_artifacts()
    assert [(f.path, f.is_dir) for f in top] == [
        ("model.pkl", False),
        ("nested", True),
        ("results", True),
    ]
    results = repo.list_artifacts("results")
    assert [(f.path, f.is_dir, f.file_size) for f in results] == [
        ("results/a.txt", False, 5),
        ("results/sub", True, None),
        ("results/with space.txt", False, 6),
    ]
    assert repo.list_artifacts("missing") == []

    out = tmp_path / "out"
    out.mkdir()
    local = Path(repo.download_artifacts("results", str(out)))
    assert local == out / "results"
    assert (local / "a.txt").read_text() == "alpha"
    assert (local / "sub" / "b.bin").read_bytes() == bytes(range(256)) * 100
    assert (local / "with space.txt").read_text() == "spaced"
    one = Path(repo.download_artifacts("nested/dir/model.pkl"))
    assert one.read_bytes() == b"\x00pickle"

    with pytest.raises(MlharborException) as missing:
        repo.download_artifacts("nope.txt", str(out))
    assert missing.value.error_code == "RESOURCE_DOES_NOT_EXIST"

    repo.delete_artifacts("results/sub")
    assert [f.path for f in repo.list_artifacts("results")] == [
        "results/a.txt",
        "results/with space.txt",
    ]
    with pytest.raises(MlharborException):
        repo.list_artifacts("../escape")
