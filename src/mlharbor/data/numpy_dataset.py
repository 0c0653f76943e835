"""Datasets backed by numpy arrays (or dicts of named arrays)."""

from __future__ import annotations

from typing import Any

from mlharbor.data.dataset import Dataset
from mlharbor.data.dataset_source import DatasetSource, resolve_dataset_source
from mlharbor.data.digest import compute_numpy_digest
from mlharbor.data.schema import TensorDatasetSchema, infer_tensor_spec

__all__ = ["NumpyDataset", "from_numpy"]


def _attribute(data: Any, name: str) -> Any:
    if isinstance(data, dict):
        return {key: _plain(getattr(array, name)) for key, array in data.items()}
    return _plain(getattr(data, name))


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else int(value)


class NumpyDataset(Dataset):
    """Feature arrays with optional targets."""

    def __init__(
        self,
        features: Any,
        source: DatasetSource,
        targets: Any = None,
        name: str | None = None,
        digest: str | None = None,
    ) -> None:
        self._features = features
        self._targets = targets
        super().__init__(source=source, name=name, digest=digest)

    def _compute_digest(self) -> str:
        return compute_numpy_digest(self._features, self._targets)

    @property
    def features(self) -> Any:
        return self._features

    @property
    def targets(self) -> Any:
        return self._targets

    @property
    def profile(self) -> dict[str, Any]:
        profile = {
            f"features_{attr}": _attribute(self._features, attr)
            for attr in ("shape", "size", "nbytes")
        }
        if self._targets is not None:
            profile.update(
                {
                    f"targets_{attr}": _attribute(self._targets, attr)
                    for attr in ("shape", "size", "nbytes")
                }
            )
        return profile

    @property
    def schema(self) -> TensorDatasetSchema:
        targets = infer_tensor_spec(self._targets) if self._targets is not None else None
        return TensorDatasetSchema(infer_tensor_spec(self._features), targets)


def from_numpy(
    features: Any,
    source: str | DatasetSource | None = None,
    targets: Any = None,
    name: str | None = None,
    digest: str | None = None,
) -> NumpyDataset:
    """Wrap numpy features (and targets) as a dataset; ``source`` as for ``from_pandas``."""
    return NumpyDataset(
        features=features,
        source=resolve_dataset_source(source),
        targets=targets,
        name=name,
        digest=digest,
    )
