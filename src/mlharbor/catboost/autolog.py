"""``autolog`` for CatBoost: every ``fit`` of a CatBoost model (``CatBoost``,
``CatBoostClassifier``, ``CatBoostRegressor``, ``CatBoostRanker``, and ``catboost.train``, which
fits through them) logs params, per-iteration metrics, importances and the model.

MLflow has no CatBoost autologging; names follow its xgboost and lightgbm autologgers: the
model's params (as set by the user) plus ``fit``'s setting arguments that were passed, as params;
``<dataset>-<metric>`` per iteration with step = iteration, where the dataset is CatBoost's own
name (``learn``, ``validation``; ``validation_0``, ``validation_1``... for several sets), read
from the model's evaluation history once ``fit`` returns (CatBoost's per-iteration callbacks do
not run on GPU); with early stopping, ``stopped_iteration``
and ``best_iteration``, then the best iteration's metrics again at step ``iterations``;
``feature_importance_PredictionValuesChange.json``/``.png``; the model ``model``; the training
and evaluation frames or arrays as datasets (contexts ``train`` and ``eval``). Logging problems
are warnings; training errors propagate and fail the run autologging started.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
import tempfile
import threading
import time
from typing import Any

from mlharbor.autologging import (
    Patches,
    ReentryGuard,
    autolog_run,
    log_autologged_model,
    subclasses,
    warn_failure,
)
from mlharbor.autologging.boosting import EXAMPLE_ROWS
from mlharbor.autologging.metrics import MetricRecorder
from mlharbor.autologging.plots import plot_importance

__all__ = ["autolog"]

# ``fit`` arguments that are settings (the others are data, callables or output streams)
_FIT_SETTINGS = (
    "use_best_model",
    "verbose",
    "logging_level",
    "plot",
    "verbose_eval",
    "metric_period",
    "silent",
    "early_stopping_rounds",
    "save_snapshot",
    "snapshot_interval",
)
_IMPORTANCE_TYPE = "PredictionValuesChange"
# characters a metric name may not hold (CatBoost spells metric options as ``name:k=v;k=v``)
_UNSAFE_NAME = re.compile(r"[^\w./\- :]")

_config: dict[str, Any] = {}
_patches = Patches()
_guard = ReentryGuard()
_lock = threading.Lock()


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
    """Enable (or, with ``disable=True``, disable) autologging of CatBoost training.

    Args:
        log_input_examples: save the first training rows as the model's input example.
        log_model_signatures: infer the model signature from the first training rows.
        log_models: log the fitted model as ``model``.
        log_datasets: link the training and evaluation data to the run.
        silent: suppress autologging warnings.
        registered_model_name: also register each logged model under this name.
        extra_tags: tags set on every run autologging writes to.

    ``exclusive`` and ``disable_for_unsupported_versions`` are accepted for MLflow
    compatibility.
    """
    with _lock:
        _patches.restore()
        _config.clear()
        if disable:
            return
        _config.update(
            log_input_examples=log_input_examples,
            log_model_signatures=log_model_signatures,
            log_models=log_models,
            log_datasets=log_datasets,
            silent=silent,
            registered_model_name=registered_model_name,
            extra_tags=dict(extra_tags or {}),
        )
        import catboost

        for cls in (catboost.CatBoost, *subclasses(catboost.CatBoost)):
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
            return _fit_and_log(fit, model, run_id, args, kwargs)

    return fit_with_autolog


def _fit_and_log(
    fit: Any, model: Any, run_id: str, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> Any:
    from mlharbor.client.client import MlharborClient

    client = MlharborClient()
    features = args[0] if args else kwargs.get("X")
    targets = args[1] if len(args) > 1 else kwargs.get("y")
    _log_params(client, run_id, model, kwargs)
    if _config["log_datasets"]:
        _log_datasets(client, run_id, features, targets, kwargs.get("eval_set"))
    example = _example(features)
    result = fit(model, *args, **kwargs)
    recorder = MetricRecorder(client, run_id, silent=bool(_config["silent"]))
    _record_metrics(recorder, model)
    if _early_stopping(model, kwargs):
        _log_early_stopping(recorder, model)
    model_id = _log_model(model, run_id, example) if _config["log_models"] else None
    recorder.link(model_id)
    _log_importance(client, run_id, model)
    return result


def _log_params(client: Any, run_id: str, model: Any, kwargs: dict[str, Any]) -> None:
    from mlharbor.entities import Param

    try:
        params = {**model.get_params(), **{k: kwargs[k] for k in _FIT_SETTINGS if k in kwargs}}
        client.log_batch(run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()])
    except Exception as exc:
        _warn("Autologging of parameters failed", exc)


def _example(features: Any) -> Any:
    """The first training rows, for the input example and signature (a ``Pool`` gives none)."""
    import numpy as np
    import pandas as pd

    if isinstance(features, pd.DataFrame | np.ndarray):
        return copy.deepcopy(features[:EXAMPLE_ROWS])
    return None


def _dataset(features: Any, targets: Any) -> Any:
    import numpy as np
    import pandas as pd

    from mlharbor import data

    if isinstance(features, pd.DataFrame):
        if targets is not None and len(targets) == len(features):
            frame = features.assign(_label=np.asarray(targets))
            return data.from_pandas(frame, targets="_label")
        return data.from_pandas(features)
    if isinstance(features, np.ndarray):
        return data.from_numpy(features, targets=None if targets is None else np.asarray(targets))
    return None


def _log_datasets(client: Any, run_id: str, features: Any, targets: Any, eval_set: Any) -> None:
    """Link the training data (context ``train``) and each ``(X, y)`` evaluation set
    (``eval``); ``Pool`` objects keep their rows to themselves and are skipped."""
    from mlharbor.entities import DatasetInput, InputTag

    evals = eval_set if isinstance(eval_set, list) else [eval_set] if eval_set else []
    pairs = [(features, targets, "train")] + [
        (s[0], s[1], "eval") for s in evals if isinstance(s, tuple) and len(s) == 2
    ]
    try:
        inputs = [
            DatasetInput(dataset._to_mlflow_entity(), (InputTag("mlflow.data.context", ctx),))
            for x, y, ctx in pairs
            if (dataset := _dataset(x, y)) is not None
        ]
        if inputs:
            client.log_inputs(run_id, datasets=inputs)
    except Exception as exc:
        _warn("Autologging of the training datasets failed", exc)


def _record_metrics(recorder: MetricRecorder, model: Any) -> None:
    """Each iteration's evaluation results, step = iteration."""
    try:
        series = {
            _UNSAFE_NAME.sub("_", f"{dataset}-{metric}".replace("@", "_at_")): values
            for dataset, metrics in model.get_evals_result().items()
            for metric, values in metrics.items()
        }
        for step in range(max((len(v) for v in series.values()), default=0)):
            recorder.record({k: v[step] for k, v in series.items() if step < len(v)}, step)
    except Exception as exc:
        _warn("Autologging of evaluation metrics failed", exc)


