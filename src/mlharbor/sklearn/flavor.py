"""The scikit-learn flavor: save, log and load estimators in MLflow's directory layout.

The default serialization is cloudpickle (``model.pkl``, ``serialization_format: cloudpickle``),
which MLflow 3.17.2 loads without extra trust settings and which handles every estimator,
including tree ensembles that MLflow's default skops format refuses at save time. ``pickle`` and
(when the ``skops`` package is installed) ``skops`` are available too.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException, ResourceDoesNotExist
from mlharbor.models.environment import conda_env_getter
from mlharbor.models.model import Model

__all__ = [
    "FLAVOR_NAME",
    "SERIALIZATION_FORMAT_CLOUDPICKLE",
    "SERIALIZATION_FORMAT_PICKLE",
    "SERIALIZATION_FORMAT_SKOPS",
    "SUPPORTED_SERIALIZATION_FORMATS",
    "load_model",
    "log_model",
    "save_model",
]

FLAVOR_NAME = "sklearn"
SERIALIZATION_FORMAT_PICKLE = "pickle"
SERIALIZATION_FORMAT_CLOUDPICKLE = "cloudpickle"
SERIALIZATION_FORMAT_SKOPS = "skops"
SUPPORTED_SERIALIZATION_FORMATS = (
    SERIALIZATION_FORMAT_PICKLE,
    SERIALIZATION_FORMAT_CLOUDPICKLE,
    SERIALIZATION_FORMAT_SKOPS,
)
_PREDICT_FUNCTIONS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "predict_joint_log_proba",
    "score",
)


def _model_file(serialization_format: str) -> str:
    return "model.skops" if serialization_format == SERIALIZATION_FORMAT_SKOPS else "model.pkl"


def _serialize(
    sk_model: Any, target: str, serialization_format: str, trusted_types: list[str] | None
) -> list[str] | None:
    """Write the estimator; returns the skops trusted-type list to record (None otherwise)."""
    if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
        import cloudpickle

        with open(target, "wb") as fh:
            cloudpickle.dump(sk_model, fh)
        return None
    if serialization_format == SERIALIZATION_FORMAT_PICKLE:
        with open(target, "wb") as fh:
            pickle.dump(sk_model, fh, protocol=4)
        return None
    try:
        import skops.io as sio
    except ImportError:
        raise InvalidParameterValue(
            "serialization_format='skops' needs the 'skops' package: pip install 'mlharbor[skops]'"
        ) from None
    sio.dump(sk_model, target)
    untrusted = sorted(sio.get_untrusted_types(file=target))
    missing = [t for t in untrusted if t not in (trusted_types or [])]
    if missing:
        raise InvalidParameterValue(
            f"The saved sklearn model references untrusted types {missing}. Pass them in "
            "`skops_trusted_types` if you trust them, or use serialization_format='cloudpickle'."
        )
    return list(trusted_types or [])


def _deserialize(path: str, serialization_format: str, trusted_types: list[str] | None) -> Any:
    if serialization_format == SERIALIZATION_FORMAT_SKOPS:
        try:
            import skops.io as sio
        except ImportError:
            raise MlharborException(
                "This model was saved with skops (MLflow's default sklearn format); install "
                "the 'skops' package to load it: pip install 'mlharbor[skops]'"
            ) from None
        return sio.load(path, trusted=list(trusted_types or []))
    if serialization_format == SERIALIZATION_FORMAT_CLOUDPICKLE:
        import cloudpickle

        with open(path, "rb") as fh:
            return cloudpickle.load(fh)
    with open(path, "rb") as fh:
        return pickle.load(fh)


def save_model(
    sk_model: Any,
    path: str | os.PathLike[str],
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    mlflow_model: Model | None = None,
    serialization_format: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    pyfunc_predict_fn: str = "predict",
    metadata: dict[str, Any] | None = None,
    skops_trusted_types: list[str] | None = None,
    extra_files: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Save a scikit-learn estimator as a model directory at ``path``.

    Args:
        sk_model: a fitted estimator.
        serialization_format: ``cloudpickle`` (default), ``pickle`` or ``skops``.
        signature: a :class:`~mlharbor.models.ModelSignature`; inferred from ``input_example``
            (running ``pyfunc_predict_fn`` on it) when None.
        input_example: example input, saved as ``input_example.json``.
        pyfunc_predict_fn: the estimator method pyfunc ``predict`` calls.
        skops_trusted_types: types skops may load (skops format only).
        extra_files: files (local paths or artifact URIs) copied into ``extra_files/`` and
            recorded in the flavor.

    Raises:
        InvalidParameterValue: for an unknown format or predict function.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    import sklearn

    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.models.model_dir import copy_extra_files, model_directory, record_inputs

    # None (MLflow's default) means mlharbor's default: cloudpickle, which loads any estimator
    serialization_format = serialization_format or SERIALIZATION_FORMAT_CLOUDPICKLE
    if serialization_format not in SUPPORTED_SERIALIZATION_FORMATS:
        raise InvalidParameterValue(
            f"Unrecognized serialization format: {serialization_format}. Please specify one of "
            f"the following supported formats: {list(SUPPORTED_SERIALIZATION_FORMATS)}."
        )
    if pyfunc_predict_fn not in _PREDICT_FUNCTIONS:
        raise InvalidParameterValue(
            f"Invalid pyfunc_predict_fn '{pyfunc_predict_fn}'; expected one of "
            f"{list(_PREDICT_FUNCTIONS)}"
        )
    with model_directory(path, mlflow_model) as draft:
        model_file = _model_file(serialization_format)
        trusted = _serialize(
            sk_model,
            os.path.join(draft.directory, model_file),
            serialization_format,
            skops_trusted_types,
        )
        code = record_inputs(
            draft,
            metadata=metadata,
            code_paths=code_paths,
            input_example=input_example,
            signature=signature,
            infer_signature=lambda data: _infer_signature(sk_model, data, pyfunc_predict_fn),
        )
        pyfunc_conf: dict[str, Any] = {
            "loader_module": "mlflow.sklearn",
            "model_path": model_file,
            "predict_fn": pyfunc_predict_fn,
            **environment_flavor_config(),
        }
        if code is not None:
            pyfunc_conf["code"] = code
        draft.model.add_flavor("python_function", **pyfunc_conf)
        draft.model.add_flavor(
            FLAVOR_NAME,
            pickled_model=model_file,
            sklearn_version=sklearn.__version__,
            serialization_format=serialization_format,
            code=code,
            skops_trusted_types=trusted,
            **copy_extra_files(extra_files, draft.directory),
        )
        packages = list(_PACKAGES)
        if serialization_format in (SERIALIZATION_FORMAT_CLOUDPICKLE, SERIALIZATION_FORMAT_SKOPS):
            packages.append(serialization_format)
        write_environment(
            draft.directory,
            resolve_requirements(packages, pip_requirements, extra_pip_requirements, conda_env),
        )


_PACKAGES = ("scikit-learn", "numpy", "pandas", "scipy")


def get_default_pip_requirements(
    include_cloudpickle: bool = False, include_skops: bool = False
) -> list[str]:
    """The pinned requirement lines a saved model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    packages = [*_PACKAGES, *(["cloudpickle"] if include_cloudpickle else [])]
    packages += ["skops"] if include_skops else []
    return [line for line in (pinned_requirement(p) for p in packages) if line]


