"""Custom-loader ``python_function`` models and ``infer_code_paths``.

A custom-loader model names a ``loader_module`` and, optionally, a ``data_path``: the data is
copied under ``data/`` and loading calls ``<loader_module>._load_pyfunc(<model>/data/<name>)``,
as MLflow does. ``infer_code_paths`` loads the saved model in a fresh interpreter, sees which
modules it imported, and copies those that are files below the current directory under
``code/`` (MLflow's rule), so the model loads where that code is not installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.models.model_dir import CODE_DIR, ModelDraft, copy_code_paths

__all__ = ["check_unsupported", "code_directory", "save_loader_module_model"]

_DATA_DIR = "data"
# Prints the modules imported by loading the model directory given as the argument.
_CAPTURE = (
    "import json, sys\n"
    "from mlharbor.pyfunc.loader import load_model_from_dir\n"
    "before = set(sys.modules)\n"
    "load_model_from_dir(sys.argv[1])\n"
    "print(json.dumps(sorted(set(sys.modules) - before)))\n"
)


def check_unsupported(**options: Any) -> None:
    """Refuse MLflow's GenAI and uv packaging options when they ask for anything.

    Raises:
        InvalidParameterValue: naming the first option that is set.
    """
    for name, value in options.items():
        if value is not None and value is not False:
            raise InvalidParameterValue(
                f"`{name}` is not supported by mlharbor's python_function models (it packages "
                "GenAI agents or uv projects); leave it unset."
            )


def save_loader_module_model(
    draft: ModelDraft,
    loader_module: str,
    data_path: str | os.PathLike[str] | None,
    model_config: dict[str, Any] | None,
) -> dict[str, Any]:
    """Copy ``data_path`` into the model; return the flavor's ``loader_module``/``data`` keys.

    Raises:
        InvalidParameterValue: when ``data_path`` does not exist.
    """
    flavor: dict[str, Any] = {"loader_module": loader_module}
    if data_path is not None:
        source = os.path.normpath(os.fspath(data_path))
        if not os.path.exists(source):
            raise InvalidParameterValue(f"data_path '{source}' does not exist")
        relative = os.path.join(_DATA_DIR, os.path.basename(source))
        target = os.path.join(draft.directory, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if os.path.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        flavor["data"] = relative
    if model_config is not None:
        flavor["config"] = model_config
    return flavor


def code_directory(
    draft: ModelDraft, code_paths: list[str] | None, infer_code_paths: bool
) -> str | None:
    """The flavor's ``code`` value: ``code_paths`` copied, or (``infer_code_paths``) the local
    modules that loading the model imports. Call it once ``MLmodel`` is complete but for
    ``code``.

    Raises:
        InvalidParameterValue: both ``code_paths`` and ``infer_code_paths`` given.
        MlharborException: the model could not be loaded to see what it imports.
    """
    if not infer_code_paths:
        return copy_code_paths(code_paths, draft.directory)
    if code_paths:
        raise InvalidParameterValue(
            "If 'infer_code_paths' is set to True, 'code_paths' param cannot be set."
        )
    draft.model.save(os.path.join(draft.directory, "MLmodel"))
    files = _local_module_files(_imported_modules(draft.directory))
    for file in files:
        target = Path(draft.directory, CODE_DIR, file)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(file, target)
    return CODE_DIR if files else None


def _imported_modules(model_dir: str) -> list[str]:
    # The child sees the caller's import path, so it imports what the caller would.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p or os.getcwd() for p in sys.path)}
    done = subprocess.run(
        [sys.executable, "-c", _CAPTURE, model_dir],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise MlharborException(
            "infer_code_paths could not load the model to find the code it imports:\n"
            + done.stderr.strip()[-2000:]
        )
    modules: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return modules


def _local_module_files(modules: list[str]) -> list[Path]:
    """The files below the current directory that define ``modules`` and their packages."""
    names = set(modules)
    for module in modules:
        while "." in module:
            module = module.rpartition(".")[0]
            names.add(module)
    files: set[Path] = set()
    for name in names:
        relative = Path(name.replace(".", os.sep))
        if (relative / "__init__.py").is_file():
            files.add(relative / "__init__.py")
        if relative.with_name(relative.name + ".py").is_file():
            files.add(relative.with_name(relative.name + ".py"))
    return sorted(files)