def _early_stopping(model: Any, kwargs: dict[str, Any]) -> bool:
    if kwargs.get("early_stopping_rounds") is not None:
        return True
    params = model.get_params()
    return any(params.get(k) is not None for k in ("early_stopping_rounds", "od_wait", "od_type"))


def _log_early_stopping(recorder: MetricRecorder, model: Any) -> None:
    """The number of iterations and the best one, then the best iteration's metrics again at
    step = number of iterations (as MLflow's xgboost and lightgbm autologgers do)."""
    from mlharbor.entities import Metric

    best = model.get_best_iteration()
    if best is None or not recorder.rounds:
        return
    try:
        rounds = len(recorder.rounds)
        now = int(time.time() * 1000)
        summary = {"stopped_iteration": rounds, "best_iteration": int(best)}
        recorder.log(
            [Metric(k, float(v), now, 0) for k, v in summary.items()]
            + [Metric(k, float(v), now, rounds) for k, v in recorder.rounds[int(best)].items()]
        )
    except Exception as exc:
        _warn("Autologging of early-stopping metrics failed", exc)


def _log_model(model: Any, run_id: str, example: Any) -> str | None:
    from mlharbor.catboost.flavor import log_model

    return log_autologged_model(log_model, model, run_id, example, _config, _warn)


def _log_importance(client: Any, run_id: str, model: Any) -> None:
    with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
        name = f"feature_importance_{_IMPORTANCE_TYPE}"
        try:
            values = model.get_feature_importance(type=_IMPORTANCE_TYPE).tolist()
            scores = dict(zip(model.feature_names_, values, strict=True))
            path = os.path.join(tmp, f"{name}.json")
            with open(path, "w", encoding="utf-8") as fh:
                json.dump(scores, fh, indent=2)
            client.log_artifact(run_id, path)
        except Exception as exc:
            _warn("Autologging of feature importance failed", exc)
            return
        try:
            png = os.path.join(tmp, f"{name}.png")
            plot_importance(scores, _IMPORTANCE_TYPE, png)
            client.log_artifact(run_id, png)
        except Exception as exc:
            _warn("Autologging of the feature importance plot failed", exc)
