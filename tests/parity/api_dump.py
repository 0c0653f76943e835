"""Print, as JSON, the public callables of a package's modules with their signatures.

Run under either interpreter: ``python api_dump.py mlflow`` or ``python api_dump.py mlharbor``.
Each entry maps ``"<module>.<name>"`` (or ``"<module>.<Class>.<method>"`` for the client) to a
list of ``[parameter name, kind, default repr or null]``, or to null when the signature cannot be
read.
"""

from __future__ import annotations

import enum
import importlib
import inspect
import json
import sys
import warnings
from typing import Any

MODULES = (
    "",
    ".models",
    ".pyfunc",
    ".sklearn",
    ".xgboost",
    ".lightgbm",
    ".pytorch",
    ".data",
    ".artifacts",
    ".projects",
    ".entities",
)
CLASSES = ("MlflowClient",)


def _signature(obj: Any) -> list[list[Any]] | None:
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return None
    params = []
    for param in signature.parameters.values():
        default = None if param.default is inspect.Parameter.empty else _default(param.default)
        params.append([param.name, param.kind.name, default])
    return params


def _default(value: Any) -> str:
    # MLflow's ViewType and friends are plain int constants where ours are enums
    if isinstance(value, enum.Enum):
        value = value.value
    text = repr(value)
    return "<function>" if text.startswith("<function") else text


def _public_names(module: Any) -> list[str]:
    names = getattr(module, "__all__", None)
    if names is None:
        # without __all__, a module's public API is what it defines, not what it imports
        names = [
            name
            for name in dir(module)
            if not name.startswith("_")
            and getattr(getattr(module, name), "__module__", "").startswith(module.__name__)
        ]
    return sorted({name for name in names if not name.startswith("_")})


def dump(package: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for suffix in MODULES:
        module = importlib.import_module(package + suffix)
        for name in _public_names(module):
            try:
                value = getattr(module, name)
            except AttributeError:
                continue
            if inspect.ismodule(value) or not callable(value):
                continue
            result[f"mlflow{suffix}.{name}"] = _signature(value)
    root = importlib.import_module(package)
    for class_name in CLASSES:
        cls = getattr(root, class_name)
        for name, member in inspect.getmembers(cls):
            if name.startswith("_") or not callable(member):
                continue
            result[f"mlflow.{class_name}.{name}"] = _signature(member)
    return result


if __name__ == "__main__":
    warnings.simplefilter("ignore")
    json.dump(dump(sys.argv[1]), sys.stdout, indent=0, sort_keys=True)
