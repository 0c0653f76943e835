"""``load_model`` for the ``python_function`` flavor and the :class:`PyFuncModel` it returns.

The flavor names a ``loader_module``. Directories written by MLflow and by mlharbor name
MLflow's modules (``mlflow.sklearn``, ``mlflow.pyfunc.model``, ...); those are mapped to the
mlharbor implementations here, so such models load without MLflow installed. Any other module
is imported as written (after adding the model's ``code`` directory to ``sys.path``).
"""

from __future__ import annotations

import importlib
import inspect
import logging
import os
from collections.abc import Callable
from typing import Any

from mlharbor.exceptions import (
    InvalidParameterValue,
    MlharborException,
    ResourceDoesNotExist,
)
from mlharbor.models.model import Model
from mlharbor.models.model_dir import add_code_to_path

__all__ = ["FLAVOR_NAME", "PyFuncModel", "get_model_dependencies", "load_model"]

FLAVOR_NAME = "python_function"

_log = logging.getLogger(__name__)

# loader_module written in MLmodel files -> module of ours providing ``_load_pyfunc``
_LOADER_ALIASES = {
    "mlflow.sklearn": "mlharbor.sklearn",
    "mlharbor.sklearn": "mlharbor.sklearn",
    "mlflow.xgboost": "mlharbor.xgboost",
    "mlharbor.xgboost": "mlharbor.xgboost",
    "mlflow.lightgbm": "mlharbor.lightgbm",
    "mlharbor.lightgbm": "mlharbor.lightgbm",
    "mlflow.catboost": "mlharbor.catboost",
    "mlharbor.catboost": "mlharbor.catboost",
    "mlflow.statsmodels": "mlharbor.statsmodels",
    "mlharbor.statsmodels": "mlharbor.statsmodels",
    "mlflow.onnx": "mlharbor.onnx",
    "mlharbor.onnx": "mlharbor.onnx",
    "mlflow.pytorch": "mlharbor.pytorch",
    "mlharbor.pytorch": "mlharbor.pytorch",
    "mlflow.pyfunc.model": "mlharbor.pyfunc.model",
    "mlflow.pyfunc.loaders.code_model": "mlharbor.pyfunc.model",
    "mlharbor.pyfunc.model": "mlharbor.pyfunc.model",
}


def _loader_function(loader_module: str) -> Callable[..., Any]:
    target = _LOADER_ALIASES.get(loader_module, loader_module)
    try:
        module = importlib.import_module(target)
    except ImportError as exc:
        raise MlharborException(
            f"Cannot load this model: its loader module '{loader_module}' is not available "
            f"({exc}). Models of this flavor need that package installed."
        ) from exc
    loader = getattr(module, "_load_pyfunc", None)
    if loader is None:
        raise MlharborException(f"Loader module '{loader_module}' has no _load_pyfunc function")
    return loader  # type: ignore[no-any-return]


class PyFuncModel:
    """A loaded model with one ``predict(data, params=None)`` whatever its flavor.

    Inputs are checked and converted against the model's signature before the flavor's
    implementation sees them.
    """

    def __init__(self, model_meta: Model, model_impl: Any, predict_fn: str = "predict") -> None:
        if not hasattr(model_impl, predict_fn):
            raise InvalidParameterValue(
                f"Model implementation is missing required {predict_fn} method."
            )
        self._model_meta = model_meta
        self._model_impl = model_impl
        self._predict_fn = getattr(model_impl, predict_fn)
        self._predict_takes_params = _accepts_params(self._predict_fn)

    @property
    def metadata(self) -> Model:
        """The model's ``MLmodel`` contents."""
        return self._model_meta

    @property
    def loader_module(self) -> str | None:
        conf = self._model_meta.flavors.get(FLAVOR_NAME, {})
        module = conf.get("loader_module")
        return str(module) if module is not None else None

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        """Predict on ``data`` after enforcing the signature's input and params schemas.

        Raises:
            InvalidParameterValue: when ``data`` or ``params`` do not fit the signature.
        """
        from mlharbor.models.enforce import enforce_params, enforce_schema

        input_schema = self._model_meta.get_input_schema()
        if input_schema is not None and len(input_schema):
            data = enforce_schema(data, input_schema)
        checked = enforce_params(params, self._model_meta.get_params_schema())
        if self._predict_takes_params:
            return self._predict_fn(data, params=checked or None)
        return self._predict_fn(data)

    def unwrap_python_model(self) -> Any:
        """The :class:`~mlharbor.pyfunc.PythonModel` object of a custom pyfunc model.

        Raises:
            MlharborException: for models of other flavors.
        """
        python_model = getattr(self._model_impl, "python_model", None)
        if python_model is None:
            raise MlharborException(
                "unwrap_python_model is only supported for custom PythonModel-based models"
            )
        return python_model

    def get_raw_model(self) -> Any:
        """The underlying framework model (e.g. the scikit-learn estimator)."""
        return getattr(self._model_impl, "raw_model", self._model_impl)

    def __repr__(self) -> str:
        lines = ["mlflow.pyfunc.loaded_model:"]
        if self._model_meta.artifact_path:
            lines.append(f"  artifact_path: {self._model_meta.artifact_path}")
        lines.append(f"  flavor: {self.loader_module}")
        if self._model_meta.run_id:
            lines.append(f"  run_id: {self._model_meta.run_id}")
        return "\n".join(lines) + "\n"


