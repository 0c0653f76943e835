"""Autologging of parameter searches (``GridSearchCV``, ``RandomizedSearchCV`` and the halving
searches), named as MLflow's sklearn autologging names them.

The search's run gets ``best_<param>`` params, a ``best_cv_score`` metric, the ``cv_results.csv``
artifact and the refitted best estimator as the logged model ``best_estimator``. The best
candidates (``max_tuning_runs`` of them, by ``rank_test_score``) become child runs holding the
seed estimator's params with the candidate's values and the candidate's aggregate CV metrics.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from numbers import Real
from typing import Any

__all__ = ["is_parameter_search", "log_best_params", "log_search_results"]


def is_parameter_search(estimator: Any) -> bool:
    """Whether ``estimator`` is one of scikit-learn's hyper-parameter searches."""
    from sklearn.model_selection._search import BaseSearchCV

    return isinstance(estimator, BaseSearchCV)


def log_best_params(client: Any, run_id: str, estimator: Any) -> None:
    """Log ``best_<param>`` for each entry of the fitted search's ``best_params_``."""
    from mlharbor.entities import Param

    best = getattr(estimator, "best_params_", None) or {}
    if best:
        client.log_batch(
            run_id, params=[Param(f"best_{k}", str(v)[:6000]) for k, v in best.items()]
        )


def log_search_results(
    client: Any,
    run_id: str,
    estimator: Any,
    *,
    log_model: Callable[[Any, str], str | None] | None,
    model_id: str | None,
    dataset: tuple[Any, str | None, str | None],
    max_tuning_runs: int | None,
    warn: Callable[[str, BaseException], None],
) -> None:
    """Log what a fitted search adds to its run (see the module docstring).

    Args:
        log_model: logs an estimator under a name and returns its model id; ``None`` when
            models are not logged.
        model_id: the logged model of the search itself, which ``best_cv_score`` is linked to.
        dataset: ``(dataset entity or None, dataset name, dataset digest)`` of the training data.
        max_tuning_runs: how many of the best candidates become child runs (all when None).
    """
    from mlharbor.entities import Metric

    best_model_id = None
    if log_model is not None and hasattr(estimator, "best_estimator_"):
        best_model_id = log_model(estimator.best_estimator_, "best_estimator")
    _entity, name, digest = dataset
    if hasattr(estimator, "best_score_"):
        now = int(time.time() * 1000)
        best = Metric("best_cv_score", float(estimator.best_score_), now, 0, name, digest, model_id)
        client.log_batch(run_id, metrics=[best])
    if not hasattr(estimator, "cv_results_"):
        return
    try:
        _log_child_runs(client, run_id, estimator, best_model_id, dataset, max_tuning_runs)
    except Exception as exc:
        warn("Autologging of the parameter search's child runs failed", exc)
    try:
        import pandas as pd

        with tempfile.TemporaryDirectory(prefix="mlharbor-autolog-") as tmp:
            path = os.path.join(tmp, "cv_results.csv")
            pd.DataFrame(estimator.cv_results_).to_csv(path, index=False)
            client.log_artifact(run_id, path)
    except Exception as exc:
        warn("Autologging of cv_results.csv failed", exc)


def _log_child_runs(
    client: Any,
    parent_id: str,
    search: Any,
    best_model_id: str | None,
    dataset: tuple[Any, str | None, str | None],
    max_tuning_runs: int | None,
) -> None:
    import pandas as pd

    from mlharbor.entities import DatasetInput, InputTag, Metric, Param

    results = pd.DataFrame(search.cv_results_)
    if max_tuning_runs is not None:
        rank = "rank_test_score"
        if rank not in results.columns:
            rank = next(c for c in results.columns if c.startswith("rank_test_"))
        results = results.nsmallest(max_tuning_runs, rank)
    parent = client.get_run(parent_id)
    seed = search.estimator
    base_params = seed.get_params(deep=not is_parameter_search(seed))
    best_params = search.best_estimator_.get_params(deep=True) if best_model_id else {}
    inherited = {
        k: v
        for k, v in parent.data.tags.items()
        if k in ("mlflow.user", "mlflow.source.name", "mlflow.source.type")
    }
    tags = {
        **inherited,
        "mlflow.parentRunId": parent_id,
        "mlflow.autologging": "sklearn",
        "estimator_name": type(seed).__name__,
        "estimator_class": f"{type(seed).__module__}.{type(seed).__qualname__}",
    }
    entity, name, digest = dataset
    end = int(time.time() * 1000)
    for _, row in results.iterrows():
        candidate = dict(row.get("params", {}))
        child = client.create_run(
            parent.info.experiment_id, start_time=parent.info.start_time, tags=tags
        ).info.run_id
        # Candidates matching the refitted best estimator link their metrics to its model.
        linked = best_model_id if candidate.items() <= best_params.items() else None
        metrics = [
            Metric(str(key), float(value), end, 0, name, digest, linked)
            for key, value in row.items()
            if not str(key).startswith(("param", "split")) and isinstance(value, Real)
        ]
        params = {**base_params, **candidate}
        client.log_batch(
            child,
            metrics=metrics,
            params=[Param(k, str(v)[:6000]) for k, v in params.items()],
        )
        if entity is not None:
            context = (InputTag("mlflow.data.context", "train"),)
            client.log_inputs(child, datasets=[DatasetInput(entity, context)])
        client.set_terminated(child, end_time=end)
