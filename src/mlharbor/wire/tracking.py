"""Tracking entities ⇄ MLflow JSON dicts (experiments, runs, metrics, datasets, logged models).

``*_to_json`` returns exactly what MLflow's server emits: unset fields and empty repeated fields
are omitted, ids are strings, enums travel by name, doubles follow :mod:`mlharbor.wire.values`.
``*_from_json`` reads what either server sends, tolerating unknown fields, numeric strings for
int64 values and enum numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mlharbor.entities import (
    Dataset,
    DatasetInput,
    DatasetSummary,
    Experiment,
    FileInfo,
    InputTag,
    LoggedModel,
    LoggedModelInput,
    LoggedModelOutput,
    Metric,
    ModelRegistration,
    Param,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunOutputs,
    RunStatus,
    RunTag,
)
from mlharbor.entities.enums import LoggedModelStatus
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.wire.values import decode_double, decode_int, encode_double

JsonDict = dict[str, Any]


def _put(out: JsonDict, key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _put_list(out: JsonDict, key: str, items: list[Any]) -> None:
    if items:
        out[key] = items


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return None if value is None else decode_int(value, key)


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None else str(value)


# -- key/value records -----------------------------------------------------------------------


def key_values_to_json(pairs: Mapping[str, str]) -> list[JsonDict]:
    """A ``{key: value}`` mapping as MLflow's repeated ``{key, value}`` messages."""
    return [{"key": k, "value": v} for k, v in pairs.items()]


def key_values_from_json(items: Iterable[Mapping[str, Any]] | None) -> dict[str, str]:
    """Repeated ``{key, value}`` messages as a mapping (later duplicates win)."""
    return {str(i["key"]): str(i.get("value", "")) for i in items or () if "key" in i}


def param_to_json(param: Param) -> JsonDict:
    return {"key": param.key, "value": param.value}


def param_from_json(data: Mapping[str, Any]) -> Param:
    return Param(key=str(data["key"]), value=str(data.get("value", "")))


def tag_to_json(tag: RunTag) -> JsonDict:
    return {"key": tag.key, "value": tag.value}


def tag_from_json(data: Mapping[str, Any]) -> RunTag:
    return RunTag(key=str(data["key"]), value=str(data.get("value", "")))


def metric_to_json(metric: Metric, *, include_run_id: bool = False) -> JsonDict:
    """A metric point; ``run_id`` is only part of logged-model metric lists."""
    out: JsonDict = {
        "key": metric.key,
        "value": encode_double(metric.value),
        "timestamp": metric.timestamp,
        "step": metric.step,
    }
    _put(out, "dataset_name", metric.dataset_name)
    _put(out, "dataset_digest", metric.dataset_digest)
    _put(out, "model_id", metric.model_id)
    if include_run_id:
        _put(out, "run_id", metric.run_id)
    return out


def metric_from_json(data: Mapping[str, Any]) -> Metric:
    return Metric(
        key=str(data["key"]),
        value=decode_double(data.get("value", 0.0)),
        timestamp=decode_int(data.get("timestamp", 0), "timestamp"),
        step=decode_int(data.get("step", 0), "step"),
        dataset_name=_opt_str(data, "dataset_name"),
        dataset_digest=_opt_str(data, "dataset_digest"),
        model_id=_opt_str(data, "model_id"),
        run_id=_opt_str(data, "run_id"),
    )


# -- experiments -----------------------------------------------------------------------------


def experiment_to_json(experiment: Experiment) -> JsonDict:
    out: JsonDict = {
        "experiment_id": experiment.experiment_id,
        "name": experiment.name,
        "artifact_location": experiment.artifact_location,
        "lifecycle_stage": experiment.lifecycle_stage,
    }
    _put(out, "last_update_time", experiment.last_update_time)
    _put(out, "creation_time", experiment.creation_time)
    _put_list(out, "tags", key_values_to_json(experiment.tags))
    # MLflow 3 servers without workspaces report every experiment in "default".
    out["workspace"] = "default"
    return out


def experiment_from_json(data: Mapping[str, Any]) -> Experiment:
    return Experiment(
        experiment_id=str(data["experiment_id"]),
        name=str(data.get("name", "")),
        artifact_location=str(data.get("artifact_location", "")),
        lifecycle_stage=str(data.get("lifecycle_stage", "active")),
        tags=key_values_from_json(data.get("tags")),
        creation_time=_opt_int(data, "creation_time"),
        last_update_time=_opt_int(data, "last_update_time"),
    )


# -- runs ------------------------------------------------------------------------------------


