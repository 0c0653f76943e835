"""The train step: fit the estimator and log the transformer + estimator pipeline to a run.

``steps/train.py`` provides ``estimator_method``, a function returning an unfitted scikit-learn
estimator; it is called with ``estimator_params`` when the step configures any. The run gets the
estimator's parameters, ``training_``/``val_`` metrics and the model under ``model``.
"""

from __future__ import annotations

import time
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, NotImplementedFeature
from mlharbor.recipes.cards import Card
from mlharbor.recipes.metrics import metric_set, primary_metric
from mlharbor.recipes.steps import split, transform
from mlharbor.recipes.steps.base import StepContext, StepSpec
from mlharbor.recipes.tracking import experiment_id, recipe_tracking

__all__ = ["MODEL", "MODEL_DIR", "RUN_ID", "TRAIN"]

MODEL = "model.pkl"
MODEL_DIR = "model"
RUN_ID = "run_id"
_PARAM_LIMIT = 6000


def _estimator(ctx: StepContext) -> tuple[Any, dict[str, Any]]:
    config = ctx.step_config("train")
    using = config.get("using", "custom")
    if using == "automl":
        raise NotImplementedFeature("steps.train.using: automl (FLAML) is not supported")
    if using != "custom":
        raise InvalidParameterValue(f"steps.train.using must be 'custom', got {using!r}")
    method = config.get("estimator_method")
    if not method:
        raise InvalidParameterValue("steps.train needs an 'estimator_method' in steps/train.py")
    params = config.get("estimator_params") or {}
    if not isinstance(params, dict):
        raise InvalidParameterValue("steps.train.estimator_params must be a mapping")
    function = ctx.user_function("train", str(method), "steps.train.estimator_method")
    estimator = function(params) if params else function()
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        raise InvalidParameterValue(
            f"steps/train.py:{method} must return an estimator with fit() and predict(), "
            f"got {type(estimator).__name__}"
        )
    return estimator, params


def _check_classes(ctx: StepContext, target: Any) -> None:
    if ctx.template != "classification/v1":
        return
    classes = list(target.unique())
    positive = ctx.config.get("positive_class")
    if len(classes) < 2:
        raise InvalidParameterValue(
            f"The training set has a single class in {ctx.target_col!r}; a classifier needs two"
        )
    if len(classes) == 2 and positive not in classes:
        raise InvalidParameterValue(
            f"Binary classification needs positive_class set to one of the classes of "
            f"{ctx.target_col!r} ({', '.join(map(str, classes))}); got {positive!r}"
        )


def _tags(ctx: StepContext) -> dict[str, str]:
    return {
        "mlflow.source.type": "RECIPE",
        "mlflow.source.name": str(ctx.root),
        "mlflow.recipe.template.name": ctx.template,
        "mlflow.recipe.step.name": "train",
        "mlflow.recipe.profile.name": ctx.profile,
    }


def _execute(ctx: StepContext) -> Card:
    import cloudpickle
    from sklearn.pipeline import Pipeline

    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Metric, Param
    from mlharbor.sklearn import log_model, save_model

    target_col = ctx.target_col
    metrics = metric_set(ctx)
    estimator, hardcoded = _estimator(ctx)
    transformer = ctx.read_pickle("transform", transform.TRANSFORMER)
    training = ctx.read_frame("split", split.OUTPUTS["training"])
    _check_classes(ctx, training[target_col])
    # Fit on what the transformer hands the estimator inside the logged pipeline, so the
    # estimator sees the same kind of input (array or frame, same names) when predicting.
    estimator.fit(transformer.transform(training.drop(columns=[target_col])), training[target_col])
    model = Pipeline([("transformer", transformer), ("estimator", estimator)])

    scores: dict[str, dict[str, float]] = {}
    for prefix, part in (("training", "training"), ("val", "validation")):
        data = ctx.read_frame("split", split.OUTPUTS[part])
        if len(data):
            scores[prefix] = metrics.compute(
                model, data.drop(columns=[target_col]), data[target_col]
            )
    with (ctx.outputs / MODEL).open("wb") as handle:
        cloudpickle.dump(model, handle)
    save_model(model, ctx.outputs / MODEL_DIR)

    params = {k: str(v)[:_PARAM_LIMIT] for k, v in estimator.get_params(deep=False).items()}
    params.update({k: str(v)[:_PARAM_LIMIT] for k, v in hardcoded.items()})
    now = int(time.time() * 1000)
    with recipe_tracking(ctx.config):
        client = MlharborClient()
        run = client.create_run(experiment_id(ctx.config, ctx.root), tags=_tags(ctx))
        run_id = run.info.run_id
        try:
            client.log_batch(
                run_id,
                params=[Param(k, v) for k, v in params.items()],
                metrics=[
                    Metric(f"{prefix}_{name}", value, now, 0)
                    for prefix, values in scores.items()
                    for name, value in values.items()
                ],
            )
            log_model(
                model,
                name=MODEL_DIR,
                run_id=run_id,
                input_example=training.drop(columns=[target_col]).head(5),
            )
        except BaseException:
            client.set_terminated(run_id, "FAILED")
            raise
        client.set_terminated(run_id)
    (ctx.outputs / RUN_ID).write_text(run_id)

    primary = primary_metric(ctx.config)
    card = Card("Train")
    card.add_fields(
        "Summary",
        {
            "run id": run_id,
            "estimator": type(estimator).__name__,
            "primary metric": primary,
            **{f"{p} {primary}": v.get(primary, "n/a") for p, v in scores.items()},
        },
    )
    card.add_table("Parameters", ["name", "value"], [[k, v] for k, v in params.items()])
    names = sorted({name for values in scores.values() for name in values})
    card.add_table(
        "Metrics",
        ["metric", *scores],
        [[n, *(scores[p].get(n, "n/a") for p in scores)] for n in names],
    )
    return card


TRAIN = StepSpec(
    name="train",
    config_keys=("target_col", "positive_class", "primary_metric", "custom_metrics", "experiment"),
    code_files=("train", "custom_metrics"),
    execute=_execute,
)
