"""The active logged model: which model fluent metrics and params go to when none is named.

Per thread, like MLflow: ``set_active_model`` sets it (also as a context manager that restores
the previous one), ``MLFLOW_ACTIVE_MODEL_ID`` gives the default, and ``clear_active_model``
drops both. The most recently created logged model of the thread is remembered separately for
``last_logged_model``.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading

from mlharbor.entities import LoggedModel

__all__ = [
    "ActiveModel",
    "ActiveModelContext",
    "clear_active_model",
    "get_active_model_id",
    "last_logged_model_id",
    "set_active_model_id",
    "set_last_logged_model_id",
]

_logger = logging.getLogger(__name__)

ACTIVE_MODEL_ID_ENV = "MLFLOW_ACTIVE_MODEL_ID"
_LEGACY_ACTIVE_MODEL_ID_ENV = "_MLFLOW_ACTIVE_MODEL_ID"


def _model_id_from_env() -> str | None:
    return os.environ.get(ACTIVE_MODEL_ID_ENV) or os.environ.get(_LEGACY_ACTIVE_MODEL_ID_ENV)


@dataclasses.dataclass(frozen=True)
class ActiveModelContext:
    """The active model id of a thread and whether the user chose it (``set_active_model``)
    or mlharbor did (loading a model)."""

    model_id: str | None = None
    set_by_user: bool = False


class _ThreadState(threading.local):
    def __init__(self) -> None:
        self.context = ActiveModelContext(_model_id_from_env())
        self.last_logged_model_id: str | None = None


_state = _ThreadState()


def get_active_model_id() -> str | None:
    """The id of this thread's active logged model, or None."""
    return _state.context.model_id


def active_model_context() -> ActiveModelContext:
    return _state.context


def set_active_model_id(model_id: str | None, set_by_user: bool = False) -> None:
    _state.context = ActiveModelContext(model_id, set_by_user)
    if model_id:
        _logger.info("Active model is set to the logged model with ID: %s", model_id)


def clear_active_model() -> None:
    """Forget the active model of this thread and the ``MLFLOW_ACTIVE_MODEL_ID`` default."""
    os.environ.pop(ACTIVE_MODEL_ID_ENV, None)
    os.environ.pop(_LEGACY_ACTIVE_MODEL_ID_ENV, None)
    _state.context = ActiveModelContext()


def last_logged_model_id() -> str | None:
    return _state.last_logged_model_id


def set_last_logged_model_id(model_id: str) -> None:
    _state.last_logged_model_id = model_id


class ActiveModel(LoggedModel):
    """The logged model made active by ``set_active_model``; as a context manager it restores
    the previously active model on exit."""

    last_active_model_context: ActiveModelContext

    def __init__(self, logged_model: LoggedModel, set_by_user: bool) -> None:
        for field in dataclasses.fields(LoggedModel):
            object.__setattr__(self, field.name, getattr(logged_model, field.name))
        object.__setattr__(self, "last_active_model_context", _state.context)
        set_active_model_id(self.model_id, set_by_user)

    def __enter__(self) -> ActiveModel:
        return self

    def __exit__(self, exc_type: object, exc_value: object, traceback: object) -> None:
        _state.context = self.last_active_model_context
