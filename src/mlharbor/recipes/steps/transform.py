"""The transform step: fit the feature transformer on the training set.

``steps/transform.py`` provides ``transformer_method``, a function returning an unfitted
scikit-learn transformer; without one the features pass through unchanged.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.recipes.cards import Card, dataframe_schema
from mlharbor.recipes.steps import split
from mlharbor.recipes.steps.base import StepContext, StepSpec

__all__ = ["OUTPUTS", "TRANSFORM", "TRANSFORMER"]

TRANSFORMER = "transformer.pkl"
OUTPUTS = {
    "training": "transformed_training_data.pkl",
    "validation": "transformed_validation_data.pkl",
}


def _transformer(ctx: StepContext) -> Any:
    config = ctx.step_config("transform")
    using = config.get("using", "custom" if config.get("transformer_method") else "identity")
    if using == "identity":
        from sklearn.preprocessing import FunctionTransformer

        return FunctionTransformer()
    if using != "custom":
        raise InvalidParameterValue("steps.transform.using must be 'custom' or 'identity'")
    method = config.get("transformer_method")
    if not method:
        raise InvalidParameterValue("steps.transform.using: custom needs a 'transformer_method'")
    function = ctx.user_function("transform", str(method), "steps.transform.transformer_method")
    transformer = function()
    if not (hasattr(transformer, "fit") and hasattr(transformer, "transform")):
        raise InvalidParameterValue(
            f"steps/transform.py:{method} must return a transformer with fit() and transform(), "
            f"got {type(transformer).__name__}"
        )
    return transformer


def transformed_frame(transformer: Any, features: Any, target: Any) -> Any:
    """``features`` transformed, as a DataFrame, with the target column appended."""
    import pandas as pd

    values = transformer.transform(features)
    if hasattr(values, "toarray"):  # sparse output, e.g. from a one-hot encoder
        values = values.toarray()
    if isinstance(values, pd.DataFrame):
        frame = values.reset_index(drop=True)
    else:
        try:
            columns = [str(c) for c in transformer.get_feature_names_out()]
        except Exception:  # many transformers cannot name their outputs; number them then
            columns = [f"f_{i}" for i in range(values.shape[1])]
        frame = pd.DataFrame(values, columns=columns)
    frame[target.name] = target.reset_index(drop=True)
    return frame


def _execute(ctx: StepContext) -> Card:
    import cloudpickle

    target_col = ctx.target_col
    transformer = _transformer(ctx)
    train = ctx.read_frame("split", split.OUTPUTS["training"])
    transformer.fit(train.drop(columns=[target_col]), train[target_col])
    with (ctx.outputs / TRANSFORMER).open("wb") as handle:
        cloudpickle.dump(transformer, handle)

    summary: dict[str, Any] = {"transformer": type(transformer).__name__}
    frames = {}
    for name, file in OUTPUTS.items():
        data = ctx.read_frame("split", split.OUTPUTS[name])
        frames[name] = transformed_frame(
            transformer, data.drop(columns=[target_col]), data[target_col]
        )
        frames[name].to_pickle(ctx.outputs / file)
        summary[f"{name} rows"] = len(frames[name])
    summary["output features"] = len(frames["training"].columns) - 1
    card = Card("Transform")
    card.add_fields("Summary", summary)
    card.add_table("Output schema", *dataframe_schema(frames["training"]))
    return card


TRANSFORM = StepSpec(
    name="transform", config_keys=("target_col",), code_files=("transform",), execute=_execute
)
