"""A recipe folder in a temporary directory: synthetic data, recipe.yaml, a profile, steps/.

The tracking store and the step execution directory live in the same temporary directory.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.client.isolation import isolated_workdir

REGRESSION_YAML = """\
recipe: 'regression/v1'
target_col: 'price'
positive_class: null
primary_metric: 'root_mean_squared_error'
steps:
  ingest: {using: 'custom', loader_method: load_data}
  split: {split_ratios: {{SPLIT_RATIOS}}}
  transform: {using: 'custom', transformer_method: transformer_fn}
  train: {using: 'custom', estimator_method: estimator_fn}
  evaluate: {validation_criteria: [{metric: root_mean_squared_error, threshold: 10}]}
  register: {model_name: 'my_regression_model'}
"""

STEPS = {
    "ingest.py": """
        import pandas as pd


        def load_data(location, file_format):
            return pd.read_csv("data/houses.csv")
    """,
    "transform.py": """
        from sklearn.preprocessing import StandardScaler


        def transformer_fn():
            return StandardScaler()
    """,
    "train.py": """
        from sklearn.linear_model import LinearRegression


        def estimator_fn():
            return LinearRegression()
    """,
}


def write_steps(root: Path, files: dict[str, str]) -> None:
    (root / "steps").mkdir(exist_ok=True)
    for name, source in files.items():
        (root / "steps" / name).write_text(textwrap.dedent(source))


def house_prices(rows: int = 400) -> str:
    """CSV text of a linear price with a little noise (seeded)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    area = rng.uniform(50, 200, rows)
    rooms = rng.integers(1, 6, rows)
    price = 2.0 * area + 10.0 * rooms + rng.normal(0, 1.0, rows)
    frame = pd.DataFrame({"area": area, "rooms": rooms, "price": price})
    return frame.to_csv(index=False)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An isolated cwd with tracking and recipe execution state inside ``tmp_path``."""
    for path in isolated_workdir(tmp_path, monkeypatch):
        monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'tracking.db'}")
        monkeypatch.setenv("MLHARBOR_RECIPES_EXECUTION_DIRECTORY", str(tmp_path / "execution"))
        yield path


@pytest.fixture
def regression_recipe(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The seed 002 §9 regression recipe, as the current directory."""
    root = workdir / "houses"
    (root / "data").mkdir(parents=True)
    (root / "profiles").mkdir()
    (root / "data" / "houses.csv").write_text(house_prices())
    (root / "recipe.yaml").write_text(REGRESSION_YAML)
    (root / "profiles" / "local.yaml").write_text(
        "SPLIT_RATIOS: [0.75, 0.125, 0.125]\nexperiment:\n  name: houses-experiment\n"
    )
    write_steps(root, STEPS)
    monkeypatch.chdir(root)
    return root
