"""The LightGBM flavor: models are written in MLflow's layout.

A ``lightgbm.Booster`` is saved with its own text format as ``model.lgb``; a scikit-learn-API
model (``LGBMClassifier``, ...) is serialized like a scikit-learn estimator (``model.pkl`` with
cloudpickle by default, or ``pickle``/``skops``). The ``lightgbm`` flavor records
``lgb_version``, ``data``, ``model_class``, ``serialization_format`` and
``skops_trusted_types``.
"""

from __future__ import annotations

import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.environment import conda_env_getter
from mlharbor.models.model import Model

__all__ = ["FLAVOR_NAME", "get_default_pip_requirements", "load_model", "log_model", "save_model"]

FLAVOR_NAME = "lightgbm"
_BOOSTER_CLASS = "lightgbm.basic.Booster"
_SERIALIZATION_FORMATS = ("cloudpickle", "pickle", "skops")
# Types every LightGBM scikit-learn model holds, trusted when it is saved with skops.
_SKOPS_TRUSTED_TYPES = ("collections.OrderedDict", "lightgbm.basic.Booster")


def get_default_pip_requirements(
    include_cloudpickle: bool = False, include_skops: bool = False
) -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    packages = ["lightgbm"]
    if include_cloudpickle:
        packages.append("cloudpickle")
    if include_skops:
        packages.append("skops")
    return [line for line in (pinned_requirement(p) for p in packages) if line]


get_default_conda_env = conda_env_getter(get_default_pip_requirements)


def _class_name(obj: Any) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def save_model(
    lgb_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    serialization_format: str | None = None,
    skops_trusted_types: list[str] | None = None,
    extra_files: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Save a LightGBM Booster or scikit-learn-API model as a model directory at ``path``.

    Args:
        lgb_model: a trained ``lightgbm.Booster`` or ``lightgbm.LGBMModel``.
        serialization_format: for scikit-learn-API models: ``cloudpickle`` (default),
            ``pickle`` or ``skops``; Boosters always use LightGBM's text format.
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            when None (``False`` writes none).
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) copied into ``extra_files/`` and
            recorded in the flavor.
        skops_trusted_types: extra types skops may load (skops format only).

    Raises:
        InvalidParameterValue: for an unknown serialization format.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import lightgbm

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.model_dir import copy_extra_files, model_directory, record_inputs
    from mlharbor.sklearn.flavor import _infer_signature, _serialize

    # None (MLflow's default) means mlharbor's default: cloudpickle
    serialization_format = serialization_format or "cloudpickle"
    if serialization_format not in _SERIALIZATION_FORMATS:
        raise InvalidParameterValue(
            f"Unrecognized serialization format: {serialization_format}. Please specify one of "
            f"the following supported formats: {list(_SERIALIZATION_FORMATS)}."
        )
    is_booster = isinstance(lgb_model, lightgbm.Booster)
    if is_booster:
        data_file = "model.lgb"
    else:
        data_file = "model.skops" if serialization_format == "skops" else "model.pkl"
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(
                _LGBModelWrapper(lgb_model), data, "predict"
            ),
        )
        trusted: list[str] | None = None
        if serialization_format == "skops":
            trusted = sorted(
                {*_SKOPS_TRUSTED_TYPES, _class_name(lgb_model), *(skops_trusted_types or [])}
            )
        if is_booster:
            lgb_model.save_model(os.path.join(draft.directory, data_file))
        else:
            trusted = _serialize(
                lgb_model, os.path.join(draft.directory, data_file), serialization_format, trusted
            )
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.lightgbm",
            data=data_file,
            **({"code": code} if code is not None else {}),
            **environment_flavor_config(),
        )
        draft.model.add_flavor(
            FLAVOR_NAME,
            lgb_version=lightgbm.__version__,
            data=data_file,
            model_class=_class_name(lgb_model),
            code=code,
            serialization_format=serialization_format,
            skops_trusted_types=trusted,
            **copy_extra_files(extra_files, draft.directory),
        )
        packages = ["lightgbm"]
        if not is_booster and serialization_format != "pickle":
            packages.append(serialization_format)
        write_environment(
            draft.directory,
            resolve_requirements(packages, pip_requirements, extra_pip_requirements, conda_env),
        )


def _load_from_dir(model_dir: str) -> Any:
    from mlharbor.sklearn.flavor import _deserialize

    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    data_file = os.path.join(model_dir, str(conf.get("data", "model.lgb")))
    if not os.path.isfile(data_file):
        raise ResourceDoesNotExist(f"The model file '{data_file}' is missing")
    if str(conf.get("model_class") or _BOOSTER_CLASS) == _BOOSTER_CLASS:
        import lightgbm

        return lightgbm.Booster(model_file=data_file)
    return _deserialize(
        data_file,
        str(conf.get("serialization_format") or "cloudpickle"),
        conf.get("skops_trusted_types"),
    )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the LightGBM model of a model URI, as the class it was saved from.

    Raises:
        ResourceDoesNotExist: when the model or its ``lightgbm`` flavor is missing.
    """
    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    add_code_to_path(model_dir, Model.load(model_dir).flavors.get(FLAVOR_NAME) or {})
    return _load_from_dir(model_dir)


class _LGBModelWrapper:
    """The pyfunc face of a LightGBM model: ``predict(data, params=None)``."""

    def __init__(self, lgb_model: Any) -> None:
        self.lgb_model = lgb_model

    @property
    def raw_model(self) -> Any:
        return self.lgb_model

    def get_raw_model(self) -> Any:
        return self.lgb_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self.lgb_model.predict(data)


def _load_pyfunc(path: str) -> _LGBModelWrapper:
    """Loader of ``loader_module: mlflow.lightgbm``: ``path`` is the model file or directory."""
    return _LGBModelWrapper(_load_from_dir(os.path.dirname(path) if os.path.isfile(path) else path))


def log_model(
    lgb_model: Any,
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
    extra_files: list[str] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    serialization_format: str | None = None,
    skops_trusted_types: list[str] | None = None,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log a LightGBM model as a logged model of the active run; see :func:`save_model`.

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
        lgb_model=lgb_model,
        conda_env=conda_env,
        code_paths=code_paths,
        signature=signature,
        input_example=input_example,
        extra_files=extra_files,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        serialization_format=serialization_format,
        skops_trusted_types=skops_trusted_types,
    )
