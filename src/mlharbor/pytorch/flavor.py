"""The PyTorch flavor: whole modules are saved with ``torch.save`` in MLflow's layout.

The directory holds ``data/model.pth`` and ``data/pickle_module_info.txt`` (the name of the
pickle module used), and the ``pytorch`` flavor records ``model_data`` and
``pytorch_version``. The default pickle module is cloudpickle-based and recorded under MLflow's
name, ``mlflow.pytorch.pickle_module``, so MLflow loads the directory as well. TorchScript
modules are saved with ``torch.jit``. ``serialization_format="pt2"`` writes a ``torch.export``
program as ``data/model.pt2`` instead (MLflow's default; mlharbor defaults to ``pickle``, which
needs no input example).
"""

from __future__ import annotations

import importlib
import os
import warnings
from types import ModuleType
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.models.environment import conda_env_getter
from mlharbor.models.model import Model

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_PT2",
    "get_default_pip_requirements",
    "load_model",
    "load_state_dict",
    "log_model",
    "log_state_dict",
    "save_model",
    "save_state_dict",
]

FLAVOR_NAME = "pytorch"
_DATA_DIR = "data"
_MODEL_FILE = "model.pth"
_EXPORTED_FILE = "model.pt2"
_PICKLE_INFO_FILE = "pickle_module_info.txt"
_STATE_DICT_FILE = "state_dict.pth"
_MLFLOW_PICKLE_MODULE = "mlflow.pytorch.pickle_module"
SERIALIZATION_FORMAT_PICKLE = "pickle"
SERIALIZATION_FORMAT_PT2 = "pt2"
# pickle module names recorded in model directories -> the module of ours that reads them
_PICKLE_MODULE_ALIASES = {
    _MLFLOW_PICKLE_MODULE: "mlharbor.pytorch.pickle_module",
    "mlharbor.pytorch.pickle_module": "mlharbor.pytorch.pickle_module",
}


def _requirement_lines(lines: list[str]) -> list[str]:
    """Drop local version labels (``torch==2.4.0+cpu``) so the pins install from PyPI."""
    return [line.split("+", 1)[0] if "==" in line else line for line in lines]


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    packages = ["torch", "cloudpickle"]
    return _requirement_lines([x for x in (pinned_requirement(p) for p in packages) if x])


get_default_conda_env = conda_env_getter(get_default_pip_requirements)


def _recorded_name(pickle_module: ModuleType) -> str:
    from mlharbor.pytorch import pickle_module as default_module

    if pickle_module is default_module:
        return _MLFLOW_PICKLE_MODULE
    return pickle_module.__name__


