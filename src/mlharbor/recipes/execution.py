"""Where step results live and when a step may be skipped.

Each step has ``<base>/steps/<step>/outputs/`` and a ``state.json`` recording the fingerprint it
ran with, its status and a token that changes on every execution. A step's fingerprint hashes
its resolved configuration, the source of the ``steps/`` files it uses and the token of the step
before it, so editing a step's config or code, or re-executing an upstream step for any reason,
invalidates it and everything after it.

``<base>`` is ``MLHARBOR_RECIPES_EXECUTION_DIRECTORY`` (or ``MLFLOW_RECIPES_EXECUTION_DIRECTORY``)
when set, else ``~/.mlharbor/recipes/<hash of the recipe root>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["ExecutionDirectory", "StepState", "fingerprint"]

_BASE_ENV = ("MLHARBOR_RECIPES_EXECUTION_DIRECTORY", "MLFLOW_RECIPES_EXECUTION_DIRECTORY")

SUCCEEDED = "SUCCEEDED"
FAILED = "FAILED"
UNKNOWN = "UNKNOWN"


@dataclass(frozen=True)
class StepState:
    """What the last execution of a step left behind."""

    status: str
    fingerprint: str
    token: str
    finished_at: float
    error: str | None = None


def fingerprint(config: Any, code: dict[str, str], upstream_token: str | None) -> str:
    """A digest of everything a step's result depends on."""
    payload = json.dumps(
        {"config": config, "code": code, "upstream": upstream_token}, sort_keys=True, default=str
    )
    return hashlib.sha256(payload.encode()).hexdigest()


class ExecutionDirectory:
    """The step output folders of one recipe."""

    def __init__(self, recipe_root: Path) -> None:
        configured = next((os.environ[n] for n in _BASE_ENV if os.environ.get(n)), None)
        if configured:
            self.base = Path(configured).expanduser().resolve()
        else:
            digest = hashlib.sha256(str(recipe_root.resolve()).encode()).hexdigest()[:16]
            self.base = Path.home() / ".mlharbor" / "recipes" / digest

    def step_dir(self, step: str) -> Path:
        return self.base / "steps" / step

    def outputs(self, step: str) -> Path:
        return self.step_dir(step) / "outputs"

    def state(self, step: str) -> StepState | None:
        path = self.step_dir(step) / "state.json"
        if not path.is_file():
            return None
        return StepState(**json.loads(path.read_text()))

    def begin(self, step: str) -> Path:
        """Empty the outputs of ``step`` before it executes; return the folder."""
        self.clean(step)
        outputs = self.outputs(step)
        outputs.mkdir(parents=True)
        return outputs

    def finish(self, step: str, status: str, digest: str, error: str | None = None) -> StepState:
        state = StepState(status, digest, uuid.uuid4().hex, time.time(), error)
        (self.step_dir(step) / "state.json").write_text(json.dumps(state.__dict__))
        return state

    def clean(self, step: str | None = None) -> None:
        """Remove the outputs and state of ``step``, or of every step."""
        target = self.step_dir(step) if step else self.base / "steps"
        if target.exists():
            shutil.rmtree(target)
