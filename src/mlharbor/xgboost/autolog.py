"""``autolog`` for XGBoost: every ``xgboost.train`` logs params, per-round metrics, importances
and the model; the scikit-learn API (``XGBClassifier.fit``...) is covered through it.

Names follow MLflow's xgboost autologging: the booster params plus ``train``'s own arguments
(``num_boost_round``, ``early_stopping_rounds``, ``maximize``, ``verbose_eval``,
``custom_metric``) as params; ``<eval name>-<metric>`` per round (``@`` spelled ``_at_``) with
step = round; with early stopping, ``stopped_iteration``, ``best_iteration`` and the best round's
metrics again at step ``rounds``; ``feature_importance_<type>.json``/``.png`` artifacts; the
model ``model``; the training and evaluation ``DMatrix`` data as datasets (contexts ``train`` and
``eval``).

A scikit-learn-API ``fit`` trains through ``xgboost.sklearn.train``: that inner call logs params,
metrics and importances, and the ``fit`` wrapper logs the estimator itself (not the Booster) as
the model, so each fit logs one model. Logging problems are warnings; training errors propagate
and fail the run autologging started.
"""

from __future__ import annotations

import inspect
import json
import os
import tempfile
import time
from collections.abc import Callable
from typing import Any

from mlharbor.autologging import log_autologged_model
from mlharbor.autologging.boosting import EXAMPLE_ATTR, BoostingAutolog, TrainTargets
from mlharbor.autologging.metrics import MetricRecorder
from mlharbor.autologging.plots import plot_importance

__all__ = ["autolog"]

# arguments of ``xgboost.train`` that are data, callables or state rather than settings
_UNLOGGED = frozenset(
    {
        "params",
        "dtrain",
        "evals",
        "obj",
        "feval",
        "evals_result",
        "xgb_model",
        "callbacks",
        "learning_rates",
    }
)
_integration = BoostingAutolog()
_config = _integration.config
_warn = _integration.warn


def autolog(
    importance_types: list[str] | None = None,
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: str | None = None,
    model_format: str = "ubj",
    extra_tags: dict[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, disable) autologging of XGBoost training.

    Args:
        importance_types: ``Booster.get_score`` importance types logged as
            ``feature_importance_<type>.json``/``.png``; ``["weight"]`` when None.
        log_input_examples: save the first training rows as the model's input example.
        log_model_signatures: infer the model signature from the first training rows.
        log_models: log the trained Booster (or scikit-learn-API estimator) as ``model``.
        log_datasets: link the training and evaluation data to the run.
        silent: suppress autologging warnings.
        registered_model_name: also register each logged model under this name.
        model_format: file format of the logged model (``ubj`` or ``json``).
        extra_tags: tags set on every run autologging writes to.

    ``exclusive`` and ``disable_for_unsupported_versions`` are accepted for MLflow
    compatibility.
    """
    settings = None
    if not disable:
        settings = {
            "importance_types": list(importance_types or ["weight"]),
            "log_input_examples": log_input_examples,
            "log_model_signatures": log_model_signatures,
            "log_models": log_models,
            "log_datasets": log_datasets,
            "silent": silent,
            "registered_model_name": registered_model_name,
            "model_format": model_format,
            "extra_tags": dict(extra_tags or {}),
        }
    _integration.configure(settings, _targets, _train_and_log, _log_estimator)


def _targets() -> TrainTargets:
    import xgboost
    import xgboost.sklearn

    return xgboost, xgboost.sklearn, xgboost.DMatrix, xgboost.sklearn.XGBModel


def _log_estimator(estimator: Any, run_id: str, example: Any) -> None:
    _log_model(estimator, run_id, example, estimator.predict, None)


def _train_and_log(
    train: Any, run_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], log_model: bool
) -> Any:
    from mlharbor.client.client import MlharborClient

    client = MlharborClient()
    bound = inspect.signature(train).bind(*args, **kwargs)
    params = _log_params(client, run_id, bound)
    dtrain = bound.arguments.get("dtrain")
    train_dataset = _log_datasets(client, run_id, dtrain, bound.arguments.get("evals") or [])
    recorder = MetricRecorder(client, run_id, silent=bool(_config.get("silent")))
    bound.arguments["callbacks"] = [*(bound.arguments.get("callbacks") or []), _callback(recorder)]
    try:
        model = train(*bound.args, **bound.kwargs)
    finally:
        recorder.flush()
    model_id = None
    if log_model and _config["log_models"]:
        import xgboost

        example = getattr(dtrain, EXAMPLE_ATTR, None)
        model_id = _log_model(
            model, run_id, example, lambda rows: model.predict(xgboost.DMatrix(rows)), params
        )
    if bound.arguments.get("early_stopping_rounds"):
        _log_early_stopping(recorder, model, train_dataset)
    recorder.link(model_id)
    _log_importances(client, run_id, model)
    return model


def _log_params(client: Any, run_id: str, bound: inspect.BoundArguments) -> dict[str, Any]:
    """Log the booster params and ``train``'s setting arguments (defaults included)."""
    from mlharbor.entities import Param

    call = {
        name: bound.arguments.get(name, parameter.default)
        for name, parameter in bound.signature.parameters.items()
        if name not in _UNLOGGED and parameter.kind is not parameter.VAR_KEYWORD
    }
    params = {**dict(bound.arguments.get("params") or {}), **call}
    try:
        client.log_batch(run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])
    except Exception as exc:
        _warn("Autologging of parameters failed", exc)
    return params


