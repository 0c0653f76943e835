"""Pieces every framework's ``autolog`` shares: the run a training call logs into, a guard
against logging nested training calls twice, and warnings that never break training.

A framework integration wraps its library's training entry point (``xgboost.train``,
``lightgbm.train``, Lightning's ``Trainer.fit``...) and, inside the wrapper::

    if guard.busy():
        return original(*args, **kwargs)
    with guard, autolog_run() as run_id:
        ...log params, call original, log results...

:func:`autolog_run` logs into the active run, or starts one that ends with the block
(``FAILED`` when the training call raises, which then propagates unchanged).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = [
    "Patches",
    "ReentryGuard",
    "autolog_run",
    "log_autologged_model",
    "subclasses",
    "warn_failure",
]

_log = logging.getLogger("mlharbor.autologging")


class Patches:
    """The functions an integration replaced, each with its original, so ``disable`` can put
    every one back."""

    def __init__(self) -> None:
        self._applied: list[tuple[Any, str, Any]] = []

    def apply(self, owner: Any, name: str, wrap: Callable[[Any], Any]) -> None:
        """Replace ``owner.name`` by ``wrap(original)``; on a class, only an attribute the
        class itself defines is read, so a subclass never wraps its parent's wrapper."""
        original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
        self._applied.append((owner, name, original))
        setattr(owner, name, wrap(original))

    def __bool__(self) -> bool:
        """Whether any patch is in place (enabling again must not wrap the wrappers)."""
        return bool(self._applied)

    def restore(self) -> None:
        """Put every original back, latest patch first."""
        for owner, name, original in reversed(self._applied):
            setattr(owner, name, original)
        self._applied.clear()


def subclasses(cls: type) -> list[type]:
    """Every class deriving from ``cls``, at any depth."""
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


class ReentryGuard:
    """Per-thread flag set while an autologged training call runs, so training calls made from
    inside it (a sklearn wrapper calling ``xgboost.train``) are not logged a second time."""

    def __init__(self) -> None:
        self._local = threading.local()

    def busy(self) -> bool:
        """Whether this thread is already inside an autologged call."""
        return bool(getattr(self._local, "active", False))

    def __enter__(self) -> ReentryGuard:
        self._local.active = True
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._local.active = False


@contextmanager
def autolog_run(tags: dict[str, Any] | None = None) -> Iterator[str]:
    """Yield the id of the run to log into: the active run, or a new one ended on exit.

    Args:
        tags: set on the run when given (e.g. an integration's ``extra_tags``).
    """
    from mlharbor.client import active_run as runs

    current = runs.active_run()
    started = current is None
    run = runs.start_run() if started else current
    assert run is not None
    if tags:
        from mlharbor.client.client import MlharborClient
        from mlharbor.entities import RunTag

        try:
            MlharborClient().log_batch(
                run.info.run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()]
            )
        except Exception as exc:
            warn_failure("Autologging of extra tags failed", exc)
    try:
        yield run.info.run_id
    except BaseException:
        if started:
            runs.end_run("FAILED")
        raise
    if started:
        runs.end_run()


def warn_failure(message: str, exc: BaseException, *, silent: bool = False) -> None:
    """Report a logging problem without interrupting training."""
    if not silent:
        _log.warning("%s: %s", message, exc)


def log_autologged_model(
    log_model: Callable[..., Any],
    model: Any,
    run_id: str,
    example: Any,
    config: dict[str, Any],
    warn: Callable[[str, BaseException], None],
    predict: Callable[[Any], Any] | None = None,
    **log_kwargs: Any,
) -> str | None:
    """Log ``model`` as ``model`` of ``run_id`` with the flavor's ``log_model`` (and its extra
    ``log_kwargs``), with a signature inferred from ``example`` through ``predict`` (default
    ``model.predict``) and the example itself as ``config`` asks; the logged model's id, or None
    when logging failed (reported through ``warn``, never raised)."""
    import copy

    signature = None
    if example is not None and config["log_model_signatures"]:
        try:
            from mlharbor.models.signature import infer_signature

            predicted = (predict or model.predict)(copy.deepcopy(example))
            signature = infer_signature(example, predicted)
        except Exception as exc:
            warn("Inferring the model signature failed", exc)
    try:
        info = log_model(
            model,
            name="model",
            run_id=run_id,
            signature=signature,
            input_example=example if config["log_input_examples"] else None,
            registered_model_name=config["registered_model_name"],
            **log_kwargs,
        )
    except Exception as exc:
        warn("Autologging of the model failed", exc)
        return None
    return str(info.model_id)
