"""``autolog`` for scikit-learn: every ``fit`` logs params, training metrics, the model and plots.

``fit`` of each scikit-learn estimator class is wrapped. A top-level ``fit`` (not one called
from inside another estimator's ``fit``) logs into the active run, or into a new run that ends
when ``fit`` returns. Names follow MLflow's sklearn autologging: params from ``get_params``,
``training_*`` metrics linked to the logged model, tags ``estimator_name``/``estimator_class``,
artifacts ``estimator.html`` and, for classifiers, ``training_confusion_matrix.png``. A parameter
search (``GridSearchCV``...) logs its own params only, plus what :mod:`mlharbor.sklearn.search`
describes (best params, ``cv_results.csv``, ``best_estimator``, child runs). Calling
``score`` later on an autologged estimator logs ``<Estimator>_score_<X variable>``. Logging
problems are reported as warnings and never break training; errors of ``fit`` itself propagate
(and fail the run autolog started).
"""

from __future__ import annotations

import functools
import inspect
import os
import tempfile
import threading
import time
import weakref
from typing import Any

from mlharbor.autologging import Patches, ReentryGuard, autolog_run, warn_failure
from mlharbor.sklearn.search import is_parameter_search, log_best_params, log_search_results

__all__ = ["autolog"]

_patches = Patches()
# estimator -> (run_id, model_id) of the fit autologging recorded, for post-training scores
_fitted: weakref.WeakKeyDictionary[Any, tuple[str, str | None]] = weakref.WeakKeyDictionary()
_metric_info: dict[str, dict[str, str]] = {}
_config: dict[str, Any] = {}
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
    max_tuning_runs: int | None = 5,
    log_post_training_metrics: bool = True,
    serialization_format: str = "cloudpickle",
    registered_model_name: str | None = None,
    pos_label: Any = None,
    extra_tags: dict[str, Any] | None = None,
) -> None:
    """Enable (or, with ``disable=True``, disable) autologging of scikit-learn ``fit`` calls.

    Args:
        log_input_examples: also save the first rows of the training data as input example.
        log_model_signatures: infer and store the model signature from the training data.
        log_models: log the fitted estimator as a logged model named ``model``.
        log_datasets: link the training data to the run as dataset ``dataset`` (context
            ``train``); training metrics then carry its name and digest.
        silent: suppress autologging warnings.
        serialization_format: format of the logged model (see :func:`save_model`).
        registered_model_name: also register each logged model under this name.
        extra_tags: tags added to every run autologging writes to.

        log_post_training_metrics: log ``<Estimator>_score_<X variable>`` when ``score`` is
            called on an autologged estimator (plus ``metric_info.json`` describing the call).

        pos_label: positive class for binary precision/recall/F1 (weighted averages when None).

        max_tuning_runs: how many of a parameter search's best candidates become child runs
            (all of them when None).

    ``exclusive`` and ``disable_for_unsupported_versions`` are accepted for MLflow
    compatibility.
    """
    with _lock:
        if disable:
            _patches.restore()
            _config.clear()
            return
        _config.update(
            log_input_examples=log_input_examples,
            log_model_signatures=log_model_signatures,
            log_models=log_models,
            log_datasets=log_datasets,
            pos_label=pos_label,
            log_post_training_metrics=log_post_training_metrics,
            silent=silent,
            serialization_format=serialization_format,
            registered_model_name=registered_model_name,
            extra_tags=dict(extra_tags or {}),
            max_tuning_runs=max_tuning_runs,
        )
        _patch()


def _patch() -> None:
    from sklearn.utils import all_estimators

    if _patches:
        return
    fits: set[type] = set()
    scores: set[type] = set()
    for _name, estimator_class in all_estimators():
        # patch the class that defines fit (often an abstract base, e.g. BaseForest), once
        owner = next((k for k in estimator_class.__mro__ if "fit" in k.__dict__), None)
        if owner is None or owner in fits:
            continue
        fits.add(owner)
        _patches.apply(owner, "fit", _wrap)
        scorer = next((k for k in estimator_class.__mro__ if "score" in k.__dict__), None)
        if scorer is not None and scorer not in scores:
            scores.add(scorer)
            _patches.apply(scorer, "score", _wrap_score)


