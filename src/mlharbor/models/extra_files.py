"""``extra_files`` of the CatBoost, statsmodels and ONNX flavors: files saved beside the model
under ``extra_files/`` and listed in the flavor as ``[{"path": "extra_files/<name>"}]``, as
MLflow records them."""

from __future__ import annotations

import os
import shutil
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["copy_extra_files"]

_DIRECTORY = "extra_files"


def copy_extra_files(extra_files: Any, model_dir: str) -> dict[str, Any]:
    """Copy each file (a local path or an artifact URI) into ``model_dir/extra_files`` and return
    the flavor entries to add (none when there are no files).

    Raises:
        InvalidParameterValue: when ``extra_files`` is not a list, or names no file.
    """
    if not extra_files:
        return {}
    if not isinstance(extra_files, list):
        raise InvalidParameterValue("extra_files must be a list of paths or URIs")
    from mlharbor.artifacts import download_artifacts

    target = os.path.join(model_dir, _DIRECTORY)
    os.makedirs(target, exist_ok=True)
    entries = []
    for source in extra_files:
        local = str(source)
        if "://" in local and not local.startswith("file://"):
            local = download_artifacts(artifact_uri=local)
        local = local.removeprefix("file://")
        if not os.path.isfile(local):
            raise InvalidParameterValue(f"The extra file '{source}' does not exist")
        name = os.path.basename(local)
        shutil.copy2(local, os.path.join(target, name))
        entries.append({"path": f"{_DIRECTORY}/{name}"})
    return {"extra_files": entries}
