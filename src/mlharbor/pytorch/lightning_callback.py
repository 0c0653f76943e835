"""The Lightning callbacks that ``mlharbor.pytorch.autolog`` adds to a ``Trainer`` it fits.

:class:`MetricsCallbackMixin` logs what MLflow's Lightning autologging logs while training:
tag ``Mode``, params ``epochs``, ``optimizer_name`` and the first optimizer's ``defaults``,
``trainer.callback_metrics`` per epoch (step = epoch) or per step (step = global step), and the
test metrics of a later ``trainer.test``. It also remembers the first ``forward`` input and
output, from which the model signature is inferred after training.
:class:`CheckpointCallbackMixin` uploads checkpoints under ``checkpoints/`` as MLflow's
``MlflowModelCheckpointCallback`` does. Both are mixins: :func:`callback_classes` combines them
with the ``Callback`` base of whichever Lightning package (``pytorch_lightning`` or
``lightning.pytorch``) the trainer comes from, since Lightning checks that base.

Every hook reports failures as warnings: a logging problem never stops training.
"""

from __future__ import annotations

import functools
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from types import ModuleType
from typing import Any

from mlharbor.autologging import warn_failure

__all__ = ["CheckpointCallbackMixin", "MetricsCallbackMixin", "callback_classes"]

# run tag naming the newest uploaded checkpoint (MLflow's ``load_checkpoint`` reads it)
LATEST_CHECKPOINT_TAG = "mlflow.latest_checkpoint_artifact"
_CHECKPOINT_DIR = "checkpoints"


def _safe(hook: Callable[..., None]) -> Callable[..., None]:
    """Run a callback hook on the main process only, turning its failures into warnings."""

    @functools.wraps(hook)
    def guarded(self: Any, trainer: Any, *args: Any, **kwargs: Any) -> None:
        if not getattr(trainer, "is_global_zero", True):
            return
        try:
            hook(self, trainer, *args, **kwargs)
        except Exception as exc:
            warn_failure(f"Lightning autologging ({hook.__name__}) failed", exc, silent=self.silent)

    return guarded


def _floats(items: Iterable[tuple[str, Any]]) -> dict[str, float]:
    return {name: float(value) for name, value in items}


def _now_ms() -> int:
    return int(time.time() * 1000)


def optimizer_name(optimizer: Any) -> str:
    """Class name of an optimizer, looking through Lightning's ``LightningOptimizer`` wrapper."""
    return type(getattr(optimizer, "_optimizer", optimizer)).__name__


