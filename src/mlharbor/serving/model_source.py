"""Which model is served, and following a registry alias, stage or ``latest`` as it moves.

:class:`ModelSlot` holds the one :class:`ServedModel` that requests use; replacing it is a single
attribute assignment, so a request sees either the old model or the new one, never a mix.
:class:`RegistryFollower` is a daemon thread that asks the registry every ``interval_s`` which
version the URI names now, loads a new version beside the old one and then swaps it in.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlharbor.models.uri import ModelsUri, parse_models_uri

__all__ = [
    "ModelSlot",
    "RegistryFollower",
    "ServedModel",
    "follows_registry",
    "load_served_model",
    "resolve_registry_version",
]

_log = logging.getLogger("mlharbor.serving")


@dataclass(frozen=True)
class ServedModel:
    """A loaded model and where it came from.

    Attributes:
        model: the :class:`~mlharbor.pyfunc.PyFuncModel`.
        model_uri: the URI the server was started with.
        version: the registry version loaded, or None when the URI does not name the registry.
        loaded_at: ``time.time()`` when it finished loading.
        scratch_dir: the directory a remote model was downloaded to (removed once retired).
    """

    model: Any
    model_uri: str
    version: str | None
    loaded_at: float
    scratch_dir: str | None = None


def _registry_ref(model_uri: str) -> ModelsUri | None:
    if urllib.parse.urlparse(model_uri).scheme != "models":
        return None
    ref = parse_models_uri(model_uri)
    return ref if ref.name is not None else None


def follows_registry(model_uri: str) -> bool:
    """True when ``model_uri`` names a moving target: an alias, a stage or ``latest``."""
    ref = _registry_ref(model_uri)
    return ref is not None and ref.version is None


def resolve_registry_version(model_uri: str, client: Any = None) -> str | None:
    """The registry version ``model_uri`` names right now (None for non-registry URIs).

    Raises:
        ResourceDoesNotExist: when the model, alias or stage has no version.
    """
    from mlharbor.exceptions import ResourceDoesNotExist

    ref = _registry_ref(model_uri)
    if ref is None:
        return None
    if ref.version is not None:
        return ref.version
    if client is None:
        from mlharbor.client.client import MlharborClient

        client = MlharborClient()
    if ref.alias is not None:
        return str(client.get_model_version_by_alias(ref.name, ref.alias).version)
    versions = client.get_latest_versions(ref.name, None if ref.latest else [ref.stage])
    if not versions:
        wanted = "latest" if ref.latest else f"stage '{ref.stage}'"
        raise ResourceDoesNotExist(
            f"No versions of model with name '{ref.name}' and {wanted} found"
        )
    return str(max(int(v.version) for v in versions))


def _pinned_uri(model_uri: str, version: str | None) -> str:
    ref = _registry_ref(model_uri)
    if ref is None or version is None:
        return model_uri
    pinned = f"models:/{ref.name}/{version}"
    return f"{pinned}/{ref.sub_path}" if ref.sub_path else pinned


def load_served_model(
    model_uri: str, version: str | None = None, client: Any = None
) -> ServedModel:
    """Load the model ``model_uri`` names (pinned to ``version`` when given).

    For registry URIs the version is resolved first and the model loaded by that number, so the
    version reported is the one actually loaded. Local models are read in place; remote ones are
    downloaded into a scratch directory recorded in :attr:`ServedModel.scratch_dir`.
    """
    from mlharbor.models.uri import download_model, resolve_model_uri
    from mlharbor.pyfunc.loader import load_model_from_dir

    if version is None:
        version = resolve_registry_version(model_uri, client)
    source = resolve_model_uri(_pinned_uri(model_uri, version), client)
    scratch = None
    if urllib.parse.urlparse(source).scheme not in ("", "file"):
        scratch = tempfile.mkdtemp(prefix="mlharbor-serving-")
    try:
        model = load_model_from_dir(download_model(source, scratch))
    except BaseException:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        raise
    return ServedModel(
        model=model,
        model_uri=model_uri,
        version=version,
        loaded_at=time.time(),
        scratch_dir=scratch,
    )


class ModelSlot:
    """The currently served model; readers take :attr:`current` once per request."""

    def __init__(self, served: ServedModel) -> None:
        self.current = served
        self.swaps = 0
        self._listeners: list[Callable[[ServedModel], None]] = []

    def on_swap(self, listener: Callable[[ServedModel], None]) -> None:
        """Call ``listener(new)`` after every swap."""
        self._listeners.append(listener)

    def swap(self, served: ServedModel) -> None:
        """Serve ``served`` from now on; requests already running finish on the old model."""
        self.current = served
        self.swaps += 1
        for listener in self._listeners:
            listener(served)


class RegistryFollower:
    """Polls the registry and swaps in the version a moving model URI points to.

    Args:
        slot: the slot to update.
        interval_s: seconds between polls.
        loader: ``(model_uri, version) -> ServedModel``; defaults to :func:`load_served_model`.
        resolver: ``model_uri -> version``; defaults to :func:`resolve_registry_version`.
        retire_after_s: how long a replaced model's download stays on disk, for requests that
            were still running on it.
    """

    def __init__(
        self,
        slot: ModelSlot,
        interval_s: float = 10.0,
        loader: Callable[[str, str], ServedModel] | None = None,
        resolver: Callable[[str], str | None] | None = None,
        retire_after_s: float = 300.0,
    ) -> None:
        self.slot = slot
        self.interval_s = interval_s
        self._loader = loader or (lambda uri, version: load_served_model(uri, version))
        self._resolver = resolver or resolve_registry_version
        self.retire_after_s = retire_after_s
        self._retired: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name="mlharbor-registry-follower", daemon=True
        )
        self.last_error: str | None = None
        # version that failed to load -> when to try it again (a broken model is not
        # downloaded again on every poll)
        self._failed: dict[str, float] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop polling (waits up to ``timeout_s`` for a load in progress) and remove the
        downloads of models already replaced."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)
        self._purge(force=True)

    def _purge(self, force: bool = False) -> None:
        now = time.monotonic()
        keep = []
        for deadline, path in self._retired:
            if force or deadline <= now:
                shutil.rmtree(path, ignore_errors=True)
            else:
                keep.append((deadline, path))
        self._retired = keep

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def poll_once(self) -> bool:
        """Check the registry once; load and swap when the version moved. True if swapped."""
        served = self.slot.current
        version = self._resolver(served.model_uri)
        if version is None or version == served.version:
            return False
        if self._failed.get(version, 0.0) > time.monotonic():
            return False
        _log.info("%s now points to version %s; loading it", served.model_uri, version)
        try:
            fresh = self._loader(served.model_uri, version)
        except Exception:
            self._failed[version] = time.monotonic() + max(60.0, 6 * self.interval_s)
            raise
        if self._stop.is_set():
            if fresh.scratch_dir is not None:
                shutil.rmtree(fresh.scratch_dir, ignore_errors=True)
            return False
        self.slot.swap(fresh)
        if served.scratch_dir is not None:
            self._retired.append((time.monotonic() + self.retire_after_s, served.scratch_dir))
        _log.info("now serving %s version %s", served.model_uri, version)
        return True

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            try:
                self._purge()
                self.poll_once()
                self.last_error = None
            except Exception as exc:
                # keep serving the loaded version; the registry may be back on the next poll
                self.last_error = f"{type(exc).__name__}: {exc}"
                _log.warning("could not refresh %s: %s", self.slot.current.model_uri, exc)