def save_model(
    pytorch_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    mlflow_model: Model | None = None,
    code_paths: list[str] | None = None,
    pickle_module: ModuleType | None = None,
    signature: Any = None,
    input_example: Any = None,
    extra_files: list[str] | None = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    export_model: bool = False,
    serialization_format: str | None = None,
    **kwargs: Any,
) -> None:
    """Save a ``torch.nn.Module`` (whole, not just its weights) as a model directory.

    Args:
        pytorch_model: the module; its class must be importable where the model is loaded
            unless it is defined in ``__main__`` (cloudpickle then saves it by value).
        pickle_module: the module ``torch.save`` pickles with; cloudpickle-based by default.
        serialization_format: ``pickle`` (the default: the whole module, pickled) or ``pt2``
            (a ``torch.export`` program traced with ``input_example``, a numpy array or
            tensor; loading it runs no pickled code).
        export_model: MLflow's older switch for ``serialization_format="pt2"``; deprecated
            there too (a ``FutureWarning``), and refused together with ``"pickle"``.
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            when None (``False`` writes none).
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) copied into ``extra_files/`` and
            recorded in the flavor.
        kwargs: passed to ``torch.save``.

    Raises:
        TypeError: when ``pytorch_model`` is not a ``torch.nn.Module``.
        InvalidParameterValue: for an unknown serialization format, ``export_model`` with
            ``pickle``, or ``pt2`` without an array input example or with a non-tensor
            signature.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import torch

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.model_dir import copy_extra_files, model_directory, record_inputs
    from mlharbor.pytorch import pickle_module as default_module
    from mlharbor.sklearn.flavor import _infer_signature

    serialization_format = _serialization_format(export_model, serialization_format)
    if serialization_format not in (SERIALIZATION_FORMAT_PICKLE, SERIALIZATION_FORMAT_PT2):
        raise InvalidParameterValue(
            "The `serialization_format` param value must be one of 'pickle' or 'pt2'."
        )
    if not isinstance(pytorch_model, torch.nn.Module):
        raise TypeError("Argument 'pytorch_model' should be a torch.nn.Module")
    pickle_module = pickle_module or default_module
    if serialization_format == SERIALIZATION_FORMAT_PT2:
        input_example = _export_example(pytorch_model, input_example)
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(
                _PyTorchWrapper(pytorch_model, "cpu"), data, "predict"
            ),
        )
        data_dir = os.path.join(draft.directory, _DATA_DIR)
        os.makedirs(data_dir)
        recorded = _recorded_name(pickle_module)
        if serialization_format == SERIALIZATION_FORMAT_PT2:
            _export(
                pytorch_model,
                input_example,
                draft.model.signature,
                os.path.join(data_dir, _EXPORTED_FILE),
            )
        else:
            _write_pickle_info(data_dir, recorded)
            model_file = os.path.join(data_dir, _MODEL_FILE)
            if isinstance(pytorch_model, torch.jit.ScriptModule):
                torch.jit.save(pytorch_model, model_file)
            else:
                torch.save(pytorch_model, model_file, pickle_module=pickle_module, **kwargs)
        draft.model.add_flavor(
            FLAVOR_NAME,
            model_data=_DATA_DIR,
            pytorch_version=str(torch.__version__),
            code=code,
            **copy_extra_files(extra_files, draft.directory),
        )
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.pytorch",
            data=_DATA_DIR,
            pickle_module_name=recorded,
            **({"code": code} if code is not None else {}),
            config={"device": None},
            **environment_flavor_config(),
        )
        requirements = resolve_requirements(
            ["torch", "cloudpickle"], pip_requirements, extra_pip_requirements, conda_env
        )
        if pip_requirements is None and conda_env is None:
            requirements = _requirement_lines(requirements)
        write_environment(draft.directory, requirements)


def _serialization_format(export_model: bool, serialization_format: str | None) -> str:
    if not export_model:
        return serialization_format or SERIALIZATION_FORMAT_PICKLE
    if serialization_format == SERIALIZATION_FORMAT_PICKLE:
        raise InvalidParameterValue(
            "Cannot set both `export_model=True` and `serialization_format='pickle'`; "
            "use only `serialization_format`."
        )
    warnings.warn(
        "`export_model` is deprecated; set `serialization_format='pt2'` instead.",
        FutureWarning,
        stacklevel=3,
    )
    return SERIALIZATION_FORMAT_PT2


def _write_pickle_info(data_dir: str, name: str) -> None:
    with open(os.path.join(data_dir, _PICKLE_INFO_FILE), "w") as fh:
        fh.write(name)


def _export_example(pytorch_model: Any, input_example: Any) -> Any:
    """The numpy array a ``pt2`` export traces ``forward`` with (a 1-tuple is unwrapped).

    Raises:
        InvalidParameterValue: for a TorchScript module or an example that is not one array.
    """
    import numpy as np
    import torch

    if isinstance(pytorch_model, torch.jit.ScriptModule):
        raise InvalidParameterValue(
            "The 'pt2' serialization format is not supported for torch.jit.ScriptModule "
            "models, please set `serialization_format` to 'pickle'."
        )
    if isinstance(input_example, (tuple, list)) and len(input_example) == 1:
        input_example = input_example[0]
    if isinstance(input_example, torch.Tensor):
        input_example = input_example.detach().cpu().numpy()
    if not isinstance(input_example, np.ndarray):
        raise InvalidParameterValue(
            "If `serialization_format` is set to 'pt2', then input_example is required: a numpy "
            "array or torch tensor that forward() is traced with."
        )
    return input_example


def _export(pytorch_model: Any, example: Any, signature: Any, target: str) -> None:
    """Trace ``forward`` on ``example`` with ``torch.export`` and save the program; the
    signature's ``-1`` dimensions stay dynamic."""
    import torch

    inputs = signature.inputs if signature is not None else None
    if inputs is None or len(inputs) != 1 or not inputs.is_tensor_spec():
        raise InvalidParameterValue(
            "Unsupported signature type for the selected serialization format. If the "
            "`serialization_format` argument is set to 'pt2', the input signature must be "
            "specified using `TensorSpec`."
        )
    shape = inputs.inputs[0].shape
    dynamic = {i: torch.export.Dim.AUTO for i, size in enumerate(shape) if size == -1}
    program = torch.export.export(
        pytorch_model,
        (torch.from_numpy(example.copy()),),
        dynamic_shapes=[dynamic or None],
    )
    torch.export.save(program, target)