get_default_conda_env = conda_env_getter(get_default_pip_requirements)


def _infer_signature(sk_model: Any, example: Any, predict_fn: str) -> Any:
    import logging

    from mlharbor.models.infer import infer_output_schema, infer_schema
    from mlharbor.models.signature import ModelSignature

    inputs = infer_schema(example)
    outputs = None
    try:
        outputs = infer_output_schema(inputs, getattr(sk_model, predict_fn)(example))
    except Exception as exc:
        logging.getLogger(__name__).warning(
            "Could not infer the model's output schema from the input example: %s", exc
        )
    return ModelSignature(inputs, outputs)


def _load_from_dir(model_dir: str) -> Any:
    from mlharbor.models.model_dir import add_code_to_path

    mlflow_model = Model.load(model_dir)
    conf = mlflow_model.flavors.get(FLAVOR_NAME)
    if conf is None:
        raise ResourceDoesNotExist(f'Model does not have the "{FLAVOR_NAME}" flavor')
    add_code_to_path(model_dir, conf)
    model_file = os.path.join(model_dir, str(conf.get("pickled_model", "model.pkl")))
    if not os.path.isfile(model_file):
        raise ResourceDoesNotExist(f"The model file '{model_file}' is missing")
    return _deserialize(
        model_file,
        str(conf.get("serialization_format") or SERIALIZATION_FORMAT_PICKLE),
        conf.get("skops_trusted_types"),
    )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """Load the scikit-learn estimator of a model (any URI :func:`mlharbor.pyfunc.load_model`
    accepts).

    Raises:
        ResourceDoesNotExist: when the model or its ``sklearn`` flavor is missing.
    """
    from mlharbor.models.uri import download_model

    return _load_from_dir(download_model(str(model_uri), dst_path))


class _SklearnModelWrapper:
    """The pyfunc face of an estimator: ``predict(data, params=None)`` and friends."""

    def __init__(self, sk_model: Any) -> None:
        from mlharbor.sklearn.fast_predict import fast_predictor

        self.raw_model = sk_model
        self._predict: Any = fast_predictor(sk_model) or sk_model.predict

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        return self._predict(data)

    def __getattr__(self, name: str) -> Any:
        if name in _PREDICT_FUNCTIONS:
            method = getattr(self.raw_model, name)
            return lambda data, params=None: method(data)
        raise AttributeError(name)


def _load_pyfunc(path: str) -> _SklearnModelWrapper:
    """Loader of ``loader_module: mlflow.sklearn``: ``path`` is the model dir or the model file."""
    if os.path.isdir(path):
        return _SklearnModelWrapper(_load_from_dir(path))
    serialization_format = SERIALIZATION_FORMAT_PICKLE
    trusted = None
    mlmodel_dir = os.path.dirname(path)
    if os.path.isfile(os.path.join(mlmodel_dir, "MLmodel")):
        conf = Model.load(mlmodel_dir).flavors.get(FLAVOR_NAME) or {}
        serialization_format = str(conf.get("serialization_format") or serialization_format)
        trusted = conf.get("skops_trusted_types")
    return _SklearnModelWrapper(_deserialize(path, serialization_format, trusted))


def log_model(
    sk_model: Any,
    artifact_path: str | None = None,
    conda_env: Any = None,
    code_paths: list[str] | None = None,
    serialization_format: str | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    pyfunc_predict_fn: str = "predict",
    metadata: dict[str, Any] | None = None,
    extra_files: list[str] | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    name: str | None = None,
    skops_trusted_types: list[str] | None = None,
    run_id: str | None = None,
    **kwargs: Any,
) -> Any:
    """Log an estimator as a logged model of the active run; see :func:`save_model`.

    ``log_model(clf, "model")`` names the model ``model`` so ``runs:/<run_id>/model`` finds it.

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
        model_id=model_id,
        sk_model=sk_model,
        conda_env=conda_env,
        code_paths=code_paths,
        serialization_format=serialization_format,
        signature=signature,
        input_example=input_example,
        extra_files=extra_files,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        pyfunc_predict_fn=pyfunc_predict_fn,
        skops_trusted_types=skops_trusted_types,
    )