def _accepts_params(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters
    except (TypeError, ValueError):
        return False
    return "params" in parameters or any(
        p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()
    )


def load_model_from_dir(local_path: str, model_config: dict[str, Any] | None = None) -> PyFuncModel:
    """Load the ``python_function`` flavor of the model directory ``local_path``."""
    model_meta = Model.load(local_path)
    conf = model_meta.flavors.get(FLAVOR_NAME)
    if not isinstance(conf, dict):
        raise ResourceDoesNotExist('Model does not have the "python_function" flavor')
    metadata = model_meta.metadata or {}
    if str(metadata.get("mlflow.model.isExternal", "")).lower() == "true":
        raise MlharborException(
            "This model's artifacts are external and are not stored in the model directory; "
            "it cannot be loaded."
        )
    loader_module = conf.get("loader_module")
    if not loader_module:
        raise InvalidParameterValue(
            "Invalid MLmodel: the python_function flavor has no loader_module"
        )
    add_code_to_path(local_path, conf)
    data_path = os.path.join(local_path, conf["data"]) if conf.get("data") else local_path
    loader = _loader_function(str(loader_module))
    saved_config = conf.get("config")
    if (saved_config or model_config) and len(inspect.signature(loader).parameters) > 1:
        model_impl = loader(data_path, {**(saved_config or {}), **(model_config or {})})
    else:
        if model_config:
            _log.warning("The '%s' flavor takes no model_config; it is ignored", loader_module)
        model_impl = loader(data_path)
    return PyFuncModel(model_meta, model_impl, str(conf.get("predict_fn") or "predict"))


def load_model(
    model_uri: str,
    suppress_warnings: bool = False,
    dst_path: str | None = None,
    model_config: dict[str, Any] | None = None,
) -> PyFuncModel:
    """Load a model as a :class:`PyFuncModel`.

    Args:
        model_uri: local path, ``file:``, ``runs:/``, ``models:/`` or artifact-store URI.
        suppress_warnings: accepted for MLflow compatibility.
        dst_path: where to download a remote model (a temporary directory when None).
        model_config: passed to the flavor's loader.

    Raises:
        ResourceDoesNotExist: when the model or its ``python_function`` flavor is missing.
        InvalidParameterValue: when the ``MLmodel`` file is invalid.
    """
    from mlharbor.models.uri import download_model

    local_path = download_model(str(model_uri), dst_path)
    return load_model_from_dir(local_path, model_config)


def get_model_dependencies(model_uri: str, format: str = "pip") -> str:
    """Local path of the model's ``requirements.txt`` (``format="pip"``) or ``conda.yaml``.

    Raises:
        InvalidParameterValue: for another format.
        ResourceDoesNotExist: when the model has no such file.
    """
    from mlharbor.models.environment import CONDA_FILE, REQUIREMENTS_FILE
    from mlharbor.models.uri import download_model

    if format not in ("pip", "conda"):
        raise InvalidParameterValue(f"Illegal format argument '{format}'.")
    path = os.path.join(
        download_model(str(model_uri)), REQUIREMENTS_FILE if format == "pip" else CONDA_FILE
    )
    if not os.path.isfile(path):
        raise ResourceDoesNotExist(f"The model at '{model_uri}' has no {os.path.basename(path)}")
    return path
