"""System tags ``start_run`` puts on new runs: who, from which source, at which git commit.

The git lookup runs the ``git`` executable only when a run is created, once per source
directory per process, with a short timeout, so a slow or missing git never blocks logging.
"""

from __future__ import annotations

import configparser
import functools
import getpass
import json
import os
import subprocess
import sys
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["resolve_run_tags"]

_GIT_TIMEOUT_S = 2.0


def _credentials_username() -> str | None:
    """``mlflow_tracking_username`` of the ``[mlflow]`` section of ``~/.mlflow/credentials``."""
    path = os.path.join(os.path.expanduser("~"), ".mlflow", "credentials")
    if not os.path.isfile(path):
        return None
    parser = configparser.ConfigParser()
    try:
        parser.read(path)
    except configparser.Error:
        return None
    return parser.get("mlflow", "mlflow_tracking_username", fallback=None) or None


def _user() -> str:
    configured = os.environ.get("MLFLOW_TRACKING_USERNAME") or _credentials_username()
    if configured:
        return configured
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _source_name() -> str:
    main = sys.argv[0] if sys.argv else ""
    return main or "<console>"


def _git(directory: str, *args: str) -> str | None:
    try:
        completed = subprocess.run(
            ["git", "-C", directory, *args],
            capture_output=True,
            text=True,
            timeout=_GIT_TIMEOUT_S,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    output = completed.stdout.strip()
    return output if completed.returncode == 0 and output else None


@functools.cache
def _git_tags(directory: str) -> tuple[tuple[str, str], ...]:
    revision = _git(directory, "rev-parse", "HEAD", "--abbrev-ref", "HEAD")
    if revision is None:
        return ()
    lines = revision.splitlines()
    tags = [("mlflow.source.git.commit", lines[0])]
    if len(lines) > 1 and lines[1] != "HEAD":
        tags.append(("mlflow.source.git.branch", lines[1]))
    remote = _git(directory, "config", "--get", "remote.origin.url")
    if remote:
        tags.append(("mlflow.source.git.repoURL", remote))
    return tuple(tags)


def _context_tags_from_env() -> dict[str, str]:
    raw = os.environ.get("MLFLOW_RUN_CONTEXT")
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise InvalidParameterValue(
            f"MLFLOW_RUN_CONTEXT must hold a JSON object of tags, got: {raw!r}"
        ) from None
    if not isinstance(parsed, dict):
        raise InvalidParameterValue(
            f"MLFLOW_RUN_CONTEXT must hold a JSON object of tags, got: {raw!r}"
        )
    return {str(k): str(v) for k, v in parsed.items()}


def resolve_run_tags(user_tags: dict[str, Any] | None = None) -> dict[str, str]:
    """Default system tags, then ``MLFLOW_RUN_CONTEXT`` tags, then ``user_tags`` (which win)."""
    source = _source_name()
    tags: dict[str, str] = {
        "mlflow.user": _user(),
        "mlflow.source.name": source,
        "mlflow.source.type": "LOCAL",
    }
    if source != "<console>" and os.path.isfile(source):
        tags.update(_git_tags(os.path.dirname(os.path.abspath(source))))
    tags.update(_context_tags_from_env())
    tags.update({str(k): str(v) for k, v in (user_tags or {}).items()})
    return tags
