"""``evaluate``: score a model on labelled data, log the metrics and plots to a run.

Metric names are those of MLflow's default evaluator, so runs compare across tools:
classifiers get ``example_count``, ``accuracy_score``, ``recall_score``, ``precision_score``,
``f1_score`` (binary: of the positive class; multiclass: weighted), the confusion counts for
binary problems, and ``log_loss``/``roc_auc`` (+ ``precision_recall_auc`` for binary) when
class probabilities are available; regressors get the usual error metrics. scikit-learn
models also report ``score``. Plots need matplotlib and are skipped without it.
"""

from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, field
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = [
    "EvaluationArtifact",
    "EvaluationResult",
    "evaluate",
    "list_evaluators",
    "regressor_metrics",
]

_log = logging.getLogger(__name__)
_MODEL_TYPES = ("classifier", "regressor")


class EvaluationArtifact:
    """A file logged by :func:`evaluate`: its artifact URI, local copy and content.

    ``content`` is read from the local copy on first use: JSON files parse, PNG images open
    with Pillow when it is installed (else bytes), other files read as text.
    """

    def __init__(self, uri: str, content: Any = None, local_path: str | None = None) -> None:
        self.uri = uri
        self.local_path = local_path
        self._content = content

    @property
    def content(self) -> Any:
        if self._content is None and self.local_path is not None:
            self._content = _read_artifact(self.local_path)
        return self._content

    def __repr__(self) -> str:
        return f"EvaluationArtifact(uri={self.uri!r})"


def _read_artifact(path: str) -> Any:
    import json

    if path.endswith(".json"):
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    if path.endswith(".png"):
        try:
            from PIL import Image
        except ImportError:
            with open(path, "rb") as handle:
                return handle.read()
        with Image.open(path) as image:
            image.load()
            return image
    with open(path, encoding="utf-8") as handle:
        return handle.read()


@dataclass
class EvaluationResult:
    """What :func:`evaluate` computed and where it logged it."""

    metrics: dict[str, float] = field(default_factory=dict)
    artifacts: dict[str, EvaluationArtifact] = field(default_factory=dict)
    run_id: str | None = None


def list_evaluators() -> list[str]:
    """Names :func:`evaluate` accepts in ``evaluators``; all run the built-in evaluator."""
    return ["default", "classifier", "regressor"]


