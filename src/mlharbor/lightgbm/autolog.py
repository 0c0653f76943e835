"""``autolog`` for LightGBM: every ``lightgbm.train`` logs params, per-iteration metrics,
importances and the model; the scikit-learn API (``LGBMClassifier.fit``...) is covered through it.

Names follow MLflow's lightgbm autologging: the booster params plus ``train``'s own arguments
(``num_boost_round``, ``keep_training_booster``) as params; ``<valid name>-<metric>`` per
iteration (``@`` spelled ``_at_``) with step = iteration; when the booster has a best iteration
(early stopping), ``stopped_iteration``, ``best_iteration`` and the best iteration's metrics
again at step ``iterations``; ``feature_importance_{split,gain}.json``/``.png`` artifacts; the
model ``model``; the training and validation ``Dataset`` data as datasets (contexts ``train`` and
``eval``).

A scikit-learn-API ``fit`` trains through ``lightgbm.sklearn.train``: that inner call logs
params, metrics and importances, and the ``fit`` wrapper logs the estimator itself (not the
Booster) as the model, so each fit logs one model. Logging problems are warnings; training
errors propagate and fail the run autologging started.
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

# arguments of ``lightgbm.train`` that are data, callables or state rather than settings
_UNLOGGED = frozenset(
    {
        "params",
        "train_set",
        "valid_sets",
        "valid_names",
        "fobj",
        "feval",
        "init_model",
        "learning_rates",
        "callbacks",
    }
)
_IMPORTANCE_TYPES = ("split", "gain")
_integration = BoostingAutolog()
_config = _integration.config
_warn = _integration.warn


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: str | None = None,
    extra_tags: dict[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, disable) autologging of LightGBM training.

    Args:
        log_input_examples: save the first training rows as the model's input example.
        log_model_signatures: infer the model signature from the first training rows.
        log_models: log the trained Booster (or scikit-learn-API estimator) as ``model``.
        log_datasets: link the training and validation data to the run.
        silent: suppress autologging warnings.
        registered_model_name: also register each logged model under this name.
        extra_tags: tags set on every run autologging writes to.

    ``exclusive`` and ``disable_for_unsupported_versions`` are accepted for MLflow
    compatibility.
    """
    settings = None
    if not disable:
        settings = {
            "log_input_examples": log_input_examples,
            "log_model_signatures": log_model_signatures,
            "log_models": log_models,
            "log_datasets": log_datasets,
            "silent": silent,
            "registered_model_name": registered_model_name,
            "extra_tags": dict(extra_tags or {}),
        }
    _integration.configure(settings, _targets, _train_and_log, _log_estimator)


def _targets() -> TrainTargets:
    import lightgbm
    import lightgbm.sklearn

    return lightgbm, lightgbm.sklearn, lightgbm.Dataset, lightgbm.sklearn.LGBMModel


def _log_estimator(estimator: Any, run_id: str, example: Any) -> None:
    _log_model(estimator, run_id, example)


def _train_and_log(
    train: Any, run_id: str, args: tuple[Any, ...], kwargs: dict[str, Any], log_model: bool
) -> Any:
    from mlharbor.client.client import MlharborClient

    client = MlharborClient()
    bound = inspect.signature(train).bind(*args, **kwargs)
    _log_params(client, run_id, bound)
    train_set = bound.arguments.get("train_set")
    _log_datasets(
        client,
        run_id,
        train_set,
        bound.arguments.get("valid_sets") or [],
        bound.arguments.get("valid_names"),
    )
    recorder = MetricRecorder(client, run_id, silent=bool(_config.get("silent")))
    bound.arguments["callbacks"] = [*(bound.arguments.get("callbacks") or []), _callback(recorder)]
    try:
        model = train(*bound.args, **bound.kwargs)
    finally:
        recorder.flush()
    model_id = None
    if log_model and _config["log_models"]:
        model_id = _log_model(model, run_id, getattr(train_set, EXAMPLE_ATTR, None))
    if model.best_iteration > 0:
        _log_early_stopping(recorder, model)
    recorder.link(model_id)
    _log_importances(client, run_id, model)
    return model


def _log_params(client: Any, run_id: str, bound: inspect.BoundArguments) -> None:
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


def _log_datasets(
    client: Any, run_id: str, train_set: Any, valid_sets: Any, valid_names: Any
) -> None:
    """Link the training data (context ``train``) and each validation set (``eval``)."""
    if not _config["log_datasets"] or train_set is None:
        return
    from mlharbor.entities import DatasetInput, InputTag

    try:
        names = list(valid_names) if valid_names is not None else [None] * len(valid_sets)
        inputs = [
            DatasetInput(dataset._to_mlflow_entity(), (InputTag("mlflow.data.context", context),))
            for dataset, context in [
                (_dataset(train_set, None), "train"),
                # the training set evaluated under no name of its own is the train dataset
                *(
                    (_dataset(s, n), "eval")
                    for s, n in zip(valid_sets, names, strict=False)
                    if not (s is train_set and n is None)
                ),
            ]
            if dataset is not None
        ]
        client.log_inputs(run_id, datasets=inputs)
    except Exception as exc:
        _warn("Autologging of the training datasets failed", exc)


def _dataset(lgb_dataset: Any, name: str | None) -> Any:
    import numpy as np
    import pandas as pd
    from scipy.sparse import issparse

    from mlharbor import data

    features = lgb_dataset.data
    label = lgb_dataset.label
    targets = None if label is None else np.asarray(label)
    if isinstance(features, pd.DataFrame):
        return data.from_pandas(features, name=name)
    if issparse(features):
        return data.from_numpy(features.toarray(), targets=targets, name=name)
    if isinstance(features, np.ndarray):
        return data.from_numpy(features, targets=targets, name=name)
    _warn("Dataset logging skipped", TypeError(f"unsupported data {type(features).__name__}"))
    return None


def _callback(recorder: MetricRecorder) -> Callable[[Any], None]:
    def record_evaluation(env: Any) -> None:
        try:
            recorder.record(
                {
                    f"{data}-{metric}".replace("@", "_at_"): value
                    for data, metric, value, *_ in env.evaluation_result_list
                },
                env.iteration,
            )
        except Exception as exc:
            _warn("Autologging of evaluation metrics failed", exc)

    return record_evaluation


def _log_early_stopping(recorder: MetricRecorder, model: Any) -> None:
    """MLflow's early-stopping figures: the number of iterations and the (1-based) best one,
    then the best iteration's metrics again at step = number of iterations."""
    from mlharbor.entities import Metric

    try:
        rounds = len(recorder.rounds)
        best = int(model.best_iteration)
        now = int(time.time() * 1000)
        summary = {"stopped_iteration": rounds, "best_iteration": best}
        recorder.log(
            [Metric(k, float(v), now, 0) for k, v in summary.items()]
            + [Metric(k, float(v), now, rounds) for k, v in recorder.rounds[best - 1].items()]
        )
    except Exception as exc:
        _warn("Autologging of early-stopping metrics failed", exc)


def _log_model(model: Any, run_id: str, example: Any) -> str | None:
    from mlharbor.lightgbm.flavor import log_model

    return log_autologged_model(log_model, model, run_id, example, _config, _warn)


def _log_importances(client: Any, run_id: str, model: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
        for kind in _IMPORTANCE_TYPES:
            try:
                values = model.feature_importance(importance_type=kind).tolist()
                scores = dict(zip(model.feature_name(), values, strict=True))
                path = os.path.join(tmp, f"feature_importance_{kind}.json")
                with open(path, "w", encoding="utf-8") as fh:
                    json.dump(scores, fh, indent=2)
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
