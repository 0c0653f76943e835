"""Project tests: a fresh cwd whose SQLite store every child process also tracks to."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlharbor.client.client import MlharborClient
from tests.client.isolation import isolated_workdir

# Seed 001 §5: the MLproject, conda.yaml and training script, with mlflow imported from mlharbor.
SEED001_MLPROJECT = """\
name: IrisProject

conda_env: conda.yaml

entry_points:
  main:
    parameters:
      C: {type: float, default: 1.0}
    command: "python train.py --C {C}"
"""

SEED001_CONDA = """\
name: iris_env
channels:
  - defaults
dependencies:
  - python=3.10
  - scikit-learn
  - pip
  - pip:
    - mlflow
"""

SEED001_TRAIN = """\
import argparse

import mlharbor as mlflow
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--C", type=float, default=1.0)
args = parser.parse_args()

X, y = load_iris(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
with mlflow.start_run():
    model = LogisticRegression(C=args.C, max_iter=200).fit(X_train, y_train)
    mlflow.log_param("C", args.C)
    mlflow.log_metric("accuracy", model.score(X_test, y_test))
"""

# Records what the command received; needs no tracking library, so it starts fast.
RECORD_SCRIPT = """\
import json, os, sys
with open(os.environ.get("RECORD_TO", "record.json"), "w") as handle:
    json.dump({"argv": sys.argv[1:], "run_id": os.environ.get("MLFLOW_RUN_ID"),
               "experiment_id": os.environ.get("MLFLOW_EXPERIMENT_ID"),
               "tracking_uri": os.environ.get("MLFLOW_TRACKING_URI"),
               "prefix": sys.prefix, "cwd": os.getcwd()}, handle)
sys.exit(int(os.environ.get("EXIT_WITH", "0")))
"""


def write_project(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (name -> text, dedented) under ``root`` and return it."""
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(textwrap.dedent(text))
    return root


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary cwd; ``MLFLOW_TRACKING_URI`` points every process at one SQLite file."""
    for path in isolated_workdir(tmp_path, monkeypatch):
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'tracking.db'}")
        yield path


@pytest.fixture
def client(workdir: Path) -> MlharborClient:
    return MlharborClient()


@pytest.fixture
def seed001(workdir: Path) -> Path:
    return write_project(
        workdir / "iris",
        {"MLproject": SEED001_MLPROJECT, "conda.yaml": SEED001_CONDA, "train.py": SEED001_TRAIN},
    )


def mlharbor_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``mlharbor <args>`` as the installed console script does."""
    return subprocess.run(
        [sys.executable, "-c", "from mlharbor.cli import cli; cli()", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
