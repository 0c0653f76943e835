"""``/mlharbor/gc``: permanently delete deleted runs and experiments from the web UI.

The same purge as ``mlharbor gc``, run by the server on its own store and artifact destination.
Under the basic-auth app only admins may call it (see :mod:`mlharbor.server.auth.rules`).
"""

from __future__ import annotations

from mlharbor.housekeeping import gc
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes

__all__ = ["routes"]

routes = Routes()


@routes.json(
    "POST",
    "mlharbor/gc",
    Field("experiment_ids", Kind.STR_LIST),
    Field("run_ids", Kind.STR_LIST),
    Field("older_than"),
    Field("dry_run", Kind.BOOL),
)
def purge(ctx: ServerContext, p: Params) -> JsonDict:
    result = gc(
        older_than=p["older_than"] or None,
        run_ids=p["run_ids"] or None,
        experiment_ids=p["experiment_ids"] or None,
        backend_store_uri=ctx.backend_store_uri,
        artifacts_destination=ctx.artifacts.destination if ctx.artifacts else None,
        dry_run=bool(p["dry_run"]),
        store=ctx.store if hasattr(ctx.store, "hard_delete_runs") else None,
    )
    return {
        "run_ids": result.run_ids,
        "experiment_ids": result.experiment_ids,
        "artifact_failures": result.artifact_failures,
    }
