"""Run artifact listing (``/mlflow/artifacts/list``) and the artifact proxy service
(``/mlflow-artifacts/*``): streamed uploads and downloads, listings and deletes below the
server's artifact destination.

Also holds the helpers other routes use to list or send a file of any artifact location
(``mlflow-artifacts:`` URIs resolve into the proxied destination; other URIs go through their
artifact repository).
"""

from __future__ import annotations

import mimetypes
import os
import posixpath
import shutil
import tempfile

import anyio.to_thread
import orjson
from starlette.background import BackgroundTask
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, Response

from mlharbor.entities import FileInfo
from mlharbor.exceptions import (
    InvalidParameterValue,
    MlharborException,
    NotImplementedFeature,
    PermissionDenied,
)
from mlharbor.server.artifact_access import (
    ArtifactAccess,
    ArtifactIsDirectory,
    is_local_uri,
    proxied_path,
)
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.runs import RUN_ID
from mlharbor.utils.paths import file_uri_to_local_path, validate_relative_path
from mlharbor.wire import file_info_to_json
from mlharbor.wire.values import missing_value

routes = Routes()

_TEXT_FILES = {"MLmodel", "MLproject"}


def require_access(ctx: ServerContext) -> ArtifactAccess:
    """The proxied destination, or 503 when the server was started without artifact serving."""
    if ctx.artifacts is None:
        raise MlharborException(
            "Artifact serving is disabled on this server (started with --no-serve-artifacts).",
            error_code="TEMPORARILY_UNAVAILABLE",
        )
    return ctx.artifacts


def _refused(ctx: ServerContext, artifact_uri: str) -> PermissionDenied:
    roots = ", ".join(ctx.local_roots)
    if not is_local_uri(ctx.default_artifact_root):
        roots += f", {ctx.default_artifact_root}"
    return PermissionDenied(
        f"The server does not serve artifacts of the location '{artifact_uri}'. It serves "
        f"local locations below {roots} (its --default-artifact-root, "
        "--artifacts-destination and ./mlruns of the directory it started in); start it "
        "with --default-artifact-root or from the folder that holds the artifacts."
    )


def served_location(ctx: ServerContext, artifact_uri: str) -> str:
    """The URI to read a non-proxied artifact location from, refused unless it lies below one
    of the server's local roots (``ctx.local_roots``) or, for a remote location, below its
    remote default artifact root.

    An experiment may name any location; without this check a user could make the server read
    its own files or fetch from internal hosts and buckets on their behalf.
    """
    root = ctx.default_artifact_root
    if is_local_uri(artifact_uri):
        location = os.path.realpath(file_uri_to_local_path(artifact_uri))
        for served in ctx.local_roots:
            real_root = os.path.realpath(served)
            if os.path.commonpath([real_root, location]) == real_root:
                return location
        raise _refused(ctx, artifact_uri)
    prefix = root.rstrip("/") + "/"
    if is_local_uri(root) or not (artifact_uri + "/").startswith(prefix):
        raise _refused(ctx, artifact_uri)
    if ".." in artifact_uri[len(prefix) :].split("/"):
        raise _refused(ctx, artifact_uri)
    return artifact_uri


def list_location(ctx: ServerContext, artifact_uri: str, path: str) -> list[FileInfo]:
    """Direct children of ``path`` below an artifact location, with location-relative paths."""
    relative = validate_relative_path(path)
    base = proxied_path(artifact_uri)
    if base is not None:
        infos = require_access(ctx).list_dir(posixpath.join(base, relative))
        return [
            FileInfo(
                posixpath.join(relative, i.path) if relative else i.path, i.is_dir, i.file_size
            )
            for i in infos
        ]
    from mlharbor.store.artifact.factory import get_artifact_repository

    artifact_uri = served_location(ctx, artifact_uri)
    return get_artifact_repository(artifact_uri).list_artifacts(relative or None)


def _media_type(name: str) -> str:
    if name in _TEXT_FILES:
        return "text/plain"
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


# Bytes per read of a served file: each read is a hop to a worker thread, so large reads cut
# that overhead sixteen-fold against Starlette's 64 KiB default at little memory cost.
FILE_CHUNK_BYTES = 1024 * 1024


def _file_response(local_path: str, name: str, cleanup: str | None = None) -> Response:
    response = FileResponse(
        local_path,
        media_type=_media_type(name),
        filename=name,
        background=BackgroundTask(shutil.rmtree, cleanup, True) if cleanup else None,
    )
    response.chunk_size = FILE_CHUNK_BYTES
    return response


def _fetch_location_file(ctx: ServerContext, artifact_uri: str, path: str) -> tuple[str, str]:
    """``(local file, scratch dir or "")`` for a file below an artifact location."""
    relative = validate_relative_path(path)
    base = proxied_path(artifact_uri)
    if base is not None:
        return fetch_proxied(require_access(ctx), posixpath.join(base, relative))
    from mlharbor.store.artifact.factory import get_artifact_repository

    artifact_uri = served_location(ctx, artifact_uri)
    scratch = tempfile.mkdtemp(prefix="mlharbor-serve-")
    try:
        local = get_artifact_repository(artifact_uri).download_artifacts(relative, scratch)
        if os.path.isdir(local):
            raise ArtifactIsDirectory(
                f"Artifact path refers to a directory, not a file: '{relative}'"
            )
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return local, scratch


def fetch_proxied(access: ArtifactAccess, path: str) -> tuple[str, str]:
    """``(local file, scratch dir or "")`` for a destination-relative path."""
    if access.is_local:
        return access.local_file(path), ""
    scratch = tempfile.mkdtemp(prefix="mlharbor-serve-")
    try:
        return access.fetch(path, scratch), scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise


