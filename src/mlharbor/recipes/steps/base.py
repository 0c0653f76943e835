"""What every step receives: the resolved config, the recipe root and the step output folders."""

from __future__ import annotations

import importlib.util
import pickle
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.recipes.cards import Card
from mlharbor.recipes.execution import ExecutionDirectory

__all__ = ["StepContext", "StepSpec"]


@dataclass(frozen=True)
class StepContext:
    """One execution of one step."""

    root: Path
    profile: str
    config: dict[str, Any]
    execution: ExecutionDirectory
    outputs: Path

    @property
    def template(self) -> str:
        return str(self.config["recipe"])

    @property
    def target_col(self) -> str:
        return str(self.config["target_col"])

    def step_config(self, step: str) -> dict[str, Any]:
        section = (self.config.get("steps") or {}).get(step) or {}
        if not isinstance(section, dict):
            raise InvalidParameterValue(f"steps.{step} in recipe.yaml must be a mapping")
        return section

    def upstream(self, step: str, name: str) -> Path:
        """The output file ``name`` of an earlier step."""
        return self.execution.outputs(step) / name

    def read_frame(self, step: str, name: str) -> Any:
        import pandas as pd

        return pd.read_pickle(self.upstream(step, name))

    def read_pickle(self, step: str, name: str) -> Any:
        with self.upstream(step, name).open("rb") as handle:
            return pickle.load(handle)

    def user_function(self, module: str, name: str, setting: str) -> Callable[..., Any]:
        """The function ``name`` of ``steps/<module>.py`` that the setting ``setting`` names.

        Raises:
            InvalidParameterValue: when the file or the function is missing.
        """
        path = self.root / "steps" / f"{module}.py"
        if not path.is_file():
            raise InvalidParameterValue(
                f"{setting}: {name!r} needs steps/{module}.py, which does not exist in {self.root}"
            )
        # A fresh module object on every load, so an edited file is always what runs.
        spec = importlib.util.spec_from_file_location(f"_mlharbor_recipe_steps_{module}", path)
        if spec is None or spec.loader is None:
            raise ResourceDoesNotExist(f"Cannot load steps/{module}.py")
        loaded = importlib.util.module_from_spec(spec)
        sys.path.insert(0, str(self.root))
        try:
            spec.loader.exec_module(loaded)
        finally:
            sys.path.remove(str(self.root))
        function = getattr(loaded, name, None)
        if not callable(function):
            raise InvalidParameterValue(
                f"{setting}: function {name!r} is not defined in steps/{module}.py"
            )
        return function  # type: ignore[no-any-return]


@dataclass(frozen=True)
class StepSpec:
    """A step of the DAG: what it depends on and how it runs.

    ``config_keys`` are the top-level settings (besides ``steps.<name>``) its result depends on;
    ``code_files`` the ``steps/`` modules whose source it may execute; ``inputs`` describes any
    other input (e.g. the data files read) as a JSON-able value that changes when they do.
    """

    name: str
    config_keys: tuple[str, ...]
    code_files: tuple[str, ...]
    execute: Callable[[StepContext], Card]
    inputs: Callable[[Path, dict[str, Any]], Any] | None = None
