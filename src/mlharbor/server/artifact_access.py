"""The artifact destination a server proxies (``--artifacts-destination``), and the resolution of
artifact URIs the server is asked to read (run and logged-model locations).

Local destinations are read and written directly, with every user path resolved once through
:func:`mlharbor.utils.paths.safe_join`; remote ones (``s3://…``) go through their
:class:`~mlharbor.store.artifact.protocol.ArtifactRepository`. Methods block: call them from a
worker thread.
"""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile
import urllib.parse

from mlharbor.entities import FileInfo
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.artifact.protocol import ArtifactRepository
from mlharbor.utils.paths import file_uri_to_local_path, safe_join, validate_relative_path

__all__ = [
    "STAGING_DIR",
    "UPLOAD_PREFIX",
    "ArtifactAccess",
    "ArtifactIsDirectory",
    "is_local_uri",
    "proxied_path",
]

# Uploads land in a temporary file in one hidden staging folder of the destination and are
# renamed into place, so an upload cut off by a crash leaves its remains in that one folder,
# which the server empties when it starts (:meth:`ArtifactAccess.sweep_partial_uploads`).
UPLOAD_PREFIX = ".mlharbor-upload-"
STAGING_DIR = UPLOAD_PREFIX + "partial"

PROXY_SCHEME = "mlflow-artifacts"


class ArtifactIsDirectory(InvalidParameterValue):
    """A download asked for a directory; MLflow answers 400 with a ``detail`` body."""


def proxied_path(artifact_uri: str) -> str | None:
    """The destination-relative path of an ``mlflow-artifacts:`` URI, else ``None``."""
    parsed = urllib.parse.urlparse(artifact_uri)
    if parsed.scheme != PROXY_SCHEME:
        return None
    return validate_relative_path(parsed.path.lstrip("/"))


def is_local_uri(uri: str) -> bool:
    """Whether ``uri`` names a local path (no scheme, ``file:`` or a drive letter)."""
    scheme = urllib.parse.urlparse(uri).scheme.lower()
    return scheme in ("", "file") or len(scheme) == 1


