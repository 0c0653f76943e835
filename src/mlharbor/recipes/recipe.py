"""``Recipe``: run, inspect and clean the steps of a regression or classification recipe.

Steps run in order: ingest -> split -> transform -> train -> evaluate -> register. A step whose
fingerprint (see :mod:`mlharbor.recipes.execution`) matches its last successful execution is
skipped; :attr:`Recipe.last_execution` says which steps ran and which came from the cache.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from mlharbor.exceptions import BadRequest, InvalidParameterValue, MlharborException
from mlharbor.recipes.artifacts import ARTIFACTS
from mlharbor.recipes.cards import Card
from mlharbor.recipes.config import find_recipe_root, load_config
from mlharbor.recipes.execution import FAILED, SUCCEEDED, UNKNOWN, ExecutionDirectory
from mlharbor.recipes.steps.base import StepContext, StepSpec
from mlharbor.recipes.steps.evaluate import EVALUATE
from mlharbor.recipes.steps.ingest import INGEST
from mlharbor.recipes.steps.register import REGISTER
from mlharbor.recipes.steps.split import SPLIT
from mlharbor.recipes.steps.train import TRAIN
from mlharbor.recipes.steps.transform import TRANSFORM
from mlharbor.recipes.tracking import recipe_tracking

__all__ = ["STEPS", "ClassificationRecipe", "Recipe", "RegressionRecipe"]

STEPS: tuple[StepSpec, ...] = (INGEST, SPLIT, TRANSFORM, TRAIN, EVALUATE, REGISTER)
EXECUTED, CACHED = "executed", "cached"


def _say(message: str) -> None:
    print(message, file=sys.stderr)


class Recipe:
    """A recipe of the current directory (or a parent), configured by ``profiles/<profile>.yaml``.

    ``Recipe(profile="local")`` returns a :class:`RegressionRecipe` or
    :class:`ClassificationRecipe` according to the ``recipe`` template named in recipe.yaml.

    Raises:
        ResourceDoesNotExist: when no recipe.yaml is found, or the profile does not exist.
        InvalidParameterValue: for an invalid recipe.yaml.
    """

    template: str = ""

    def __new__(cls, profile: str) -> Recipe:
        if cls is Recipe:
            config = load_config(find_recipe_root(), profile)
            cls = _BY_TEMPLATE[config["recipe"]]
        return super().__new__(cls)

    def __init__(self, profile: str) -> None:
        self._root = find_recipe_root()
        self._profile = profile
        config = load_config(self._root, profile)
        if config["recipe"] != self.template:
            raise InvalidParameterValue(
                f"{type(self).__name__} runs {self.template} recipes; recipe.yaml names "
                f"{config['recipe']}"
            )
        self._execution = ExecutionDirectory(self._root)
        self.last_execution: dict[str, str] = {}

    @property
    def name(self) -> str:
        """The recipe's name: the name of its root folder."""
        return self._root.name

    @property
    def profile(self) -> str:
        return self._profile

    @property
    def root(self) -> Path:
        return self._root

    @property
    def execution_directory(self) -> Path:
        return self._execution.base

    def _config(self) -> dict[str, Any]:
        # Read again on every call so edits to recipe.yaml or the profile take effect.
        return load_config(self._root, self._profile)

    @staticmethod
    def _spec(step: str) -> StepSpec:
        for spec in STEPS:
            if spec.name == step:
                return spec
        raise InvalidParameterValue(
            f"Unknown step {step!r}; the steps are {', '.join(s.name for s in STEPS)}"
        )

    def _fingerprint(self, spec: StepSpec, config: dict[str, Any], upstream: str | None) -> str:
        from mlharbor.recipes.execution import fingerprint

        settings = {
            "recipe": config["recipe"],
            "step": (config.get("steps") or {}).get(spec.name),
            **{key: config.get(key) for key in spec.config_keys},
        }
        if spec.inputs is not None:
            settings["inputs"] = spec.inputs(self._root, config)
        code = {}
        for module in spec.code_files:
            path = self._root / "steps" / f"{module}.py"
            code[module] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else ""
        return fingerprint(settings, code, upstream)

    def run(self, step: str | None = None) -> None:
        """Run the recipe up to ``step`` (all steps by default), skipping cached steps.

        Raises:
            InvalidParameterValue: for an unknown step.
            MlharborException: when a step fails; the step's card records the error.
        """
        last = self._spec(step) if step else STEPS[-1]
        config = self._config()
        self.last_execution = {}
        upstream: str | None = None
        for spec in STEPS[: STEPS.index(last) + 1]:
            digest = self._fingerprint(spec, config, upstream)
            state = self._execution.state(spec.name)
            if (
                state is not None
                and state.status == SUCCEEDED
                and state.fingerprint == digest
                and self._execution.outputs(spec.name).is_dir()
            ):
                self.last_execution[spec.name] = CACHED
                _say(f"Step '{spec.name}': cached, skipped")
                upstream = state.token
                continue
            upstream = self._execute(spec, config, digest)
        _say(f"Recipe '{self.name}' ran up to step '{last.name}'")

    def _execute(self, spec: StepSpec, config: dict[str, Any], digest: str) -> str:
        _say(f"Step '{spec.name}': running")
        outputs = self._execution.begin(spec.name)
        context = StepContext(self._root, self._profile, config, self._execution, outputs)
        try:
            card = spec.execute(context)
        except Exception as exc:
            self.last_execution[spec.name] = FAILED.lower()
            failure = Card(f"{spec.name.capitalize()} (failed)")
            failure.add_fields("Error", {"type": type(exc).__name__, "message": str(exc)})
            failure.save(outputs)
            self._execution.finish(spec.name, FAILED, digest, error=str(exc))
            _say(f"Step '{spec.name}': failed: {exc}")
            if isinstance(exc, MlharborException):
                raise
            raise BadRequest(f"Step '{spec.name}' failed: {type(exc).__name__}: {exc}") from exc
        card.save(outputs)
        self.last_execution[spec.name] = EXECUTED
        return self._execution.finish(spec.name, SUCCEEDED, digest).token

    def step_status(self, step: str) -> str:
        """SUCCEEDED or FAILED for the step's last execution, UNKNOWN if it has not run."""
        self._spec(step)
        state = self._execution.state(step)
        return state.status if state else UNKNOWN

    def inspect(self, step: str | None = None) -> None:
        """Print the card of ``step`` (and write it as ``card.html``), or, without a step, the
        recipe's DAG with the status of each step.

        Raises:
            InvalidParameterValue: for an unknown step.
        """
        if step is None:
            card = self._dag_card()
            card.save(self._execution.base)
            print(card.to_text())
            print(f"\nCard: {self._execution.base / 'card.html'}")
            return
        self._spec(step)
        outputs = self._execution.outputs(step)
        loaded = Card.load(outputs)
        if loaded is None:
            print(f"Step '{step}' has not run yet; run it with recipe.run({step!r})")
            return
        print(loaded.to_text())
        print(f"\nCard: {outputs / 'card.html'}")

    def _dag_card(self) -> Card:
        card = Card(f"Recipe {self.name} ({self.template}, profile {self._profile})")
        card.add_fields("DAG", {"steps": " -> ".join(s.name for s in STEPS)})
        rows = []
        for spec in STEPS:
            state = self._execution.state(spec.name)
            if state is None:
                rows.append([spec.name, UNKNOWN, ""])
            else:
                rows.append([spec.name, state.status, state.error or ""])
        card.add_table("Step status", ["step", "status", "error"], rows)
        return card

    def clean(self, step: str | None = None) -> None:
        """Remove the cached results of ``step``, or of every step; they run again next time.

        Raises:
            InvalidParameterValue: for an unknown step.
        """
        if step is not None:
            self._spec(step)
        self._execution.clean(step)

    def get_artifact(self, artifact_name: str) -> Any:
        """Load an artifact of the last execution, or None when its step has not produced it.

        Names: ingested_data, training_data, validation_data, test_data,
        transformed_training_data, transformed_validation_data, transformer, model, run,
        registered_model_version.

        Raises:
            InvalidParameterValue: for an unknown artifact name.
        """
        path = self.artifact_path(artifact_name)
        if path is None:
            step = ARTIFACTS[artifact_name].step
            _say(f"Artifact {artifact_name!r} is not available: run step '{step}' first")
            return None
        with recipe_tracking(self._config()):
            return ARTIFACTS[artifact_name].load(path)

    def artifact_path(self, artifact_name: str) -> Path | None:
        """Where an artifact of the last execution lies, or None when it is not available.

        Raises:
            InvalidParameterValue: for an unknown artifact name.
        """
        artifact = ARTIFACTS.get(artifact_name)
        if artifact is None:
            raise InvalidParameterValue(
                f"Unknown artifact {artifact_name!r}; choose one of {', '.join(ARTIFACTS)}"
            )
        path = self._execution.outputs(artifact.step) / artifact.file
        state = self._execution.state(artifact.step)
        if state is None or state.status != SUCCEEDED or not path.exists():
            return None
        return path


class RegressionRecipe(Recipe):
    """The regression/v1 recipe: regressors scored by RMSE, MAE, R2 and more."""

    template = "regression/v1"


class ClassificationRecipe(Recipe):
    """The classification/v1 recipe: classifiers scored by F1, accuracy, ROC AUC and more;
    binary problems name their ``positive_class``."""

    template = "classification/v1"


_BY_TEMPLATE: dict[str, type[Recipe]] = {
    RegressionRecipe.template: RegressionRecipe,
    ClassificationRecipe.template: ClassificationRecipe,
}
