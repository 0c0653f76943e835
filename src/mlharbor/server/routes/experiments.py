"""``/mlflow/experiments/*``: create, read, search, rename, delete, restore and tag experiments."""

from __future__ import annotations

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.server.context import ServerContext
from mlharbor.server.locations import check_experiment_location
from mlharbor.server.params import Field, Kind, Params
from mlharbor.server.routes import JsonDict, Routes
from mlharbor.server.routes.common import check_max_results, key_value_pairs, page_reply, view_type
from mlharbor.store.tracking.protocol import SEARCH_MAX_RESULTS_LIMIT
from mlharbor.wire import dataset_summary_to_json, experiment_to_json

routes = Routes()

_EXPERIMENT_ID = Field("experiment_id", required=True)
MAX_DATASET_SEARCH_EXPERIMENTS = 20


@routes.json(
    "POST",
    "mlflow/experiments/create",
    Field("name", required=True),
    Field("artifact_location"),
    Field("tags", Kind.OBJECT_LIST),
)
def create_experiment(ctx: ServerContext, p: Params) -> JsonDict:
    if p["artifact_location"]:
        check_experiment_location(ctx, p["artifact_location"])
    experiment_id = ctx.store.create_experiment(
        p["name"], p["artifact_location"] or None, key_value_pairs(p["tags"], "tags")
    )
    return {"experiment_id": experiment_id}


@routes.json("GET", "mlflow/experiments/get", _EXPERIMENT_ID)
def get_experiment(ctx: ServerContext, p: Params) -> JsonDict:
    return {"experiment": experiment_to_json(ctx.store.get_experiment(p["experiment_id"]))}


@routes.json("GET", "mlflow/experiments/get-by-name", Field("experiment_name", required=True))
def get_experiment_by_name(ctx: ServerContext, p: Params) -> JsonDict:
    name = p["experiment_name"]
    experiment = ctx.store.get_experiment_by_name(name)
    if experiment is None:
        raise ResourceDoesNotExist(f"Could not find experiment with name '{name}'")
    return {"experiment": experiment_to_json(experiment)}


_SEARCH_FIELDS = (
    Field("max_results", Kind.INT),
    Field("page_token"),
    Field("filter"),
    Field("order_by", Kind.STR_LIST),
    Field("view_type", Kind.ENUM),
)


def search_experiments(ctx: ServerContext, p: Params) -> JsonDict:
    max_results = check_max_results(p["max_results"], None, SEARCH_MAX_RESULTS_LIMIT, required=True)
    assert max_results is not None
    page = ctx.store.search_experiments(
        view_type=view_type(p["view_type"]),
        max_results=max_results,
        filter_string=p["filter"] or None,
        order_by=p["order_by"] or None,
        page_token=p["page_token"] or None,
    )
    return page_reply("experiments", page, experiment_to_json)


routes.json("POST", "mlflow/experiments/search", *_SEARCH_FIELDS)(search_experiments)
routes.json("GET", "mlflow/experiments/search", *_SEARCH_FIELDS)(search_experiments)


@routes.json("POST", "mlflow/experiments/delete", _EXPERIMENT_ID)
def delete_experiment(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_experiment(p["experiment_id"])


@routes.json("POST", "mlflow/experiments/restore", _EXPERIMENT_ID)
def restore_experiment(ctx: ServerContext, p: Params) -> None:
    ctx.store.restore_experiment(p["experiment_id"])


@routes.json("POST", "mlflow/experiments/update", _EXPERIMENT_ID, Field("new_name", required=True))
def update_experiment(ctx: ServerContext, p: Params) -> None:
    ctx.store.rename_experiment(p["experiment_id"], p["new_name"])


@routes.json(
    "POST",
    "mlflow/experiments/set-experiment-tag",
    _EXPERIMENT_ID,
    Field("key", required=True),
    Field("value"),
)
def set_experiment_tag(ctx: ServerContext, p: Params) -> None:
    ctx.store.set_experiment_tag(p["experiment_id"], p["key"], p["value"] or "")


@routes.json(
    "POST",
    "mlflow/experiments/delete-experiment-tag",
    _EXPERIMENT_ID,
    Field("key", required=True),
)
def delete_experiment_tag(ctx: ServerContext, p: Params) -> None:
    ctx.store.delete_experiment_tag(p["experiment_id"], p["key"])


@routes.json("POST", "mlflow/experiments/search-datasets", Field("experiment_ids", Kind.STR_LIST))
def search_datasets(ctx: ServerContext, p: Params) -> JsonDict:
    experiment_ids = p["experiment_ids"]
    if not experiment_ids:
        raise InvalidParameterValue(
            "SearchDatasets request must specify at least one experiment_id."
        )
    if len(experiment_ids) > MAX_DATASET_SEARCH_EXPERIMENTS:
        raise InvalidParameterValue(
            "SearchDatasets request cannot specify more than "
            f"{MAX_DATASET_SEARCH_EXPERIMENTS} experiment_ids. "
            f"Received {len(experiment_ids)} experiment_ids."
        )
    summaries = ctx.store.search_datasets(experiment_ids)
    return {"dataset_summaries": [dataset_summary_to_json(s) for s in summaries]}
