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
    "catboost": "mlharbor.catboost",
    "client": "mlharbor.client",
    "data": "mlharbor.data",
    "entities": "mlharbor.entities",
    "exceptions": "mlharbor.exceptions",
    "lightgbm": "mlharbor.lightgbm",
    "models": "mlharbor.models",
    "monitoring": "mlharbor.monitoring",
    "onnx": "mlharbor.onnx",
    "openai": "mlharbor.openai",
    "projects": "mlharbor.projects",
    "pyfunc": "mlharbor.pyfunc",
    "pytorch": "mlharbor.pytorch",
    "recipes": "mlharbor.recipes",
    "sklearn": "mlharbor.sklearn",
    "statsmodels": "mlharbor.statsmodels",
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
        "sweep": "mlharbor.sweeps.agent:sweep",
        "agent": "mlharbor.sweeps.agent:agent",
        "sweep_config": "mlharbor.sweeps.agent:sweep_config",
    }
)
# MLflow 3 logged models, the active model, run inputs/outputs and tables
_LAZY.update(
    {
        name: f"mlharbor.client.fluent_models:{name}"
        for name in (
            "create_external_model",
            "delete_logged_model_tag",
            "finalize_logged_model",
            "get_logged_model",
            "initialize_logged_model",
            "last_logged_model",
            "log_model_params",
            "log_outputs",
            "search_logged_models",
            "set_active_model",
            "set_logged_model_tags",
        )
    }
)
_LAZY.update(
    {
        "ActiveModel": "mlharbor.client.active_model:ActiveModel",
        "clear_active_model": "mlharbor.client.active_model:clear_active_model",
        "get_active_model_id": "mlharbor.client.active_model:get_active_model_id",
        "log_inputs": "mlharbor.client.fluent_logging:log_inputs",
        "log_table": "mlharbor.client.fluent_tables:log_table",
        "load_table": "mlharbor.client.fluent_tables:load_table",
        "log_stream": "mlharbor.client.fluent_tables:log_stream",
        "set_model_version_tag": "mlharbor.client.registry_fluent:set_model_version_tag",
    }
)
# system metrics, configuration and housekeeping
_LAZY.update(
    {
        name: f"mlharbor.system_metrics:{name}"
        for name in (
            "enable_system_metrics_logging",
            "disable_system_metrics_logging",
            "set_system_metrics_sampling_interval",
            "set_system_metrics_samples_before_logging",
            "set_system_metrics_node_id",
        )
    }
)
_LAZY.update(
    {
        "environment_variables": "mlharbor.environment_variables",
        "system_metrics": "mlharbor.system_metrics",
        "config": "mlharbor.config",
        "version": "mlharbor.version",
        "VERSION": "mlharbor.version:VERSION",
        "doctor": "mlharbor.diagnostics:doctor",
        "Image": "mlharbor.media:Image",
        "gc": "mlharbor.housekeeping:gc",
        "RunOperations": "mlharbor.client.async_logging:RunOperations",
        "flush_artifact_async_logging": (
            "mlharbor.client.fluent_logging:flush_artifact_async_logging"
        ),
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