def _log_datasets(client: Any, run_id: str, dtrain: Any, evals: Any) -> Any:
    """Link the training data (context ``train``) and each eval set (``eval``) to the run;
    returns the training dataset, whose name and digest the early-stopping metrics carry."""
    if not _config["log_datasets"] or dtrain is None:
        return None
    from mlharbor.entities import DatasetInput, InputTag

    try:
        train = _dataset(dtrain, None)
        inputs = [
            DatasetInput(train._to_mlflow_entity(), (InputTag("mlflow.data.context", "train"),))
        ]
        for matrix, name in evals:
            dataset = _dataset(matrix, name)
            inputs.append(
                DatasetInput(
                    dataset._to_mlflow_entity(), (InputTag("mlflow.data.context", "eval"),)
                )
            )
        client.log_inputs(run_id, datasets=inputs)
        return train
    except Exception as exc:
        _warn("Autologging of the training datasets failed", exc)
        return None


def _dataset(matrix: Any, name: str | None) -> Any:
    from scipy.sparse import issparse

    from mlharbor import data

    features = matrix.get_data()
    if issparse(features):
        features = features.toarray()
    return data.from_numpy(features, name=name)


def _callback(recorder: MetricRecorder) -> Any:
    import xgboost

    class AutologCallback(xgboost.callback.TrainingCallback):
        def after_iteration(self, model: Any, epoch: int, evals_log: Any) -> bool:
            try:
                recorder.record(
                    {
                        f"{data}-{metric}".replace("@", "_at_"): values[-1]
                        for data, metrics in evals_log.items()
                        for metric, values in metrics.items()
                    },
                    epoch,
                )
            except Exception as exc:
                _warn("Autologging of evaluation metrics failed", exc)
            return False

    return AutologCallback()


def _log_early_stopping(recorder: MetricRecorder, model: Any, train_dataset: Any) -> None:
    """MLflow's early-stopping figures: the last and best rounds, then the best round's
    metrics again one step after the last round."""
    from mlharbor.entities import Metric

    try:
        rounds = len(recorder.rounds)
        best = int(model.best_iteration)
        name = str(train_dataset.name) if train_dataset is not None else None
        digest = str(train_dataset.digest) if train_dataset is not None else None
        now = int(time.time() * 1000)
        summary = {"stopped_iteration": rounds - 1, "best_iteration": best}
        recorder.log(
            [Metric(k, float(v), now, 0, name, digest) for k, v in summary.items()]
            + [
                Metric(k, float(v), now, rounds, name, digest)
                for k, v in recorder.rounds[best].items()
            ]
        )
    except Exception as exc:
        _warn("Autologging of early-stopping metrics failed", exc)


def _log_model(
    model: Any,
    run_id: str,
    example: Any,
    predict: Callable[[Any], Any],
    params: dict[str, Any] | None,
) -> str | None:
    from mlharbor.xgboost.flavor import log_model

    return log_autologged_model(
        log_model,
        model,
        run_id,
        example,
        _config,
        _warn,
        predict,
        model_format=_config["model_format"],
        params=params,
    )


def _log_importances(client: Any, run_id: str, model: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
        for kind in _config["importance_types"]:
            try:
                scores = model.get_score(importance_type=kind)
                path = os.path.join(tmp, f"feature_importance_{kind}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(scores, fh)
                client.log_artifact(run_id, path)
            except Exception as exc:
                _warn(f"Autologging of {kind} feature importance failed", exc)
                continue
            try:
                png = os.path.join(tmp, f"feature_importance_{kind}.png")
                plot_importance(scores, kind, png)
                client.log_artifact(run_id, png)
            except Exception as exc:
                _warn(f"Autologging of the {kind} feature importance plot failed", exc)
