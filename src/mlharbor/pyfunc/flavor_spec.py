"""The ``python_function`` entry of an MLmodel file, for code that builds one by hand
(``add_to_model``), and MLflow's older names for pyfunc calls."""

from __future__ import annotations

import copy
import platform
import warnings
from typing import Any

from mlharbor.models.model import Model

__all__ = ["EnvType", "add_to_model", "load_pyfunc"]


class EnvType:
    """Keys of the flavor's ``env`` mapping: which file describes which kind of environment."""

    CONDA = "conda"
    VIRTUALENV = "virtualenv"

    def __init__(self) -> None:
        raise NotImplementedError("EnvType only holds constants")


def add_to_model(
    model: Model,
    loader_module: str,
    data: str | None = None,
    code: str | None = None,
    conda_env: str | None = None,
    python_env: str | None = None,
    model_config: dict[str, Any] | None = None,
    model_code_path: str | None = None,
    **kwargs: Any,
) -> Model:
    """Add a ``python_function`` flavor that loads through ``loader_module``'s
    ``_load_pyfunc``; extra keyword arguments go into the flavor as they are.

    Returns:
        ``model``, for chaining.
    """
    params = copy.deepcopy(kwargs)
    params["loader_module"] = loader_module
    params["python_version"] = platform.python_version()
    if code:
        params["code"] = code
    if data:
        params["data"] = data
    env = {EnvType.CONDA: conda_env, EnvType.VIRTUALENV: python_env}
    if conda_env or python_env:
        params["env"] = {key: value for key, value in env.items() if value}
    if model_config:
        params["model_config"] = model_config
    if model_code_path:
        params["model_code_path"] = model_code_path
    return model.add_flavor("python_function", **params)


def load_pyfunc(model_uri: str, suppress_warnings: bool = False) -> Any:
    """Deprecated name of :func:`mlharbor.pyfunc.load_model`."""
    from mlharbor.pyfunc.loader import load_model

    warnings.warn(
        "load_pyfunc is deprecated; use mlflow.pyfunc.load_model", FutureWarning, stacklevel=2
    )
    return load_model(model_uri, suppress_warnings)
