"""``infer_pip_requirements``: the packages a saved model imports when it loads.

The model loads in a fresh interpreter (so what this process already imported does not
count); every top-level module it pulled in maps to its installed distribution, pinned to the
installed version. mlharbor itself is written as MLflow's requirement line, so the model keeps
loading with MLflow.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from importlib import metadata

from mlharbor.exceptions import MlharborException
from mlharbor.models.environment import pinned_requirement
from mlharbor.models.model import MLFLOW_COMPAT_VERSION

__all__ = ["infer_pip_requirements"]

_log = logging.getLogger(__name__)
_DEFAULT_TIMEOUT_S = 120
_OWN = {"mlharbor", "mlflow", "mlflow-skinny"}

# Loads the model by the flavor's loader and prints the top-level modules imported meanwhile.
_PROBE = """
import importlib, json, sys
before = set(sys.modules)
flavor, path = sys.argv[1], sys.argv[2]
name = "pyfunc" if flavor == "python_function" else flavor
module = importlib.import_module("mlharbor." + name)
module.load_model(path)
print(json.dumps(sorted({m.split(".")[0] for m in set(sys.modules) - before})))
"""


def infer_pip_requirements(
    model_uri: str,
    flavor: str,
    fallback: list[str] | None = None,
    timeout: int | None = None,
    extra_env_vars: dict[str, str] | None = None,
    uv_project_dir: str | None = None,
    uv_groups: list[str] | None = None,
    uv_extras: list[str] | None = None,
) -> list[str]:
    """Pinned requirement lines of the packages the model at ``model_uri`` imports on load.

    Args:
        flavor: the flavor whose ``load_model`` loads it (``sklearn``, ``python_function``...).
        fallback: returned (with a warning) when inference fails; without it, failure raises.
        timeout: seconds the loading interpreter may take (120 by default).
        extra_env_vars: added to the loading interpreter's environment.
        uv_project_dir, uv_groups, uv_extras: accepted for MLflow compatibility; mlharbor
            infers from what the model imports, not from a uv project.

    Raises:
        MlharborException: the model cannot be loaded and no ``fallback`` is given.
    """
    from mlharbor.models.uri import download_model

    try:
        local = download_model(model_uri)
        env = {**os.environ, **(extra_env_vars or {})}
        probe = subprocess.run(
            [sys.executable, "-c", _PROBE, flavor, local],
            capture_output=True,
            text=True,
            timeout=timeout or _DEFAULT_TIMEOUT_S,
            env=env,
            check=False,
        )
        if probe.returncode != 0:
            detail = probe.stderr.strip().splitlines()
            raise MlharborException(
                f"Loading the model to infer its requirements failed: "
                f"{detail[-1] if detail else probe.returncode}"
            )
        modules = json.loads(probe.stdout.strip().splitlines()[-1])
    except (MlharborException, subprocess.TimeoutExpired, OSError, ValueError) as error:
        if fallback is None:
            if isinstance(error, MlharborException):
                raise
            raise MlharborException(f"Could not infer the model's requirements: {error}") from error
        _log.warning("Could not infer the model's requirements (%s); using %s", error, fallback)
        return list(fallback)
    return _requirements(modules)


def _requirements(modules: list[str]) -> list[str]:
    packages = metadata.packages_distributions()
    distributions = {
        distribution
        for module in modules
        if module not in sys.stdlib_module_names
        for distribution in packages.get(module, [])
    }
    lines = {
        line
        for line in (pinned_requirement(d) for d in distributions if d.lower() not in _OWN)
        if line
    }
    return [f"mlflow=={MLFLOW_COMPAT_VERSION}", *sorted(lines, key=str.lower)]
