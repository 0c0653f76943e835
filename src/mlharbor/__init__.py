"""mlharbor: track experiments, package models, register and serve them; speaks MLflow's protocol.

``import mlharbor as mlflow`` gives MLflow's fluent API. Everything loads lazily so importing
the package stays fast: attributes resolve on first use through :data:`_LAZY`.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# public name -> "module" (a submodule) or "module:attribute"
_LAZY: dict[str, str] = {
    # submodules users reach as attributes, e.g. mlflow.sklearn.log_model
    "artifacts": "mlharbor.artifacts",
    "client": "mlharbor.client",
    "data": "mlharbor.data",
    "entities": "mlharbor.entities",
    "exceptions": "mlharbor.exceptions",
    "lightgbm": "mlharbor.lightgbm",
    "models": "mlharbor.models",
    "monitoring": "mlharbor.monitoring",
    "openai": "mlharbor.openai",
    "projects": "mlharbor.projects",
    "pyfunc": "mlharbor.pyfunc",
    "pytorch": "mlharbor.pytorch",
    "recipes": "mlharbor.recipes",
    "sklearn": "mlharbor.sklearn",
    "tracking": "mlharbor.tracking",
    "types": "mlharbor.types",
    "xgboost": "mlharbor.xgboost",
    # classes
    "MlharborClient": "mlharbor.client.client:MlharborClient",
    "MlflowClient": "mlharbor.client.client:MlharborClient",
    "MlharborException": "mlharbor.exceptions:MlharborException",
    "MlflowException": "mlharbor.exceptions:MlharborException",
}

_FLUENT = (
    "set_tracking_uri",
    "get_tracking_uri",
    "is_tracking_uri_set",
    "get_artifact_uri",
    "set_experiment",
    "create_experiment",
    "get_experiment",
    "get_experiment_by_name",
    "search_experiments",
    "delete_experiment",
    "restore_experiment",
    "set_experiment_tag",
    "set_experiment_tags",
    "start_run",
    "end_run",
    "active_run",
    "last_active_run",
    "get_run",
    "delete_run",
    "restore_run",
    "log_param",
    "log_params",
    "log_metric",
    "log_metrics",
    "set_tag",
    "set_tags",
    "delete_tag",
    "log_input",
    "log_artifact",
    "log_artifacts",
    "log_text",
    "log_dict",
    "log_figure",
    "log_image",
    "search_runs",
    "flush_async_logging",
    "get_parent_run",
    "set_registry_uri",
    "get_registry_uri",
    "delete_experiment_tag",
)
_LAZY.update({name: f"mlharbor.client.fluent:{name}" for name in _FLUENT})
_TRACING = (
    "trace",
    "start_span",
    "get_current_active_span",
    "get_last_active_trace_id",
    "update_current_trace",
    "get_trace",
    "search_traces",
    "log_feedback",
    "log_expectation",
    "get_assessment",
    "flush_trace_async_logging",
)
_LAZY.update({name: f"mlharbor.tracing.fluent:{name}" for name in _TRACING})
_LAZY["tracing"] = "mlharbor.tracing"
_LAZY.update(
    {
        "ActiveRun": "mlharbor.client.fluent:ActiveRun",
        "register_model": "mlharbor.client.registry_fluent:register_model",
        "run": "mlharbor.projects:run",
        "evaluate": "mlharbor.evaluation:evaluate",
        "validate_evaluation_results": (
            "mlharbor.evaluation_thresholds:validate_evaluation_results"
        ),
        "autolog": "mlharbor.autologging.universal:autolog",
        "search_registered_models": "mlharbor.client.registry_fluent:search_registered_models",
        "search_model_versions": "mlharbor.client.registry_fluent:search_model_versions",
    }
)


def __getattr__(name: str) -> Any:
    target = _LAZY.get(name)
    if target is None:
        raise AttributeError(f"module 'mlharbor' has no attribute {name!r}")
    module_name, _, attribute = target.partition(":")
    module = importlib.import_module(module_name)
    value = getattr(module, attribute) if attribute else module
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])


__all__ = sorted(_LAZY)
