"""The statsmodels flavor: a fitted results object pickled by its own ``save`` in MLflow's layout.

The directory holds ``model.statsmodels``; the ``statsmodels`` flavor records
``statsmodels_version`` and ``data``. ``remove_data=True`` drops the arrays of length ``nobs``
before pickling. The pyfunc predicts with the results' ``predict``; a time-series model takes one
row with ``start`` and ``end`` columns, as in MLflow.
"""

from __future__ import annotations

import os
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, ResourceDoesNotExist
from mlharbor.models.model import Model

__all__ = ["FLAVOR_NAME", "get_default_pip_requirements", "load_model", "log_model", "save_model"]

FLAVOR_NAME = "statsmodels"
_DATA_FILE = "model.statsmodels"


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    line = pinned_requirement("statsmodels")
    return [line] if line else []


def save_model(
    statsmodels_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    remove_data: bool = False,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
) -> None:
    """Save fitted statsmodels results as a model directory at ``path``.

    Args:
        statsmodels_model: the results of a statsmodels ``fit`` (they have ``save``).
        remove_data: drop the arrays of length ``nobs`` before pickling (a smaller file).
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            when None (``False`` writes none).
        input_example: example input, saved as ``input_example.json``.
        extra_files: files (local paths or artifact URIs) saved under ``extra_files/``.

    Raises:
        InvalidParameterValue: when ``statsmodels_model`` is not fitted statsmodels results,
            or ``extra_files`` is not a list of existing files.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import statsmodels

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.extra_files import copy_extra_files
    from mlharbor.models.model_dir import model_directory, record_inputs
    from mlharbor.sklearn.flavor import _infer_signature

    if not callable(getattr(statsmodels_model, "save", None)) or not hasattr(
        statsmodels_model, "model"
    ):
        raise InvalidParameterValue(
            "Expected fitted statsmodels results (what a model's fit returns), got an instance "
            f"of {type(statsmodels_model).__name__}"
        )
    with model_directory(path, mlflow_model) as draft:
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(
                _StatsmodelsModelWrapper(statsmodels_model), data, "predict"
            ),
        )
        statsmodels_model.save(os.path.join(draft.directory, _DATA_FILE), remove_data)
        draft.model.add_flavor(
            "python_function",
            loader_module="mlflow.statsmodels",
            data=_DATA_FILE,
            **({"code": code} if code is not None else {}),
            **environment_flavor_config(),
        )
        extras = copy_extra_files(extra_files, draft.directory)
        draft.model.add_flavor(
            FLAVOR_NAME,
            statsmodels_version=statsmodels.__version__,
            data=_DATA_FILE,
            code=code,
            **extras,
        )
        write_environment(
            draft.directory,
            resolve_requirements(
                ["statsmodels"], pip_requirements, extra_pip_requirements, conda_env
            ),
        )


def _load_file(data_file: str) -> Any:
    import statsmodels.iolib.api as smio

    if not os.path.isfile(data_file):
        raise ResourceDoesNotExist(f"The model file '{data_file}' is missing")
    return smio.load_pickle(data_file)


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the statsmodels results of a model URI.

    Raises:
        ResourceDoesNotExist: when the model or its ``statsmodels`` flavor is missing.
    """
    from mlharbor.models.model_dir import add_code_to_path
    from mlharbor.models.uri import download_model

    model_dir = download_model(str(model_uri), dst_path)
    conf = Model.load(model_dir).flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    add_code_to_path(model_dir, conf)
    return _load_file(os.path.join(model_dir, str(conf.get("data", _DATA_FILE))))


class _StatsmodelsModelWrapper:
    """The pyfunc face of statsmodels results."""

    def __init__(self, statsmodels_model: Any) -> None:
        self.statsmodels_model = statsmodels_model

    def get_raw_model(self) -> Any:
        return self.statsmodels_model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        import pandas as pd
        from statsmodels.tsa.base.tsa_model import TimeSeriesModel

        if not isinstance(self.statsmodels_model.model, TimeSeriesModel):
            return self.statsmodels_model.predict(data)
        # a time-series model forecasts a range: one row naming its start and end
        frame = data if isinstance(data, pd.DataFrame) else None
        if frame is None or frame.shape[0] != 1 or not {"start", "end"} <= set(frame.columns):
            raise InvalidParameterValue(
                "prediction dataframes for a TimeSeriesModel must have exactly one row"
                " and include columns called start and end"
            )
        row = frame.iloc[0]
        return self.statsmodels_model.predict(start=row["start"], end=row["end"])


def _load_pyfunc(path: str) -> _StatsmodelsModelWrapper:
    """Loader of ``loader_module: mlflow.statsmodels``: ``path`` is the model file (or its
    directory)."""
    data_file = path if os.path.isfile(path) else os.path.join(path, _DATA_FILE)
    return _StatsmodelsModelWrapper(_load_file(data_file))


def log_model(
    statsmodels_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    registered_model_name: str | None = None,
    remove_data: bool = False,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    extra_files: list[Any] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    run_id: str | None = None,
) -> Any:
    """Log fitted statsmodels results as a logged model of the active run; see
    :func:`save_model`.

    Returns:
        :class:`~mlharbor.models.ModelInfo` with ``model_uri`` ``models:/<model_id>``.
    """
    from mlharbor.models.log import log_model as log_flow

    return log_flow(
        save_model,
        name=name,
        artifact_path=artifact_path,
        registered_model_name=registered_model_name,
        run_id=run_id,
        params=params,
        tags=tags,
        model_type=model_type,
        metadata=metadata,
        step=step,
        statsmodels_model=statsmodels_model,
        conda_env=conda_env,
        code_paths=code_paths,
        remove_data=remove_data,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        extra_files=extra_files,
    )
