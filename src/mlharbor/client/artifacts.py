"""Artifact methods of :class:`~mlharbor.client.client.MlharborClient`.

A run's files live below its ``artifact_uri``; these methods find that URI, pick the repository
for its scheme and move files through it. Text, dicts, figures and images are written to a
temporary file first and uploaded under the requested name.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
import tempfile
import urllib.parse
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from mlharbor.client._values import now_millis, validate_run_id
from mlharbor.entities import FileInfo, RunTag
from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.store.artifact.factory import get_artifact_repository
from mlharbor.store.artifact.protocol import ArtifactRepository
from mlharbor.utils.paths import validate_relative_path

if TYPE_CHECKING:
    from mlharbor.store.tracking.protocol import TrackingStore

__all__ = ["ArtifactMethods", "resolve_artifact_uri"]

_IMAGE_KEY = re.compile(r"^[a-zA-Z0-9_\-./ ]+$")
_PREVIEW_SIZE = 256


def resolve_artifact_uri(artifact_uri: str, tracking_uri: str) -> str:
    """Turn an ``mlflow-artifacts:`` URI into the HTTP URL of the tracking server's artifact
    service (resolved against ``tracking_uri``); other URIs are returned unchanged."""
    if urllib.parse.urlparse(artifact_uri).scheme != "mlflow-artifacts":
        return artifact_uri
    from mlharbor.store.artifact.http import resolve_artifacts_uri

    return resolve_artifacts_uri(artifact_uri, tracking_uri)


def _split_artifact_file(artifact_file: str) -> tuple[str | None, str]:
    normalized = validate_relative_path(artifact_file)
    if not normalized:
        raise InvalidParameterValue(f"Invalid artifact file path: '{artifact_file}'")
    directory, name = posixpath.split(normalized)
    return directory or None, name


class ArtifactMethods:
    """Mixin: uses the client's ``store`` and ``_tracking_uri``."""

    store: TrackingStore
    _tracking_uri: str

    def _artifact_repository(self, run_id: str) -> ArtifactRepository:
        artifact_uri = self.store.get_run(validate_run_id(run_id)).info.artifact_uri
        return get_artifact_repository(resolve_artifact_uri(artifact_uri, self._tracking_uri))

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        """Upload a local file (or a whole directory) into ``artifact_path`` of the run.

        Raises:
            ResourceDoesNotExist: when ``local_path`` does not exist.
        """
        local_path = os.fspath(local_path)
        repository = self._artifact_repository(run_id)
        if os.path.isdir(local_path):
            name = os.path.basename(os.path.normpath(local_path))
            target = posixpath.join(artifact_path, name) if artifact_path else name
            repository.log_artifacts(local_path, target)
        elif os.path.isfile(local_path):
            repository.log_artifact(local_path, artifact_path)
        else:
            raise ResourceDoesNotExist(f"No such file or directory: '{local_path}'")

    def log_artifacts(self, run_id: str, local_dir: str, artifact_path: str | None = None) -> None:
        """Upload the contents of a local directory into ``artifact_path`` of the run.

        Raises:
            ResourceDoesNotExist: when ``local_dir`` is not an existing directory.
        """
        local_dir = os.fspath(local_dir)
        if not os.path.isdir(local_dir):
            raise ResourceDoesNotExist(f"No such file or directory: '{local_dir}'")
        self._artifact_repository(run_id).log_artifacts(local_dir, artifact_path)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """Direct children of ``path`` in the run's artifacts, with run-relative paths."""
        return self._artifact_repository(run_id).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        """Download a run artifact file or directory; returns the local path of the copy."""
        return self._artifact_repository(run_id).download_artifacts(path, dst_path)

    @contextmanager
    def _upload_as(
        self, run_id: str, artifact_file: str, literal_name: str | None = None
    ) -> Iterator[str]:
        """Yield a temporary local path; whatever is written there is uploaded as
        ``artifact_file`` when the block ends. With ``literal_name``, ``artifact_file`` is
        the directory and the file keeps that exact name (no percent-decoding)."""
        if literal_name is None:
            directory, name = _split_artifact_file(artifact_file)
        else:
            directory, name = artifact_file, literal_name
        with tempfile.TemporaryDirectory(prefix="mlharbor-upload-") as tmp:
            local_file = os.path.join(tmp, name)
            yield local_file
            self._artifact_repository(run_id).log_artifact(local_file, directory)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        """Store ``text`` (UTF-8) as the run artifact ``artifact_file``."""
        with (
            self._upload_as(run_id, artifact_file) as local_file,
            open(local_file, "w", encoding="utf-8") as handle,
        ):
            handle.write(text)

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        """Store ``dictionary`` as YAML (``.yaml``/``.yml``) or JSON (anything else)."""
        extension = os.path.splitext(artifact_file)[1].lower()
        with (
            self._upload_as(run_id, artifact_file) as local_file,
            open(local_file, "w", encoding="utf-8") as handle,
        ):
            if extension in (".yaml", ".yml"):
                import yaml

                yaml.safe_dump(dictionary, handle, default_flow_style=False, sort_keys=False)
            else:
                json.dump(dictionary, handle, indent=2)

    def log_figure(
        self,
        run_id: str,
        figure: Any,
        artifact_file: str,
        *,
        save_kwargs: dict[str, Any] | None = None,
    ) -> None:
        """Store a matplotlib or plotly figure; the file type follows ``artifact_file``.

        Raises:
            InvalidParameterValue: for an object that is neither kind of figure, or a plotly
                figure with an extension other than ``.html`` or an image type.
        """
        kwargs = save_kwargs or {}
        kind = type(figure).__module__.split(".")[0]
        with self._upload_as(run_id, artifact_file) as local_file:
            if kind == "matplotlib":
                figure.savefig(local_file, **kwargs)
            elif kind == "plotly":
                if local_file.endswith(".html"):
                    figure.write_html(local_file, include_plotlyjs="cdn", auto_open=False, **kwargs)
                elif os.path.splitext(local_file)[1].lower() in (".png", ".jpeg", ".jpg", ".svg"):
                    figure.write_image(local_file, **kwargs)
                else:
                    raise InvalidParameterValue(
                        f"Unsupported file extension for plotly figure: '{artifact_file}'"
                    )
            else:
                raise InvalidParameterValue(f"Unsupported figure object type: '{type(figure)}'")

    def log_image(
        self,
        run_id: str,
        image: Any,
        artifact_file: str | None = None,
        key: str | None = None,
        step: int | None = None,
        timestamp: int | None = None,
        synchronous: bool | None = None,
    ) -> None:
        """Store a numpy array or PIL image.

        With ``artifact_file`` the image is saved under that name. With ``key`` (and optional
        ``step``) it is saved below ``images/`` with the key, step and timestamp in its name,
        the layout MLflow's UI reads for stepped images.

        Raises:
            InvalidParameterValue: when neither or both of ``artifact_file`` and ``key`` are
                given, or the array has an unsupported shape.
        """
        if (artifact_file is None) == (key is None):
            raise InvalidParameterValue(
                "Exactly one of `artifact_file` or `key` must be provided to log_image."
            )
        pil_image = _to_pil_image(image)
        if artifact_file is not None:
            with self._upload_as(run_id, artifact_file) as local_file:
                pil_image.save(local_file)
            return
        assert key is not None
        if not _IMAGE_KEY.match(key):
            raise InvalidParameterValue(
                "The `key` parameter may only contain alphanumerics, underscores (_), dashes (-), "
                f"periods (.), spaces ( ), and slashes (/). The provided key `{key}` contains "
                "invalid characters."
            )
        # The web UI finds stepped images by this file-name layout: '+'-separated fields, '/'
        # in the key written as '~', and a small '.webp' preview next to the full image.
        moment = timestamp or now_millis()
        stem = f"{key.replace('/', '~')}+step+{step or 0}+timestamp+{moment}+{uuid.uuid4()}"
        with self._upload_as(run_id, "images", literal_name=f"{stem}.png") as local_file:
            pil_image.save(local_file)
        with self._upload_as(
            run_id, "images", literal_name=f"{stem}+compressed.webp"
        ) as local_file:
            _preview(pil_image).save(local_file)
        self.store.set_tag(run_id, RunTag("mlflow.loggedImages", "True"))


