"""The ONNX flavor: an ``onnx.ModelProto`` written by ``onnx.save_model`` in MLflow's layout.

The directory holds ``model.onnx`` (large tensors in an external data file beside it unless
``save_as_external_data=False``); the ``onnx`` flavor records ``onnx_version``, ``data``, the
onnxruntime ``providers`` to try in order and ``onnx_session_options``. The pyfunc runs the
model with onnxruntime (see :mod:`mlharbor.onnx.runtime`).
"""

from __future__ import annotations

import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.model import Model

__all__ = [
    "FLAVOR_NAME",
    "ONNX_EXECUTION_PROVIDERS",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "onnx"
ONNX_EXECUTION_PROVIDERS = ["CUDAExecutionProvider", "CPUExecutionProvider"]
_DATA_FILE = "model.onnx"
_EXECUTION_MODES = ("PARALLEL", "SEQUENTIAL")


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved model lists by default (the pyfunc needs
    onnxruntime as well as onnx)."""
    from mlharbor.models.environment import pinned_requirement

    return [line for d in ("onnx", "onnxruntime") if (line := pinned_requirement(d))]


def _check_session_options(options: Any) -> None:
    """Refuse session options onnxruntime would not know, before anything is written."""
    if options is None:
        return
    if not isinstance(options, dict):
        raise InvalidParameterValue(
            f"onnx_session_options must be a dict, not {type(options).__name__}"
        )
    import onnxruntime

    for key, value in options.items():
        if key == "extra_session_config":
            if not isinstance(value, dict):
                raise InvalidParameterValue(
                    "onnx_session_options.extra_session_config must be a dict"
                )
        elif not hasattr(onnxruntime.SessionOptions, key):
            raise InvalidParameterValue(
                f"Key {key} in onnx_session_options is not a valid ONNX Runtime session option"
            )
        elif key == "execution_mode" and str(value).upper() not in _EXECUTION_MODES:
            raise InvalidParameterValue(
                f"onnx_session_options.execution_mode must be 'parallel' or 'sequential', "
                f"not {value}"
            )


def save_model(
    onnx_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    onnx_execution_providers: list[Any] | None = None,
    onnx_session_options: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
    save_as_external_data: bool = True,
    **kwargs: Any,
) -> None:
    """Save an ONNX model as a model directory at ``path``.

    Args:
        onnx_model: an ``onnx.ModelProto`` (e.g. from skl2onnx or ``torch.onnx.export``).
        signature: a :class:`~mlharbor.models.ModelSignature`; as in MLflow, none is inferred.
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) saved under ``extra_files/``.
        onnx_execution_providers: onnxruntime providers to try in order; CUDA then CPU when
            None (those not installed are skipped at load time).
        onnx_session_options: ``onnxruntime.SessionOptions`` attributes to set at load time
            (``intra_op_num_threads``, ``execution_mode``, ``extra_session_config``...).
        save_as_external_data: write large tensors to a data file beside ``model.onnx``.
        kwargs: passed to ``onnx.save_model``.

    Raises:
        InvalidParameterValue: for a non-ONNX model, unknown session options or missing
            ``extra_files``.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import onnx

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.extra_files import copy_extra_files
    from mlharbor.models.model_dir import model_directory, record_inputs

    if not isinstance(onnx_model, onnx.ModelProto):
        raise InvalidParameterValue(
            f"Expected an onnx.ModelProto, got an instance of {type(onnx_model).__name__}"
        )
    _check_session_options(onnx_session_options)
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            # MLflow infers no ONNX signature from the example; neither do we
            signature=signature if signature is not None else False,
            infer_signature=lambda data: None,
        )
        onnx.save_model(
            onnx_model,
            os.path.join(draft.directory, _DATA_FILE),
            save_as_external_data=save_as_external_data,
            **kwargs,
        )
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.onnx",
            data=_DATA_FILE,
            **({"code": code} if code is not None else {}),
            **environment_flavor_config(),
        )
        extras = copy_extra_files(extra_files, draft.directory)
        draft.model.add_flavor(
            FLAVOR_NAME,
            onnx_version=onnx.__version__,
            data=_DATA_FILE,
            providers=list(onnx_execution_providers or ONNX_EXECUTION_PROVIDERS),
            onnx_session_options=onnx_session_options,
            code=code,
            **extras,
        )
        write_environment(
            draft.directory,
            resolve_requirements(
                ["onnx", "onnxruntime"], pip_requirements, extra_pip_requirements, conda_env
            ),
        )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the ``onnx.ModelProto`` of a model URI (checked with ``onnx.checker`` first).

    Raises:
        ResourceDoesNotExist: when the model or its ``onnx`` flavor is missing.
    """
    import onnx

    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    add_code_to_path(model_dir, conf)
    model_file = os.path.join(model_dir, str(conf.get("data", _DATA_FILE)))
    if not os.path.isfile(model_file):
        raise ResourceDoesNotExist(f"The model file '{model_file}' is missing")
    onnx.checker.check_model(model_file)
    return onnx.load(model_file)


def log_model(
    onnx_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    onnx_execution_providers: list[Any] | None = None,
    onnx_session_options: dict[str, Any] | None = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    save_as_external_data: bool = True,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log an ONNX model as a logged model of the active run; see :func:`save_model`.

    Returns:
        :class:`~mlharbor.models.ModelInfo` with ``model_uri`` ``models:/<model_id>``.
    """
    from mlharbor.models.log import log_model as log_flow

    return log_flow(
        save_model,
        name=name,
        artifact_path=artifact_path,
        registered_model_name=registered_model_name,
        run_id=run_id,
        params=params,
        tags=tags,
        model_type=model_type,
        metadata=metadata,
        step=step,
        onnx_model=onnx_model,
        conda_env=conda_env,
        code_paths=code_paths,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        extra_files=extra_files,
        onnx_execution_providers=onnx_execution_providers,
        onnx_session_options=onnx_session_options,
        save_as_external_data=save_as_external_data,
        **kwargs,
    )