async def send_location_file(ctx: ServerContext, artifact_uri: str, path: str) -> Response:
    """Stream one file below an artifact location as an attachment."""
    local, scratch = await anyio.to_thread.run_sync(_fetch_location_file, ctx, artifact_uri, path)
    return _file_response(local, posixpath.basename(path), scratch or None)


@routes.json("GET", "mlflow/artifacts/list", RUN_ID, Field("path"), Field("page_token"))
def list_run_artifacts(ctx: ServerContext, p: Params) -> JsonDict:
    run = ctx.store.get_run(p["run_id"])
    root_uri = run.info.artifact_uri
    out: JsonDict = {"root_uri": root_uri}
    files = list_location(ctx, root_uri, p["path"] or "")
    if files:
        out["files"] = [file_info_to_json(f) for f in files]
    return out


# -- the artifact proxy service ---------------------------------------------------------------


def _directory_error(exc: ArtifactIsDirectory) -> Response:
    # MLflow's native route answers this case with a framework-style ``detail`` body.
    return Response(orjson.dumps({"detail": exc.message}), 400, media_type="application/json")


@routes.raw("GET", "mlflow-artifacts/artifacts/{path:path}")
async def download_artifact(ctx: ServerContext, request: Request) -> Response:
    path = request.path_params["path"]
    access = require_access(ctx)
    try:
        local, scratch = await anyio.to_thread.run_sync(fetch_proxied, access, path)
    except ArtifactIsDirectory as exc:
        return _directory_error(exc)
    return _file_response(local, posixpath.basename(path), scratch or None)


@routes.raw("PUT", "mlflow-artifacts/artifacts/{path:path}")
async def upload_artifact(ctx: ServerContext, request: Request) -> Response:
    path = request.path_params["path"]
    access = require_access(ctx)
    temp, final = await anyio.to_thread.run_sync(access.upload_target, path)
    try:
        # Chunks are small (tens of KiB) and land in the page cache: writing them inline costs
        # less than a thread hop per chunk.
        with open(temp, "wb") as handle:
            async for chunk in request.stream():
                handle.write(chunk)
        await anyio.to_thread.run_sync(access.commit_upload, path, temp, final)
    except ClientDisconnect:
        # Nobody is left to answer; the partial file is simply dropped.
        await anyio.to_thread.run_sync(access.abort_upload, temp, final)
        return Response(status_code=400)
    except BaseException:
        await anyio.to_thread.run_sync(access.abort_upload, temp, final)
        raise
    return Response(status_code=200)


@routes.json("DELETE", "mlflow-artifacts/artifacts/{path:path}", Field("path"))
def delete_artifact(ctx: ServerContext, p: Params) -> None:
    require_access(ctx).delete(p["path"] or "")


@routes.json("GET", "mlflow-artifacts/artifacts", Field("path"))
def list_proxied_artifacts(ctx: ServerContext, p: Params) -> JsonDict:
    files = require_access(ctx).list_dir(p["path"] or "")
    return {"files": [file_info_to_json(f) for f in files]} if files else {}


def _multipart_unsupported(ctx: ServerContext, p: Params) -> None:
    require_access(ctx)
    raise NotImplementedFeature(
        "Multipart upload is not supported for the current artifact repository"
    )


for _action in ("create", "complete", "abort"):
    routes.json("POST", f"mlflow-artifacts/mpu/{_action}/{{path:path}}", Field("path"))(
        _multipart_unsupported
    )


@routes.json("GET", "mlflow-artifacts/presigned/{path:path}", Field("path"))
def presigned_download(ctx: ServerContext, p: Params) -> None:
    require_access(ctx)
    raise NotImplementedFeature(
        "Presigned downloads are not supported for the current artifact repository"
    )


MAX_UI_UPLOAD_BYTES = 10 * 1024 * 1024


def _store_run_file(ctx: ServerContext, run_id: str, path: str, data: bytes) -> None:
    relative = validate_relative_path(path)
    if not relative:
        raise InvalidParameterValue("Invalid path")
    artifact_uri = ctx.store.get_run(run_id).info.artifact_uri
    base = proxied_path(artifact_uri)
    if base is not None:
        access = require_access(ctx)
        target = posixpath.join(base, relative)
        temp, final = access.upload_target(target)
        try:
            with open(temp, "wb") as handle:
                handle.write(data)
            access.commit_upload(target, temp, final)
        except BaseException:
            access.abort_upload(temp, final)
            raise
        return
    from mlharbor.store.artifact.factory import get_artifact_repository

    artifact_uri = served_location(ctx, artifact_uri)
    scratch = tempfile.mkdtemp(prefix="mlharbor-upload-")
    try:
        local = os.path.join(scratch, posixpath.basename(relative))
        with open(local, "wb") as handle:
            handle.write(data)
        repository = get_artifact_repository(artifact_uri)
        repository.log_artifact(local, posixpath.dirname(relative) or None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@routes.raw("POST", "mlflow/upload-artifact")
async def upload_run_artifact(ctx: ServerContext, request: Request) -> Response:
    """The web UI's upload of one small file (at most 10 MiB) into a run's artifacts."""
    query = request.query_params
    run_id = query.get("run_uuid") or query.get("run_id")
    if not run_id:
        raise missing_value("run_uuid")
    path = query.get("path")
    if not path:
        raise missing_value("path")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UI_UPLOAD_BYTES:
            raise InvalidParameterValue(
                f"Artifact size exceeds the limit of {MAX_UI_UPLOAD_BYTES} bytes."
            )
        chunks.append(chunk)
    await anyio.to_thread.run_sync(_store_run_file, ctx, run_id, path, b"".join(chunks))
    return Response(orjson.dumps({}), media_type="application/json")