def _preview(image: Any) -> Any:
    """The image scaled to fit a square of side ``_PREVIEW_SIZE``, keeping its aspect ratio."""
    width, height = image.size
    if width > height:
        size = (_PREVIEW_SIZE, int(height * _PREVIEW_SIZE / width))
    else:
        size = (int(width * _PREVIEW_SIZE / height), _PREVIEW_SIZE)
    return image.resize(size)


def _to_pil_image(image: Any) -> Any:
    """Convert a numpy array (HxW or HxWxC with C in 1, 3, 4; floats in [0, 1] or ints in
    [0, 255]) or a PIL image to a PIL image."""
    from PIL import Image

    if isinstance(image, Image.Image):
        return image
    if callable(getattr(image, "to_pil", None)):  # mlharbor.Image (and MLflow's)
        return image.to_pil()
    import numpy as np

    array = np.asarray(image)
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise InvalidParameterValue(
            f"`image` must be a 2D or a 3D array with 1, 3 or 4 channels, got shape {array.shape}"
        )
    if np.issubdtype(array.dtype, np.floating):
        if array.size and (array.min() < 0 or array.max() > 1):
            raise InvalidParameterValue("Float pixel values must be in the range [0, 1].")
        array = (array * 255).round()
    elif np.issubdtype(array.dtype, np.integer) or array.dtype == np.bool_:
        if array.size and (array.min() < 0 or array.max() > 255):
            raise InvalidParameterValue("Integer pixel values must be in the range [0, 255].")
    else:
        raise InvalidParameterValue(f"Unsupported image array dtype: {array.dtype}")
    return Image.fromarray(array.astype(np.uint8))
