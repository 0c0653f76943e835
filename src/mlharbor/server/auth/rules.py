"""Which permission each tracking-server endpoint needs, following MLflow's basic-auth app.

Every route of the tracking server has one :class:`Rule`, keyed by its method and route path
(the path as declared in the route table, e.g. ``mlflow/runs/get``), so one entry covers the
``/api`` and ``/ajax-api`` mounts and any static prefix. A rule may

* ``check`` the request before it runs (non-admins only): the resource is named by the request
  (``experiment_id``, ``run_id`` → its experiment, ``name`` of a registered model, the
  experiment id leading a proxied artifact path, ...);
* ``narrow`` the request (search of runs / logged models: only readable experiments are asked);
* ``after`` the response succeeded: grant the creator MANAGE, move or drop grants of renamed or
  deleted models, and drop unreadable rows from search results.

A route without a rule is refused to non-admins, and a test checks every route has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mlharbor.exceptions import ResourceDoesNotExist
from mlharbor.server.auth.config import AuthConfig
from mlharbor.server.auth.permissions import MANAGE, Action, Permission, get_permission
from mlharbor.server.auth.sources import UnmappableError, experiment_segment, source_resources
from mlharbor.server.auth.store import AuthStore, ResourceKind, User
from mlharbor.server.context import ServerContext
from mlharbor.server.params import Params
from mlharbor.server.routes.runs import DEFAULT_EXPERIMENT_ID
from mlharbor.utils.paths import validate_relative_path

__all__ = ["RULES", "Authorizer", "Call", "Rule"]


@dataclass
class Call:
    """One request as the rules see it: who sends it and what it names.

    Attributes:
        user: the authenticated sender.
        params: the validated request fields (JSON routes) or query and path parameters (raw
            routes).
        body: the decoded JSON body, when the request has one; a ``narrow`` may change it.
        headers: the request headers (lower-case names), for resources named by a header.
    """

    user: User
    params: Params
    body: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


class Authorizer:
    """Resolves a user's permission on experiments and registered models."""

    def __init__(self, store: AuthStore, config: AuthConfig, context: ServerContext) -> None:
        self.store = store
        self.default = get_permission(config.default_permission)
        self.context = context

    def permission(self, user: User, kind: ResourceKind, resource_id: str) -> Permission:
        """The explicit grant of ``user`` on the resource, else the default; admins: MANAGE."""
        if user.is_admin:
            return MANAGE
        explicit = self.store.permission_of(user.username, kind, resource_id)
        return get_permission(explicit) if explicit is not None else self.default

    def can(self, user: User, kind: ResourceKind, resource_id: str, action: Action) -> bool:
        return self.permission(user, kind, resource_id).allows(action)

    def readable(self, user: User, kind: ResourceKind) -> Callable[[str], bool]:
        """A predicate telling which resources ``user`` may read, from one query."""
        grants = self.store.permissions_of(user.username, kind)
        default = self.default.can_read

        def can_read(resource_id: str) -> bool:
            name = grants.get(resource_id)
            return default if name is None else get_permission(name).can_read

        return can_read

    def registry(self) -> Any:
        from mlharbor.server.routes.registered_models import registry_store

        return registry_store(self.context)


Check = Callable[[Authorizer, Call], bool]
Narrow = Callable[[Authorizer, Call], dict[str, Any] | None]
After = Callable[[Authorizer, Call, dict[str, Any]], dict[str, Any] | None]


@dataclass(frozen=True)
class Rule:
    """What one endpoint requires; see the module docstring.

    ``narrow`` returns the response to send instead of running the endpoint (``None``: run it);
    ``after`` returns a replacement response body (``None``: keep it).
    """

    check: Check | None = None
    narrow: Narrow | None = None
    after: After | None = None


# ---- checks ----


def allow(_auth: Authorizer, _call: Call) -> bool:
    return True


def admins_only(_auth: Authorizer, _call: Call) -> bool:
    """Refuse every non-admin (admins skip checks)."""
    return False


def _param(call: Call, name: str) -> str:
    value = call.params.get(name)
    if value is None or value == "":
        # A missing field is reported by the endpoint's own validation; nothing to check here.
        raise _NoResourceNamedError
    return str(value)


class _NoResourceNamedError(Exception):
    """The request names no resource; the endpoint itself will refuse it."""


