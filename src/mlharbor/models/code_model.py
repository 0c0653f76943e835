"""Models from code: a Python file that builds the model and hands it to :func:`set_model`.

Such files are usually written for MLflow (``import mlflow`` ... ``mlflow.models.set_model``).
When MLflow is not installed, ``mlflow`` and its submodules are served by the matching mlharbor
modules while the file runs, so the same file works with both tools.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import runpy
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import ModuleType
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = ["load_code_model", "set_model"]

_lock = threading.Lock()
_model_holder: list[Any] = []


def set_model(model: Any) -> None:
    """Declare ``model`` as the model a models-from-code file defines.

    Args:
        model: a :class:`~mlharbor.pyfunc.PythonModel` instance or a callable taking the input.

    Raises:
        InvalidParameterValue: when ``model`` is neither.
    """
    if not (hasattr(model, "predict") or callable(model)):
        raise InvalidParameterValue(
            "Model should either be an instance of PythonModel or a callable object."
        )
    _model_holder.append(model)


class _MlflowAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve ``mlflow`` / ``mlflow.x`` imports to the already imported mlharbor modules."""

    def find_spec(
        self, fullname: str, path: Any = None, target: Any = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "mlflow" and not fullname.startswith("mlflow."):
            return None
        real = "mlharbor" + fullname[len("mlflow") :]
        if importlib.util.find_spec(real) is None:
            return None
        return importlib.util.spec_from_loader(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = importlib.import_module("mlharbor" + spec.name[len("mlflow") :])
        # importlib overwrites __spec__ of the returned module; exec_module puts it back
        module.__dict__.setdefault("_mlharbor_real_spec", module.__spec__)
        return module

    def exec_module(self, module: ModuleType) -> None:
        module.__spec__ = module.__dict__.pop("_mlharbor_real_spec", module.__spec__)


@contextmanager
def _mlflow_alias() -> Iterator[None]:
    if "mlflow" in sys.modules or importlib.util.find_spec("mlflow") is not None:
        yield
        return
    finder = _MlflowAlias()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if n == "mlflow" or n.startswith("mlflow.")]:
            if sys.modules[name].__name__.startswith("mlharbor"):
                del sys.modules[name]


def load_code_model(code_path: str) -> Any:
    """Run the models-from-code file ``code_path`` and return the model it set.

    Raises:
        InvalidParameterValue: when the file is missing, fails, or sets no model.
    """
    if not os.path.isfile(code_path):
        raise InvalidParameterValue(f"The provided model path '{code_path}' does not exist.")
    with _lock, _mlflow_alias():
        _model_holder.clear()
        directory = os.path.dirname(os.path.abspath(code_path))
        sys.path.insert(0, directory)
        try:
            runpy.run_path(code_path, run_name="__mlharbor_model_code__")
        except MlharborException:
            raise
        except Exception as exc:
            raise InvalidParameterValue(
                f"Failed to run the model code file '{code_path}': {type(exc).__name__}: {exc}"
            ) from exc
        finally:
            sys.path.remove(directory)
        if not _model_holder:
            raise InvalidParameterValue(
                "If the model is logged as code, ensure the model is set using "
                "mlflow.models.set_model() within the code file code."
            )
        return _model_holder.pop()