def run_status_from_json(value: Any) -> RunStatus:
    """A run status given by name or protobuf number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return RunStatus.from_number(value)
    text = str(value)
    if text.isdigit():
        return RunStatus.from_number(int(text))
    return RunStatus.from_string(text)


def run_info_to_json(info: RunInfo) -> JsonDict:
    out: JsonDict = {
        "run_uuid": info.run_id,
        "experiment_id": info.experiment_id,
        "run_name": info.run_name,
        "user_id": info.user_id,
        "status": str(info.status),
    }
    _put(out, "start_time", info.start_time)
    _put(out, "end_time", info.end_time)
    out["artifact_uri"] = info.artifact_uri
    out["lifecycle_stage"] = info.lifecycle_stage
    out["run_id"] = info.run_id
    return out


def run_info_from_json(data: Mapping[str, Any]) -> RunInfo:
    run_id = str(data.get("run_id") or data.get("run_uuid") or "")
    status = data.get("status")
    return RunInfo(
        run_id=run_id,
        experiment_id=str(data.get("experiment_id", "")),
        run_name=str(data.get("run_name", "")),
        user_id=str(data.get("user_id", "")),
        status=str(run_status_from_json(status)) if status is not None else "RUNNING",
        start_time=_opt_int(data, "start_time"),
        end_time=_opt_int(data, "end_time"),
        lifecycle_stage=str(data.get("lifecycle_stage", "active")),
        artifact_uri=str(data.get("artifact_uri", "")),
    )


def run_data_to_json(data: RunData) -> JsonDict:
    out: JsonDict = {}
    _put_list(out, "metrics", [metric_to_json(m) for m in data.metric_objs])
    _put_list(out, "params", key_values_to_json(data.params))
    _put_list(out, "tags", key_values_to_json(data.tags))
    return out


def run_data_from_json(data: Mapping[str, Any]) -> RunData:
    return RunData(
        metric_objs=tuple(metric_from_json(m) for m in data.get("metrics") or ()),
        params=key_values_from_json(data.get("params")),
        tags=key_values_from_json(data.get("tags")),
    )


def dataset_to_json(dataset: Dataset) -> JsonDict:
    out: JsonDict = {
        "name": dataset.name,
        "digest": dataset.digest,
        "source_type": dataset.source_type,
        "source": dataset.source,
    }
    _put(out, "schema", dataset.schema)
    _put(out, "profile", dataset.profile)
    return out


def dataset_from_json(data: Mapping[str, Any]) -> Dataset:
    return Dataset(
        name=str(data.get("name", "")),
        digest=str(data.get("digest", "")),
        source_type=str(data.get("source_type", "")),
        source=str(data.get("source", "")),
        schema=_opt_str(data, "schema"),
        profile=_opt_str(data, "profile"),
    )


def dataset_input_to_json(dataset_input: DatasetInput) -> JsonDict:
    out: JsonDict = {}
    _put_list(out, "tags", [{"key": t.key, "value": t.value} for t in dataset_input.tags])
    out["dataset"] = dataset_to_json(dataset_input.dataset)
    return out


def dataset_input_from_json(data: Mapping[str, Any]) -> DatasetInput:
    return DatasetInput(
        dataset=dataset_from_json(data.get("dataset") or {}),
        tags=tuple(
            InputTag(key=str(t["key"]), value=str(t.get("value", "")))
            for t in data.get("tags") or ()
        ),
    )


def dataset_summary_to_json(summary: DatasetSummary) -> JsonDict:
    out: JsonDict = {
        "experiment_id": summary.experiment_id,
        "name": summary.name,
        "digest": summary.digest,
    }
    _put(out, "context", summary.context)
    return out


def dataset_summary_from_json(data: Mapping[str, Any]) -> DatasetSummary:
    return DatasetSummary(
        experiment_id=str(data.get("experiment_id", "")),
        name=str(data.get("name", "")),
        digest=str(data.get("digest", "")),
        context=_opt_str(data, "context"),
    )


def model_input_to_json(model_input: LoggedModelInput) -> JsonDict:
    return {"model_id": model_input.model_id}


def model_input_from_json(data: Mapping[str, Any]) -> LoggedModelInput:
    return LoggedModelInput(model_id=str(data["model_id"]))


def model_output_to_json(model_output: LoggedModelOutput) -> JsonDict:
    return {"model_id": model_output.model_id, "step": model_output.step}


def model_output_from_json(data: Mapping[str, Any]) -> LoggedModelOutput:
    return LoggedModelOutput(
        model_id=str(data["model_id"]), step=decode_int(data.get("step", 0), "step")
    )


def run_inputs_to_json(inputs: RunInputs) -> JsonDict:
    out: JsonDict = {}
    _put_list(out, "dataset_inputs", [dataset_input_to_json(d) for d in inputs.dataset_inputs])
    _put_list(out, "model_inputs", [model_input_to_json(m) for m in inputs.model_inputs])
    return out


def run_inputs_from_json(data: Mapping[str, Any]) -> RunInputs:
    return RunInputs(
        dataset_inputs=tuple(dataset_input_from_json(d) for d in data.get("dataset_inputs") or ()),
        model_inputs=tuple(model_input_from_json(m) for m in data.get("model_inputs") or ()),
    )


def run_outputs_to_json(outputs: RunOutputs) -> JsonDict:
    out: JsonDict = {}
    _put_list(out, "model_outputs", [model_output_to_json(m) for m in outputs.model_outputs])
    return out


def run_outputs_from_json(data: Mapping[str, Any]) -> RunOutputs:
    return RunOutputs(
        model_outputs=tuple(model_output_from_json(m) for m in data.get("model_outputs") or ())
    )


def run_to_json(run: Run) -> JsonDict:
    return {
        "info": run_info_to_json(run.info),
        "data": run_data_to_json(run.data),
        "inputs": run_inputs_to_json(run.inputs),
        "outputs": run_outputs_to_json(run.outputs),
    }


def run_from_json(data: Mapping[str, Any]) -> Run:
    return Run(
        info=run_info_from_json(data.get("info") or {}),
        data=run_data_from_json(data.get("data") or {}),
        inputs=run_inputs_from_json(data.get("inputs") or {}),
        outputs=run_outputs_from_json(data.get("outputs") or {}),
    )


# -- logged models ---------------------------------------------------------------------------


def logged_model_status_from_json(value: Any) -> LoggedModelStatus:
    """A logged-model status given by proto name, MLflow value or proto number."""
    try:
        return LoggedModelStatus.coerce(value)
    except InvalidParameterValue:
        return LoggedModelStatus.UNSPECIFIED


def logged_model_to_json(model: LoggedModel) -> JsonDict:
    info: JsonDict = {
        "model_id": model.model_id,
        "experiment_id": model.experiment_id,
        "name": model.name,
        "creation_timestamp_ms": model.creation_timestamp,
        "last_updated_timestamp_ms": model.last_updated_timestamp,
        "artifact_uri": model.artifact_location,
        "status": LoggedModelStatus.coerce(model.status).proto_name,
    }
    # MLflow's server always reports these two, empty when none was given.
    info["model_type"] = model.model_type or ""
    info["source_run_id"] = model.source_run_id or ""
    _put(info, "status_message", model.status_message)
    _put_list(info, "tags", key_values_to_json(model.tags))
    _put_list(
        info,
        "registrations",
        [{"name": r.name, "version": r.version} for r in model.registrations],
    )
    data: JsonDict = {}
    _put_list(data, "params", key_values_to_json(model.params))
    _put_list(data, "metrics", [metric_to_json(m, include_run_id=True) for m in model.metrics])
    return {"info": info, "data": data}


def logged_model_from_json(data: Mapping[str, Any]) -> LoggedModel:
    info = data.get("info") or {}
    body = data.get("data") or {}
    return LoggedModel(
        model_id=str(info["model_id"]),
        experiment_id=str(info.get("experiment_id", "")),
        name=str(info.get("name", "")),
        artifact_location=str(info.get("artifact_uri", "")),
        creation_timestamp=decode_int(info.get("creation_timestamp_ms", 0), "creation_timestamp"),
        last_updated_timestamp=decode_int(
            info.get("last_updated_timestamp_ms", 0), "last_updated_timestamp"
        ),
        status=logged_model_status_from_json(info.get("status", 0)),
        model_type=_opt_str(info, "model_type"),
        source_run_id=_opt_str(info, "source_run_id") or None,
        status_message=_opt_str(info, "status_message"),
        tags=key_values_from_json(info.get("tags")),
        params=key_values_from_json(body.get("params")),
        metrics=tuple(metric_from_json(m) for m in body.get("metrics") or ()),
        registrations=tuple(
            ModelRegistration(name=str(r.get("name", "")), version=str(r.get("version", "")))
            for r in info.get("registrations") or ()
        ),
    )


# -- artifacts -------------------------------------------------------------------------------


def file_info_to_json(file_info: FileInfo) -> JsonDict:
    out: JsonDict = {"path": file_info.path, "is_dir": file_info.is_dir}
    if not file_info.is_dir:
        _put(out, "file_size", file_info.file_size)
    return out


def file_info_from_json(data: Mapping[str, Any]) -> FileInfo:
    return FileInfo(
        path=str(data["path"]),
        is_dir=bool(data.get("is_dir", False)),
        file_size=_opt_int(data, "file_size"),
    )
