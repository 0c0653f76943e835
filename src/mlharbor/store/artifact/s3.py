"""Artifacts in Amazon S3 or an S3-compatible store (MinIO, Ceph, moto), for ``s3://bucket/prefix``.

``boto3`` is imported lazily. The endpoint comes from ``MLFLOW_S3_ENDPOINT_URL`` (or
``MLHARBOR_S3_ENDPOINT_URL``), TLS verification is skipped with ``MLFLOW_S3_IGNORE_TLS=true``,
extra upload arguments (e.g. server-side encryption) come from ``MLFLOW_S3_UPLOAD_EXTRA_ARGS``
as a JSON object; credentials and region follow boto3's usual ``AWS_*`` variables and files.
Files at or above the multipart threshold (``MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE``, default
8 MiB here) are uploaded in parts of ``MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE`` (default 8 MiB).
"""

from __future__ import annotations

import json
import os
import posixpath
import shutil
import tempfile
import threading
from typing import Any
from urllib.parse import urlsplit

from mlharbor.entities import FileInfo
from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.utils.paths import validate_relative_path

__all__ = ["S3ArtifactRepository", "parse_s3_uri"]

_DEFAULT_PART = 8 * 1024 * 1024
_DELETE_BATCH = 1000
# The environment boto3 reads credentials and region from; part of the client cache key.
_AWS_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)
_clients: dict[tuple[object, ...], Any] = {}
_clients_lock = threading.Lock()


def _env(name: str) -> str | None:
    return os.environ.get(f"MLHARBOR_{name}") or os.environ.get(f"MLFLOW_{name}") or None


def parse_s3_uri(uri: str) -> tuple[str, str]:
    """Split ``s3://bucket/some/prefix`` into ``("bucket", "some/prefix")``.

    Raises:
        InvalidParameterValue: the URI is not an ``s3`` URI with a bucket.
    """
    parts = urlsplit(uri)
    if parts.scheme != "s3" or not parts.netloc:
        raise InvalidParameterValue(f"Not an S3 URI: {uri!r}")
    return parts.netloc, parts.path.strip("/")


def _clean(path: str | None) -> str:
    """A user-supplied relative artifact path, checked once by the shared path rules."""
    return validate_relative_path(path) if path else ""


def _size_env(name: str, default: int) -> int:
    value = _env(name)
    if value is None:
        return default
    try:
        size = int(value)
    except ValueError:
        raise InvalidParameterValue(f"{name} must be an integer, got {value!r}") from None
    if size < 5 * 1024 * 1024:
        # S3 refuses parts below 5 MiB (except the last one).
        raise InvalidParameterValue(f"{name} must be at least 5 MiB, got {size}")
    return size