def experiment(action: Action, field: str = "experiment_id", default: str | None = None) -> Check:
    """``action`` on the experiment named by ``field``; ``default`` is the experiment the
    endpoint falls back to when the field is missing."""

    def check(auth: Authorizer, call: Call) -> bool:
        experiment_id = call.params.get(field) or default
        if experiment_id is None:
            raise _NoResourceNamedError
        return auth.can(call.user, "experiment", str(experiment_id), action)

    return check


def experiments(action: Action, field: str = "experiment_ids") -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        ids = call.params.get(field) or []
        return all(auth.can(call.user, "experiment", str(i), action) for i in ids)

    return check


def experiment_by_name(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        name = _param(call, "experiment_name")
        found = auth.context.store.get_experiment_by_name(name)
        if found is None:
            raise ResourceDoesNotExist(f"Could not find experiment with name {name}")
        return auth.can(call.user, "experiment", found.experiment_id, action)

    return check


def _run_experiment(auth: Authorizer, run_id: str) -> str | None:
    try:
        return str(auth.context.store.get_run(run_id).info.experiment_id)
    except ResourceDoesNotExist:
        # An unknown run is refused, so the answer does not reveal which run ids exist.
        return None


def run(action: Action, *fields: str) -> Check:
    names = fields or ("run_id",)

    def check(auth: Authorizer, call: Call) -> bool:
        run_id = next((str(call.params[n]) for n in names if call.params.get(n)), None)
        if run_id is None:
            raise _NoResourceNamedError
        experiment_id = _run_experiment(auth, run_id)
        return experiment_id is not None and auth.can(
            call.user, "experiment", experiment_id, action
        )

    return check


def runs(action: Action, field: str) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        for run_id in call.params.get(field) or []:
            experiment_id = _run_experiment(auth, str(run_id))
            if experiment_id is None or not auth.can(
                call.user, "experiment", experiment_id, action
            ):
                return False
        return True

    return check


def logged_model(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        try:
            model = auth.context.store.get_logged_model(_param(call, "model_id"))
        except ResourceDoesNotExist:
            return False
        return auth.can(call.user, "experiment", str(model.experiment_id), action)

    return check


def sweep(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        from mlharbor.server.routes.sweeps import sweep_store

        experiment_id = sweep_store(auth.context).experiment_of(_param(call, "sweep_id"))
        return experiment_id is not None and auth.can(
            call.user, "experiment", experiment_id, action
        )

    return check


def model(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        return auth.can(call.user, "registered_model", _param(call, "name"), action)

    return check


def artifact_experiment(path: str) -> str | None:
    """The experiment whose directory holds a proxied artifact path, else ``None``.

    The path is normalised by :func:`validate_relative_path`, the very function the artifact
    handlers resolve it with, so the check sees what the handler will touch; its first segment
    must then be an experiment id spelled as the server spells it.
    """
    return experiment_segment(validate_relative_path(path))


def artifact_proxy(action: Action) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        experiment_id = artifact_experiment(str(call.params.get("path") or ""))
        # Anything outside an experiment's directory (the root, a stray folder) has no owner
        # to check against: only admins, who skip checks, reach it.
        return experiment_id is not None and auth.can(
            call.user, "experiment", experiment_id, action
        )

    return check


def model_version_sources(auth: Authorizer, call: Call) -> bool:
    """READ on everything a new model version copies (see :mod:`.sources`)."""
    source = str(call.params.get("source") or "")
    try:
        resources = list(
            source_resources(
                auth.context, source, call.params.get("run_id"), call.params.get("model_id")
            )
        )
    except UnmappableError:
        return False
    read: dict[str, Check] = {
        "run": run("read"),
        "logged_model": logged_model("read"),
        "registered_model": model("read"),
        "experiment": experiment("read"),
    }
    field = {"run": "run_id", "logged_model": "model_id", "registered_model": "name"}
    for kind, resource_id in resources:
        named = Call(call.user, {field.get(kind, "experiment_id"): resource_id})
        if not read[kind](auth, named):
            return False
    return True


def every(*checks: Check) -> Check:
    def check(auth: Authorizer, call: Call) -> bool:
        return all(run_checks(auth, one, call) for one in checks)

    return check


def run_checks(auth: Authorizer, check: Check, call: Call) -> bool:
    """Apply ``check``; a request naming nothing passes on to the endpoint's own validation."""
    try:
        return check(auth, call)
    except _NoResourceNamedError:
        return True


# ---- narrowing and response filters ----


def readable_experiment_ids(auth: Authorizer, call: Call) -> dict[str, Any] | None:
    """Ask only for experiments the sender may read; nothing readable means no results."""
    if call.body is None:
        return None
    asked = [str(i) for i in call.params.get("experiment_ids") or []]
    can_read = auth.readable(call.user, "experiment")
    kept = [i for i in asked if can_read(i)]
    if asked and not kept:
        return {}
    # The field may have come under its lowerCamel spelling; send it back under one name.
    call.body.pop("experimentIds", None)
    call.body["experiment_ids"] = kept
    return None


def grant_creator_experiment(auth: Authorizer, call: Call, body: dict[str, Any]) -> None:
    experiment_id = body.get("experiment_id")
    if experiment_id:
        auth.store.set_grant("experiment", str(experiment_id), call.user.username, MANAGE.name)


def grant_creator_model(auth: Authorizer, call: Call, body: dict[str, Any]) -> None:
    name = (body.get("registered_model") or {}).get("name")
    if name:
        auth.store.set_grant("registered_model", str(name), call.user.username, MANAGE.name)


def rename_model_grants(auth: Authorizer, call: Call, _body: dict[str, Any]) -> None:
    old, new = call.params.get("name"), call.params.get("new_name")
    if old and new:
        auth.store.rename_resource_grants("registered_model", str(old), str(new))


def drop_model_grants(auth: Authorizer, call: Call, _body: dict[str, Any]) -> None:
    if call.params.get("name"):
        auth.store.delete_resource_grants("registered_model", str(call.params["name"]))


def _filter_list(
    key: str, kind: ResourceKind, resource_id: Callable[[dict[str, Any]], str]
) -> After:
    def after(auth: Authorizer, call: Call, body: dict[str, Any]) -> dict[str, Any] | None:
        if call.user.is_admin or key not in body:
            return None
        can_read = auth.readable(call.user, kind)
        kept = [item for item in body[key] if can_read(resource_id(item))]
        if kept:
            body[key] = kept
        else:
            del body[key]
        return body

    return after


filter_experiments = _filter_list("experiments", "experiment", lambda e: str(e["experiment_id"]))
filter_models = _filter_list("registered_models", "registered_model", lambda m: str(m["name"]))
filter_versions = _filter_list("model_versions", "registered_model", lambda v: str(v["name"]))


def _rules() -> dict[tuple[str, str], Rule]:
    exp = "mlflow/experiments"
    table: dict[tuple[str, str], Rule] = {
        ("POST", f"{exp}/create"): Rule(allow, after=grant_creator_experiment),
        ("GET", f"{exp}/get"): Rule(experiment("read")),
        ("GET", f"{exp}/get-by-name"): Rule(experiment_by_name("read")),
        ("POST", f"{exp}/search"): Rule(allow, after=filter_experiments),
        ("GET", f"{exp}/search"): Rule(allow, after=filter_experiments),
        ("POST", f"{exp}/delete"): Rule(experiment("delete")),
        ("POST", f"{exp}/restore"): Rule(experiment("delete")),
        ("POST", f"{exp}/update"): Rule(experiment("update")),
        ("POST", f"{exp}/set-experiment-tag"): Rule(experiment("update")),
        ("POST", f"{exp}/delete-experiment-tag"): Rule(experiment("update")),
        ("POST", f"{exp}/search-datasets"): Rule(experiments("read")),
        # Runs act on their experiment.
        ("POST", "mlflow/runs/create"): Rule(experiment("update", default=DEFAULT_EXPERIMENT_ID)),
        ("GET", "mlflow/runs/get"): Rule(run("read")),
        ("POST", "mlflow/runs/delete"): Rule(run("delete")),
        ("POST", "mlflow/runs/restore"): Rule(run("delete")),
        ("POST", "mlflow/runs/search"): Rule(allow, narrow=readable_experiment_ids),
        ("GET", "mlflow/metrics/get-history"): Rule(run("read")),
        ("GET", "mlflow/metrics/get-history-bulk"): Rule(runs("read", "run_id")),
        ("GET", "mlflow/metrics/get-history-bulk-interval"): Rule(runs("read", "run_ids")),
        ("GET", "mlflow/artifacts/list"): Rule(run("read")),
        ("POST", "mlflow/upload-artifact"): Rule(run("update", "run_uuid", "run_id")),
        ("GET", "/get-artifact"): Rule(run("read", "run_id", "run_uuid")),
        # Proxied artifacts: the experiment is the first segment of the path.
        ("GET", "mlflow-artifacts/artifacts"): Rule(artifact_proxy("read")),
        ("GET", "mlflow-artifacts/artifacts/{path:path}"): Rule(artifact_proxy("read")),
        ("PUT", "mlflow-artifacts/artifacts/{path:path}"): Rule(artifact_proxy("update")),
        ("DELETE", "mlflow-artifacts/artifacts/{path:path}"): Rule(artifact_proxy("delete")),
        ("GET", "mlflow-artifacts/presigned/{path:path}"): Rule(artifact_proxy("read")),
        # Logged models act on their experiment.
        ("POST", "mlflow/logged-models"): Rule(experiment("update")),
        ("POST", "mlflow/logged-models/search"): Rule(allow, narrow=readable_experiment_ids),
        # Registered models and their versions act on the registered model.
        ("POST", "mlflow/registered-models/create"): Rule(allow, after=grant_creator_model),
        ("GET", "mlflow/registered-models/get"): Rule(model("read")),
        ("POST", "mlflow/registered-models/rename"): Rule(
            model("update"), after=rename_model_grants
        ),
        ("PATCH", "mlflow/registered-models/update"): Rule(model("update")),
        ("DELETE", "mlflow/registered-models/delete"): Rule(
            model("delete"), after=drop_model_grants
        ),
        ("GET", "mlflow/registered-models/search"): Rule(allow, after=filter_models),
        ("POST", "mlflow/registered-models/get-latest-versions"): Rule(model("read")),
        ("GET", "mlflow/registered-models/get-latest-versions"): Rule(model("read")),
        ("POST", "mlflow/registered-models/set-tag"): Rule(model("update")),
        ("DELETE", "mlflow/registered-models/delete-tag"): Rule(model("update")),
        ("POST", "mlflow/registered-models/alias"): Rule(model("update")),
        ("DELETE", "mlflow/registered-models/alias"): Rule(model("delete")),
        ("GET", "mlflow/registered-models/alias"): Rule(model("read")),
        ("POST", "mlflow/model-versions/create"): Rule(
            every(model("update"), model_version_sources)
        ),
        ("GET", "mlflow/model-versions/get"): Rule(model("read")),
        ("PATCH", "mlflow/model-versions/update"): Rule(model("update")),
        ("DELETE", "mlflow/model-versions/delete"): Rule(model("delete")),
        ("POST", "mlflow/model-versions/transition-stage"): Rule(model("update")),
        ("GET", "mlflow/model-versions/search"): Rule(allow, after=filter_versions),
        ("GET", "mlflow/model-versions/get-download-uri"): Rule(model("read")),
        ("POST", "mlflow/model-versions/set-tag"): Rule(model("update")),
        ("DELETE", "mlflow/model-versions/delete-tag"): Rule(model("delete")),
        ("GET", "/model-versions/get-artifact"): Rule(model("read")),
        # Server information and the web UI: any signed-in user.
        ("GET", "/version"): Rule(allow),
        ("GET", "/"): Rule(allow),
        ("GET", ""): Rule(allow),
    }
    for path in ("update", "log-metric", "log-parameter", "set-tag", "delete-tag"):
        table["POST", f"mlflow/runs/{path}"] = Rule(run("update"))
    for path in ("log-batch", "log-inputs", "outputs", "log-model"):
        table["POST", f"mlflow/runs/{path}"] = Rule(run("update"))
    for action in ("create", "complete", "abort"):
        table["POST", f"mlflow-artifacts/mpu/{action}/{{path:path}}"] = Rule(
            artifact_proxy("update")
        )
    table["POST", "mlharbor/sweeps/create"] = Rule(experiment("update"))
    table["GET", "mlharbor/sweeps/list"] = Rule(experiment("read"))
    table["GET", "mlharbor/sweeps/get"] = Rule(sweep("read"))
    for path in ("claim", "report", "stop", "resume"):
        table["POST", f"mlharbor/sweeps/{path}"] = Rule(sweep("update"))
    table["POST", "mlharbor/gc"] = Rule(admins_only)
    base = "mlflow/logged-models/{model_id}"
    table.update(
        {
            ("GET", base): Rule(logged_model("read")),
            ("PATCH", base): Rule(logged_model("update")),
            ("DELETE", base): Rule(logged_model("delete")),
            ("PATCH", f"{base}/tags"): Rule(logged_model("update")),
            ("DELETE", f"{base}/tags/{{tag_key}}"): Rule(logged_model("update")),
            ("POST", f"{base}/params"): Rule(logged_model("update")),
            ("GET", f"{base}/artifacts/directories"): Rule(logged_model("read")),
            ("GET", f"{base}/artifacts/files"): Rule(logged_model("read")),
        }
    )
    from mlharbor.server.auth.trace_rules import trace_rules

    table.update(trace_rules())
    return table


RULES = _rules()
