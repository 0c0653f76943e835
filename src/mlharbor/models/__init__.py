"""The MLmodel format: model metadata, signatures, input examples, environments and URIs.

``from mlharbor.models import infer_signature, ModelSignature, set_model`` ports MLflow code
unchanged. Heavy libraries (pandas, numpy) are imported only when data is inspected.
"""

from __future__ import annotations

from mlharbor.evaluation import EvaluationArtifact, EvaluationResult, evaluate, list_evaluators
from mlharbor.evaluation_metrics import EvaluationMetric, make_metric
from mlharbor.evaluation_thresholds import MetricThreshold
from mlharbor.models.code_model import set_model
from mlharbor.models.deployment import build_docker, predict
from mlharbor.models.edit import set_signature, update_model_requirements
from mlharbor.models.input_example import ModelInputExample
from mlharbor.models.model import MLFLOW_COMPAT_VERSION, Model, ModelInfo, get_model_info
from mlharbor.models.requirements_inference import infer_pip_requirements
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
from mlharbor.models.serving_input import (
    convert_input_example_to_serving_input,
    validate_schema,
    validate_serving_input,
)
from mlharbor.models.signature import ModelSignature, infer_signature
from mlharbor.models.wheeled import add_libraries_to_model

__all__ = [
    "MLFLOW_COMPAT_VERSION",
    "AnyType",
    "Array",
    "ColSpec",
    "DataType",
    "EvaluationArtifact",
    "EvaluationMetric",
    "EvaluationResult",
    "Map",
    "MetricThreshold",
    "Model",
    "ModelInfo",
    "ModelInputExample",
    "ModelSignature",
    "Object",
    "ParamSchema",
    "ParamSpec",
    "Property",
    "Schema",
    "TensorSpec",
    "add_libraries_to_model",
    "build_docker",
    "convert_input_example_to_serving_input",
    "evaluate",
    "get_model_info",
    "infer_pip_requirements",
    "infer_signature",
    "list_evaluators",
    "make_metric",
    "predict",
    "set_model",
    "set_signature",
    "update_model_requirements",
    "validate_schema",
    "validate_serving_input",
]