def _wrap(fit: Any) -> Any:
    @functools.wraps(fit)
    def fit_with_autolog(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _guard.busy() or not _config:
            return fit(self, *args, **kwargs)
        with _guard:
            return _fit_and_log(fit, self, args, kwargs)

    return fit_with_autolog


def _wrap_score(score: Any) -> Any:
    @functools.wraps(score)
    def score_with_autolog(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = score(self, *args, **kwargs)
        if _guard.busy() or not _config.get("log_post_training_metrics"):
            return result
        fitted = _fitted.get(self)
        if fitted is not None:
            with _guard:
                try:
                    _log_post_training_score(self, fitted, args, kwargs, float(result))
                except Exception as exc:
                    _warn("Autologging of a post-training score failed", exc)
        return result

    return score_with_autolog


def _caller_name(value: Any, default: str) -> str:
    """The variable name the calling code bound ``value`` to (MLflow names metrics after it)."""
    frame = inspect.currentframe()
    while frame is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    if frame is not None:
        for name, candidate in frame.f_locals.items():
            if candidate is value and not name.startswith("_"):
                return name
    return default


def _log_post_training_score(
    estimator: Any,
    fitted: tuple[str, str | None],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    value: float,
) -> None:
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Metric

    run_id, model_id = fitted
    features = args[0] if args else kwargs.get("X")
    target = args[1] if len(args) > 1 else kwargs.get("y")
    x_name = _caller_name(features, "X")
    y_name = _caller_name(target, "y")
    key = f"{type(estimator).__name__}_score_{x_name}"
    client = MlharborClient()
    now = int(time.time() * 1000)
    client.log_batch(run_id, metrics=[Metric(key, value, now, 0, model_id=model_id)])
    info = _metric_info.setdefault(run_id, {})
    info[key] = f"{type(estimator).__name__}.score(X={x_name}, y={y_name})"
    client.log_dict(run_id, info, "metric_info.json")


def _warn(message: str, exc: BaseException) -> None:
    warn_failure(message, exc, silent=bool(_config.get("silent")))


def _fit_and_log(fit: Any, estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    from mlharbor.client.client import MlharborClient

    with autolog_run() as run_id:
        client = MlharborClient()
        _log_params_and_tags(client, run_id, estimator)
        result = fit(estimator, *args, **kwargs)
        try:
            features = args[0] if args else kwargs.get("X")
            target = args[1] if len(args) > 1 else kwargs.get("y")
            weights = args[2] if len(args) > 2 else kwargs.get("sample_weight")
            _log_training_results(client, run_id, estimator, features, target, weights)
        except Exception as exc:
            _warn("Autologging of the fitted estimator failed", exc)
    return result


def _log_params_and_tags(client: Any, run_id: str, estimator: Any) -> None:
    from mlharbor.entities import Param, RunTag

    try:
        # A search's inner estimator params describe no single model: MLflow leaves them out.
        params = estimator.get_params(deep=not is_parameter_search(estimator))
        tags = {
            "estimator_name": type(estimator).__name__,
            "estimator_class": f"{type(estimator).__module__}.{type(estimator).__qualname__}",
            **_config.get("extra_tags", {}),
        }
        client.log_batch(
            run_id,
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
            tags=[RunTag(k, str(v)) for k, v in tags.items()],
        )
    except Exception as exc:
        _warn("Autologging of parameters failed", exc)


def _training_metrics(estimator: Any, features: Any, target: Any, weights: Any) -> dict[str, float]:
    """MLflow's ``training_*`` metrics: weighted averages (``binary`` with a ``pos_label``),
    one-vs-one weighted ROC AUC for multiclass, the fit's ``sample_weight`` throughout."""
    import numpy as np
    from sklearn import metrics as skm
    from sklearn.base import is_classifier, is_regressor

    out: dict[str, float] = {}
    if target is None or not hasattr(estimator, "predict"):
        return out
    predicted = estimator.predict(features)
    if is_classifier(estimator):
        pos_label = _config.get("pos_label")
        averaging: dict[str, Any] = {
            "average": "weighted" if pos_label is None else "binary",
            "sample_weight": weights,
            "zero_division": 0,
        }
        if pos_label is not None:
            averaging["pos_label"] = pos_label
        out["training_precision_score"] = skm.precision_score(target, predicted, **averaging)
        out["training_recall_score"] = skm.recall_score(target, predicted, **averaging)
        out["training_f1_score"] = skm.f1_score(target, predicted, **averaging)
        out["training_accuracy_score"] = skm.accuracy_score(
            target, predicted, sample_weight=weights
        )
        if hasattr(estimator, "predict_proba"):
            proba = estimator.predict_proba(features)
            out["training_log_loss"] = skm.log_loss(target, proba, sample_weight=weights)
            scores = proba[:, 1] if proba.shape[1] == 2 else proba
            out["training_roc_auc"] = skm.roc_auc_score(
                target, scores, average="weighted", sample_weight=weights, multi_class="ovo"
            )
    elif is_regressor(estimator):
        mse = skm.mean_squared_error(target, predicted, sample_weight=weights)
        out["training_mean_squared_error"] = mse
        out["training_root_mean_squared_error"] = float(np.sqrt(mse))
        out["training_mean_absolute_error"] = skm.mean_absolute_error(
            target, predicted, sample_weight=weights
        )
        out["training_r2_score"] = skm.r2_score(target, predicted, sample_weight=weights)
    if hasattr(estimator, "score"):
        # Some scores (a search's) refuse even sample_weight=None without metadata routing.
        weighting = {} if weights is None else {"sample_weight": weights}
        out["training_score"] = estimator.score(features, target, **weighting)
    return {k: float(v) for k, v in out.items()}


def _log_training_results(
    client: Any, run_id: str, estimator: Any, features: Any, target: Any, weights: Any
) -> None:
    from mlharbor.entities import Metric

    model_id = None
    if _config.get("log_models") and hasattr(estimator, "predict"):
        model_id = _log_model(estimator, features, run_id)
    metrics = {}
    try:
        metrics = _training_metrics(estimator, features, target, weights)
    except Exception as exc:
        _warn("Autologging of training metrics failed", exc)
    dataset: tuple[Any, str | None, str | None] = (None, None, None)
    if _config.get("log_datasets"):
        dataset = _log_dataset(client, run_id, features, target)
    _entity, dataset_name, dataset_digest = dataset
    now = int(time.time() * 1000)
    if metrics:
        client.log_batch(
            run_id,
            metrics=[
                Metric(k, v, now, 0, dataset_name, dataset_digest, model_id=model_id)
                for k, v in metrics.items()
            ],
        )
    _fitted[estimator] = (run_id, model_id)
    if is_parameter_search(estimator):
        try:
            log_best_params(client, run_id, estimator)
        except Exception as exc:
            _warn("Autologging of the best parameters failed", exc)
        log_search_results(
            client,
            run_id,
            estimator,
            log_model=(
                (lambda best, name: _log_model(best, features, run_id, name, register=False))
                if _config.get("log_models")
                else None
            ),
            model_id=model_id,
            dataset=dataset,
            max_tuning_runs=_config.get("max_tuning_runs"),
            warn=_warn,
        )
    _log_artifacts(client, run_id, estimator, features, target)


def _log_dataset(
    client: Any, run_id: str, features: Any, target: Any
) -> tuple[Any, str | None, str | None]:
    """Link the training data to the run (context ``train``); returns its dataset entity, name
    and digest (all None when that failed)."""
    from mlharbor.entities import DatasetInput, InputTag

    try:
        import pandas as pd

        from mlharbor import data

        if isinstance(features, pd.DataFrame):
            dataset: Any = data.from_pandas(features, name="dataset")
        else:
            # A pandas target (a Series) is stored as the array it holds.
            targets = target.to_numpy() if isinstance(target, pd.Series | pd.DataFrame) else target
            dataset = data.from_numpy(features, targets=targets, name="dataset")
        entity = dataset._to_mlflow_entity()
        context = (InputTag("mlflow.data.context", "train"),)
        client.log_inputs(run_id, datasets=[DatasetInput(entity, context)])
        return entity, str(dataset.name), str(dataset.digest)
    except Exception as exc:
        _warn("Autologging of the training dataset failed", exc)
        return None, None, None


def _log_model(
    estimator: Any, features: Any, run_id: str, name: str = "model", register: bool = True
) -> str | None:
    from mlharbor.sklearn.flavor import log_model

    example = signature = None
    try:
        rows = features[:5] if features is not None else None
        if rows is not None and _config.get("log_input_examples"):
            example = rows
        if rows is not None and _config.get("log_model_signatures"):
            from mlharbor.models.signature import infer_signature

            signature = infer_signature(rows, estimator.predict(rows))
    except Exception as exc:
        _warn("Inferring the model signature failed", exc)
    try:
        info = log_model(
            estimator,
            name=name,
            run_id=run_id,
            signature=signature,
            input_example=example,
            serialization_format=_config.get("serialization_format", "cloudpickle"),
            registered_model_name=_config.get("registered_model_name") if register else None,
        )
    except Exception as exc:
        _warn("Autologging of the model failed", exc)
        return None
    return str(info.model_id)


def _log_artifacts(client: Any, run_id: str, estimator: Any, features: Any, target: Any) -> None:
    from sklearn.base import is_classifier

    with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
        try:
            from sklearn.utils import estimator_html_repr

            html = os.path.join(tmp, "estimator.html")
            with open(html, "w", encoding="utf-8") as fh:
                fh.write(estimator_html_repr(estimator))
            client.log_artifact(run_id, html)
        except Exception as exc:
            _warn("Autologging of estimator.html failed", exc)
        if not is_classifier(estimator) or target is None:
            return
        try:
            import matplotlib

            matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
            from sklearn.metrics import ConfusionMatrixDisplay

            figure, axes = plt.subplots(figsize=(5, 5))
            ConfusionMatrixDisplay.from_estimator(
                estimator, features, target, ax=axes, colorbar=False
            )
            axes.set_title("Confusion matrix")
            path = os.path.join(tmp, "training_confusion_matrix.png")
            figure.savefig(path, bbox_inches="tight")
            plt.close(figure)
            client.log_artifact(run_id, path)
        except Exception as exc:
            _warn("Autologging of the confusion matrix failed", exc)
