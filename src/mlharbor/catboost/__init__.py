"""The CatBoost flavor (``mlflow.catboost`` compatible): ``save_model``, ``log_model`` and
``load_model`` for CatBoost models, and ``autolog``. catboost is imported only when a model is
saved or loaded or autologging is enabled.
"""

from __future__ import annotations

from mlharbor.catboost.autolog import autolog
from mlharbor.catboost.flavor import (
    FLAVOR_NAME,
    _load_pyfunc,
    get_default_pip_requirements,
    load_model,
    log_model,
    save_model,
)

__all__ = [
    "FLAVOR_NAME",
    "_load_pyfunc",
    "autolog",
    "get_default_pip_requirements",
    "load_model",
    "log_model",
    "save_model",
]
