"""Model signatures: the input, output and parameter schemas stored in ``MLmodel``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.models.schema import ParamSchema, Schema

__all__ = ["ModelSignature", "infer_signature"]


@dataclass(frozen=True)
class ModelSignature:
    """What a model takes and returns; each part is optional."""

    inputs: Schema | None = None
    outputs: Schema | None = None
    params: ParamSchema | None = None

    def __post_init__(self) -> None:
        if self.inputs is not None and not isinstance(self.inputs, Schema):
            raise TypeError(f"inputs must be a Schema, got '{type(self.inputs).__name__}'")
        if self.outputs is not None and not isinstance(self.outputs, Schema):
            raise TypeError(f"outputs must be a Schema, got '{type(self.outputs).__name__}'")
        if self.params is not None and not isinstance(self.params, ParamSchema):
            raise TypeError(f"params must be a ParamSchema, got '{type(self.params).__name__}'")

    def to_dict(self) -> dict[str, str | None]:
        """The ``signature`` block of ``MLmodel``: each part is a JSON string or None."""
        return {
            "inputs": self.inputs.to_json() if self.inputs is not None else None,
            "outputs": self.outputs.to_json() if self.outputs is not None else None,
            "params": self.params.to_json() if self.params is not None else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSignature:
        def part(key: str) -> str | None:
            value = data.get(key)
            return value if value else None

        inputs, outputs, params = part("inputs"), part("outputs"), part("params")
        return cls(
            Schema.from_json(inputs) if inputs else None,
            Schema.from_json(outputs) if outputs else None,
            ParamSchema.from_json(params) if params else None,
        )

    def __repr__(self) -> str:
        return (
            f"inputs: \n  {self.inputs!r}\noutputs: \n  {self.outputs!r}\n"
            f"params: \n  {self.params!r}\n"
        )


def infer_signature(
    model_input: Any = None, model_output: Any = None, params: dict[str, Any] | None = None
) -> ModelSignature:
    """Infer a signature from example data.

    Args:
        model_input: a pandas DataFrame or Series, numpy array, dict, list or scalar.
        model_output: what the model returned for ``model_input``, same kinds accepted.
        params: inference parameters with their default values.

    Returns:
        A :class:`ModelSignature`; parts whose example is None are None.

    Raises:
        InvalidParameterValue: when an example's type cannot be described by a schema.
    """
    from mlharbor.models.infer import infer_param_schema, infer_schema

    inputs = infer_schema(model_input) if model_input is not None else None
    outputs = infer_schema(model_output) if model_output is not None else None
    param_schema = infer_param_schema(params) if params else None
    if inputs is None and outputs is None and param_schema is None:
        raise InvalidParameterValue("At least one of model_input, model_output or params is needed")
    return ModelSignature(inputs, outputs, param_schema)
