"""The ``MLmodel`` file: a model directory's metadata, flavors and signature.

Files are written so that MLflow 3.17.2 reads them unchanged: the same keys, YAML layout and an
``mlflow_version`` naming the MLflow release whose format this is. Unknown keys read from files
written by other tools are kept and written back.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.signature import ModelSignature

__all__ = [
    "MLFLOW_COMPAT_VERSION",
    "MLMODEL_FILE_NAME",
    "Model",
    "ModelInfo",
    "directory_size",
    "get_model_info",
]

MLMODEL_FILE_NAME = "MLmodel"
# The MLflow release whose model format this package writes; MLflow only uses the value for
# version warnings, and pip installs it when it serves the model in a fresh environment.
MLFLOW_COMPAT_VERSION = "3.17.2"

_KNOWN_KEYS = (
    "artifact_path",
    "run_id",
    "utc_time_created",
    "flavors",
    "signature",
    "saved_input_example_info",
    "model_uuid",
    "mlflow_version",
    "metadata",
    "model_size_bytes",
    "model_id",
)


def _now_string() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


@dataclass
class ModelInfo:
    """What ``log_model`` returns: where the model went and what it holds."""

    artifact_path: str
    flavors: dict[str, Any]
    model_uri: str
    model_uuid: str
    run_id: str | None
    saved_input_example_info: dict[str, Any] | None
    signature: ModelSignature | None
    utc_time_created: str
    mlflow_version: str
    metadata: dict[str, Any] | None = None
    model_id: str | None = None
    name: str | None = None
    registered_model_version: int | None = None
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def signature_dict(self) -> dict[str, Any] | None:
        return self.signature.to_dict() if self.signature is not None else None


class Model:
    """An ``MLmodel`` file in memory.

    Args mirror the file's keys; ``extra`` keeps keys this class does not interpret.
    """

    def __init__(
        self,
        artifact_path: str | None = None,
        run_id: str | None = None,
        utc_time_created: str | None = None,
        flavors: dict[str, Any] | None = None,
        signature: ModelSignature | None = None,
        saved_input_example_info: dict[str, Any] | None = None,
        model_uuid: str | None = None,
        mlflow_version: str | None = MLFLOW_COMPAT_VERSION,
        metadata: dict[str, Any] | None = None,
        model_size_bytes: int | None = None,
        model_id: str | None = None,
        **extra: Any,
    ) -> None:
        self.artifact_path = artifact_path
        self.run_id = run_id
        self.utc_time_created = utc_time_created or _now_string()
        self.flavors: dict[str, Any] = dict(flavors or {})
        self.signature = signature
        self.saved_input_example_info = saved_input_example_info
        self.model_uuid = model_uuid or uuid.uuid4().hex
        self.mlflow_version = mlflow_version
        self.metadata = metadata
        self.model_size_bytes = model_size_bytes
        self.model_id = model_id
        self.extra = extra

    def add_flavor(self, name: str, **params: Any) -> Model:
        """Add (or replace) one flavor's configuration; returns self for chaining."""
        self.flavors[name] = params
        return self

    def get_input_schema(self) -> Any:
        return self.signature.inputs if self.signature is not None else None

    def get_output_schema(self) -> Any:
        return self.signature.outputs if self.signature is not None else None

    def get_params_schema(self) -> Any:
        return self.signature.params if self.signature is not None else None

    def to_dict(self) -> dict[str, Any]:
        """The YAML document, with MLflow's keys and null conventions."""
        out: dict[str, Any] = dict(self.extra)
        out.update(
            {
                "flavors": self.flavors,
                "utc_time_created": self.utc_time_created,
                "model_uuid": self.model_uuid,
                "model_id": self.model_id,
            }
        )
        if self.mlflow_version is not None:
            out["mlflow_version"] = self.mlflow_version
        if self.artifact_path is not None:
            out["artifact_path"] = self.artifact_path
        if self.run_id is not None:
            out["run_id"] = self.run_id
        if self.signature is not None:
            out["signature"] = self.signature.to_dict()
            out.setdefault("is_signature_from_type_hint", False)
            out.setdefault("type_hint_from_example", False)
        if self.saved_input_example_info is not None:
            out["saved_input_example_info"] = self.saved_input_example_info
        if self.metadata is not None:
            out["metadata"] = self.metadata
        if self.model_size_bytes is not None:
            out["model_size_bytes"] = self.model_size_bytes
        return out

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.to_dict(), default_flow_style=False)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the file to ``path`` (the ``MLmodel`` file itself)."""
        Path(path).write_text(self.to_yaml(), encoding="utf-8")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        if not isinstance(data.get("flavors"), dict):
            raise InvalidParameterValue(
                "Invalid MLmodel file: the 'flavors' key is missing or not a mapping"
            )
        known = {k: data[k] for k in _KNOWN_KEYS if k in data}
        extra = {k: v for k, v in data.items() if k not in _KNOWN_KEYS}
        signature = known.pop("signature", None)
        model = cls(**known, **extra)
        model.signature = ModelSignature.from_dict(signature) if signature else None
        return model

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Model:
        """Read an ``MLmodel`` file, or the one inside model directory ``path``; ``path`` may
        also be a model URI (``runs:/``, ``models:/``, artifact-store URI).

        Raises:
            ResourceDoesNotExist: when there is no ``MLmodel`` file.
            InvalidParameterValue: when the file is not a valid ``MLmodel`` document.
        """
        import yaml

        target = Path(path)
        if not target.exists() and len(urllib.parse.urlparse(str(path)).scheme) > 1:
            from mlharbor.models.uri import download_model

            target = Path(download_model(str(path)))
        if target.is_dir():
            target = target / MLMODEL_FILE_NAME
        if not target.is_file():
            raise ResourceDoesNotExist(
                f'Could not find an "{MLMODEL_FILE_NAME}" configuration file at "{path}"'
            )
        try:
            data = yaml.safe_load(target.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise InvalidParameterValue(
                f"Invalid MLmodel file at '{target}': it is not valid YAML ({exc})"
            ) from None
        if not isinstance(data, dict):
            raise InvalidParameterValue(f"Invalid MLmodel file at '{target}': expected a mapping")
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidParameterValue(f"Invalid MLmodel file at '{target}': {exc}") from None

    def load_input_example(self, path: str | os.PathLike[str]) -> Any:
        """The input example saved in model directory ``path``, or None."""
        from mlharbor.models.input_example import load_input_example

        return load_input_example(str(path), self.saved_input_example_info)

    def get_model_info(self, name: str | None = None) -> ModelInfo:
        model_uri = (
            f"models:/{self.model_id}"
            if self.model_id
            else f"runs:/{self.run_id}/{name}"
            if self.run_id and name
            else str(self.artifact_path)
        )
        return ModelInfo(
            artifact_path=str(self.artifact_path) if self.artifact_path else (name or ""),
            flavors=self.flavors,
            model_uri=model_uri,
            model_uuid=self.model_uuid,
            run_id=self.run_id,
            saved_input_example_info=self.saved_input_example_info,
            signature=self.signature,
            utc_time_created=self.utc_time_created,
            mlflow_version=str(self.mlflow_version),
            metadata=self.metadata,
            model_id=self.model_id,
            name=name,
        )

    def __repr__(self) -> str:
        return f"Model(flavors={sorted(self.flavors)}, model_uuid={self.model_uuid!r})"


def get_model_info(model_uri: str) -> ModelInfo:
    """The :class:`ModelInfo` of the model at ``model_uri`` (any URI ``load_model`` accepts)."""
    return Model.load(model_uri).get_model_info()


def directory_size(path: str | os.PathLike[str]) -> int:
    """Total bytes of the regular files below ``path``."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            total += os.path.getsize(os.path.join(root, name))
    return total
