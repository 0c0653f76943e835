"""Reading ``python_model.pkl`` files that MLflow wrote, without MLflow installed.

MLflow pickles a custom model together with references to its own modules: the base class
``mlflow.pyfunc.model.PythonModel``, a cached ``mlflow.models.signature._TypeHints`` and a
``predict`` wrapper (``functools.wraps``) from ``mlflow.pyfunc.utils.data_validation`` whose
globals name MLflow modules. This unpickler maps each class reference to the mlharbor object of
the same role, lets module references to absent MLflow modules become empty placeholders, and
afterwards puts the user's own ``predict`` (``__wrapped__``) back on the class.

When MLflow is importable every reference resolves normally and nothing is rewritten.
"""

from __future__ import annotations

import importlib
import importlib.util
import pickle
import types
from typing import Any

from mlharbor.exceptions import MlharborException

__all__ = ["load_python_model_pickle"]


def _mlflow_available() -> bool:
    return importlib.util.find_spec("mlflow") is not None


def _subimport(name: str) -> types.ModuleType:
    """cloudpickle's module reference, tolerant of absent MLflow modules."""
    try:
        return importlib.import_module(name)
    except ImportError:
        if name == "mlflow" or name.startswith("mlflow."):
            return types.ModuleType(name)
        raise


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("cloudpickle") and name == "subimport":
            return _subimport
        if module != "mlflow" and not module.startswith("mlflow."):
            return super().find_class(module, name)
        from mlharbor.pyfunc import python_model

        if name in ("PythonModel", "PythonModelContext"):
            return getattr(python_model, name)
        if name == "_TypeHints":
            return _TypeHints
        return super().find_class("mlharbor" + module[len("mlflow") :], name)


class _TypeHints:
    """Stands in for MLflow's cached ``_TypeHints``; dropped after loading."""

    input: Any = None
    output: Any = None


def _restore_predict(model: Any) -> None:
    cls = type(model)
    predict = cls.__dict__.get("predict")
    original = getattr(predict, "__wrapped__", None)
    if original is not None and getattr(predict, "_is_pyfunc", False):
        cls.predict = original
    model.__dict__.pop("_predict_type_hints", None)


def load_python_model_pickle(path: str) -> Any:
    """Load a pickled custom model written by mlharbor or by MLflow.

    Raises:
        MlharborException: when the pickle references modules that cannot be provided.
    """
    with open(path, "rb") as fh:
        if _mlflow_available():
            import cloudpickle

            return cloudpickle.load(fh)
        try:
            model = _Unpickler(fh).load()
        except (ImportError, AttributeError) as exc:
            raise MlharborException(
                f"Cannot load the pickled model '{path}': {exc}. It references a module that is "
                "not installed here."
            ) from exc
    _restore_predict(model)
    return model
