"""Helpers every flavor uses on a model directory: create it, copy code into it, import from it."""

from __future__ import annotations

import os
import shutil
import sys
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException

__all__ = ["CODE_DIR", "add_code_to_path", "copy_code_paths", "prepare_model_dir"]

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