class S3ArtifactRepository:
    """An :class:`~mlharbor.store.artifact.protocol.ArtifactRepository` on an S3 prefix.

    Args:
        artifact_uri: ``s3://bucket[/prefix]``.
        client: an existing boto3 S3 client; one is built from the environment otherwise.
    """

    def __init__(self, artifact_uri: str, client: Any | None = None) -> None:
        self.artifact_uri = artifact_uri
        self.bucket, self.prefix = parse_s3_uri(artifact_uri)
        self._client = client

    # -- boto3 plumbing ------------------------------------------------------------------------

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = self._make_client()
        return self._client

    @staticmethod
    def _make_client() -> Any:
        """A boto3 S3 client for the current environment, shared by repositories that agree on it.

        Building a client costs tens of milliseconds, and clients are thread-safe, so one is kept
        per endpoint, TLS and credential setting.
        """
        verify: bool | None = False if (_env("S3_IGNORE_TLS") or "").lower() == "true" else None
        endpoint = _env("S3_ENDPOINT_URL")
        key = (endpoint, verify, *(os.environ.get(name) for name in _AWS_ENV))
        with _clients_lock:
            client = _clients.get(key)
            if client is None:
                import boto3
                from botocore.config import Config

                client = boto3.client(
                    "s3",
                    endpoint_url=endpoint,
                    verify=verify,
                    config=Config(
                        signature_version="s3v4",
                        retries={"max_attempts": 5, "mode": "standard"},
                    ),
                )
                _clients[key] = client
        return client

    @staticmethod
    def _transfer_config() -> Any:
        from boto3.s3.transfer import TransferConfig

        return TransferConfig(
            multipart_threshold=_size_env("MULTIPART_UPLOAD_MINIMUM_FILE_SIZE", _DEFAULT_PART),
            multipart_chunksize=_size_env("MULTIPART_UPLOAD_CHUNK_SIZE", _DEFAULT_PART),
        )

    @staticmethod
    def _extra_args() -> dict[str, Any]:
        raw = _env("S3_UPLOAD_EXTRA_ARGS")
        if not raw:
            return {}
        try:
            extra = json.loads(raw)
        except json.JSONDecodeError:
            raise InvalidParameterValue(
                f"MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object, got {raw!r}"
            ) from None
        if not isinstance(extra, dict):
            raise InvalidParameterValue("MLFLOW_S3_UPLOAD_EXTRA_ARGS must be a JSON object")
        return extra

    def _key(self, rel: str) -> str:
        return posixpath.join(self.prefix, rel) if self.prefix and rel else self.prefix or rel

    def _wrap(self, exc: Exception, what: str) -> MlharborException:
        from botocore.exceptions import ClientError

        if isinstance(exc, ClientError):
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if code in {"404", "NoSuchKey", "NoSuchBucket"}:
                return ResourceDoesNotExist(f"{what}: {code}")
        return MlharborException(f"{what}: {exc}")

    # -- writing -------------------------------------------------------------------------------

    def _upload(self, local_file: str, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        extra = self._extra_args()
        try:
            self.client.upload_file(
                local_file,
                self.bucket,
                key,
                ExtraArgs=extra or None,
                Config=self._transfer_config(),
            )
        except (BotoCoreError, ClientError) as exc:
            raise self._wrap(
                exc, f"Failed to upload {local_file} to s3://{self.bucket}/{key}"
            ) from exc

    def log_artifact(self, local_file: str, artifact_path: str | None = None) -> None:
        """Upload one file to ``artifact_path/<basename>``."""
        rel = posixpath.join(_clean(artifact_path), os.path.basename(local_file))
        self._upload(local_file, self._key(rel.lstrip("/")))

    def log_artifacts(self, local_dir: str, artifact_path: str | None = None) -> None:
        """Upload every file below ``local_dir``, keeping its sub-directories."""
        target = _clean(artifact_path)
        for dirpath, _dirnames, filenames in os.walk(local_dir):
            rel_dir = os.path.relpath(dirpath, local_dir)
            rel_dir = "" if rel_dir == "." else rel_dir.replace(os.sep, "/")
            for name in sorted(filenames):
                rel = _clean(posixpath.join(target, rel_dir, name))
                self._upload(os.path.join(dirpath, name), self._key(rel))

    # -- reading -------------------------------------------------------------------------------

    def list_artifacts(self, path: str | None = None) -> list[FileInfo]:
        """Direct children of ``path`` (one level, using the ``/`` delimiter)."""
        from botocore.exceptions import BotoCoreError, ClientError

        rel = _clean(path)
        dest = self._key(rel)
        prefix = dest + "/" if dest else ""
        infos: list[FileInfo] = []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    name = common["Prefix"][len(prefix) :].rstrip("/")
                    infos.append(FileInfo(posixpath.join(rel, name), True, None))
                for obj in page.get("Contents", []):
                    name = obj["Key"][len(prefix) :]
                    if name:
                        infos.append(FileInfo(posixpath.join(rel, name), False, int(obj["Size"])))
        except (BotoCoreError, ClientError) as exc:
            raise self._wrap(exc, f"Failed to list s3://{self.bucket}/{prefix}") from exc
        return sorted(infos, key=lambda info: info.path)

    def _download_file(self, rel: str, local_path: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        os.makedirs(os.path.dirname(local_path) or ".", exist_ok=True)
        key = self._key(rel)
        try:
            self.client.download_file(self.bucket, key, local_path)
        except (BotoCoreError, ClientError) as exc:
            raise self._wrap(exc, f"Failed to download s3://{self.bucket}/{key}") from exc

    def _download_tree(self, rel: str, local_root: str) -> bool:
        children = self.list_artifacts(rel)
        if not children:
            return False
        os.makedirs(os.path.join(local_root, *rel.split("/")) if rel else local_root, exist_ok=True)
        for child in children:
            target = os.path.join(local_root, *child.path.split("/"))
            if child.is_dir:
                if not self._download_tree(child.path, local_root):
                    os.makedirs(target, exist_ok=True)
            else:
                self._download_file(child.path, target)
        return True

    def download_artifacts(self, artifact_path: str, dst_path: str | None = None) -> str:
        """Download a file or directory tree to ``<dst_path>/<artifact_path>``; return that path.

        Raises:
            ResourceDoesNotExist: nothing exists at ``artifact_path``.
        """
        rel = _clean(artifact_path)
        created = dst_path is None
        local_root = tempfile.mkdtemp() if dst_path is None else os.path.abspath(dst_path)
        local = os.path.join(local_root, *rel.split("/")) if rel else local_root
        try:
            if not self._download_tree(rel, local_root) and rel:
                self._download_file(rel, local)
        except BaseException:
            if created:
                shutil.rmtree(local_root, ignore_errors=True)
            raise
        return local

    def delete_artifacts(self, artifact_path: str | None = None) -> None:
        """Delete a file, or every object below a directory (the whole prefix by default)."""
        from botocore.exceptions import BotoCoreError, ClientError

        rel = _clean(artifact_path)
        dest = self._key(rel)
        keys: list[str] = [dest] if dest else []
        paginator = self.client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=dest + "/" if dest else ""):
                keys.extend(obj["Key"] for obj in page.get("Contents", []))
            for start in range(0, len(keys), _DELETE_BATCH):
                batch = keys[start : start + _DELETE_BATCH]
                self.client.delete_objects(
                    Bucket=self.bucket,
                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True},
                )
        except (BotoCoreError, ClientError) as exc:
            raise self._wrap(exc, f"Failed to delete s3://{self.bucket}/{dest}") from exc
