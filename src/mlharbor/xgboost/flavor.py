"""The XGBoost flavor: models are written with XGBoost's own ``save_model`` in MLflow's layout.

The directory holds ``model.<format>`` (``ubj`` by default, ``json`` too), and the ``xgboost``
flavor records ``xgb_version``, ``data``, ``model_class`` and ``model_format``. Loading builds
an empty instance of ``model_class`` and reads the file into it, so a classifier comes back as
a classifier and a Booster as a Booster.
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.environment import conda_env_getter
from mlharbor.models.model import Model

__all__ = ["FLAVOR_NAME", "get_default_pip_requirements", "load_model", "log_model", "save_model"]

FLAVOR_NAME = "xgboost"
_MODEL_FORMATS = ("ubj", "json", "deprecated")
_DEFAULT_CLASS = "xgboost.core.Booster"

_log = logging.getLogger(__name__)


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    line = pinned_requirement(_distribution())
    return [line] if line else []


get_default_conda_env = conda_env_getter(get_default_pip_requirements)


def _distribution() -> str:
    """The installed distribution providing ``import xgboost`` (the CPU-only build or not)."""
    from importlib import metadata

    try:
        metadata.version("xgboost-cpu")
    except metadata.PackageNotFoundError:
        return "xgboost"
    return "xgboost-cpu"


def _class_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def save_model(
    xgb_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    model_format: str = "ubj",
    metadata: dict[str, Any] | None = None,
    extra_files: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Save an XGBoost Booster or scikit-learn-API model as a model directory at ``path``.

    Args:
        xgb_model: a trained ``xgboost.Booster`` or ``xgboost.XGBModel``.
        model_format: file format of the model data, ``ubj`` (default) or ``json``.
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            when None (``False`` writes none).
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) copied into ``extra_files/`` and
            recorded in the flavor.
        kwargs: passed to the model's own ``save_model``.

    Raises:
        InvalidParameterValue: for an unknown ``model_format``.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import xgboost

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.model_dir import copy_extra_files, model_directory, record_inputs
    from mlharbor.sklearn.flavor import _infer_signature

    if model_format not in _MODEL_FORMATS:
        raise InvalidParameterValue(
            f"Unsupported model_format '{model_format}'; expected one of {list(_MODEL_FORMATS)}"
        )
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(
                _XGBModelWrapper(xgb_model), data, "predict"
            ),
        )
        data_file = f"model.{model_format}"
        xgb_model.save_model(os.path.join(draft.directory, data_file), **kwargs)
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.xgboost",
            data=data_file,
            **({"code": code} if code is not None else {}),
            **environment_flavor_config(),
        )
        draft.model.add_flavor(
            FLAVOR_NAME,
            xgb_version=xgboost.__version__,
            data=data_file,
            model_class=_class_name(xgb_model),
            model_format=model_format,
            code=code,
            **copy_extra_files(extra_files, draft.directory),
        )
        write_environment(
            draft.directory,
            resolve_requirements(
                [_distribution()], pip_requirements, extra_pip_requirements, conda_env
            ),
        )


def _instantiate(class_path: str) -> Any:
    """An empty instance of the recorded class (subclasses from ``code_paths`` included)."""
    module_name, _, class_name = class_path.rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name, None)
    if cls is None or not callable(getattr(cls, "load_model", None)):
        raise InvalidParameterValue(f"'{class_path}' is not an XGBoost model class")
    return cls()


def _load_from_dir(model_dir: str) -> Any:
    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    data_file = os.path.join(model_dir, str(conf.get("data", "model.xgb")))
    if not os.path.isfile(data_file):
        raise ResourceDoesNotExist(f"The model file '{data_file}' is missing")
    model = _instantiate(str(conf.get("model_class") or _DEFAULT_CLASS))
    model.load_model(data_file)
    return model


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the XGBoost model of a model URI, as the class it was saved from.

    Raises:
        ResourceDoesNotExist: when the model or its ``xgboost`` flavor is missing.
    """
    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    add_code_to_path(model_dir, Model.load(model_dir).flavors.get(FLAVOR_NAME) or {})
    return _load_from_dir(model_dir)


def _accepted_kwargs(function: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``kwargs`` that ``function`` accepts; the others are dropped with a
    warning, as inference parameters meant for another model type are common."""
    parameters = inspect.signature(function).parameters
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in parameters.values()):
        return kwargs
    unknown = sorted(set(kwargs) - set(parameters))
    if unknown:
        _log.warning("The xgboost model does not accept params %s; they are ignored", unknown)
    return {k: v for k, v in kwargs.items() if k in parameters}


class _XGBModelWrapper:
    """The pyfunc face of an XGBoost model; a Booster gets its input as a ``DMatrix``."""

    def __init__(self, xgb_model: Any) -> None:
        self.xgb_model = xgb_model

    @property
    def raw_model(self) -> Any:
        return self.xgb_model

    def get_raw_model(self) -> Any:
        return self.xgb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import xgboost

        model = self.xgb_model
        options = _accepted_kwargs(model.predict, dict(params or {}))
        if isinstance(model, xgboost.Booster):
            return model.predict(xgboost.DMatrix(data), validate_features=True, **options)
        if isinstance(model, xgboost.XGBModel):
            options.setdefault("validate_features", True)
        return model.predict(data, **options)


def _load_pyfunc(path: str) -> _XGBModelWrapper:
    """Loader of ``loader_module: mlflow.xgboost``: ``path`` is the model file or directory."""
    return _XGBModelWrapper(_load_from_dir(os.path.dirname(path) if os.path.isfile(path) else path))


def log_model(
    xgb_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    model_format: str = "ubj",
    metadata: dict[str, Any] | None = None,
    extra_files: list[str] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log an XGBoost model as a logged model of the active run; see :func:`save_model`.

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
        xgb_model=xgb_model,
        conda_env=conda_env,
        code_paths=code_paths,
        signature=signature,
        input_example=input_example,
        extra_files=extra_files,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        model_format=model_format,
        **kwargs,
    )
