"""The named artifacts a recipe's steps produce, and how each is loaded."""

from __future__ import annotations

import json
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlharbor.recipes.steps import ingest, register, split, train, transform

__all__ = ["ARTIFACTS", "Artifact"]


@dataclass(frozen=True)
class Artifact:
    """An output file (or folder) of ``step`` and the function turning it into an object."""

    step: str
    file: str
    load: Callable[[Path], Any]


def _frame(path: Path) -> Any:
    import pandas as pd

    return pd.read_pickle(path)


def _pickle(path: Path) -> Any:
    with path.open("rb") as handle:
        return pickle.load(handle)


def _model(path: Path) -> Any:
    from mlharbor.pyfunc import load_model

    return load_model(str(path))


def _run(path: Path) -> Any:
    from mlharbor.client.client import MlharborClient

    return MlharborClient().get_run(path.read_text())


def _model_version(path: Path) -> Any:
    from mlharbor.client.client import MlharborClient

    recorded = json.loads(path.read_text())
    return MlharborClient().get_model_version(recorded["name"], recorded["version"])


ARTIFACTS: dict[str, Artifact] = {
    "ingested_data": Artifact("ingest", ingest.OUTPUT, _frame),
    "training_data": Artifact("split", split.OUTPUTS["training"], _frame),
    "validation_data": Artifact("split", split.OUTPUTS["validation"], _frame),
    "test_data": Artifact("split", split.OUTPUTS["test"], _frame),
    "transformed_training_data": Artifact("transform", transform.OUTPUTS["training"], _frame),
    "transformed_validation_data": Artifact("transform", transform.OUTPUTS["validation"], _frame),
    "transformer": Artifact("transform", transform.TRANSFORMER, _pickle),
    "model": Artifact("train", train.MODEL_DIR, _model),
    "run": Artifact("train", train.RUN_ID, _run),
    "registered_model_version": Artifact("register", register.VERSION, _model_version),
}
