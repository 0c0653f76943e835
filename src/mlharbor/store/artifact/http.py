"""Artifacts kept behind a tracking server's artifact proxy (``mlflow-artifacts:`` URIs).

URI forms and what they resolve to:

* ``mlflow-artifacts:/<p>`` → ``<tracking URI>/api/2.0/mlflow-artifacts/artifacts/<p>``
  (a path prefix of the tracking URI is kept);
* ``mlflow-artifacts://host:port/<p>`` → the same on that host, with the tracking URI's scheme
  (``http`` when the tracking URI is not HTTP);
* ``http(s)://…/api/2.0/mlflow-artifacts/artifacts/<p>`` → as written.

Uploads stream each file with one PUT, listings use ``GET …/artifacts?path=``, downloads stream to
disk (directories recursively, files in parallel), deletes send one DELETE.
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import BinaryIO
from urllib.parse import quote, urlsplit

from mlharbor.entities import FileInfo
from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.utils.http import (
    HostCreds,
    call_endpoint,
    current_host_creds,
    http_request,
    raise_for_response,
)
from mlharbor.utils.paths import validate_relative_path

__all__ = ["ARTIFACTS_SERVICE_ROOT", "HttpArtifactRepository", "resolve_artifacts_uri"]

ARTIFACTS_SERVICE_ROOT = "/api/2.0/mlflow-artifacts/artifacts"
_TEXT_NAMES = frozenset({"MLmodel", "MLproject"})
_TEXT_SUFFIXES = frozenset({".txt", ".yaml", ".yml", ".json", ".csv", ".md", ".log"})
_CHUNK = 1024 * 1024
_WORKERS = 8


def resolve_artifacts_uri(artifact_uri: str, tracking_uri: str | None) -> str:
    """Return the HTTP URL an artifact URI stands for (see the module docstring).

    Raises:
        InvalidParameterValue: an ``mlflow-artifacts:`` URI without a host needs an HTTP
            tracking URI, and none was given.
    """
    parts = urlsplit(artifact_uri)
    if parts.scheme in ("http", "https"):
        return artifact_uri.rstrip("/")
    if parts.scheme != "mlflow-artifacts":
        raise InvalidParameterValue(f"Not an mlflow-artifacts or http(s) URI: {artifact_uri!r}")
    tracking = urlsplit(tracking_uri or "")
    path = parts.path.strip("/")
    if parts.netloc:
        # urlsplit reads "mlflow-artifacts://5000/x" as a host named "5000" without a port.
        if parts.hostname is None or (parts.hostname.isdigit() and parts.port is None):
            raise InvalidParameterValue(
                f"The mlflow-artifacts uri was supplied with a port number: {parts.netloc}, "
                "but no host was defined."
            )
        scheme = tracking.scheme if tracking.scheme in ("http", "https") else "http"
        base = f"{scheme}://{parts.netloc}"
    else:
        if tracking.scheme not in ("http", "https"):
            raise InvalidParameterValue(
                "When an mlflow-artifacts URI was supplied, the tracking URI must be a valid "
                f"http or https URI, but it was currently set to {_redact(tracking_uri)}. "
                "Perhaps you forgot to set the tracking URI to the running tracking server."
            )
        base = f"{tracking.scheme}://{tracking.netloc}{tracking.path.rstrip('/')}"
    url = base + ARTIFACTS_SERVICE_ROOT
    return f"{url}/{path}" if path else url


def _redact(uri: str | None) -> str:
    if not uri:
        return "an empty value"
    parts = urlsplit(uri)
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=host, query="", fragment="").geturl()


def _clean(path: str | None) -> str:
    """A user-supplied relative artifact path, checked once by the shared path rules."""
    return validate_relative_path(path) if path else ""


def _content_type(name: str) -> str:
    base = os.path.basename(name)
    if base in _TEXT_NAMES or os.path.splitext(base)[1].lower() in _TEXT_SUFFIXES:
        return "text/plain"
    guessed, _ = mimetypes.guess_type(base)
    return guessed or "application/octet-stream"


class HttpArtifactRepository:
    """An :class:`~mlharbor.store.artifact.protocol.ArtifactRepository` over the artifact proxy.

    Args:
        artifact_uri: an ``mlflow-artifacts:`` or ``http(s)`` artifact URI.
        tracking_uri: the tracking server an ``mlflow-artifacts:/`` URI is relative to; defaults
            to ``MLFLOW_TRACKING_URI`` (which ``set_tracking_uri`` exports), then
            ``MLHARBOR_TRACKING_URI``.
        creds: credentials to use; built from the environment for the resolved host otherwise.
    """

    def __init__(
        self,
        artifact_uri: str,
        tracking_uri: str | None = None,
        creds: HostCreds | None = None,
    ) -> None:
        self.artifact_uri = artifact_uri
        if tracking_uri is None:
            # set_tracking_uri exports MLFLOW_TRACKING_URI, so it reflects the current choice.
            tracking_uri = os.environ.get("MLFLOW_TRACKING_URI") or os.environ.get(
                "MLHARBOR_TRACKING_URI"
            )
        url = resolve_artifacts_uri(artifact_uri, tracking_uri)
        service_base, found, root = url.partition(ARTIFACTS_SERVICE_ROOT)
        if not found:
            raise InvalidParameterValue(
                f"Artifact URI {artifact_uri!r} does not point into an artifact service "
                f"({ARTIFACTS_SERVICE_ROOT})"
            )
        self._root = root.strip("/")
        self._fixed_creds = creds
        self._service_base = service_base

    # -- helpers -------------------------------------------------------------------------------

    @property
    def _creds(self) -> HostCreds:
        # read at each call, as for the tracking store, so a changed user takes effect
        return self._fixed_creds or current_host_creds(self._service_base)

    def _remote(self, path: str) -> str:
        """Path below the artifact service root of a path relative to this repository."""
        return posixpath.join(self._root, path) if self._root else path

    def _file_url(self, path: str) -> str:
        remote = self._remote(path)
        return ARTIFACTS_SERVICE_ROOT + ("/" + quote(remote, safe="/") if remote else "")

    # -- writing -------------------------------------------------------------------------------

    def _put(self, local_file: str, remote_path: str) -> None:
        def opener() -> BinaryIO:
            return open(local_file, "rb")  # closed by http_request after each attempt

        endpoint = self._file_url(remote_path)
        body: Callable[[], BinaryIO] = opener
        response = http_request(
            self._creds,
            endpoint,
            "PUT",
            body=body,
            headers={"Content-Type": _content_type(local_file)},
        )
        try:
            raise_for_response(response, endpoint)
        finally:
            response.close()

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        """Upload one file to ``artifact_path/<basename>``."""
        target = _clean(artifact_path)
        name = os.path.basename(local_file)
        self._put(local_file, posixpath.join(target, name) if target else name)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Upload every file below ``local_dir``, keeping its sub-directories."""
        target = _clean(artifact_path)
        jobs: list[tuple[str, str]] = []
        for dirpath, _dirnames, filenames in os.walk(local_dir):
            rel_dir = os.path.relpath(dirpath, local_dir)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            for name in sorted(filenames):
                remote = posixpath.join(target, rel_dir, name)
                jobs.append((os.path.join(dirpath, name), _clean(remote)))
        self._run_parallel([partial(self._put, src, dst) for src, dst in jobs])

    # -- reading -------------------------------------------------------------------------------

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """Direct children of ``path``, with paths relative to this repository's root."""
        rel = _clean(path)
        remote = self._remote(rel)
        body = {"path": remote} if remote else {}
        response = call_endpoint(self._creds, ARTIFACTS_SERVICE_ROOT, "GET", body)
        infos = []
        for entry in response.get("files", []):
            name = str(entry["path"])
            is_dir = bool(entry.get("is_dir", False))
            size = entry.get("file_size")
            infos.append(
                FileInfo(
                    path=posixpath.join(rel, name) if rel else name,
                    is_dir=is_dir,
                    file_size=None if is_dir or size is None else int(size),
                )
            )
        return sorted(infos, key=lambda info: info.path)

    def _download_file(self, remote_path: str, local_path: str) -> None:
        endpoint = self._file_url(remote_path)
        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        response = http_request(self._creds, endpoint, "GET", stream=True)
        try:
            raise_for_response(response, endpoint)
            fd, tmp = tempfile.mkstemp(dir=os.path.dirname(local_path) or ".", suffix=".part")
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in response.iter_content(_CHUNK):
                        out.write(chunk)
                os.replace(tmp, local_path)
            except BaseException:
                os.unlink(tmp)
                raise
        finally:
            response.close()

    def _collect(self, rel: str, local_root: str, jobs: list[tuple[str, str]]) -> bool:
        """Queue every file below ``rel``; False when ``rel`` lists as empty."""
        children = self.list_artifacts(rel)
        if not children:
            return False
        os.makedirs(os.path.join(local_root, *rel.split("/")) if rel else local_root, exist_ok=True)
        for child in children:
            if child.is_dir:
                if not self._collect(child.path, local_root, jobs):
                    os.makedirs(os.path.join(local_root, *child.path.split("/")), exist_ok=True)
            else:
                jobs.append((child.path, os.path.join(local_root, *child.path.split("/"))))
        return True

    def download_artifacts(self, artifact_path: str, dst_path: str | None = None) -> str:
        """Download a file or a directory tree; return the local path of the copy.

        The copy lands at ``<dst_path>/<artifact_path>`` (``dst_path`` defaults to a new
        temporary directory).

        Raises:
            RestException: RESOURCE_DOES_NOT_EXIST when nothing exists at ``artifact_path``.
        """
        rel = _clean(artifact_path)
        created = dst_path is None
        local_root = tempfile.mkdtemp() if dst_path is None else os.path.abspath(dst_path)
        if dst_path is not None and not os.path.isdir(local_root):
            raise InvalidParameterValue(
                f"The destination path for downloaded artifacts does not exist: {dst_path}"
            )
        local = os.path.join(local_root, *rel.split("/")) if rel else local_root
        try:
            jobs: list[tuple[str, str]] = []
            if not self._collect(rel, local_root, jobs):
                if not rel:
                    return local
                self._download_file(rel, local)
                return local
            self._run_parallel([partial(self._download_file, src, dst) for src, dst in jobs])
        except BaseException:
            if created:
                shutil.rmtree(local_root, ignore_errors=True)
            raise
        return local

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file or a directory tree (the whole repository when no path is given)."""
        rel = _clean(artifact_path)
        endpoint = self._file_url(rel)
        if endpoint == ARTIFACTS_SERVICE_ROOT:
            raise InvalidParameterValue("Refusing to delete the root of the artifact service")
        call_endpoint(self._creds, endpoint, "DELETE")

    # -- plumbing ------------------------------------------------------------------------------

    @staticmethod
    def _run_parallel(tasks: list[Callable[[], None]]) -> None:
        """Run transfers on a bounded pool; the first failure is raised once all have ended."""
        if len(tasks) <= 1:
            for task in tasks:
                task()
            return
        with ThreadPoolExecutor(max_workers=min(_WORKERS, len(tasks))) as pool:
            futures = [pool.submit(task) for task in tasks]
        errors = [f.exception() for f in futures if f.exception() is not None]
        if errors:
            first = errors[0]
            if isinstance(first, MlharborException):
                raise first
            raise MlharborException(f"Artifact transfer failed: {first}") from first
