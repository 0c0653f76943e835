"""Dataset digests: the same 8-hex fingerprints MLflow computes for the same data.

The digest hashes at most the first 10,000 rows (or flattened elements) plus the full length
and shape, so fingerprinting stays fast on large data while still telling datasets apart.
"""

from __future__ import annotations

import hashlib
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["MAX_ROWS", "compute_numpy_digest", "compute_pandas_digest", "normalized_md5_digest"]

MAX_ROWS = 10000


def normalized_md5_digest(elements: list[Any]) -> str:
    """The first 8 hex digits of the MD5 of ``elements`` (bytes-like), fed in order.

    Raises:
        InvalidParameterValue: when ``elements`` is empty.
    """
    if not elements:
        raise InvalidParameterValue("No hashable elements were provided for md5 digest creation")
    md5 = hashlib.md5(usedforsecurity=False)
    for element in elements:
        md5.update(element)
    return md5.hexdigest()[:8]


def compute_pandas_digest(df: Any) -> str:
    """Digest of a DataFrame: hashed string and numeric columns of the first rows, the row
    count, and every column name."""
    import numpy as np
    import pandas as pd

    head = df.head(MAX_ROWS)
    # Only columns whose every value is exactly a str, plus numeric columns, are content-hashed;
    # the check runs over the whole frame, as MLflow's does, so digests agree.
    all_strings = df.map(lambda value: type(value) is str).all(axis=0)
    string_columns = head.columns[all_strings]
    numeric_columns = head.select_dtypes(include=[np.number]).columns
    hashed = head[string_columns.union(numeric_columns)]
    return normalized_md5_digest(
        [pd.util.hash_pandas_object(hashed).values, np.int64(len(df))]
        + [str(column).encode() for column in df.columns]
    )


def compute_numpy_digest(features: Any, targets: Any = None) -> str:
    """Digest of numpy features (an array or a dict of arrays) and optional targets."""
    import numpy as np
    import pandas as pd

    elements: list[Any] = []

    def add_array(array: Any) -> None:
        trimmed = array.flatten()[0:MAX_ROWS]
        try:
            elements.append(pd.util.hash_array(trimmed))
        except TypeError:
            elements.append(np.int64(trimmed.size))
        elements.extend(np.int64(size) for size in array.shape)

    for item in (features, targets):
        if item is None:
            continue
        if isinstance(item, dict):
            for key in sorted(item):
                add_array(item[key])
        else:
            add_array(item)
    return normalized_md5_digest(elements)
