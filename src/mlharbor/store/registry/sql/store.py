"""The model registry on SQL (SQLite or PostgreSQL), in the tracking database.

Every write runs in one transaction, so a refused request stores nothing. Registered-model
timestamps follow MLflow: creating, transitioning, renaming or deleting a version and editing the
model's description touch ``last_updated_timestamp``; tags and aliases do not. The methods live
in :mod:`.models` (registered models, tags, aliases) and :mod:`.versions` (model versions).
"""

from __future__ import annotations

import contextlib

from mlharbor.entities import ModelVersion, ModelVersionTag
from mlharbor.exceptions import ResourceAlreadyExists
from mlharbor.store.registry.sql.models import RegisteredModelMethods
from mlharbor.store.registry.sql.versions import ModelVersionMethods
from mlharbor.store.registry.validation import validate_model_name
from mlharbor.store.tracking.sql.engine import get_engine

__all__ = ["SqlRegistryStore"]


class SqlRegistryStore(RegisteredModelMethods, ModelVersionMethods):
    """A :class:`~mlharbor.store.registry.protocol.RegistryStore` on ``db_uri``."""

    def __init__(self, db_uri: str) -> None:
        self.db_uri = db_uri
        self.engine = get_engine(db_uri)

    def copy_model_version(self, src_mv: ModelVersion, dst_name: str) -> ModelVersion:
        validate_model_name(dst_name)
        with contextlib.suppress(ResourceAlreadyExists):
            self.create_registered_model(dst_name)
        return self.create_model_version(
            name=dst_name,
            source=f"models:/{src_mv.name}/{src_mv.version}",
            run_id=src_mv.run_id,
            tags=[ModelVersionTag(k, v) for k, v in src_mv.tags.items()],
            run_link=src_mv.run_link,
            description=src_mv.description,
            model_id=src_mv.model_id,
        )
