"""``autolog`` for PyTorch Lightning: every ``Trainer.fit`` logs params, metrics and the model.

``Trainer.fit`` of ``pytorch_lightning`` and of ``lightning.pytorch`` (whichever is installed)
is wrapped. A fit logs into the active run, or into a new run that ends when ``fit`` returns
(``FAILED`` when it raises). Names follow MLflow's Lightning autologging: params ``epochs``,
``optimizer_name`` and the optimizer's defaults (``lr``, ``betas``, ...), EarlyStopping's
``monitor``/``mode``/``patience``/``min_delta``/``stopped_epoch``; ``trainer.callback_metrics``
per epoch; ``stopped_epoch``/``restored_epoch``/``best_score``/``wait_count`` after an early
stop; artifacts ``model_summary.txt``, ``checkpoints/`` and ``restored_model_checkpoint/``;
the trained module as logged model ``model``. Like MLflow, hyperparameters saved with
``save_hyperparameters`` are not logged as params (MLflow only sees them through TensorBoard).
Logging problems are warnings and never break training. Plain ``torch`` training (TensorBoard
``SummaryWriter`` calls) is not autologged.
"""

from __future__ import annotations

import functools
import importlib
import logging
import os
import tempfile
import threading
import time
from types import ModuleType
from typing import Any

from mlharbor.autologging import Patches, ReentryGuard, autolog_run, warn_failure

__all__ = ["autolog"]

_log = logging.getLogger(__name__)
_LIGHTNING_PACKAGES = ("pytorch_lightning", "lightning.pytorch")
_patches = Patches()
_config: dict[str, Any] = {}
_guard = ReentryGuard()
_lock = threading.Lock()


def autolog(
    log_every_n_epoch: int = 1,
    log_every_n_step: int | None = None,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    registered_model_name: str | None = None,
    extra_tags: dict[str, Any] | None = None,
    checkpoint: bool = True,
    checkpoint_monitor: str | None = "val_loss",
    checkpoint_mode: str = "min",
    checkpoint_save_best_only: bool = True,
    checkpoint_save_weights_only: bool = False,
    checkpoint_save_freq: str | int = "epoch",
    log_model_signatures: bool = True,
    log_input_examples: bool = False,
) -> None:
    """Enable (or, with ``disable=True``, disable) autologging of Lightning ``Trainer.fit``.

    Args:
        log_every_n_epoch: log the epoch metrics of every n-th epoch (step = epoch index).
        log_every_n_step: also log step-level metrics every n-th training step (step = global
            step); those metrics are then not logged per epoch.
        log_models: log the trained ``LightningModule`` as logged model ``model``.
        disable: restore the original ``Trainer.fit`` methods.
        exclusive: leave runs the user started alone; only fits outside a run are logged.
        silent: suppress autologging warnings.
        registered_model_name: also register each logged model under this name.
        extra_tags: tags set on every run autologging writes to.
        checkpoint: upload checkpoints while training (under ``checkpoints/``).
        checkpoint_monitor, checkpoint_mode: with ``checkpoint_save_best_only``, the metric
            and direction (``min``/``max``) that decide whether a checkpoint is the best yet.
        checkpoint_save_best_only: keep only the best checkpoint
            (``checkpoints/latest_checkpoint.pth``); otherwise every one under
            ``checkpoints/epoch_<n>/`` or ``checkpoints/global_step_<n>/``.
        checkpoint_save_weights_only: checkpoints without optimizer and scheduler states.
        checkpoint_save_freq: ``"epoch"``, or checkpoint every that many training steps.
        log_model_signatures: infer the model signature from the first ``forward`` call.
        log_input_examples: store the first ``forward`` input as the model's input example.

    ``log_datasets`` and ``disable_for_unsupported_versions`` are accepted for MLflow
    compatibility (MLflow's Lightning autologging logs no datasets either).
    """
    with _lock:
        if disable:
            _patches.restore()
            _config.clear()
            return
        _config.update(
            log_every_n_epoch=log_every_n_epoch,
            log_every_n_step=log_every_n_step,
            log_models=log_models,
            exclusive=exclusive,
            silent=silent,
            registered_model_name=registered_model_name,
            extra_tags=dict(extra_tags or {}),
            checkpoint=checkpoint,
            checkpoint_monitor=checkpoint_monitor,
            checkpoint_mode=checkpoint_mode,
            checkpoint_save_best_only=checkpoint_save_best_only,
            checkpoint_save_weights_only=checkpoint_save_weights_only,
            checkpoint_save_freq=checkpoint_save_freq,
            log_model_signatures=log_model_signatures,
            log_input_examples=log_input_examples,
        )
        if not _patches and not _patch():
            warn_failure(
                "mlharbor.pytorch.autolog",
                ImportError(
                    "neither pytorch_lightning nor lightning is installed; only PyTorch "
                    "Lightning Trainer.fit is autologged"
                ),
                silent=silent,
            )


def _patch() -> bool:
    """Wrap ``Trainer.fit`` of each importable Lightning package; whether there was one."""
    found = False
    for package in _LIGHTNING_PACKAGES:
        try:
            lightning = importlib.import_module(package)
        except ImportError:
            continue
        found = True
        _patches.apply(lightning.Trainer, "fit", functools.partial(_wrap, lightning=lightning))
    return found


