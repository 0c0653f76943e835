"""Base class of custom Python models and the context handed to them.

This module imports only the standard library on purpose: when a model object is pickled its
base class travels by value with it, so a directory saved here loads in an environment that has
MLflow but not mlharbor (MLflow's ``mlflow.pyfunc.model`` loader reads the same pickle).
"""

from __future__ import annotations

import inspect
import typing
from collections import namedtuple
from typing import Any

__all__ = ["FunctionModel", "PythonModel", "PythonModelContext", "context_in_predict"]

# MLflow's pyfunc wrapper reads ``predict_type_hints.input`` / ``.output`` of the model object.
_TypeHints = namedtuple("_TypeHints", ["input", "output"])


def context_in_predict(predict: Any) -> bool:
    """True when ``predict`` takes a context argument before the input.

    ``predict(self, context, model_input, params=None)`` is the classic form and
    ``predict(self, model_input, params=None)`` the newer one; a two-argument method whose first
    argument has another name is read as the classic form too.
    """
    parameters = inspect.signature(predict).parameters
    names = [name for name in parameters if name not in ("self", "params")]
    return "context" in parameters or len(names) == 2


class PythonModelContext:
    """What :meth:`PythonModel.load_context` and ``predict`` receive.

    Args:
        artifacts: artifact name -> absolute local path inside the loaded model directory.
        model_config: the configuration the model was loaded with, if any.
    """

    def __init__(
        self, artifacts: dict[str, str] | None = None, model_config: dict[str, Any] | None = None
    ) -> None:
        self._artifacts = dict(artifacts or {})
        self._model_config = model_config

    @property
    def artifacts(self) -> dict[str, str]:
        return self._artifacts

    @property
    def model_config(self) -> dict[str, Any] | None:
        return self._model_config


class PythonModel:
    """Subclass and implement ``predict`` to package arbitrary Python inference code.

    ``predict`` may be written ``predict(self, context, model_input, params=None)`` or
    ``predict(self, model_input, params=None)``; ``load_context`` runs once after loading.
    """

    def load_context(self, context: PythonModelContext) -> None:
        """Load artifacts from ``context.artifacts``; the default does nothing."""

    def predict(self, context: Any, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        raise NotImplementedError("PythonModel subclasses must implement predict()")

    @property
    def predict_type_hints(self) -> Any:
        """The annotations of ``predict``'s input and return value (None when absent)."""
        predict = self.predict
        index = 1 if context_in_predict(predict) else 0
        try:
            hints = typing.get_type_hints(predict)
        except Exception:
            hints = {}
        names = [n for n in inspect.signature(predict).parameters if n != "self"]
        input_hint = hints.get(names[index]) if len(names) > index else None
        return _TypeHints(input_hint, hints.get("return"))


class FunctionModel(PythonModel):
    """A plain function ``f(model_input)`` packaged as a model."""

    def __init__(self, function: Any) -> None:
        self.function = function

    # the newer context-free predict form, which PythonModel subclasses may choose
    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:  # type: ignore[override]
        return self.function(model_input)
