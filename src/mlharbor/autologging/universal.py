"""``mlharbor.autolog()``: autologging for every supported library, imported now or later.

A library already imported is set up at once; for one imported later, a finder on
``sys.meta_path`` runs its integration right after the library's module has executed, so
``autolog()`` never imports a heavy library (torch, xgboost) the program does not use. Calling a
framework's own ``autolog`` afterwards reconfigures that framework.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import inspect
import sys
import threading
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from mlharbor.autologging import warn_failure

__all__ = ["INTEGRATIONS", "autolog"]

# flavor -> (modules whose import enables it, its autolog function)
INTEGRATIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "sklearn": (("sklearn",), "mlharbor.sklearn.autolog:autolog"),
    "xgboost": (("xgboost",), "mlharbor.xgboost.autolog:autolog"),
    "lightgbm": (("lightgbm",), "mlharbor.lightgbm.autolog:autolog"),
    "pytorch": (("pytorch_lightning", "lightning"), "mlharbor.pytorch.autolog:autolog"),
    "catboost": (("catboost",), "mlharbor.catboost.autolog:autolog"),
    "statsmodels": (("statsmodels",), "mlharbor.statsmodels.autolog:autolog"),
}

_lock = threading.RLock()
# module name -> flavors waiting for its import, with the settings to apply
_pending: dict[str, set[str]] = {}
_settings: dict[str, Any] = {}


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    log_traces: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    extra_tags: dict[str, str] | None = None,
    exclude_flavors: Sequence[str] | None = None,
) -> None:
    """Enable (or disable) autologging for every library in :data:`INTEGRATIONS`
    (scikit-learn, XGBoost, LightGBM, PyTorch Lightning, CatBoost...), with the settings each
    integration accepts.

    Args:
        exclude_flavors: flavors to leave alone (keys of :data:`INTEGRATIONS`, such as
            ``"sklearn"`` or ``"catboost"``).

    The other arguments are passed to each integration that takes them; ``log_traces``
    is accepted for MLflow compatibility (no integration here produces traces).
    """
    excluded = set(exclude_flavors or ())
    settings = {
        "log_input_examples": log_input_examples,
        "log_model_signatures": log_model_signatures,
        "log_models": log_models,
        "log_datasets": log_datasets,
        "disable": disable,
        "exclusive": exclusive,
        "disable_for_unsupported_versions": disable_for_unsupported_versions,
        "silent": silent,
        "extra_tags": extra_tags,
    }
    with _lock:
        _pending.clear()
        _settings.clear()
        _settings.update(settings)
        for flavor, (modules, _target) in INTEGRATIONS.items():
            if flavor in excluded:
                continue
            if any(name in sys.modules for name in modules):
                _enable(flavor)
            elif not disable:
                for name in modules:
                    _pending.setdefault(name, set()).add(flavor)
        if _pending and not any(isinstance(f, _ImportHook) for f in sys.meta_path):
            sys.meta_path.insert(0, _ImportHook())


def _integration(flavor: str) -> Callable[..., Any]:
    module_name, _, attribute = INTEGRATIONS[flavor][1].partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(module_name), attribute)
    return function


def _enable(flavor: str) -> None:
    try:
        function = _integration(flavor)
        accepted = inspect.signature(function).parameters
        function(**{k: v for k, v in _settings.items() if k in accepted})
    except Exception as exc:
        silent = bool(_settings.get("silent"))
        warn_failure(f"Autologging for {flavor} could not be set up", exc, silent=silent)


def _imported(name: str) -> None:
    with _lock:
        flavors = _pending.pop(name, set())
        for other in [n for n, waiting in _pending.items() if waiting & flavors]:
            _pending[other] -= flavors
            if not _pending[other]:
                del _pending[other]
        for flavor in sorted(flavors):
            _enable(flavor)


class _ImportHook(importlib.abc.MetaPathFinder):
    """Finds nothing itself: for a module autologging waits for, it wraps the real loader so the
    integration runs once the module has executed."""

    def __init__(self) -> None:
        self._resolving: set[str] = set()

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in _pending or fullname in self._resolving:
            return None
        self._resolving.add(fullname)
        try:
            spec = importlib.util.find_spec(fullname)
        finally:
            self._resolving.discard(fullname)
        if spec is None or spec.loader is None:
            return None
        spec.loader = _NotifyingLoader(spec.loader, fullname)
        return spec


class _NotifyingLoader(importlib.abc.Loader):
    def __init__(self, loader: importlib.abc.Loader, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        self._loader.exec_module(module)
        _imported(self._name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)
