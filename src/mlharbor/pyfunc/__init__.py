"""The ``python_function`` flavor: one ``predict`` interface for every model.

``load_model`` loads any model directory that has the flavor (including ones written by MLflow);
``save_model``/``log_model`` package custom :class:`PythonModel` objects, models-from-code
files, or a ``loader_module`` with its ``data_path``. Heavy libraries (pandas, numpy,
cloudpickle) are imported only when used.
"""

from __future__ import annotations

from mlharbor.pyfunc.flavor_spec import EnvType, add_to_model, load_pyfunc
from mlharbor.pyfunc.loader import FLAVOR_NAME, PyFuncModel, get_model_dependencies, load_model
from mlharbor.pyfunc.model import (
    get_default_conda_env,
    get_default_pip_requirements,
    log_model,
    save_model,
)
from mlharbor.pyfunc.python_model import PythonModel, PythonModelContext

__all__ = [
    "FLAVOR_NAME",
    "EnvType",
    "PyFuncModel",
    "PythonModel",
    "PythonModelContext",
    "add_to_model",
    "get_default_conda_env",
    "get_default_pip_requirements",
    "get_model_dependencies",
    "load_model",
    "load_pyfunc",
    "log_model",
    "save_model",
]
