"""The evaluate step: score the trained model on the validation and test sets, log ``val_`` and
``test_`` metrics to the training run, and check ``validation_criteria`` against the test
metrics. The verdict (VALIDATED, REJECTED, or UNKNOWN without criteria) decides registration.
"""

from __future__ import annotations

import json
import time

from mlharbor.exceptions import InvalidParameterValue
from mlharbor.recipes.cards import Card
from mlharbor.recipes.metrics import MetricSet, metric_set
from mlharbor.recipes.steps import split, train
from mlharbor.recipes.steps.base import StepContext, StepSpec
from mlharbor.recipes.tracking import recipe_tracking

__all__ = ["EVALUATE", "VALIDATION_STATUS"]

VALIDATION_STATUS = "model_validation_status"
VALIDATED, REJECTED, UNKNOWN = "VALIDATED", "REJECTED", "UNKNOWN"


def _criteria(ctx: StepContext, metrics: MetricSet) -> list[tuple[str, float]]:
    criteria = ctx.step_config("evaluate").get("validation_criteria") or []
    if not isinstance(criteria, list):
        raise InvalidParameterValue("steps.evaluate.validation_criteria must be a list")
    parsed = []
    for entry in criteria:
        if not isinstance(entry, dict) or "metric" not in entry or "threshold" not in entry:
            raise InvalidParameterValue(
                "Each validation_criteria entry needs 'metric' and 'threshold'"
            )
        name = str(entry["metric"])
        if name not in metrics.names:
            raise InvalidParameterValue(
                f"validation_criteria metric {name!r} is unknown; choose one of "
                f"{', '.join(metrics.names)}"
            )
        try:
            parsed.append((name, float(entry["threshold"])))
        except (TypeError, ValueError) as exc:
            raise InvalidParameterValue(f"The threshold of {name!r} must be a number") from exc
    return parsed


def _execute(ctx: StepContext) -> Card:
    from mlharbor.client.client import MlharborClient
    from mlharbor.entities import Metric

    target_col = ctx.target_col
    metrics = metric_set(ctx)
    criteria = _criteria(ctx, metrics)
    model = ctx.read_pickle("train", train.MODEL)
    run_id = ctx.upstream("train", train.RUN_ID).read_text()

    scores: dict[str, dict[str, float]] = {}
    for prefix, part in (("val", "validation"), ("test", "test")):
        data = ctx.read_frame("split", split.OUTPUTS[part])
        if len(data):
            scores[prefix] = metrics.compute(
                model, data.drop(columns=[target_col]), data[target_col]
            )
    now = int(time.time() * 1000)
    with recipe_tracking(ctx.config):
        MlharborClient().log_batch(
            run_id,
            metrics=[
                Metric(f"{prefix}_{name}", value, now, 0)
                for prefix, values in scores.items()
                for name, value in values.items()
            ],
        )

    test = scores.get("test", {})
    results = []
    for name, threshold in criteria:
        value = test.get(name)
        greater = metrics.greater_is_better(name)
        passed = value is not None and (value >= threshold if greater else value <= threshold)
        results.append([name, threshold, "n/a" if value is None else value, passed])
    status = UNKNOWN if not results else VALIDATED if all(r[3] for r in results) else REJECTED
    (ctx.outputs / VALIDATION_STATUS).write_text(status)
    (ctx.outputs / "metrics.json").write_text(json.dumps(scores))

    card = Card("Evaluate")
    card.add_fields("Summary", {"run id": run_id, "model validation status": status})
    names = sorted({n for values in scores.values() for n in values})
    card.add_table(
        "Metrics",
        ["metric", *scores],
        [[n, *(scores[p].get(n, "n/a") for p in scores)] for n in names],
    )
    if results:
        card.add_table(
            "Validation criteria (test set)", ["metric", "threshold", "value", "passed"], results
        )
    return card


def validation_status(ctx: StepContext) -> str:
    """The verdict the evaluate step reached."""
    return ctx.upstream("evaluate", VALIDATION_STATUS).read_text()


EVALUATE = StepSpec(
    name="evaluate",
    config_keys=("target_col", "positive_class", "primary_metric", "custom_metrics", "experiment"),
    code_files=("custom_metrics",),
    execute=_execute,
)
