"""The wiring the gradient-boosting integrations (XGBoost, LightGBM) share.

Both libraries train through one function (``xgboost.train``, ``lightgbm.train``) that their
scikit-learn estimators call as well, and both wrap the training data in an object that no longer
gives its rows back. So each integration patches the same four places:

- the library's ``train``, and the copy its ``sklearn`` module calls: params, per-round metrics,
  datasets, importances and (for a direct call) the model;
- the data class's ``__init__``: the first rows are kept for the input example and signature;
- every estimator class's ``fit``: the estimator itself is logged as the model, while the inner
  ``train`` logs the rest into the same run.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import threading
from collections.abc import Callable
from typing import Any

from mlharbor.autologging import Patches, ReentryGuard, autolog_run, subclasses, warn_failure

__all__ = ["EXAMPLE_ATTR", "EXAMPLE_ROWS", "BoostingAutolog", "TrainTargets"]

EXAMPLE_ROWS = 5
EXAMPLE_ATTR = "_mlharbor_input_example"

# (library module, its sklearn module, the training-data class, the estimators' base class)
TrainTargets = tuple[Any, Any, type, type]
# (original train, run id, args, kwargs, whether to log the model) -> the trained booster
TrainAndLog = Callable[[Any, str, tuple[Any, ...], dict[str, Any], bool], Any]
# (fitted estimator, run id, first training rows or None) -> None
LogEstimator = Callable[[Any, str, Any], None]


class BoostingAutolog:
    """One boosting library's autologging state: its settings, patches and re-entry guards."""

    def __init__(self) -> None:
        self.config: dict[str, Any] = {}
        self._patches = Patches()
        self._train_guard = ReentryGuard()
        self._fit_guard = ReentryGuard()
        self._lock = threading.Lock()
        self._train_and_log: TrainAndLog | None = None
        self._log_estimator: LogEstimator | None = None

    def configure(
        self,
        settings: dict[str, Any] | None,
        targets: Callable[[], TrainTargets],
        train_and_log: TrainAndLog,
        log_estimator: LogEstimator,
    ) -> None:
        """Apply ``settings`` and patch the library ``targets()`` names; ``None`` disables.

        Args:
            settings: the integration's ``autolog`` arguments, or None to disable.
            targets: imports the library and returns the places to patch.
            train_and_log: runs one ``train`` call and logs what it produced.
            log_estimator: logs a fitted scikit-learn-API estimator as the model.
        """
        with self._lock:
            self._patches.restore()
            self.config.clear()
            if settings is None:
                return
            self.config.update(settings)
            self._train_and_log = train_and_log
            self._log_estimator = log_estimator
            library, sklearn_module, data_class, estimator_base = targets()
            apply = self._patches.apply
            apply(library, "train", self._wrap_train)
            # the estimators call the name bound in their own module
            apply(sklearn_module, "train", self._wrap_train)
            apply(data_class, "__init__", self._wrap_data_init)
            for cls in (estimator_base, *subclasses(estimator_base)):
                if "fit" in cls.__dict__:
                    apply(cls, "fit", self._wrap_fit)

    def warn(self, message: str, exc: BaseException) -> None:
        """Report a logging problem unless the integration is silent."""
        warn_failure(message, exc, silent=bool(self.config.get("silent")))

    def _wrap_data_init(self, init: Any) -> Any:
        @functools.wraps(init)
        def init_keeping_example(data_object: Any, *args: Any, **kwargs: Any) -> None:
            data = args[0] if args else kwargs.get("data")
            if data is not None and not isinstance(data, str | os.PathLike):
                # data that cannot be sliced just gives no input example
                with contextlib.suppress(Exception):
                    setattr(data_object, EXAMPLE_ATTR, copy.deepcopy(data[:EXAMPLE_ROWS]))
            init(data_object, *args, **kwargs)

        return init_keeping_example

    def _wrap_train(self, train: Any) -> Any:
        @functools.wraps(train)
        def train_with_autolog(*args: Any, **kwargs: Any) -> Any:
            config = self.config
            if not config or self._train_guard.busy() or self._train_and_log is None:
                return train(*args, **kwargs)
            in_fit = self._fit_guard.busy()
            tags = None if in_fit else config["extra_tags"]
            with self._train_guard, autolog_run(tags) as run_id:
                return self._train_and_log(train, run_id, args, kwargs, not in_fit)

        return train_with_autolog

    def _wrap_fit(self, fit: Any) -> Any:
        @functools.wraps(fit)
        def fit_with_autolog(estimator: Any, *args: Any, **kwargs: Any) -> Any:
            config = self.config
            busy = self._fit_guard.busy() or self._train_guard.busy()
            if not config or busy or self._log_estimator is None:
                return fit(estimator, *args, **kwargs)
            features: Any = args[0] if args else kwargs.get("X")
            example = None
            try:
                example = copy.deepcopy(features[:EXAMPLE_ROWS])
            except Exception as exc:
                self.warn("Could not keep an input example of the training data", exc)
            with self._fit_guard, autolog_run(config["extra_tags"]) as run_id:
                result = fit(estimator, *args, **kwargs)
                if config["log_models"]:
                    self._log_estimator(estimator, run_id, example)
            return result

        return fit_with_autolog
