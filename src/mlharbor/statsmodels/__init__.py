"""The statsmodels flavor (``mlflow.statsmodels`` compatible): ``save_model``, ``log_model`` and
``load_model`` for fitted results, and ``autolog``. statsmodels is imported only when a model is
saved or loaded or autologging is enabled.
"""

from __future__ import annotations

from mlharbor.statsmodels.autolog import autolog
from mlharbor.statsmodels.flavor import (
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
