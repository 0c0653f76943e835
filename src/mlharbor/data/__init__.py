"""Datasets for run lineage: ``from_pandas`` and ``from_numpy``, digests matching MLflow's.

Nothing here imports pandas or numpy until a dataset is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlharbor.data.dataset import Dataset
from mlharbor.data.dataset_source import DatasetSource

if TYPE_CHECKING:
    from mlharbor.data.numpy_dataset import NumpyDataset
    from mlharbor.data.pandas_dataset import PandasDataset

__all__ = ["Dataset", "DatasetSource", "from_numpy", "from_pandas"]


def from_pandas(
    df: Any,
    source: str | DatasetSource | None = None,
    targets: str | None = None,
    name: str | None = None,
    digest: str | None = None,
    predictions: str | None = None,
) -> PandasDataset:
    """Wrap a DataFrame as a dataset (see :func:`mlharbor.data.pandas_dataset.from_pandas`)."""
    from mlharbor.data.pandas_dataset import from_pandas as build

    return build(
        df, source=source, targets=targets, name=name, digest=digest, predictions=predictions
    )


def from_numpy(
    features: Any,
    source: str | DatasetSource | None = None,
    targets: Any = None,
    name: str | None = None,
    digest: str | None = None,
) -> NumpyDataset:
    """Wrap numpy arrays as a dataset (see :func:`mlharbor.data.numpy_dataset.from_numpy`)."""
    from mlharbor.data.numpy_dataset import from_numpy as build

    return build(features, source=source, targets=targets, name=name, digest=digest)