def _import_pickle_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(_PICKLE_MODULE_ALIASES.get(name, name))
    except ImportError as exc:
        raise ResourceDoesNotExist(
            "Failed to import the pickle module that was used to save the PyTorch model. "
            f"Pickle module name: `{name}`"
        ) from exc


def _load_from_data_dir(path: str, device: str | None = None, **kwargs: Any) -> Any:
    """Load the module from the model's data directory (or a ``model.pth`` file)."""
    import torch

    if device is not None:
        kwargs.setdefault("map_location", device)
    if os.path.isfile(path):
        kwargs.setdefault("weights_only", False)
        return torch.load(path, **kwargs)
    model_file = os.path.join(path, _MODEL_FILE)
    if os.path.isfile(model_file):
        if "pickle_module" not in kwargs:
            info = os.path.join(path, _PICKLE_INFO_FILE)
            name = _MLFLOW_PICKLE_MODULE
            if os.path.isfile(info):
                with open(info) as fh:
                    name = fh.read().strip()
            kwargs["pickle_module"] = _import_pickle_module(name)
        kwargs.setdefault("weights_only", False)
        return torch.load(model_file, **kwargs)
    exported = os.path.join(path, _EXPORTED_FILE)
    if os.path.isfile(exported):
        return torch.export.load(exported).module()
    raise ResourceDoesNotExist(f"No PyTorch model file found in '{path}'")


def load_model(model_uri: str, dst_path: str | None = None, **kwargs: Any) -> Any:
    """Load the ``torch.nn.Module`` of a model URI.

    Args:
        kwargs: passed to ``torch.load`` (e.g. ``map_location``).

    Raises:
        ResourceDoesNotExist: when the model or its ``pytorch`` flavor is missing.
    """
    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    add_code_to_path(model_dir, conf)
    return _load_from_data_dir(
        os.path.join(model_dir, str(conf.get("model_data") or _DATA_DIR)), **kwargs
    )


def _default_device() -> str:
    import torch

    configured = os.environ.get("MLFLOW_DEFAULT_PREDICTION_DEVICE")
    if configured:
        return configured
    return "cuda" if torch.cuda.is_available() else "cpu"