def _split_data(
    data: Any, targets: Any, predictions: str | None, feature_names: list[str] | None
) -> tuple[Any, Any, Any]:
    """Return (features frame, target array, precomputed predictions or None)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if isinstance(targets, str):
            if targets not in data.columns:
                raise InvalidParameterValue(f"Targets column '{targets}' is not in the data")
            y = data[targets].to_numpy()
            frame = data.drop(columns=[targets])
        else:
            y = np.asarray(targets)
            frame = data
        given = None
        if predictions is not None:
            if predictions not in frame.columns:
                raise InvalidParameterValue(
                    f"Predictions column '{predictions}' is not in the data"
                )
            given = frame[predictions].to_numpy()
            frame = frame.drop(columns=[predictions])
        if feature_names is not None:
            frame = frame[feature_names]
        return frame, y, given
    array = np.asarray(data)
    if targets is None or isinstance(targets, str):
        raise InvalidParameterValue("For array data, `targets` must be an array of labels")
    names = feature_names or [f"feature_{i + 1}" for i in range(array.shape[1])]
    return pd.DataFrame(array, columns=names), np.asarray(targets), None


def _predictor(
    model: Any, model_config: dict[str, Any] | None = None, params: dict[str, Any] | None = None
) -> tuple[Any, Any]:
    """Return (predict function, raw estimator or None) for a URI, PyFuncModel or callable."""
    from mlharbor.pyfunc.loader import PyFuncModel, load_model

    if isinstance(model, str):
        model = load_model(model, model_config=model_config)
    if isinstance(model, PyFuncModel):
        raw = model.get_raw_model()
        pyfunc = model

        def predict(frame: Any) -> Any:
            return pyfunc.predict(frame, params=params) if params else pyfunc.predict(frame)

        return predict, raw if hasattr(raw, "predict") else None
    if hasattr(model, "predict"):
        return model.predict, model
    if callable(model):
        return model, None
    raise InvalidParameterValue(
        "`model` must be a model URI, a loaded pyfunc model, an estimator or a function"
    )


def _classifier_metrics(
    y: Any, y_pred: Any, proba: Any, classes: Any
) -> tuple[dict[str, float], Any]:
    import numpy as np
    from sklearn import metrics as skm

    labels = np.unique(np.concatenate([np.unique(y), np.unique(y_pred)]))
    binary = len(labels) <= 2
    out: dict[str, float] = {"example_count": float(len(y))}
    if binary:
        matrix = skm.confusion_matrix(y, y_pred, labels=labels)
        if matrix.shape == (2, 2):
            tn, fp, fn, tp = (int(v) for v in matrix.ravel())
            out.update(true_negatives=tn, false_positives=fp, false_negatives=fn, true_positives=tp)
        positive = labels[-1]
        average: dict[str, Any] = {"average": "binary", "pos_label": positive}
    else:
        average = {"average": "weighted"}
    out["accuracy_score"] = float(skm.accuracy_score(y, y_pred))
    out["recall_score"] = float(skm.recall_score(y, y_pred, zero_division=0, **average))
    out["precision_score"] = float(skm.precision_score(y, y_pred, zero_division=0, **average))
    out["f1_score"] = float(skm.f1_score(y, y_pred, zero_division=0, **average))
    if proba is not None and classes is not None:
        out["log_loss"] = float(skm.log_loss(y, proba, labels=classes))
        if binary and proba.shape[1] == 2:
            positive_scores = proba[:, 1]
            is_positive = y == classes[1]
            out["roc_auc"] = float(skm.roc_auc_score(is_positive, positive_scores))
            # summarised by average precision, as MLflow's evaluator does
            out["precision_recall_auc"] = float(
                skm.average_precision_score(is_positive, positive_scores)
            )
        elif not binary:
            out["roc_auc"] = float(
                skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted", labels=classes)
            )
    return out, labels


def regressor_metrics(y: Any, y_pred: Any) -> dict[str, float]:
    """The default evaluator's regression metrics (MLflow's names) of ``y_pred`` against ``y``."""
    import numpy as np
    from sklearn import metrics as skm

    mse = float(skm.mean_squared_error(y, y_pred))
    return {
        "example_count": float(len(y)),
        "mean_absolute_error": float(skm.mean_absolute_error(y, y_pred)),
        "mean_squared_error": mse,
        "root_mean_squared_error": float(np.sqrt(mse)),
        "sum_on_target": float(np.sum(y)),
        "mean_on_target": float(np.mean(y)),
        "r2_score": float(skm.r2_score(y, y_pred)),
        "max_error": float(skm.max_error(y, y_pred)),
        "mean_absolute_percentage_error": float(skm.mean_absolute_percentage_error(y, y_pred)),
    }


def _classifier_files(
    directory: str, y: Any, y_pred: Any, proba: Any, classes: Any, labels: Any
) -> dict[str, str]:
    """Write the confusion matrix, curves and per-class table; name -> file path."""
    import numpy as np
    import pandas as pd
    from sklearn import metrics as skm

    files: dict[str, str] = {}
    if len(labels) > 2:
        precision, recall, f1, support = skm.precision_recall_fscore_support(
            y, y_pred, labels=labels, zero_division=0
        )
        table = pd.DataFrame(
            {
                "positive_class": labels,
                "precision": precision,
                "recall": recall,
                "f1_score": f1,
                "example_count": support,
            }
        )
        files["per_class_metrics"] = os.path.join(directory, "per_class_metrics.csv")
        table.to_csv(files["per_class_metrics"], index=False)
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        _log.info("matplotlib is not installed; evaluation plots are skipped")
        return files
    figure, axes = plt.subplots(figsize=(5, 5))
    skm.ConfusionMatrixDisplay.from_predictions(y, y_pred, labels=labels, ax=axes, colorbar=False)
    axes.set_title("Confusion matrix")
    files["confusion_matrix"] = os.path.join(directory, "confusion_matrix.png")
    figure.savefig(files["confusion_matrix"], bbox_inches="tight")
    plt.close(figure)
    if proba is not None and classes is not None and len(classes) == 2:
        is_positive = np.asarray(y) == classes[1]
        for name, display in (
            ("roc_curve_plot", skm.RocCurveDisplay),
            ("precision_recall_curve_plot", skm.PrecisionRecallDisplay),
        ):
            figure, axes = plt.subplots(figsize=(5, 5))
            display.from_predictions(is_positive, proba[:, 1], ax=axes)
            files[name] = os.path.join(directory, f"{name}.png")
            figure.savefig(files[name], bbox_inches="tight")
            plt.close(figure)
    return files


def evaluate(
    model: Any = None,
    data: Any = None,
    *,
    model_type: str | None = None,
    targets: Any = None,
    predictions: str | None = None,
    dataset_path: str | None = None,
    feature_names: list[str] | None = None,
    evaluators: Any = None,
    evaluator_config: dict[str, Any] | None = None,
    extra_metrics: list[Any] | None = None,
    custom_artifacts: list[Any] | None = None,
    env_manager: str = "local",
    model_config: dict[str, Any] | None = None,
    inference_params: dict[str, Any] | None = None,
    model_id: str | None = None,
    run_id: str | None = None,
    validation_thresholds: dict[str, Any] | None = None,
    baseline_result: EvaluationResult | None = None,
) -> EvaluationResult:
    """Evaluate ``model`` on ``data`` and log metrics and plots to a run.

    Args:
        model: a model URI, a loaded pyfunc model, an estimator, a function, or None when
            ``predictions`` names a column of ``data`` holding precomputed predictions.
        data: a pandas DataFrame (targets given as a column name) or an array.
        targets: the label column name, or an array of labels.
        model_type: ``"classifier"`` or ``"regressor"``.
        run_id: the run to log to; defaults to the active run, else a new run is started.
        validation_thresholds: metric name -> :class:`~mlharbor.evaluation_thresholds.
            MetricThreshold`; checked after logging, so a failed model's figures stay on record.
        baseline_result: an earlier ``EvaluationResult`` for the thresholds' change bounds.
        extra_metrics: :class:`~mlharbor.evaluation_metrics.EvaluationMetric` objects (see
            ``make_metric``), computed after the built-in metrics and logged beside them.
        custom_artifacts: functions ``fn(eval_df, builtin_metrics, artifacts_dir)`` returning
            artifact name -> file path, DataFrame, figure or JSON-able value.
        evaluator_config: extra arguments for custom metrics, by parameter name.
        model_config, inference_params: passed to the pyfunc model a URI loads, and to its
            ``predict``.
        model_id: the logged model the metrics belong to.
        evaluators, dataset_path: accepted for MLflow compatibility; the built-in evaluator
            is always used.
        env_manager: only ``"local"`` (the current environment).

    Returns:
        :class:`EvaluationResult` with ``metrics`` and ``artifacts``.

    Raises:
        InvalidParameterValue: for an unknown model type or inconsistent inputs.
        ModelValidationFailedException: when the model misses a validation threshold.
    """
    if model_type not in _MODEL_TYPES and not (model_type is None and extra_metrics):
        raise InvalidParameterValue(
            f"model_type must be one of {list(_MODEL_TYPES)}, got {model_type!r}"
        )
    if env_manager != "local":
        raise InvalidParameterValue(
            f"env_manager {env_manager!r} is not supported by evaluate; use 'local' (the "
            "current environment)"
        )
    if targets is None and model_type is not None:
        raise InvalidParameterValue("`targets` is required for model_type " + model_type)
    frame, y, given = _split_data(data, targets, predictions, feature_names)
    raw = None
    if given is not None:
        y_pred = given
    elif model is None:
        raise InvalidParameterValue("Either `model` or `predictions` must be given")
    else:
        predict, raw = _predictor(model, model_config, inference_params)
        y_pred = predict(frame)
    import numpy as np

    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[1] == 1:
        y_pred = y_pred.reshape(-1)
    files: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="mlharbor-evaluate-") as tmp:
        metrics: dict[str, float] = {}
        if model_type == "classifier":
            proba = classes = None
            if raw is not None and hasattr(raw, "predict_proba"):
                proba = np.asarray(raw.predict_proba(frame))
                classes = getattr(raw, "classes_", None)
            metrics, labels = _classifier_metrics(y, y_pred, proba, classes)
            files = _classifier_files(tmp, y, y_pred, proba, classes, labels)
        elif model_type == "regressor":
            metrics = regressor_metrics(y, y_pred)
            files = _regressor_files(tmp, y, y_pred)
        if raw is not None and hasattr(raw, "score") and y is not None:
            metrics["score"] = float(raw.score(frame, y))
        if extra_metrics or custom_artifacts:
            from mlharbor import evaluation_metrics as custom

            metrics.update(
                custom.compute_extra_metrics(
                    list(extra_metrics or []), y_pred, y, frame, metrics, evaluator_config or {}
                )
            )
            if custom_artifacts:
                eval_df = frame.assign(prediction=y_pred)
                if y is not None:
                    eval_df = eval_df.assign(target=y)
                files.update(custom.write_custom_artifacts(custom_artifacts, eval_df, metrics, tmp))
        result = _log_results(metrics, files, run_id, model_id)
    if validation_thresholds:
        from mlharbor.evaluation_thresholds import validate_evaluation_results

        validate_evaluation_results(validation_thresholds, result, baseline_result)
    return result


def _regressor_files(directory: str, y: Any, y_pred: Any) -> dict[str, str]:
    """Write the residuals plot (residual against prediction); name -> file path."""
    import numpy as np

    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        import matplotlib.pyplot as plt
    except ImportError:
        _log.info("matplotlib is not installed; evaluation plots are skipped")
        return {}
    predicted = np.asarray(y_pred, dtype=float)
    residuals = np.asarray(y, dtype=float) - predicted
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.scatter(predicted, residuals, s=8, alpha=0.6)
    axes.axhline(0.0, color="grey", linewidth=1)
    axes.set_xlabel("Predicted value")
    axes.set_ylabel("Residual (true - predicted)")
    axes.set_title("Residuals")
    path = os.path.join(directory, "residuals_plot.png")
    figure.savefig(path, bbox_inches="tight")
    plt.close(figure)
    return {"residuals_plot": path}


def _log_results(
    metrics: dict[str, float], files: dict[str, str], run_id: str | None, model_id: str | None
) -> EvaluationResult:
    import shutil

    from mlharbor.client import active_run as fluent
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Metric

    client = MlharborClient()
    started = None
    if run_id is None:
        current = fluent.active_run()
        if current is None:
            started = fluent.start_run()
            current = started
        run_id = current.info.run_id
    succeeded = False
    try:
        now = _now_ms()
        client.log_batch(
            run_id,
            metrics=[Metric(k, float(v), now, 0, model_id=model_id) for k, v in metrics.items()],
        )
        artifact_uri = client.get_run(run_id).info.artifact_uri
        kept = tempfile.mkdtemp(prefix="mlharbor-evaluation-")
        artifacts = {}
        for name, path in files.items():
            client.log_artifact(run_id, path)
            local = os.path.join(kept, os.path.basename(path))
            shutil.copy2(path, local)
            artifacts[name] = EvaluationArtifact(
                f"{artifact_uri.rstrip('/')}/{os.path.basename(path)}", local_path=local
            )
        succeeded = True
    finally:
        if started is not None:
            fluent.end_run("FINISHED" if succeeded else "FAILED")
    return EvaluationResult(metrics=metrics, artifacts=artifacts, run_id=run_id)


def _now_ms() -> int:
    import time

    return int(time.time() * 1000)
