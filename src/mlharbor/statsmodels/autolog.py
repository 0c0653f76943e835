"""``autolog`` for statsmodels, as MLflow does it: every ``fit`` of a statsmodels model logs
``fit``'s arguments (defaults included) as params, the results' summary statistics as metrics at
step 0, ``model_summary.txt``, and the results as the model ``model``.

Every class under ``statsmodels.base.model.Model`` that defines its own ``fit`` is patched; the
fits a model runs inside its own ``fit`` are not logged again. Logging problems are warnings;
fitting errors propagate and fail the run autologging started.
"""

from __future__ import annotations

import functools
import inspect
import numbers
import threading
import time
from typing import Any

from mlharbor.autologging import Patches, ReentryGuard, autolog_run, subclasses, warn_failure

__all__ = ["autolog"]

# the results attributes logged as metrics (MLflow's list), when the results have them
_METRICS = (
    "aic",
    "bic",
    "centered_tss",
    "condition_number",
    "df_model",
    "df_resid",
    "ess",
    "f_pvalue",
    "fvalue",
    "llf",
    "mse_model",
    "mse_resid",
    "mse_total",
    "rsquared",
    "rsquared_adj",
    "scale",
    "ssr",
    "uncentered_tss",
)

_config: dict[str, Any] = {}
_patches = Patches()
_guard = ReentryGuard()
_lock = threading.Lock()


def autolog(
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: str | None = None,
    extra_tags: dict[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, disable) autologging of statsmodels ``fit`` calls.

    Args:
        log_models: log the fitted results as the model ``model``.
        silent: suppress autologging warnings.
        registered_model_name: also register each logged model under this name.
        extra_tags: tags set on every run autologging writes to.

    ``log_datasets``, ``exclusive`` and ``disable_for_unsupported_versions`` are accepted for
    MLflow compatibility (MLflow's statsmodels autologging logs no datasets either).
    """
    with _lock:
        _patches.restore()
        _config.clear()
        if disable:
            return
        _config.update(
            log_models=log_models,
            silent=silent,
            registered_model_name=registered_model_name,
            extra_tags=dict(extra_tags or {}),
        )
        # the model classes are defined by the modules statsmodels.api imports
        import statsmodels.api
        import statsmodels.base.model

        root = statsmodels.base.model.Model
        for cls in (root, *subclasses(root)):
            if "fit" in cls.__dict__:
                _patches.apply(cls, "fit", _wrap_fit)


def _warn(message: str, exc: BaseException) -> None:
    warn_failure(message, exc, silent=bool(_config.get("silent")))


def _wrap_fit(fit: Any) -> Any:
    @functools.wraps(fit)
    def fit_with_autolog(model: Any, *args: Any, **kwargs: Any) -> Any:
        if not _config or _guard.busy():
            return fit(model, *args, **kwargs)
        with _guard, autolog_run(_config["extra_tags"]) as run_id:
            _log_params(run_id, fit, args, kwargs)
            results = fit(model, *args, **kwargs)
            _log_results(run_id, results)
            return results

    return fit_with_autolog


def fit_arguments(fit: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """``fit``'s arguments by name: the positional ones, the keywords given, and the defaults
    of the rest (a ``**kwargs`` or ``*args`` left empty shows its default, as in MLflow)."""
    parameters = [p for p in inspect.signature(fit).parameters.values() if p.name != "self"]
    values = {p.name: v for p, v in zip(parameters, args, strict=False)}
    values.update(kwargs)
    values.update({p.name: p.default for p in parameters[len(args) :] if p.name not in kwargs})
    return values


def _log_params(run_id: str, fit: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Param

    try:
        params = [Param(k, str(v)[:6000]) for k, v in fit_arguments(fit, args, kwargs).items()]
        MlharborClient().log_batch(run_id, params=params)
    except Exception as exc:
        _warn("Autologging of parameters failed", exc)


def _summary_metrics(results: Any) -> dict[str, float]:
    """The statistics of :data:`_METRICS` the results have as numbers (some raise for some
    models: those are left out with a warning)."""
    metrics: dict[str, float] = {}
    failed = []
    for name in _METRICS:
        try:
            value = getattr(results, name, None)
        except Exception:
            failed.append(name)
            continue
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            metrics[name] = float(value)  # type: ignore[arg-type]
    if failed:
        _warn("Failed to autolog metrics", ValueError(", ".join(failed)))
    return metrics


def _log_results(run_id: str, results: Any) -> None:
    import statsmodels.base.wrapper

    model_id = _log_model(run_id, results) if _config["log_models"] else None
    if not isinstance(results, statsmodels.base.wrapper.ResultsWrapper):
        return
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Metric

    client = MlharborClient()
    now = int(time.time() * 1000)
    try:
        metrics = [
            Metric(k, v, now, 0, model_id=model_id) for k, v in _summary_metrics(results).items()
        ]
        client.log_batch(run_id, metrics=metrics)
    except Exception as exc:
        _warn("Autologging of metrics failed", exc)
    try:
        client.log_text(run_id, results.summary().as_text(), "model_summary.txt")
    except Exception as exc:
        _warn("Autologging of the model summary failed", exc)


def _log_model(run_id: str, results: Any) -> str | None:
    from mlharbor.statsmodels.flavor import log_model

    try:
        info = log_model(
            results,
            name="model",
            run_id=run_id,
            registered_model_name=_config["registered_model_name"],
        )
    except Exception as exc:
        _warn("Autologging of the model failed", exc)
        return None
    return str(info.model_id)
