"""Datasets backed by a pandas DataFrame."""

from __future__ import annotations

from typing import Any

from mlharbor.data.dataset import Dataset
from mlharbor.data.dataset_source import DatasetSource, resolve_dataset_source
from mlharbor.data.digest import compute_pandas_digest
from mlharbor.data.schema import ColumnSchema, infer_column_schema
from mlharbor.exceptions import InvalidParameterValue

__all__ = ["PandasDataset", "from_pandas"]


class PandasDataset(Dataset):
    """A DataFrame with optional target and prediction column names."""

    def __init__(
        self,
        df: Any,
        source: DatasetSource,
        targets: str | None = None,
        name: str | None = None,
        digest: str | None = None,
        predictions: str | None = None,
    ) -> None:
        for label, column in (("Targets", targets), ("Predictions", predictions)):
            if column is not None and column not in df.columns:
                raise InvalidParameterValue(
                    f"{label} column '{column}' not found in the provided DataFrame."
                )
        self._df = df
        self._targets = targets
        self._predictions = predictions
        super().__init__(source=source, name=name, digest=digest)

    def _compute_digest(self) -> str:
        return compute_pandas_digest(self._df)

    @property
    def df(self) -> Any:
        return self._df

    @property
    def targets(self) -> str | None:
        return self._targets

    @property
    def predictions(self) -> str | None:
        return self._predictions

    @property
    def profile(self) -> dict[str, int]:
        return {"num_rows": len(self._df), "num_elements": int(self._df.size)}

    @property
    def schema(self) -> ColumnSchema | None:
        return infer_column_schema(self._df)


def from_pandas(
    df: Any,
    source: str | DatasetSource | None = None,
    targets: str | None = None,
    name: str | None = None,
    digest: str | None = None,
    predictions: str | None = None,
) -> PandasDataset:
    """Wrap a DataFrame as a dataset; ``source`` is a URI, path or URL (None: this code)."""
    return PandasDataset(
        df=df,
        source=resolve_dataset_source(source),
        targets=targets,
        name=name,
        digest=digest,
        predictions=predictions,
    )
