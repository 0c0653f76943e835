"""Artifacts on the local filesystem, for ``file://`` URIs and plain directory paths."""

from __future__ import annotations

import os
import posixpath
import shutil
import tempfile

from mlharbor.entities import FileInfo
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.utils.paths import file_uri_to_local_path, safe_join, validate_relative_path

__all__ = ["LocalArtifactRepository"]


class LocalArtifactRepository:
    """An artifact repository rooted at one local directory.

    Every relative path is resolved through :func:`safe_join`, so nothing outside the root is
    ever read, written or deleted. The root directory is created on first write.
    """

    def __init__(self, artifact_uri: str) -> None:
        self.artifact_uri = artifact_uri
        self.root = os.path.abspath(file_uri_to_local_path(artifact_uri))

    def _resolve(self, artifact_path: str | None) -> str:
        return safe_join(self.root, artifact_path or "")

    def _literal_child(self, directory: str, name: str) -> str:
        """Join a local file's own name (not a user path: never percent-decoded) below
        ``directory``, refusing names and symlinks that would leave the root."""
        if name in ("", ".", "..") or "/" in name or "\\" in name or "\x00" in name:
            raise InvalidParameterValue(f"Invalid path: {name}")
        child = os.path.realpath(os.path.join(directory, name))
        real_root = os.path.realpath(self.root)
        if os.path.commonpath([real_root, child]) != real_root:
            raise InvalidParameterValue(f"Invalid path: {name}")
        return child

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        """Copy ``local_file`` into the directory ``artifact_path`` below the root.

        Raises:
            ResourceDoesNotExist: when ``local_file`` is not an existing file.
        """
        if not os.path.isfile(local_file):
            raise ResourceDoesNotExist(f"No such file or directory: '{local_file}'")
        directory = self._resolve(artifact_path)
        destination = self._literal_child(directory, os.path.basename(local_file))
        os.makedirs(directory, exist_ok=True)
        shutil.copy2(local_file, destination)

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Copy the contents of ``local_dir`` (recursively) into ``artifact_path``.

        Raises:
            ResourceDoesNotExist: when ``local_dir`` is not an existing directory.
        """
        if not os.path.isdir(local_dir):
            raise ResourceDoesNotExist(f"No such file or directory: '{local_dir}'")
        base = self._resolve(artifact_path)
        os.makedirs(base, exist_ok=True)
        targets = {os.path.abspath(local_dir): base}
        for current, dirs, files in os.walk(local_dir):
            target_dir = targets[os.path.abspath(current)]
            for name in dirs:
                child = self._literal_child(target_dir, name)
                os.makedirs(child, exist_ok=True)
                targets[os.path.abspath(os.path.join(current, name))] = child
            for name in files:
                shutil.copy2(os.path.join(current, name), self._literal_child(target_dir, name))

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List direct children of ``path`` with root-relative POSIX paths, sorted by name.

        A missing path or a file path lists as empty, like MLflow's repositories.
        """
        relative = validate_relative_path(path or "")
        directory = self._resolve(relative)
        if not os.path.isdir(directory):
            return []
        infos = []
        for name in sorted(os.listdir(directory)):
            full = os.path.join(directory, name)
            child = posixpath.join(relative, name) if relative else name
            if os.path.isdir(full):
                infos.append(FileInfo(path=child, is_dir=True, file_size=None))
            else:
                infos.append(FileInfo(path=child, is_dir=False, file_size=os.path.getsize(full)))
        return infos

    def download_artifacts(self, artifact_path: str, dst_path: str | None = None) -> str:
        """Copy a file or directory to ``dst_path`` (a new temporary directory when None).

        Returns:
            The local path of the copy: ``<dst_path>/<artifact_path>``.

        Raises:
            ResourceDoesNotExist: when nothing exists at ``artifact_path``.
        """
        relative = validate_relative_path(artifact_path or "")
        source = self._resolve(relative)
        if not os.path.exists(source):
            raise ResourceDoesNotExist(f"No such artifact: '{artifact_path}'")
        if dst_path is None:
            dst_path = tempfile.mkdtemp(prefix="mlharbor-download-")
        elif not os.path.isdir(dst_path):
            raise InvalidParameterValue(
                f"The destination path for downloaded artifacts does not exist or is not a "
                f"directory: {dst_path}"
            )
        destination = (
            os.path.join(os.path.abspath(dst_path), *relative.split("/"))
            if relative
            else (os.path.abspath(dst_path))
        )
        if os.path.isdir(source):
            shutil.copytree(source, destination, dirs_exist_ok=True)
        else:
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            shutil.copy2(source, destination)
        return destination

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file or directory below the root; a missing path is not an error."""
        target = self._resolve(artifact_path)
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target)
        elif os.path.lexists(target):
            os.remove(target)
