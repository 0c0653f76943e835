"""``/mlharbor/sweeps/*``: the sweep controller (create, get, list, claim, report, stop, resume).

The controller lives here, on the tracking server, so agents on any number of machines share
one sweep; see :mod:`mlharbor.store.sweeps.sql` for how trials are handed out exactly once.
"""

from __future__ import annotations

from mlharbor.entities.sweep import TrialState
from mlharbor.exceptions import InvalidParameterValue
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.store.sweeps.sql import SqlSweepStore
from mlharbor.wire.sweeps import sweep_to_json, trial_to_json

__all__ = ["routes", "sweep_store"]

routes = Routes()

_BASE = "mlharbor/sweeps"
_SWEEP_ID = Field("sweep_id", required=True)


def sweep_store(ctx: ServerContext) -> SqlSweepStore:
    """The server's sweep store, on the same database as its tracking store."""
    from mlharbor.store.tracking.factory import resolve_tracking_uri

    return ctx.shared(
        "sweep_store",
        lambda: SqlSweepStore(resolve_tracking_uri(ctx.backend_store_uri), ctx.store),
    )


@routes.json(
    "POST",
    f"{_BASE}/create",
    Field("experiment_id", required=True),
    Field("config", Kind.OBJECT, required=True),
    Field("name"),
    Field("user_id"),
)
def create_sweep(ctx: ServerContext, p: Params) -> JsonDict:
    sweep = sweep_store(ctx).create_sweep(
        p["experiment_id"], p["config"], p["name"] or None, p["user_id"] or ""
    )
    return {"sweep": sweep_to_json(sweep)}


@routes.json("GET", f"{_BASE}/get", _SWEEP_ID)
def get_sweep(ctx: ServerContext, p: Params) -> JsonDict:
    return {"sweep": sweep_to_json(sweep_store(ctx).get_sweep(p["sweep_id"]))}


@routes.json("GET", f"{_BASE}/list", Field("experiment_id", required=True))
def list_sweeps(ctx: ServerContext, p: Params) -> JsonDict:
    found = sweep_store(ctx).list_sweeps(p["experiment_id"])
    return {"sweeps": [sweep_to_json(s) for s in found]} if found else {}


@routes.json("POST", f"{_BASE}/claim", _SWEEP_ID)
def claim_trial(ctx: ServerContext, p: Params) -> JsonDict:
    claim = sweep_store(ctx).claim_trial(p["sweep_id"])
    if claim is None:
        return {}
    return {"trial": trial_to_json(claim.trial), "heartbeat_interval": claim.heartbeat_interval}


@routes.json(
    "POST",
    f"{_BASE}/report",
    _SWEEP_ID,
    Field("number", Kind.INT, required=True),
    Field("run_id"),
    Field("state"),
)
def report_trial(ctx: ServerContext, p: Params) -> JsonDict:
    state = None
    if p["state"]:
        try:
            state = TrialState(p["state"])
        except ValueError:
            raise InvalidParameterValue(
                f"Invalid value {p['state']!r} for parameter 'state': expected one of "
                f"{', '.join(s.value for s in TrialState)}."
            ) from None
    stop = sweep_store(ctx).report_trial(p["sweep_id"], p["number"], p["run_id"] or None, state)
    return {"stop": stop}


@routes.json("POST", f"{_BASE}/stop", _SWEEP_ID)
def stop_sweep(ctx: ServerContext, p: Params) -> JsonDict:
    return {"sweep": sweep_to_json(sweep_store(ctx).stop_sweep(p["sweep_id"]))}


@routes.json("POST", f"{_BASE}/resume", _SWEEP_ID)
def resume_sweep(ctx: ServerContext, p: Params) -> JsonDict:
    return {"sweep": sweep_to_json(sweep_store(ctx).resume_sweep(p["sweep_id"]))}