class _PyTorchWrapper:
    """The pyfunc face of a module: a DataFrame goes in as a float32 tensor and the single
    output tensor comes back as a DataFrame with the input's index (an ndarray for ndarray
    input)."""

    def __init__(self, pytorch_model: Any, device: str) -> None:
        self.pytorch_model = pytorch_model
        self.device = device

    @property
    def raw_model(self) -> Any:
        return self.pytorch_model

    def get_raw_model(self) -> Any:
        return self.pytorch_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import numpy as np
        import pandas as pd
        import torch

        if params and "device" in params:
            raise InvalidParameterValue(
                "'device' can no longer be specified as an inference parameter; pass it at load "
                "time: mlflow.pyfunc.load_model(model_uri, model_config={'device': 'cuda'})"
            )
        if isinstance(data, pd.DataFrame):
            array = data.to_numpy(dtype=np.float32, copy=True)
        elif isinstance(data, np.ndarray):
            # torch cannot safely wrap read-only buffers
            array = data if data.flags.writeable else data.copy()
        else:
            raise InvalidParameterValue(
                "The PyTorch flavor predicts on a pandas.DataFrame or a numpy.ndarray, "
                f"not {type(data).__name__}"
            )
        with torch.no_grad():
            output = self.pytorch_model(torch.from_numpy(array).to(self.device), **(params or {}))
        if not isinstance(output, torch.Tensor):
            raise MlharborException(
                "Expected PyTorch model to output a single output tensor, "
                f"but got output of type '{type(output)}'"
            )
        values = output.to("cpu").numpy()
        if isinstance(data, pd.DataFrame):
            return pd.DataFrame(values, index=data.index)
        return values


def _load_pyfunc(path: str, model_config: dict[str, Any] | None = None) -> _PyTorchWrapper:
    """Loader of ``loader_module: mlflow.pytorch``: ``path`` is the model's data directory.
    ``model_config={"device": ...}`` picks the device (default: cuda when available)."""
    device = (model_config or {}).get("device") or _default_device()
    return _PyTorchWrapper(_load_from_data_dir(path, device=device), device)


def log_model(
    pytorch_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    pickle_module: ModuleType | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    extra_files: list[str] | None = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    export_model: bool = False,
    serialization_format: str | None = None,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log a ``torch.nn.Module`` as a logged model of the active run; see :func:`save_model`.

    ``model_id`` saves into a logged model made by ``initialize_logged_model``.

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
        model_id=model_id,
        pytorch_model=pytorch_model,
        conda_env=conda_env,
        code_paths=code_paths,
        pickle_module=pickle_module,
        signature=signature,
        input_example=input_example,
        extra_files=extra_files,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        export_model=export_model,
        serialization_format=serialization_format,
        **kwargs,
    )


def save_state_dict(state_dict: dict[str, Any], path: str, **kwargs: Any) -> None:
    """Write ``state_dict`` as ``<path>/state_dict.pth`` (``kwargs`` go to ``torch.save``).

    Raises:
        TypeError: when ``state_dict`` is not a dict.
    """
    import torch

    if not isinstance(state_dict, dict):
        raise TypeError(f"Invalid object type for `state_dict`: {type(state_dict)}. Must be a dict")
    os.makedirs(path, exist_ok=True)
    torch.save(state_dict, os.path.join(path, _STATE_DICT_FILE), **kwargs)


def log_state_dict(state_dict: dict[str, Any], artifact_path: str, **kwargs: Any) -> None:
    """Log ``state_dict`` as ``<artifact_path>/state_dict.pth`` in the active run's artifacts
    (a plain artifact, not a model); ``kwargs`` go to ``torch.save``."""
    import tempfile

    from mlharbor.client.fluent import log_artifacts

    with tempfile.TemporaryDirectory(prefix="mlharbor-state-dict-") as tmp:
        save_state_dict(state_dict, tmp, **kwargs)
        log_artifacts(tmp, artifact_path)


def load_state_dict(state_dict_uri: str, **kwargs: Any) -> Any:
    """Read the ``state_dict.pth`` under a local path or artifact URI (``runs:/`` included);
    ``kwargs`` go to ``torch.load``."""
    import torch

    from mlharbor.artifacts import download_artifacts

    local = download_artifacts(artifact_uri=str(state_dict_uri))
    return torch.load(os.path.join(local, _STATE_DICT_FILE), **kwargs)
