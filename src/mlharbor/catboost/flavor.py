"""The CatBoost flavor: models are written with CatBoost's own ``save_model`` in MLflow's layout.

The directory holds ``model.cb``; the ``catboost`` flavor records ``catboost_version``, ``data``,
``model_type`` (the class name: ``CatBoost``, ``CatBoostClassifier``, ``CatBoostRegressor`` or
``CatBoostRanker``) and ``save_format`` (``cbm`` unless ``format=`` says otherwise). Loading
builds an empty instance of that class and reads the file into it.
"""

from __future__ import annotations

import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.model import Model

__all__ = ["FLAVOR_NAME", "get_default_pip_requirements", "load_model", "log_model", "save_model"]

FLAVOR_NAME = "catboost"
_DATA_FILE = "model.cb"
_MODEL_CLASSES = ("CatBoost", "CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker")


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    line = pinned_requirement("catboost")
    return [line] if line else []


def save_model(
    cb_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
    **kwargs: Any,
) -> None:
    """Save a trained CatBoost model as a model directory at ``path``.

    Args:
        cb_model: a fitted ``CatBoost``, ``CatBoostClassifier``, ``CatBoostRegressor`` or
            ``CatBoostRanker``.
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            when None (``False`` writes none).
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) saved under ``extra_files/``.
        kwargs: passed to the model's own ``save_model`` (``format=`` is recorded as
            ``save_format``).

    Raises:
        InvalidParameterValue: when ``cb_model`` is not a CatBoost model, or ``extra_files``
            is not a list of existing files.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import catboost

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.extra_files import copy_extra_files
    from mlharbor.models.model_dir import model_directory, record_inputs
    from mlharbor.sklearn.flavor import _infer_signature

    if not isinstance(cb_model, catboost.CatBoost):
        raise InvalidParameterValue(
            f"Expected a CatBoost model, got an instance of {type(cb_model).__name__}"
        )
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(cb_model, data, "predict"),
        )
        cb_model.save_model(os.path.join(draft.directory, _DATA_FILE), **kwargs)
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.catboost",
            data=_DATA_FILE,
            **({"code": code} if code is not None else {}),
            **environment_flavor_config(),
        )
        extras = copy_extra_files(extra_files, draft.directory)
        draft.model.add_flavor(
            FLAVOR_NAME,
            catboost_version=catboost.__version__,
            code=code,
            model_type=_model_class_name(cb_model),
            save_format=kwargs.get("format", "cbm"),
            data=_DATA_FILE,
            **extras,
        )
        write_environment(
            draft.directory,
            resolve_requirements(["catboost"], pip_requirements, extra_pip_requirements, conda_env),
        )


def _model_class_name(cb_model: Any) -> str:
    """The public CatBoost class the model is (a user subclass is saved as its base)."""
    for cls in type(cb_model).__mro__:
        if cls.__name__ in _MODEL_CLASSES and cls.__module__.startswith("catboost"):
            return cls.__name__
    return "CatBoost"


def _load_from_dir(model_dir: str) -> Any:
    import catboost

    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    data_file = os.path.join(model_dir, str(conf.get("data", _DATA_FILE)))
    if not os.path.isfile(data_file):
        raise ResourceDoesNotExist(f"The model file '{data_file}' is missing")
    model_type = str(conf.get("model_type", "CatBoost"))
    cls = getattr(catboost, model_type, None) if model_type in _MODEL_CLASSES else None
    if cls is None:
        raise InvalidParameterValue(
            f"Invalid model type: '{model_type}'. Must be one of {list(_MODEL_CLASSES)}"
        )
    model = cls()
    model.load_model(data_file, str(conf.get("save_format", "cbm")))
    return model


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the CatBoost model of a model URI, as the class it was saved from.

    Raises:
        ResourceDoesNotExist: when the model or its ``catboost`` flavor is missing.
    """
    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    add_code_to_path(model_dir, Model.load(model_dir).flavors.get(FLAVOR_NAME) or {})
    return _load_from_dir(model_dir)


class _CatBoostModelWrapper:
    """The pyfunc face of a CatBoost model: ``predict`` as the model defines it."""

    def __init__(self, cb_model: Any) -> None:
        self.cb_model = cb_model

    def get_raw_model(self) -> Any:
        return self.cb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.cb_model.predict(data)


def _load_pyfunc(path: str) -> _CatBoostModelWrapper:
    """Loader of ``loader_module: mlflow.catboost``: ``path`` is the model file or directory."""
    model_dir = os.path.dirname(path) if os.path.isfile(path) else path
    return _CatBoostModelWrapper(_load_from_dir(model_dir))


def log_model(
    cb_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log a CatBoost model as a logged model of the active run; see :func:`save_model`.

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
        cb_model=cb_model,
        conda_env=conda_env,
        code_paths=code_paths,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        extra_files=extra_files,
        **kwargs,
    )
