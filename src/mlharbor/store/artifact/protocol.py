"""The contract of an artifact repository rooted at one artifact URI.

Paths given to a repository are relative POSIX paths below its root; every implementation
resolves them through :func:`mlharbor.utils.paths.safe_join` (or its URI twin) and refuses
anything that escapes the root.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from mlharbor.entities import FileInfo


@runtime_checkable
class ArtifactRepository(Protocol):
    artifact_uri: str

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        """Copy one local file into ``artifact_path`` (a directory below the root)."""
        ...

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Copy the contents of a local directory into ``artifact_path``."""
        ...

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """List the direct children of ``path``; a missing path lists as empty."""
        ...

    def download_artifacts(self, artifact_path: str, dst_path: str | None = None) -> str:
        """Download a file or directory and return the local path of the copy."""
        ...

    def delete_artifacts(self, artifact_path: str | None = None) -> None: ...
