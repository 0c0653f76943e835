"""The split step: divide the ingested data into training, validation and test sets.

Rows are assigned by a hash of their values, so the same row always lands in the same set no
matter how the data is ordered or extended. Rows without a target value are dropped first.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.recipes.cards import Card, dataframe_schema
from mlharbor.recipes.steps import ingest
from mlharbor.recipes.steps.base import StepContext, StepSpec

__all__ = ["OUTPUTS", "SPLIT", "validate_split_ratios"]

OUTPUTS = {"training": "train.pkl", "validation": "validation.pkl", "test": "test.pkl"}
_DEFAULT_RATIOS = [0.75, 0.125, 0.125]
_LABELS = {"TRAINING": "training", "VALIDATION": "validation", "TEST": "test"}


def validate_split_ratios(ratios: Any) -> list[float]:
    """Return ``ratios`` normalised to sum to 1.

    Raises:
        InvalidParameterValue: unless ``ratios`` is a list of three positive numbers.
    """
    if (
        not isinstance(ratios, list)
        or len(ratios) != 3
        or not all(isinstance(r, int | float) and not isinstance(r, bool) for r in ratios)
        or not all(r > 0 for r in ratios)
    ):
        raise InvalidParameterValue(
            "steps.split.split_ratios must be a list of three positive numbers "
            f"(training, validation, test), e.g. [0.75, 0.125, 0.125]; got {ratios!r}"
        )
    total = float(sum(ratios))
    return [r / total for r in ratios]


def _hash_split(data: Any, ratios: list[float]) -> Any:
    import numpy as np
    import pandas as pd

    hashes = pd.util.hash_pandas_object(data, index=False).to_numpy(dtype=np.uint64)
    fraction = hashes / float(2**64)
    first, second = ratios[0], ratios[0] + ratios[1]
    labels = np.where(
        fraction < first, "training", np.where(fraction < second, "validation", "test")
    )
    return pd.Series(labels, index=data.index)


def _custom_split(ctx: StepContext, data: Any, method: str) -> Any:
    import pandas as pd

    function = ctx.user_function("split", method, "steps.split.split_method")
    assigned = pd.Series(function(data), index=data.index).astype(str).str.upper()
    unknown = set(assigned.unique()) - set(_LABELS)
    if unknown:
        raise InvalidParameterValue(
            f"steps/split.py:{method} must return TRAINING, VALIDATION or TEST for each row; "
            f"got {sorted(unknown)}"
        )
    return assigned.map(_LABELS)


def _execute(ctx: StepContext) -> Card:
    config = ctx.step_config("split")
    data = ctx.read_frame("ingest", ingest.OUTPUT)
    target = ctx.target_col
    if target not in data.columns:
        raise InvalidParameterValue(
            f"Target column {target!r} is not in the ingested data (columns: "
            f"{', '.join(map(str, data.columns))})"
        )
    before = len(data)
    data = data[data[target].notna()]
    dropped = before - len(data)

    ratios = validate_split_ratios(config.get("split_ratios", _DEFAULT_RATIOS))
    if config.get("using") == "custom" or config.get("split_method"):
        method = config.get("split_method")
        if not method:
            raise InvalidParameterValue("steps.split.using: custom needs a 'split_method'")
        assignment = _custom_split(ctx, data, str(method))
    else:
        assignment = _hash_split(data, ratios)

    filter_name = config.get("post_split_filter_method")
    keep = None
    if filter_name:
        keep = ctx.user_function("split", str(filter_name), "steps.split.post_split_filter_method")

    counts: dict[str, Any] = {"rows ingested": before, "rows dropped (missing target)": dropped}
    for name, file in OUTPUTS.items():
        part = data[assignment == name]
        if keep is not None:
            part = part[keep(part).astype(bool)]
        part.to_pickle(ctx.outputs / file)
        counts[f"{name} rows"] = len(part)

    card = Card("Split")
    card.add_fields("Summary", {"split ratios": ratios, **counts})
    card.add_table("Schema", *dataframe_schema(data))
    return card


SPLIT = StepSpec(name="split", config_keys=("target_col",), code_files=("split",), execute=_execute)
