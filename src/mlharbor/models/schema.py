"""Column and tensor schemas of model inputs, outputs and inference parameters.

The JSON produced here is the one MLflow stores in the ``signature`` block of an ``MLmodel``
file, so schemas written by either tool read back in the other. numpy is imported only when a
tensor dtype or a numpy conversion is actually asked for.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "Map",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
]

_NUMPY_NAMES = {
    "boolean": "bool",
    "integer": "int32",
    "long": "int64",
    "float": "float32",
    "double": "float64",
    "string": "object",
    "binary": "object",
    "datetime": "datetime64[ns]",
}


class DataType(Enum):
    """Scalar column types; the value is the name used in the JSON schema."""

    boolean = "boolean"
    integer = "integer"
    long = "long"
    float = "float"
    double = "double"
    string = "string"
    binary = "binary"
    datetime = "datetime"

    def __repr__(self) -> str:
        return self.value

    def __str__(self) -> str:
        return self.value

    def to_numpy(self) -> Any:
        """The numpy dtype that holds values of this type."""
        import numpy as np

        return np.dtype(_NUMPY_NAMES[self.value])

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.value}


@dataclass(frozen=True)
class AnyType:
    """A value of any type (``{"type": "any"}``)."""

    def to_dict(self) -> dict[str, Any]:
        return {"type": "any"}

    def __repr__(self) -> str:
        return "Any"


@dataclass(frozen=True)
class Array:
    """A list whose elements all have type ``items``."""

    items: ColumnType

    def to_dict(self) -> dict[str, Any]:
        return {"type": "array", "items": self.items.to_dict()}

    def __repr__(self) -> str:
        return f"Array({self.items!r})"


@dataclass(frozen=True)
class Property:
    """One named field of an :class:`Object`."""

    name: str
    type: ColumnType
    required: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {self.name: {**self.type.to_dict(), "required": self.required}}


@dataclass(frozen=True)
class Object:
    """A mapping with a fixed set of named, typed properties."""

    properties: tuple[Property, ...]

    def to_dict(self) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for prop in sorted(self.properties, key=lambda p: p.name):
            props.update(prop.to_dict())
        return {"type": "object", "properties": props}

    def __repr__(self) -> str:
        inner = ", ".join(f"{p.name}: {p.type!r}" for p in self.properties)
        return f"Object({inner})"


@dataclass(frozen=True)
class Map:
    """A mapping from string keys to values of type ``values``."""

    values: ColumnType

    def to_dict(self) -> dict[str, Any]:
        return {"type": "map", "values": self.values.to_dict()}

    def __repr__(self) -> str:
        return f"Map(str -> {self.values!r})"


ColumnType = DataType | Array | Object | Map | AnyType


def column_type_from_dict(spec: dict[str, Any]) -> ColumnType:
    """Parse the ``type`` part of a column or nested JSON spec."""
    kind = spec.get("type")
    if kind == "array":
        return Array(column_type_from_dict(spec["items"]))
    if kind == "object":
        props = tuple(
            Property(name, column_type_from_dict(sub), bool(sub.get("required", True)))
            for name, sub in (spec.get("properties") or {}).items()
        )
        return Object(props)
    if kind == "map":
        return Map(column_type_from_dict(spec["values"]))
    if kind == "any":
        return AnyType()
    try:
        return DataType(kind)
    except ValueError:
        raise InvalidParameterValue(
            f"Unsupported type '{kind}', expected instance of DataType, Array, Object, Map or "
            "AnyType."
        ) from None


@dataclass(frozen=True)
class ColSpec:
    """One column of a column-based schema; ``name`` is None for unnamed outputs."""

    type: ColumnType
    name: str | None = None
    required: bool = True

    def __post_init__(self) -> None:
        if isinstance(self.type, str):
            object.__setattr__(self, "type", column_type_from_dict({"type": self.type}))

    def to_dict(self) -> dict[str, Any]:
        out = self.type.to_dict()
        if self.name is not None:
            out["name"] = self.name
        out["required"] = self.required
        return out

    def __repr__(self) -> str:
        required = "required" if self.required else "optional"
        if self.name is None:
            return f"{self.type!r} ({required})"
        return f"{self.name!r}: {self.type!r} ({required})"


@dataclass(frozen=True)
class TensorSpec:
    """A tensor input or output: numpy dtype name plus shape (``-1`` = any length)."""

    dtype: str
    shape: tuple[int, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "dtype", str(self.dtype))
        object.__setattr__(self, "shape", tuple(int(d) for d in self.shape))

    @property
    def type(self) -> Any:
        """The numpy dtype of the tensor."""
        import numpy as np

        return np.dtype(self.dtype)

    @property
    def required(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        spec = {"type": "tensor", "tensor-spec": {"dtype": self.dtype, "shape": list(self.shape)}}
        return spec if self.name is None else {"name": self.name, **spec}

    def __repr__(self) -> str:
        shape = f"({', '.join(map(str, self.shape))}{',' if len(self.shape) == 1 else ''})"
        if self.name is None:
            return f"Tensor({self.dtype!r}, {shape})"
        return f"{self.name!r}: Tensor({self.dtype!r}, {shape})"


Spec = ColSpec | TensorSpec


def spec_from_dict(spec: dict[str, Any]) -> Spec:
    """Parse one element of a schema JSON list."""
    if spec.get("type") == "tensor":
        tensor = spec.get("tensor-spec") or {}
        return TensorSpec(tensor["dtype"], tuple(tensor["shape"]), spec.get("name"))
    return ColSpec(column_type_from_dict(spec), spec.get("name"), bool(spec.get("required", True)))


@dataclass(frozen=True)
class Schema:
    """An ordered list of column specs or of tensor specs (never both)."""

    inputs: tuple[Spec, ...] = field(default_factory=tuple)

    def __init__(self, inputs: Iterable[Spec]) -> None:
        specs = tuple(inputs)
        kinds = {isinstance(s, TensorSpec) for s in specs}
        if len(kinds) > 1:
            raise InvalidParameterValue(
                "Creating Schema with a combination of ColSpec and TensorSpec is not supported. "
                "Please choose one of ColSpec or TensorSpec."
            )
        names = [s.name for s in specs]
        if any(n is not None for n in names) and any(n is None for n in names):
            raise InvalidParameterValue(
                "Creating Schema with a combination of named and unnamed inputs is not allowed. "
                f"Got input names {names}"
            )
        object.__setattr__(self, "inputs", specs)

    def __iter__(self) -> Iterator[Spec]:
        return iter(self.inputs)

    def __len__(self) -> int:
        return len(self.inputs)

    def is_tensor_spec(self) -> bool:
        return bool(self.inputs) and isinstance(self.inputs[0], TensorSpec)

    def has_input_names(self) -> bool:
        return bool(self.inputs) and self.inputs[0].name is not None

    def input_names(self) -> list[str | int]:
        return [s.name if s.name is not None else i for i, s in enumerate(self.inputs)]

    def required_input_names(self) -> list[str | int]:
        return [
            s.name if s.name is not None else i for i, s in enumerate(self.inputs) if s.required
        ]

    def optional_input_names(self) -> list[str | int]:
        return [
            s.name if s.name is not None else i for i, s in enumerate(self.inputs) if not s.required
        ]

    def to_dict(self) -> list[dict[str, Any]]:
        return [s.to_dict() for s in self.inputs]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> Schema:
        return cls(spec_from_dict(item) for item in json.loads(text))

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(s) for s in self.inputs) + "]"


@dataclass(frozen=True)
class ParamSpec:
    """One inference parameter: name, scalar type, default and optional shape (``(-1,)``)."""

    name: str
    dtype: DataType
    default: Any
    shape: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.dtype, str):
            object.__setattr__(self, "dtype", DataType(self.dtype))
        if self.shape is not None:
            object.__setattr__(self, "shape", tuple(self.shape))

    @property
    def type(self) -> DataType:
        return self.dtype

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "default": self.default,
            "shape": list(self.shape) if self.shape is not None else None,
            "type": self.dtype.value,
        }

    def __repr__(self) -> str:
        shape = f" (shape: {self.shape})" if self.shape is not None else ""
        return f"{self.name!r}: {self.dtype!r} (default: {self.default}){shape}"


@dataclass(frozen=True)
class ParamSchema:
    """The inference parameters a model accepts."""

    params: tuple[ParamSpec, ...] = field(default_factory=tuple)

    def __init__(self, params: Iterable[ParamSpec]) -> None:
        specs = tuple(params)
        names = [p.name for p in specs]
        if len(set(names)) != len(names):
            raise InvalidParameterValue(f"Duplicated parameters found in schema: {names}")
        object.__setattr__(self, "params", specs)

    def __iter__(self) -> Iterator[ParamSpec]:
        return iter(self.params)

    def __len__(self) -> int:
        return len(self.params)

    def to_dict(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.params]

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    @classmethod
    def from_json(cls, text: str) -> ParamSchema:
        return cls(
            ParamSpec(
                p["name"],
                DataType(p["type"]),
                p.get("default"),
                tuple(p["shape"]) if p.get("shape") is not None else None,
            )
            for p in json.loads(text)
        )

    def __repr__(self) -> str:
        return "[" + ", ".join(repr(p) for p in self.params) + "]"
