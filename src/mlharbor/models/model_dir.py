"""Helpers every flavor uses on a model directory: create it, copy code into it, import from it."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException

if TYPE_CHECKING:
    from mlharbor.models.model import Model

__all__ = [
    "CODE_DIR",
    "ModelDraft",
    "add_code_to_path",
    "copy_code_paths",
    "model_directory",
    "prepare_model_dir",
    "record_inputs",
]

CODE_DIR = "code"


def prepare_model_dir(path: str | os.PathLike[str]) -> str:
    """Create the model directory and return its absolute path.

    Raises:
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` exists and is not an empty
            directory (as MLflow refuses it).
    """
    target = os.path.abspath(os.fspath(path))
    if os.path.exists(target) and (not os.path.isdir(target) or os.listdir(target)):
        raise MlharborException(
            f"Path '{target}' already exists and is not empty", "RESOURCE_ALREADY_EXISTS"
        )
    os.makedirs(target, exist_ok=True)
    return target


def copy_code_paths(code_paths: list[str] | None, model_dir: str) -> str | None:
    """Copy user code files/directories under ``code/``; returns the flavor's ``code`` value.

    Raises:
        InvalidParameterValue: when a code path does not exist.
    """
    if not code_paths:
        return None
    code_dir = os.path.join(model_dir, CODE_DIR)
    os.makedirs(code_dir, exist_ok=True)
    for path in code_paths:
        if not os.path.exists(path):
            raise InvalidParameterValue(f"Code path '{path}' does not exist")
        target = os.path.join(code_dir, os.path.basename(os.path.normpath(path)))
        if os.path.isdir(path):
            shutil.copytree(
                path, target, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            shutil.copy2(path, target)
    return CODE_DIR


def add_code_to_path(model_dir: str, conf: dict[str, Any]) -> None:
    """Make the flavor's ``code`` directory importable before the model is unpickled."""
    code = conf.get("code")
    if not code:
        return
    code_dir = os.path.join(model_dir, str(code))
    if os.path.isdir(code_dir) and code_dir not in sys.path:
        sys.path.insert(0, code_dir)


EXTRA_FILES = "extra_files"


def copy_extra_files(extra_files: list[str] | None, model_dir: str) -> dict[str, Any]:
    """Copy ``extra_files`` (local paths or artifact URIs) into ``<model>/extra_files``.

    Returns:
        The flavor keys that record them (``{"extra_files": [{"path": ...}]}``), or ``{}``.

    Raises:
        TypeError: ``extra_files`` is not a list.
        ResourceDoesNotExist: a local file does not exist.
    """
    import urllib.parse

    from mlharbor.exceptions import ResourceDoesNotExist

    if not extra_files:
        return {}
    if not isinstance(extra_files, list):
        raise TypeError("Extra files argument should be a list")
    target = os.path.join(model_dir, EXTRA_FILES)
    os.makedirs(target, exist_ok=True)
    entries = []
    for source in extra_files:
        scheme = urllib.parse.urlparse(str(source)).scheme
        if len(scheme) > 1 and scheme != "file":
            from mlharbor.artifacts import download_artifacts

            local = download_artifacts(artifact_uri=str(source), dst_path=target)
        else:
            local = str(source).removeprefix("file://")
            if not os.path.exists(local):
                raise ResourceDoesNotExist(f"Extra file '{source}' does not exist")
            destination = os.path.join(target, os.path.basename(local.rstrip("/")))
            if os.path.isdir(local):
                shutil.copytree(local, destination, dirs_exist_ok=True)
            else:
                shutil.copy2(local, destination)
        entries.append({"path": f"{EXTRA_FILES}/{os.path.basename(local.rstrip('/'))}"})
    return {EXTRA_FILES: entries}


@dataclass(frozen=True)
class ModelDraft:
    """A model directory being written and the ``MLmodel`` that will describe it."""

    directory: str
    model: Model


@contextmanager
def model_directory(
    path: str | os.PathLike[str], mlflow_model: Model | None
) -> Iterator[ModelDraft]:
    """Create the model directory for the block to fill; on leaving it, record the size and
    save ``MLmodel``. Any error removes the directory, so no half-written model is left.

    Raises:
        MlharborException: RESOURCE_ALREADY_EXISTS (see :func:`prepare_model_dir`).
    """
    from mlharbor.models.model import Model, directory_size

    model_dir = prepare_model_dir(path)
    try:
        model = mlflow_model or Model()
        yield ModelDraft(model_dir, model)
        model.model_size_bytes = directory_size(model_dir)
        model.save(os.path.join(model_dir, "MLmodel"))
    except BaseException:
        shutil.rmtree(model_dir, ignore_errors=True)
        raise


def record_inputs(
    draft: ModelDraft,
    *,
    metadata: dict[str, Any] | None,
    code_paths: list[str] | None,
    input_example: Any,
    signature: Any,
    infer_signature: Callable[[Any], Any],
) -> str | None:
    """What every flavor records the same way: metadata, code files, the input example, and
    the signature (inferred from the example's data by ``infer_signature`` when none is given).
    Returns the flavors' ``code`` value."""
    from mlharbor.models.input_example import save_input_example, split_example

    model = draft.model
    if metadata is not None:
        model.metadata = metadata
    code = copy_code_paths(code_paths, draft.directory)
    if input_example is not None:
        model.saved_input_example_info = save_input_example(draft.directory, input_example)
        if signature is None:
            signature = infer_signature(split_example(input_example)[0])
    model.signature = signature or None
    return code
