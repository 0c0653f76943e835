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

__all__ = ["Dataset", "DatasetSource", "from_numpy", "from_pandas", "get_source"]


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


def get_source(dataset: Any) -> DatasetSource:
    """The source of a dataset, or of the dataset a run input (``DatasetInput``) or run entity
    (``entities.Dataset``) records.

    Raises:
        InvalidParameterValue: ``dataset`` is none of those, or its source is unreadable.
    """
    from mlharbor.data.dataset_source import source_from_json
    from mlharbor.entities import Dataset as DatasetEntity
    from mlharbor.entities import DatasetInput
    from mlharbor.exceptions import InvalidParameterValue

    if isinstance(dataset, Dataset):
        return dataset.source
    if isinstance(dataset, DatasetInput):
        dataset = dataset.dataset
    if isinstance(dataset, DatasetEntity):
        return source_from_json(dataset.source_type, dataset.source)
    raise InvalidParameterValue(
        f"get_source takes a dataset, a DatasetInput or a dataset entity, got "
        f"{type(dataset).__name__}"
    )
