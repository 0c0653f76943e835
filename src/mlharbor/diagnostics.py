"""``mlharbor.doctor()``: the facts a bug report needs, printed in MLflow's layout."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import re

import mlharbor

# values of variables named like secrets never print, masked or not
_SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY", re.IGNORECASE)
_URI_PASSWORD = re.compile(r"(://[^:/@]+:)[^@/]+@")


def _mask_uri(uri: str) -> str:
    return _URI_PASSWORD.sub(r"\1***@", uri)


def _dependencies() -> dict[str, str]:
    found: dict[str, str] = {}
    for requirement in importlib.metadata.requires("mlharbor") or []:
        if "extra ==" in requirement:
            continue
        name = re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return found


def report(mask_envs: bool = False) -> list[tuple[str, str | dict[str, str]]]:
    """The items :func:`doctor` prints, as (label, value) pairs."""
    from mlharbor.client.active_run import active_run
    from mlharbor.client.tracking_uri import get_registry_uri, get_tracking_uri

    items: list[tuple[str, str | dict[str, str]]] = [
        ("System information", f"{platform.system()} {platform.version()}"),
        ("Python version", platform.python_version()),
        ("mlharbor version", mlharbor.__version__),
        ("mlharbor module location", mlharbor.__file__ or ""),
        ("Tracking URI", _mask_uri(get_tracking_uri())),
        ("Registry URI", _mask_uri(get_registry_uri())),
    ]
    run = active_run()
    if run is not None:
        items += [
            ("Active experiment ID", run.info.experiment_id),
            ("Active run ID", run.info.run_id),
            ("Active run artifact URI", run.info.artifact_uri or ""),
        ]
    variables = {
        name: "***" if mask_envs or _SECRET_NAME.search(name) else _mask_uri(value)
        for name, value in sorted(os.environ.items())
        if name.startswith(("MLFLOW_", "MLHARBOR_"))
    }
    if variables:
        items.append(("Environment variables", variables))
    items.append(("Dependencies", _dependencies()))
    return items


def doctor(mask_envs: bool = False) -> None:
    """Print system, version, URI, active-run, environment and dependency facts.

    Args:
        mask_envs: print ``***`` for every ``MLFLOW_*`` / ``MLHARBOR_*`` value. Passwords,
            tokens and keys are masked regardless, and so are passwords inside URIs.
    """
    lines = []
    for label, value in report(mask_envs):
        if isinstance(value, dict):
            lines.append(f"{label}:")
            lines += [f"  {key}: {item}" for key, item in value.items()]
        else:
            lines.append(f"{label}: {value}")
    print("\n".join(lines))
