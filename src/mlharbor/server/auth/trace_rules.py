"""Permissions of the trace endpoints: a trace acts on its experiment, as in MLflow's auth app.

Reading a trace (or its assessments) needs READ on its experiment; writing tags, assessments or
spans needs EDIT (``update``); deleting traces needs ``delete``. An unknown trace id is refused
like an unreadable one, so answers do not reveal which trace ids exist.
"""

from __future__ import annotations

from typing import Any

from mlharbor.exceptions import ResourceDoesNotExist
from mlharbor.server.auth.permissions import Action
from mlharbor.server.auth.rules import (
    Authorizer,
    Call,
    Check,
    Rule,
    _NoResourceNamedError,
    experiment,
    experiments,
    run,
)

__all__ = ["trace_rules"]


def _trace_experiment(auth: Authorizer, trace_id: str) -> str | None:
    from mlharbor.server.routes.traces import trace_store

    try:
        return trace_store(auth.context).get_trace_info(trace_id).experiment_id
    except ResourceDoesNotExist:
        return None


def trace(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        trace_id = call.params.get("trace_id") or call.params.get("request_id")
        if not trace_id:
            raise _NoResourceNamedError
        experiment_id = _trace_experiment(auth, str(trace_id))
        return experiment_id is not None and auth.can(
            call.user, "experiment", experiment_id, action
        )

    return check


def traces(action: Action, field: str = "trace_ids") -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        for trace_id in call.params.get(field) or []:
            experiment_id = _trace_experiment(auth, str(trace_id))
            if experiment_id is not None and not auth.can(
                call.user, "experiment", experiment_id, action
            ):
                return False
        return True

    return check


def _location_ids(locations: Any) -> list[str]:
    ids = []
    for location in locations or []:
        if isinstance(location, dict):
            found = location.get("mlflow_experiment") or location.get("mlflowExperiment") or {}
            value = found.get("experiment_id") or found.get("experimentId")
            if value is not None:
                ids.append(str(value))
    return ids


def searched_locations(auth: Authorizer, call: Call) -> bool:
    return all(
        auth.can(call.user, "experiment", i, "read")
        for i in _location_ids(call.params.get("locations"))
    )


def trace_info_experiment(auth: Authorizer, call: Call) -> bool:
    """StartTraceV3 names its experiment inside the trace info; the trace may not move."""
    body = call.params.get("trace") or {}
    info = body.get("trace_info") or body.get("traceInfo") or {}
    found = _location_ids([info.get("trace_location") or info.get("traceLocation")])
    if not found:
        raise _NoResourceNamedError
    return auth.can(call.user, "experiment", found[0], "update")


def otlp_experiment(auth: Authorizer, call: Call) -> bool:
    experiment_id = (call.headers or {}).get("x-mlflow-experiment-id")
    if not experiment_id:
        raise _NoResourceNamedError
    return auth.can(call.user, "experiment", experiment_id, "update")


def trace_rules() -> dict[tuple[str, str], Rule]:
    base = "mlflow/traces"
    one = f"{base}/{{trace_id}}"
    assessment = f"{one}/assessments/{{assessment_id}}"
    return {
        ("POST", base): Rule(trace_info_experiment),
        ("GET", base): Rule(experiments("read")),
        ("GET", one): Rule(trace("read")),
        ("GET", f"{base}/get"): Rule(trace("read")),
        ("GET", f"{base}/batchGet"): Rule(traces("read")),
        ("POST", f"{base}/batchGetInfos"): Rule(traces("read")),
        ("POST", f"{base}/search"): Rule(searched_locations),
        ("PATCH", f"{one}/tags"): Rule(trace("update")),
        ("DELETE", f"{one}/tags"): Rule(trace("update")),
        ("POST", f"{base}/delete-traces"): Rule(experiment("delete")),
        ("POST", f"{base}/link-to-run"): Rule(_all(run("update"), traces("update"))),
        ("POST", f"{one}/assessments"): Rule(trace("update")),
        ("GET", assessment): Rule(trace("read")),
        ("PATCH", assessment): Rule(trace("update")),
        ("DELETE", assessment): Rule(trace("update")),
        ("POST", "/v1/traces"): Rule(otlp_experiment),
    }


def _all(*checks: Check) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        return all(c(auth, call) for c in checks)

    return check
