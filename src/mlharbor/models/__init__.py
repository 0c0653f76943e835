"""The MLmodel format: model metadata, signatures, input examples, environments and URIs.

``from mlharbor.models import infer_signature, ModelSignature, set_model`` ports MLflow code
unchanged. Heavy libraries (pandas, numpy) are imported only when data is inspected.
"""

from __future__ import annotations

from mlharbor.evaluation_thresholds import MetricThreshold
from mlharbor.models.code_model import set_model
from mlharbor.models.model import MLFLOW_COMPAT_VERSION, Model, ModelInfo, get_model_info
from mlharbor.models.schema import (
    AnyType,
    Array,
    ColSpec,
    DataType,
    Map,
    Object,
    ParamSchema,
    ParamSpec,
    Property,
    Schema,
    TensorSpec,
)
from mlharbor.models.signature import ModelSignature, infer_signature

__all__ = [
    "MLFLOW_COMPAT_VERSION",
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "Map",
    "MetricThreshold",
    "Model",
    "ModelInfo",
    "ModelSignature",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
    "get_model_info",
    "infer_signature",
    "set_model",
]