class ArtifactAccess:
    """Read, write, list and delete files below one artifact destination.

    Args:
        destination: a local directory, ``file:`` URI or remote artifact URI (``s3://…``).
    """

    def __init__(self, destination: str) -> None:
        self.destination = destination
        self.is_local = is_local_uri(destination)
        self.root = os.path.abspath(file_uri_to_local_path(destination)) if self.is_local else ""
        self._repository: ArtifactRepository | None = None

    @property
    def repository(self) -> ArtifactRepository:
        """The repository of a remote destination (built on first use)."""
        if self._repository is None:
            from mlharbor.store.artifact.factory import get_artifact_repository

            self._repository = get_artifact_repository(self.destination)
        return self._repository

    def resolve(self, path: str) -> str:
        """The local path of ``path`` below a local destination (refusing escapes)."""
        return safe_join(self.root, path)

    def list_dir(self, path: str) -> list[FileInfo]:
        """Direct children of ``path`` with **basenames**, sorted; missing or file → empty."""
        relative = validate_relative_path(path)
        if not self.is_local:
            return [
                FileInfo(posixpath.basename(info.path), info.is_dir, info.file_size)
                for info in self.repository.list_artifacts(relative or None)
            ]
        directory = self.resolve(relative)
        if not os.path.isdir(directory):
            return []
        infos: list[FileInfo] = []
        with os.scandir(directory) as entries:
            for entry in sorted(entries, key=lambda e: e.name):
                if entry.name.startswith(UPLOAD_PREFIX):
                    continue
                if entry.is_dir():
                    infos.append(FileInfo(entry.name, True, None))
                else:
                    infos.append(FileInfo(entry.name, False, entry.stat().st_size))
        return infos

    def local_file(self, path: str) -> str:
        """The local path of an existing file of a local destination.

        Raises:
            ResourceDoesNotExist: nothing at ``path``.
            ArtifactIsDirectory: ``path`` is a directory.
        """
        relative = validate_relative_path(path)
        target = self.resolve(relative)
        if os.path.isdir(target):
            raise ArtifactIsDirectory(
                f"Artifact path refers to a directory, not a file: '{relative}'"
            )
        if not relative or not os.path.isfile(target):
            raise ResourceDoesNotExist(f"No such artifact: '{relative}'")
        return target

    def fetch(self, path: str, scratch_dir: str) -> str:
        """A local copy of a file of a remote destination, downloaded into ``scratch_dir``."""
        relative = validate_relative_path(path)
        if not relative:
            raise ArtifactIsDirectory("Artifact path refers to a directory, not a file: ''")
        try:
            local = self.repository.download_artifacts(relative, scratch_dir)
        except ResourceDoesNotExist:
            raise ResourceDoesNotExist(f"No such artifact: '{relative}'") from None
        if os.path.isdir(local):
            raise ArtifactIsDirectory(
                f"Artifact path refers to a directory, not a file: '{relative}'"
            )
        return local

    def upload_target(self, path: str) -> tuple[str, str]:
        """Prepare an upload to ``path``: return ``(temporary file, final local path)``.

        For a remote destination the final path is ``""``; pass the temporary file to
        :meth:`commit_upload`, which removes it.
        """
        relative = validate_relative_path(path)
        if not relative:
            raise InvalidParameterValue("Invalid path")
        if not self.is_local:
            scratch = tempfile.mkdtemp(prefix="mlharbor-upload-")
            return os.path.join(scratch, posixpath.basename(relative)), ""
        final = self.resolve(relative)
        if os.path.isdir(final):
            raise InvalidParameterValue(f"Artifact path refers to a directory: '{relative}'")
        parent = os.path.dirname(final)
        try:
            os.makedirs(parent, exist_ok=True)
        except (FileExistsError, NotADirectoryError):
            raise InvalidParameterValue(
                f"Cannot create '{relative}': a parent path is a file, not a directory."
            ) from None
        # Creating directories may have followed a symlink placed by someone else: check again.
        final = self.resolve(relative)
        staging = os.path.join(self.root, STAGING_DIR)
        os.makedirs(staging, mode=0o700, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=UPLOAD_PREFIX, dir=staging)
        os.close(handle)
        return temp, final

    def sweep_partial_uploads(self) -> int:
        """Delete what uploads cut off by a crash left behind; the number of files removed.

        Call it once when the server starts, before any worker accepts uploads.
        """
        if not self.is_local:
            return 0
        staging = os.path.join(self.root, STAGING_DIR)
        try:
            names = os.listdir(staging)
        except FileNotFoundError:
            return 0
        for name in names:
            path = os.path.join(staging, name)
            if os.path.isdir(path) and not os.path.islink(path):
                shutil.rmtree(path, ignore_errors=True)
            else:
                os.remove(path)
        return len(names)

    def commit_upload(self, path: str, temp: str, final: str) -> None:
        """Move a finished upload into place (atomically for local destinations)."""
        if final:
            os.replace(temp, final)
            return
        relative = validate_relative_path(path)
        try:
            self.repository.log_artifact(temp, posixpath.dirname(relative) or None)
        finally:
            shutil.rmtree(os.path.dirname(temp), ignore_errors=True)

    def abort_upload(self, temp: str, final: str) -> None:
        """Remove the temporary file of a failed upload."""
        if final:
            if os.path.exists(temp):
                os.remove(temp)
        else:
            shutil.rmtree(os.path.dirname(temp), ignore_errors=True)

    def delete(self, path: str) -> None:
        """Delete a file or a whole directory; a missing path is not an error."""
        relative = validate_relative_path(path)
        if not relative:
            raise InvalidParameterValue("Invalid path")
        if not self.is_local:
            self.repository.delete_artifacts(relative)
            return
        target = self.resolve(relative)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.remove(target)