def _wrap(fit: Any, lightning: ModuleType) -> Any:
    @functools.wraps(fit)
    def fit_with_autolog(self: Any, *args: Any, **kwargs: Any) -> Any:
        from mlharbor.client import active_run as runs

        if _guard.busy() or not _config:
            return fit(self, *args, **kwargs)
        in_user_run = runs.active_run() is not None
        if in_user_run and _config["exclusive"]:
            return fit(self, *args, **kwargs)
        tags = dict(_config["extra_tags"])
        if not in_user_run:
            tags.setdefault("mlflow.autologging", "pytorch")
        with _guard, autolog_run(tags) as run_id:
            return _fit_and_log(fit, lightning, self, run_id, args, kwargs)

    return fit_with_autolog


def _early_stopping(lightning: ModuleType, trainer: Any) -> Any:
    stopping = lightning.callbacks.EarlyStopping
    return next((c for c in trainer.callbacks if isinstance(c, stopping)), None)


def _attach_callbacks(lightning: ModuleType, trainer: Any, client: Any, run_id: str) -> Any:
    """Add this fit's callbacks to the trainer (replacing an earlier fit's); the metrics one."""
    from mlharbor.pytorch.lightning_callback import callback_classes

    metrics_class, checkpoint_class = callback_classes(lightning)
    silent = _config["silent"]
    metrics_callback = metrics_class(
        client,
        run_id,
        log_every_n_epoch=_config["log_every_n_epoch"],
        log_every_n_step=_config["log_every_n_step"],
        capture_example=_config["log_models"]
        and (_config["log_model_signatures"] or _config["log_input_examples"]),
        silent=silent,
    )
    added = [metrics_callback]
    if _config["checkpoint"]:
        try:
            added.append(
                checkpoint_class(
                    client,
                    run_id,
                    monitor=_config["checkpoint_monitor"],
                    mode=_config["checkpoint_mode"],
                    save_best_only=_config["checkpoint_save_best_only"],
                    save_weights_only=_config["checkpoint_save_weights_only"],
                    save_freq=_config["checkpoint_save_freq"],
                    silent=silent,
                )
            )
        except ValueError as exc:
            warn_failure("Checkpoint autologging is off", exc, silent=silent)
    kept = [c for c in trainer.callbacks if not isinstance(c, (metrics_class, checkpoint_class))]
    # kept on the trainer after fit, so that a later trainer.test() logs into this run too
    trainer.callbacks = kept + added
    return metrics_callback


def _fit_and_log(
    fit: Any,
    lightning: ModuleType,
    trainer: Any,
    run_id: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Param

    client = MlharborClient()
    silent = _config["silent"]
    stopping = _early_stopping(lightning, trainer)
    if stopping is not None:
        try:
            names = ("monitor", "mode", "patience", "min_delta", "stopped_epoch")
            params = [Param(n, str(getattr(stopping, n))) for n in names if hasattr(stopping, n)]
            client.log_batch(run_id, params=params)
        except Exception as exc:
            warn_failure("Autologging of early stopping params failed", exc, silent=silent)
    callback = None
    try:
        callback = _attach_callbacks(lightning, trainer, client, run_id)
    except Exception as exc:
        warn_failure("Attaching the autologging callbacks failed", exc, silent=silent)
    try:
        result = fit(trainer, *args, **kwargs)
    finally:
        if callback is not None and trainer.lightning_module is not None:
            callback.restore_forward(trainer.lightning_module)
    try:
        _log_results(lightning, trainer, client, run_id, stopping, callback)
    except Exception as exc:
        warn_failure("Autologging of the trained model failed", exc, silent=silent)
    return result


def _log_results(
    lightning: ModuleType,
    trainer: Any,
    client: Any,
    run_id: str,
    stopping: Any,
    callback: Any,
) -> None:
    from mlharbor.entities import Metric

    silent = _config["silent"]
    module = trainer.lightning_module
    if stopping is not None and stopping.stopped_epoch != 0:
        metrics = {
            "stopped_epoch": stopping.stopped_epoch,
            "restored_epoch": stopping.stopped_epoch - max(1, stopping.patience),
            "best_score": float(stopping.best_score),
            "wait_count": stopping.wait_count,
        }
        now = int(time.time() * 1000)
        client.log_batch(run_id, metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()])
    try:
        summary = lightning.utilities.model_summary.ModelSummary(module, max_depth=-1)
        with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
            path = os.path.join(tmp, "model_summary.txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(str(summary))
            client.log_artifact(run_id, path)
    except Exception as exc:
        warn_failure("Autologging of model_summary.txt failed", exc, silent=silent)
    if not _config["log_models"]:
        return
    _log_model(module, run_id, callback.example if callback is not None else None)
    best = getattr(trainer.checkpoint_callback, "best_model_path", None)
    if stopping is not None and best:
        client.log_artifact(run_id, best, "restored_model_checkpoint")


def _log_model(module: Any, run_id: str, example: tuple[Any, Any] | None) -> None:
    from mlharbor.pytorch.flavor import log_model

    signature = input_example = None
    if example is not None:
        inputs, outputs = (tensor.numpy() for tensor in example)
        if _config["log_input_examples"]:
            input_example = inputs
        if _config["log_model_signatures"]:
            try:
                from mlharbor.models.signature import infer_signature

                signature = infer_signature(inputs, outputs)
            except Exception as exc:
                warn_failure("Inferring the model signature failed", exc, silent=_config["silent"])
    log_model(
        module,
        name="model",
        run_id=run_id,
        signature=signature,
        input_example=input_example,
        registered_model_name=_config["registered_model_name"],
        serialization_format="pickle",
    )