class MetricsCallbackMixin:
    """Logs training params, per-epoch (or per-step) metrics and test metrics into one run."""

    def __init__(
        self,
        client: Any,
        run_id: str,
        *,
        log_every_n_epoch: int | None,
        log_every_n_step: int | None,
        capture_example: bool,
        silent: bool,
    ) -> None:
        super().__init__()
        self.client = client
        self.run_id = run_id
        self.log_every_n_epoch = log_every_n_epoch
        self.log_every_n_step = log_every_n_step
        self.capture_example = capture_example
        self.silent = silent
        # the first forward call's (input, output) tensors, for the model signature
        self.example: tuple[Any, Any] | None = None
        self._forward_patched: Any = None
        # Lightning counts one global step per optimizer step
        self._steps_per_batch = 1
        # a metric logged per step is not logged per epoch as well, and the other way round
        self._step_metrics: set[str] = set()
        self._epoch_metrics: set[str] = set()

    def _log(self, metrics: dict[str, float], step: int) -> None:
        from mlharbor.entities import Metric

        if metrics:
            now = _now_ms()
            self.client.log_batch(
                self.run_id, metrics=[Metric(k, v, now, step) for k, v in metrics.items()]
            )

    @_safe
    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        from mlharbor.entities import Param

        self.client.set_tag(self.run_id, "Mode", "training")
        params: dict[str, Any] = {"epochs": trainer.max_epochs}
        optimizers = list(getattr(trainer, "optimizers", None) or [])
        if optimizers:
            self._steps_per_batch = len(optimizers)
            # like MLflow, only the first optimizer is described
            params["optimizer_name"] = optimizer_name(optimizers[0])
            params.update(getattr(optimizers[0], "defaults", None) or {})
        self.client.log_batch(
            self.run_id, params=[Param(k, str(v)[:6000]) for k, v in params.items()]
        )
        if self.capture_example:
            self._capture_first_forward(trainer.lightning_module)

    def _capture_first_forward(self, module: Any) -> None:
        """Wrap ``module.forward`` (on the instance) to keep its first tensor input and output."""
        import torch

        forward = module.forward

        @functools.wraps(forward)
        def recording_forward(*inputs: Any, **kwargs: Any) -> Any:
            result = forward(*inputs, **kwargs)
            if self.example is None and self._forward_patched is not None:
                # a signature describes one tensor in, one tensor out; anything else is skipped
                if (
                    len(inputs) == 1
                    and not kwargs
                    and isinstance(inputs[0], torch.Tensor)
                    and isinstance(result, torch.Tensor)
                ):
                    self.example = (inputs[0].detach().cpu(), result.detach().cpu())
                self.restore_forward(module)
            return result

        module.forward = recording_forward
        self._forward_patched = recording_forward

    def restore_forward(self, module: Any) -> None:
        """Drop the recording ``forward`` from the module, exposing the class's own again."""
        if self._forward_patched is not None:
            if module.__dict__.get("forward") is self._forward_patched:
                del module.__dict__["forward"]
            self._forward_patched = None

    def _log_epoch_metrics(self, trainer: Any, pl_module: Any) -> None:
        # callback_metrics holds training and validation metrics, both step- and epoch-level;
        # those already logged per step stay per step
        items = [(k, v) for k, v in trainer.callback_metrics.items() if k not in self._step_metrics]
        self._epoch_metrics.update(name for name, _ in items)
        epoch = pl_module.current_epoch
        due = bool(self.log_every_n_epoch) and (epoch + 1) % self.log_every_n_epoch == 0
        # Lightning's validation sanity check before training produces no loggable metrics
        if due and not trainer.sanity_checking:
            self._log(_floats(items), epoch)

    @_safe
    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        # with Lightning >= 1.4 validation runs inside the training epoch, so its metrics are
        # already in callback_metrics here
        self._log_epoch_metrics(trainer, pl_module)

    @_safe
    def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
        if not self.log_every_n_step:
            return
        metrics = trainer.callback_metrics
        # of a metric logged both per step and per epoch ("loss", "loss_step", "loss_epoch"),
        # the plain name is the epoch value and is left to the epoch logging
        items = [
            (k, v)
            for k, v in metrics.items()
            if k not in self._epoch_metrics and f"{k}_step" not in metrics
        ]
        self._step_metrics.update(name for name, _ in items)
        step = trainer.global_step
        due = ((step // self._steps_per_batch) + 1) % self.log_every_n_step == 0
        if due and not trainer.sanity_checking:
            self._log(_floats(items), step)

    @_safe
    def on_test_end(self, trainer: Any, pl_module: Any) -> None:
        self.client.set_tag(self.run_id, "Mode", "testing")
        self._log(_floats(trainer.callback_metrics.items()), 0)


class CheckpointCallbackMixin:
    """Uploads checkpoints into the run: the best one so far (by ``monitor``) as
    ``checkpoints/latest_checkpoint.pth``, or every one as ``checkpoints/epoch_<n>/`` (or
    ``global_step_<n>/``) ``checkpoint.pth``, each with a JSON file of the metrics it had."""

    def __init__(
        self,
        client: Any,
        run_id: str,
        *,
        monitor: str | None,
        mode: str,
        save_best_only: bool,
        save_weights_only: bool,
        save_freq: str | int,
        silent: bool,
    ) -> None:
        super().__init__()
        if save_best_only and (monitor is None or mode not in ("min", "max")):
            raise ValueError(
                "checkpoint_save_best_only needs checkpoint_monitor and a checkpoint_mode of "
                f"'min' or 'max' (got monitor={monitor!r}, mode={mode!r})"
            )
        if save_freq != "epoch" and not (isinstance(save_freq, int) and save_freq > 0):
            raise ValueError(f"checkpoint_save_freq must be 'epoch' or a positive int: {save_freq}")
        self.client = client
        self.run_id = run_id
        self.monitor = monitor
        self.mode = mode
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.silent = silent
        self._best: float | None = None
        self._warned = False

    @_safe
    def on_train_batch_end(self, trainer: Any, pl_module: Any, *args: Any) -> None:
        step = trainer.global_step
        if isinstance(self.save_freq, int) and step > 0 and step % self.save_freq == 0:
            self._checkpoint(trainer)

    @_safe
    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        if self.save_freq == "epoch":
            self._checkpoint(trainer)

    def _improved(self, metrics: dict[str, float]) -> bool:
        if self.monitor not in metrics:
            if not self._warned:
                self._warned = True
                warn_failure(
                    "Checkpoint logging skipped",
                    LookupError(f"the monitored metric {self.monitor!r} is not logged"),
                    silent=self.silent,
                )
            return False
        value = metrics[self.monitor]
        if self._best is not None and (
            value >= self._best if self.mode == "min" else value <= self._best
        ):
            return False
        self._best = value
        return True

    def _checkpoint(self, trainer: Any) -> None:
        metrics = _floats(trainer.callback_metrics.items())
        if self.save_best_only and not self._improved(metrics):
            return
        name = "checkpoint.weights.pth" if self.save_weights_only else "checkpoint.pth"
        if self.save_best_only:
            directory, metrics_file = _CHECKPOINT_DIR, "latest_checkpoint_metrics.json"
            name = f"latest_{name}"
        else:
            sub = (
                f"epoch_{trainer.current_epoch}"
                if self.save_freq == "epoch"
                else f"global_step_{trainer.global_step}"
            )
            directory, metrics_file = f"{_CHECKPOINT_DIR}/{sub}", "checkpoint_metrics.json"
        self.client.set_tag(self.run_id, LATEST_CHECKPOINT_TAG, f"{directory}/{name}")
        self.client.log_dict(
            self.run_id,
            {**metrics, "epoch": trainer.current_epoch, "global_step": trainer.global_step},
            f"{directory}/{metrics_file}",
        )
        with tempfile.TemporaryDirectory(prefix="mlharbor-checkpoint-") as tmp:
            path = os.path.join(tmp, name)
            # not trainer.save_checkpoint: its strategy barrier would wait forever for the
            # other ranks, which never run this (main-process only) hook
            checkpoint = trainer._checkpoint_connector.dump_checkpoint(self.save_weights_only)
            trainer.strategy.save_checkpoint(checkpoint, path)
            self.client.log_artifact(self.run_id, path, directory)


_classes: dict[str, tuple[type, type]] = {}


def callback_classes(lightning: ModuleType) -> tuple[type, type]:
    """The metrics and checkpoint callback classes for one Lightning package."""
    key = lightning.__name__
    if key not in _classes:
        base = lightning.Callback
        _classes[key] = (
            type("MlharborLightningCallback", (MetricsCallbackMixin, base), {}),
            type("MlharborCheckpointCallback", (CheckpointCallbackMixin, base), {}),
        )
    return _classes[key]
