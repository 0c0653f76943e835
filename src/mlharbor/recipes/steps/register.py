"""The register step: register the trained model when evaluation validated it.

The model name comes from ``steps.register.model_name`` (or ``model_registry.model_name``).
A model the evaluate step did not validate is refused unless ``allow_non_validated_model``.
"""

from __future__ import annotations

import json

from mlharbor.exceptions import BadRequest, InvalidParameterValue
from mlharbor.recipes.cards import Card
from mlharbor.recipes.steps import evaluate, train
from mlharbor.recipes.steps.base import StepContext, StepSpec
from mlharbor.recipes.tracking import recipe_tracking

__all__ = ["REGISTER", "VERSION"]

VERSION = "registered_model_version.json"


def model_name(ctx: StepContext) -> str:
    registry = ctx.config.get("model_registry") or {}
    name = ctx.step_config("register").get("model_name") or (
        registry.get("model_name") if isinstance(registry, dict) else None
    )
    if not name:
        raise InvalidParameterValue(
            "The register step needs a model name: set steps.register.model_name or "
            "model_registry.model_name"
        )
    return str(name)


def _execute(ctx: StepContext) -> Card:
    from mlharbor.client.registry_fluent import register_model

    name = model_name(ctx)
    allow = bool(ctx.step_config("register").get("allow_non_validated_model", False))
    status = evaluate.validation_status(ctx)
    run_id = ctx.upstream("train", train.RUN_ID).read_text()
    if status != evaluate.VALIDATED and not allow:
        raise BadRequest(
            f"Model registration of run {run_id} as {name!r} refused: the model validation "
            f"status is {status}. Meet steps.evaluate.validation_criteria, or set "
            f"steps.register.allow_non_validated_model: true"
        )
    with recipe_tracking(ctx.config):
        version = register_model(f"runs:/{run_id}/{train.MODEL_DIR}", name)
    (ctx.outputs / VERSION).write_text(
        json.dumps({"name": version.name, "version": version.version})
    )

    card = Card("Register")
    card.add_fields(
        "Summary",
        {
            "model name": version.name,
            "version": version.version,
            "source run": run_id,
            "model validation status": status,
        },
    )
    return card


REGISTER = StepSpec(
    name="register", config_keys=("model_registry", "experiment"), code_files=(), execute=_execute
)
