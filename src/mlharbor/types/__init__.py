"""Schema types under MLflow's module path: ``from mlflow.types import Schema, ColSpec`` ports
as ``from mlharbor.types import Schema, ColSpec``. The definitions live in
:mod:`mlharbor.models.schema`."""

from __future__ import annotations

from mlharbor.models.schema import *  # noqa: F403
from mlharbor.models.schema import __all__ as __all__
