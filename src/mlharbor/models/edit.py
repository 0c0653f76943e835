"""Change a saved model in place: its signature (``set_signature``) and its requirements
(``update_model_requirements``).

Registered model versions are read-only, as in MLflow: a ``models:/<name>/<version>`` URI is
refused; ``models:/<model_id>``, ``runs:/``, artifact-store URIs and local paths are edited.
"""

from __future__ import annotations

import os
import re
import tempfile
import urllib.parse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Literal

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.environment import CONDA_FILE, REQUIREMENTS_FILE
from mlharbor.models.signature import ModelSignature

__all__ = ["set_signature", "update_model_requirements"]

_MLMODEL = "MLmodel"
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _editable_source(model_uri: str, what: str) -> str:
    from mlharbor.models.uri import parse_models_uri, resolve_model_uri

    is_models_uri = urllib.parse.urlparse(model_uri).scheme == "models"
    if is_models_uri and parse_models_uri(model_uri).model_id is None:
        raise InvalidParameterValue(
            f"Failed to set {what} on {model_uri!r}. Model URIs with the "
            "`models:/<name>/<version>` scheme are not supported: registered versions are "
            "read-only. Log the model again with the change and register that."
        )
    return resolve_model_uri(model_uri)


@contextmanager
def _model_files(model_uri: str, names: tuple[str, ...], what: str) -> Iterator[dict[str, str]]:
    """Yield local copies of the model's files ``names`` (those that exist); write them back."""
    from mlharbor.client.artifacts import resolve_artifact_uri
    from mlharbor.client.tracking_uri import get_tracking_uri
    from mlharbor.models.uri import _local_path
    from mlharbor.store.artifact.factory import get_artifact_repository

    source = _editable_source(model_uri, what)
    local = _local_path(source)
    if local is not None:
        if not os.path.isfile(os.path.join(local, _MLMODEL)):
            raise InvalidParameterValue(f"No MLmodel file found at {model_uri!r}")
        yield {n: os.path.join(local, n) for n in names if os.path.isfile(os.path.join(local, n))}
        return
    repo = get_artifact_repository(resolve_artifact_uri(source, get_tracking_uri()))
    present = {info.path.rsplit("/", 1)[-1] for info in repo.list_artifacts()}
    if _MLMODEL not in present:
        raise InvalidParameterValue(f"No MLmodel file found at {model_uri!r}")
    with tempfile.TemporaryDirectory(prefix="mlharbor-edit-") as scratch:
        files = {n: repo.download_artifacts(n, scratch) for n in names if n in present}
        yield files
        for path in files.values():
            repo.log_artifact(path)


def set_signature(model_uri: str, signature: ModelSignature) -> None:
    """Replace the signature recorded in the model's ``MLmodel`` file.

    Raises:
        InvalidParameterValue: ``signature`` is not a ModelSignature, the URI names a
            registered model version, or no model lives there.
    """
    from mlharbor.models.model import Model

    if not isinstance(signature, ModelSignature):
        raise InvalidParameterValue("The signature argument must be a ModelSignature object")
    with _model_files(model_uri, (_MLMODEL,), "signature") as files:
        model = Model.load(files[_MLMODEL])
        model.signature = signature
        model.save(files[_MLMODEL])


def _name(requirement: str) -> str:
    match = _REQUIREMENT_NAME.match(requirement)
    if match is None:
        raise InvalidParameterValue(f"Found invalid requirements: {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def _updated(lines: list[str], changes: list[str], operation: str) -> list[str]:
    names = {_name(change): change for change in changes}
    kept = [line for line in lines if _name(line) not in names]
    return kept + list(names.values()) if operation == "add" else kept


def _edit_requirements_txt(path: str, change: Callable[[list[str]], list[str]]) -> None:
    with open(path, encoding="utf-8") as handle:
        lines = [line.strip() for line in handle if line.strip()]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(change(lines)))


def _edit_conda(path: str, change: Callable[[list[str]], list[str]]) -> None:
    import yaml

    with open(path, encoding="utf-8") as handle:
        env: dict[str, Any] = yaml.safe_load(handle) or {}
    dependencies = env.setdefault("dependencies", [])
    for item in dependencies:
        if isinstance(item, dict) and "pip" in item:
            item["pip"] = change([str(line) for line in item["pip"]])
            break
    else:
        dependencies.append({"pip": change([])})
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(env, handle, default_flow_style=False)


def update_model_requirements(
    model_uri: str, operation: Literal["add", "remove"], requirement_list: list[str]
) -> None:
    """Add (or replace, by package name) or remove requirements of a saved model, in both
    ``requirements.txt`` and ``conda.yaml``.

    Raises:
        InvalidParameterValue: an unknown operation, an unparsable requirement, a registered
            model version URI, or no model at the URI.
    """
    if operation not in ("add", "remove"):
        raise InvalidParameterValue(
            f"Invalid operation {operation!r}: must be one of 'add', 'remove'"
        )
    changes = [line.strip() for line in requirement_list]
    for line in changes:
        _name(line)

    def change(lines: list[str]) -> list[str]:
        return _updated(lines, changes, operation)

    with _model_files(model_uri, (_MLMODEL, REQUIREMENTS_FILE, CONDA_FILE), "requirements") as f:
        if REQUIREMENTS_FILE in f:
            _edit_requirements_txt(f[REQUIREMENTS_FILE], change)
        if CONDA_FILE in f:
            _edit_conda(f[CONDA_FILE], change)
