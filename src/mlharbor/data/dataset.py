"""The common base of mlharbor datasets: name, digest, source, schema and profile."""

from __future__ import annotations

import abc
import json
from typing import Any

from mlharbor.data.dataset_source import DatasetSource
from mlharbor.entities import Dataset as DatasetEntity

__all__ = ["Dataset"]


class Dataset(abc.ABC):
    """A dataset used by a run. Subclasses supply the digest, schema and profile.

    Args:
        source: where the data came from.
        name: a display name; ``"dataset"`` when None.
        digest: a fingerprint; computed from the data when None.
    """

    def __init__(
        self, source: DatasetSource, name: str | None = None, digest: str | None = None
    ) -> None:
        self._source = source
        self._name = name
        self._digest = digest or self._compute_digest()

    @abc.abstractmethod
    def _compute_digest(self) -> str:
        """Fingerprint of the data, used when no digest is given."""

    @property
    def name(self) -> str:
        return self._name if self._name is not None else "dataset"

    @property
    def digest(self) -> str:
        return self._digest

    @property
    def source(self) -> DatasetSource:
        return self._source

    @property
    def schema(self) -> Any:
        return None

    @property
    def profile(self) -> Any:
        return None

    def _schema_json(self) -> str | None:
        schema = self.schema
        return schema.to_json() if schema is not None else None

    def to_dict(self) -> dict[str, str | None]:
        """``name, digest, source, source_type, schema, profile`` as stored strings."""
        profile = self.profile
        return {
            "name": self.name,
            "digest": self.digest,
            "source": self._source.to_json(),
            "source_type": self._source.source_type,
            "schema": self._schema_json(),
            "profile": json.dumps(profile) if profile is not None else None,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def _to_mlflow_entity(self) -> DatasetEntity:
        """The entity a run's inputs store."""
        fields = self.to_dict()
        return DatasetEntity(
            name=self.name,
            digest=self.digest,
            source_type=self._source.source_type,
            source=self._source.to_json(),
            schema=fields["schema"],
            profile=fields["profile"],
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, digest={self.digest!r})"
