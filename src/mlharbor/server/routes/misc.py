"""Service routes outside the protobuf API: health, version, capability probe, UI downloads."""

from __future__ import annotations

import anyio.to_thread
import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from mlharbor.server.context import ServerContext
from mlharbor.server.routes import Routes
from mlharbor.server.routes.artifacts import send_location_file
from mlharbor.wire.values import missing_value

routes = Routes()

_SERVER_INFO = {
    "store_type": "SqlStore",
    "workspaces_enabled": False,
    "trace_archival_enabled": False,
    "multipart_uploads_enabled": False,
    "multipart_downloads_enabled": False,
    "presigned_upload_run_id_supported": False,
    "presigned_upload_model_id_supported": False,
    "features_enabled": {"gateway": False},
}


@routes.raw("GET", "/health", mount="root")
async def health(ctx: ServerContext, request: Request) -> Response:
    return PlainTextResponse("OK")


# ``/version`` names the MLflow release whose REST API this server speaks: MLflow's client reads it
# to choose features (it sends spans over OTLP only to servers at 3.4 or later).
MLFLOW_API_VERSION = "3.17.2"


@routes.raw("GET", "/version", mount="root")
async def version(ctx: ServerContext, request: Request) -> Response:
    return Response(MLFLOW_API_VERSION, media_type="text/html")


@routes.raw("GET", "mlflow/server-info", versions=("3.0",))
async def server_info(ctx: ServerContext, request: Request) -> Response:
    return Response(orjson.dumps(_SERVER_INFO), media_type="application/json")


@routes.raw("GET", "/get-artifact", mount="root")
async def get_artifact(ctx: ServerContext, request: Request) -> Response:
    """A file of a run's artifacts by run id and run-relative path (the web UI's download)."""
    query = request.query_params
    run_id = query.get("run_id") or query.get("run_uuid")
    if not run_id:
        raise missing_value("run_id")
    path = query.get("path")
    if not path:
        raise missing_value("path")
    run = await anyio.to_thread.run_sync(ctx.store.get_run, run_id)
    return await send_location_file(ctx, run.info.artifact_uri, path)


def _model_version_location(ctx: ServerContext, name: str, version: str) -> str:
    from mlharbor.server.routes.registered_models import registry_store

    uri = registry_store(ctx).get_model_version_download_uri(name, version)
    # Versions registered from a logged model point at it by id.
    if uri.startswith("models:/"):
        return ctx.store.get_logged_model(uri[len("models:/") :].strip("/")).artifact_location
    return uri


@routes.raw("GET", "/model-versions/get-artifact", mount="root")
async def get_model_version_artifact(ctx: ServerContext, request: Request) -> Response:
    """A file of a registered model version by name, version and model-relative path."""
    query = request.query_params
    for required in ("name", "version", "path"):
        if not query.get(required):
            raise missing_value(required)
    location = await anyio.to_thread.run_sync(
        _model_version_location, ctx, query["name"], query["version"]
    )
    return await send_location_file(ctx, location, query["path"])
