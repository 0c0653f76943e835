"""Dataset inputs (deduplicated per experiment), model inputs and model outputs of runs."""

from __future__ import annotations

import pytest

from mlharbor.entities import (
    Dataset,
    DatasetInput,
    InputTag,
    LoggedModelInput,
    LoggedModelOutput,
)
from mlharbor.store.tracking.protocol import TrackingStore
from tests.conformance.helpers import raises_code

CONTEXT = "mlflow.data.context"


def _dataset(name: str = "train-df", digest: str = "a2d54597", **extra: str) -> Dataset:
    return Dataset(
        name=name,
        digest=digest,
        source_type=extra.get("source_type", "s3"),
        source=extra.get("source", '{"uri": "s3://my-bucket/data.csv"}'),
        schema=extra.get("schema", '{"mlflow_colspec": []}'),
        profile=extra.get("profile", '{"num_rows": 3}'),
    )


def test_log_dataset_with_context(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("datasets")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    dataset_input = DatasetInput(_dataset(), (InputTag(CONTEXT, "training"),))
    tracking_store.log_inputs(run_id, datasets=[dataset_input])
    tracking_store.log_inputs(run_id, datasets=[dataset_input])  # logging twice changes nothing
    inputs = tracking_store.get_run(run_id).inputs
    assert inputs.dataset_inputs == (dataset_input,)


def test_datasets_are_shared_within_an_experiment(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("shared")
    first = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    second = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    tracking_store.log_inputs(first, datasets=[DatasetInput(_dataset(), (InputTag(CONTEXT, "a"),))])
    tracking_store.log_inputs(
        second, datasets=[DatasetInput(_dataset(), (InputTag(CONTEXT, "b"),))]
    )
    assert tracking_store.get_run(first).inputs.dataset_inputs[0].tags == (InputTag(CONTEXT, "a"),)
    assert tracking_store.get_run(second).inputs.dataset_inputs[0].tags == (InputTag(CONTEXT, "b"),)
    tracking_store.log_inputs(
        second, datasets=[DatasetInput(_dataset(digest="ffff0000"), (InputTag(CONTEXT, "b"),))]
    )
    digests = {d.dataset.digest for d in tracking_store.get_run(second).inputs.dataset_inputs}
    assert digests == {"a2d54597", "ffff0000"}


@pytest.mark.parametrize(
    ("dataset_input", "message"),
    [
        (DatasetInput(_dataset(name="n" * 501)), "'name' exceeds the maximum length of 500"),
        (DatasetInput(_dataset(digest="d" * 37)), "'digest' exceeds the maximum length of 36"),
        (
            DatasetInput(_dataset(source="s" * 65536)),
            "'source' exceeds the maximum length of 65535",
        ),
        (
            DatasetInput(_dataset(), (InputTag("k" * 256, "v"),)),
            "'key' exceeds the maximum length of 255",
        ),
        (
            DatasetInput(_dataset(), (InputTag(CONTEXT, "v" * 501),)),
            "'value' exceeds the maximum length of 500",
        ),
    ],
)
def test_invalid_dataset_inputs(
    tracking_store: TrackingStore, dataset_input: DatasetInput, message: str
) -> None:
    experiment_id = tracking_store.create_experiment("bad-datasets")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    with raises_code("INVALID_PARAMETER_VALUE", message):
        tracking_store.log_inputs(run_id, datasets=[DatasetInput(_dataset("ok")), dataset_input])
    assert tracking_store.get_run(run_id).inputs.dataset_inputs == ()


def test_model_inputs_and_outputs(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("lineage")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    model = tracking_store.create_logged_model(experiment_id, name="model", source_run_id=run_id)
    tracking_store.log_outputs(run_id, [LoggedModelOutput(model.model_id, 3)])
    tracking_store.log_inputs(run_id, models=[LoggedModelInput(model.model_id)])
    run = tracking_store.get_run(run_id)
    assert run.outputs.model_outputs == (LoggedModelOutput(model.model_id, 3),)
    assert run.inputs.model_inputs == (LoggedModelInput(model.model_id),)


def test_inputs_to_deleted_run_rejected(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("deleted-inputs")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    tracking_store.delete_run(run_id)
    with raises_code("INVALID_PARAMETER_VALUE", "must be in the 'active' state"):
        tracking_store.log_inputs(run_id, datasets=[DatasetInput(_dataset())])
    with raises_code("INVALID_PARAMETER_VALUE", "must be in the 'active' state"):
        tracking_store.log_outputs(run_id, [LoggedModelOutput("m-0123", 0)])
    tracking_store.restore_run(run_id)
    run = tracking_store.get_run(run_id)
    assert run.inputs.dataset_inputs == ()
    assert run.outputs.model_outputs == ()


def test_a_datasets_first_input_keeps_its_tags(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("first-input")
    run_id = tracking_store.create_run(experiment_id, "u", None, [], None).info.run_id
    train = DatasetInput(_dataset(), (InputTag(CONTEXT, "train"),))
    evaluation = DatasetInput(_dataset(), (InputTag(CONTEXT, "eval"),))
    tracking_store.log_inputs(run_id, datasets=[train, evaluation])
    tracking_store.log_inputs(run_id, datasets=[evaluation])
    assert tracking_store.get_run(run_id).inputs.dataset_inputs == (train,)


def test_search_datasets_lists_each_dataset_and_context(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("dataset-summaries")
    other = tracking_store.create_experiment("other-summaries")
    runs = [
        tracking_store.create_run(e, "u", None, [], None).info.run_id
        for e in (experiment_id, experiment_id, other)
    ]
    train = DatasetInput(_dataset(), (InputTag(CONTEXT, "train"),))
    tracking_store.log_inputs(runs[0], datasets=[train])
    tracking_store.log_inputs(
        runs[1],
        datasets=[
            DatasetInput(_dataset(), (InputTag(CONTEXT, "eval"),)),
            DatasetInput(_dataset("untagged", "0000ffff")),
        ],
    )
    tracking_store.log_inputs(runs[2], datasets=[DatasetInput(_dataset("elsewhere"))])
    summaries = tracking_store.search_datasets([experiment_id])
    assert {(s.experiment_id, s.name, s.digest, s.context) for s in summaries} == {
        (experiment_id, "train-df", "a2d54597", "train"),
        (experiment_id, "train-df", "a2d54597", "eval"),
        (experiment_id, "untagged", "0000ffff", None),
    }
    assert len(summaries) == 3
    both = tracking_store.search_datasets([experiment_id, other])
    assert {s.name for s in both} == {"train-df", "untagged", "elsewhere"}


def test_search_datasets_of_an_experiment_without_inputs(tracking_store: TrackingStore) -> None:
    experiment_id = tracking_store.create_experiment("no-datasets")
    assert tracking_store.search_datasets([experiment_id]) == []
