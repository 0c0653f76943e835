"""Custom Python models: save, log and load :class:`PythonModel` objects and models from code.

A model object is written with cloudpickle as ``python_model.pkl`` (flavor loader
``mlflow.pyfunc.model``); a model given as a path to a code file is copied into the directory
and run again at load time (loader ``mlflow.pyfunc.loaders.code_model``). Both are the loaders
MLflow uses, so these directories load in MLflow as well.
"""

from __future__ import annotations

import inspect
import logging
import os
import shutil
from pathlib import Path
from typing import Any

from mlharbor.exceptions import InvalidParameterValue, MlharborException
from mlharbor.models.environment import conda_env_getter
from mlharbor.models.model import Model
from mlharbor.models.model_dir import model_directory
from mlharbor.pyfunc.foreign_pickle import load_python_model_pickle
from mlharbor.pyfunc.python_model import (
    FunctionModel,
    PythonModel,
    PythonModelContext,
    context_in_predict,
)

__all__ = ["_load_pyfunc", "log_model", "save_model"]

_log = logging.getLogger(__name__)

PYTHON_MODEL_FILE = "python_model.pkl"
ARTIFACTS_DIR = "artifacts"


class _PythonModelWrapper:
    """What the loader returns: calls the user's ``predict`` in whichever form it was written."""

    def __init__(self, python_model: Any, context: PythonModelContext) -> None:
        self.python_model = python_model
        self.context = context
        self._with_context = context_in_predict(python_model.predict)
        self._takes_params = "params" in inspect.signature(python_model.predict).parameters

    def predict(self, model_input: Any, params: dict[str, Any] | None = None) -> Any:
        kwargs = {}
        if self._takes_params:
            kwargs["params"] = params
        if self._with_context:
            return self.python_model.predict(self.context, model_input, **kwargs)
        return self.python_model.predict(model_input, **kwargs)


def _copy_artifacts(artifacts: dict[str, str], model_dir: str) -> dict[str, dict[str, str]]:
    """Copy each artifact into ``artifacts/`` and return the flavor's artifact table."""
    from mlharbor.models.uri import download_model

    table: dict[str, dict[str, str]] = {}
    for name, uri in artifacts.items():
        source = download_model(str(uri))
        target_dir = os.path.join(model_dir, ARTIFACTS_DIR)
        os.makedirs(target_dir, exist_ok=True)
        base = os.path.basename(os.path.normpath(source)) or name
        target = os.path.join(target_dir, base)
        if os.path.exists(target):
            target = os.path.join(target_dir, f"{name}_{base}")
        if os.path.isdir(source):
            shutil.copytree(source, target)
        else:
            shutil.copy2(source, target)
        table[name] = {
            "path": os.path.relpath(target, model_dir).replace(os.sep, "/"),
            "uri": str(uri),
        }
    return table


def _read_model_config(model_config: dict[str, Any] | str) -> dict[str, Any]:
    """A model configuration given as a dict or as a YAML/JSON file path."""
    if isinstance(model_config, dict):
        return model_config
    if not os.path.isfile(str(model_config)):
        raise InvalidParameterValue(f"Model config file '{model_config}' does not exist")
    import yaml

    with open(str(model_config), encoding="utf-8") as fh:
        loaded = yaml.safe_load(fh)  # JSON is YAML too
    if not isinstance(loaded, dict):
        raise InvalidParameterValue(f"Model config file '{model_config}' must hold a mapping")
    return loaded


def _dump_python_model(python_model: Any, target: str) -> None:
    import cloudpickle

    from mlharbor.pyfunc import python_model as base_module

    # The base class travels inside the pickle, so a reader without mlharbor can load it.
    cloudpickle.register_pickle_by_value(base_module)
    try:
        with open(target, "wb") as fh:
            cloudpickle.dump(python_model, fh)
    finally:
        cloudpickle.unregister_pickle_by_value(base_module)


def save_model(
    path: str | os.PathLike[str],
    loader_module: str | None = None,
    data_path: str | os.PathLike[str] | None = None,
    code_paths: list[str] | None = None,
    infer_code_paths: bool = False,
    conda_env: Any = None,
    mlflow_model: Model | None = None,
    python_model: Any = None,
    artifacts: dict[str, str] | None = None,
    signature: Any = None,
    input_example: Any = None,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | str | None = None,
    streamable: bool | None = None,
    resources: Any = None,
    auth_policy: Any = None,
    uv_project_path: Any = None,
    uv_groups: list[str] | None = None,
    uv_extras: list[str] | None = None,
    **kwargs: Any,
) -> None:
    """Save a custom Python model to ``path``: either ``python_model`` (an object or a
    models-from-code file, with ``artifacts``) or ``loader_module`` (with ``data_path``).

    Args:
        loader_module: a module defining ``_load_pyfunc(data_path)`` that returns an object
            with ``predict``; it must be importable where the model loads (or in
            ``code_paths``).
        data_path: a file or directory copied under ``data/`` and given to ``_load_pyfunc``.
        python_model: a :class:`PythonModel` instance, a function of the model input, or the
            path of a code file that calls :func:`mlharbor.models.set_model`.
        artifacts: name -> local path or URI of files the model needs; copied into the model.
        code_paths: local files or directories copied under ``code/`` and importable at load.
        infer_code_paths: instead of ``code_paths``, copy the modules below the current
            directory that loading the model imports.
        signature: a :class:`~mlharbor.models.ModelSignature`; for ``python_model`` inferred
            from ``input_example`` when None.
        input_example: example input, saved as ``input_example.json``.
        pip_requirements / extra_pip_requirements: override / extend the requirements.
        model_config: a dict (or YAML/JSON file) the model reads from
            ``context.model_config`` (``_load_pyfunc``'s second argument for loader modules);
            ``load_model(model_config=...)`` overrides its keys.
        streamable, resources, auth_policy, uv_project_path, uv_groups, uv_extras: MLflow's
            GenAI and uv packaging options; refused unless left unset.

    Raises:
        InvalidParameterValue: neither or both of the two model kinds, an unusable
            ``python_model``, a missing ``data_path``, or an unsupported option.
        MlharborException: RESOURCE_ALREADY_EXISTS when ``path`` is a non-empty directory.
    """
    from mlharbor.models.environment import (
        environment_flavor_config,
        resolve_requirements,
        write_environment,
    )
    from mlharbor.pyfunc.custom_loader import (
        check_unsupported,
        code_directory,
        save_loader_module_model,
    )

    check_unsupported(
        streamable=streamable,
        resources=resources,
        auth_policy=auth_policy,
        uv_project_path=uv_project_path,
        uv_groups=uv_groups,
        uv_extras=uv_extras,
    )
    custom_loader = loader_module is not None or data_path is not None
    if custom_loader and (python_model is not None or artifacts is not None):
        raise InvalidParameterValue(
            "`loader_module`/`data_path` and `python_model`/`artifacts` cannot be specified "
            "together: leave one pair unset."
        )
    if loader_module is None and python_model is None:
        raise InvalidParameterValue(
            "Either `loader_module` or `python_model` must be specified: a module defining "
            "_load_pyfunc(data_path), or a PythonModel"
        )
    config = _read_model_config(model_config) if model_config is not None else None
    with model_directory(path, mlflow_model) as draft:
        if loader_module is not None:
            flavor = save_loader_module_model(draft, loader_module, data_path, config)
            _finish_signature(draft.model, None, draft.directory, flavor, signature, input_example)
            defaults = []
        else:
            flavor = _save_python_model(draft.directory, python_model, artifacts, config)
            live_model = flavor.pop("live_model")
            _finish_signature(
                draft.model, live_model, draft.directory, flavor, signature, input_example
            )
            defaults = ["cloudpickle"]
        if metadata is not None:
            draft.model.metadata = metadata
        draft.model.add_flavor("python_function", **flavor, **environment_flavor_config())
        code = code_directory(draft, code_paths, infer_code_paths)
        draft.model.flavors["python_function"]["code"] = code
        write_environment(
            draft.directory,
            resolve_requirements(defaults, pip_requirements, extra_pip_requirements, conda_env),
        )


def _save_python_model(
    model_dir: str, python_model: Any, artifacts: dict[str, str] | None, config: Any
) -> dict[str, Any]:
    """Write ``python_model`` (and its artifacts); return the flavor's keys, and the model
    object under ``live_model``."""
    import cloudpickle

    flavor: dict[str, Any] = {}
    if isinstance(python_model, str | Path):
        code_file = os.fspath(python_model)
        if not os.path.isfile(code_file):
            raise InvalidParameterValue(
                f"The provided model path '{code_file}' does not exist. Ensure the file "
                "path is valid and try again."
            )
        from mlharbor.models.code_model import load_code_model

        live_model = load_code_model(code_file)
        base = os.path.basename(code_file)
        shutil.copy2(code_file, os.path.join(model_dir, base))
        flavor.update(loader_module="mlflow.pyfunc.loaders.code_model", model_code_path=base)
    elif (
        isinstance(python_model, PythonModel)
        or callable(python_model)
        or hasattr(python_model, "predict")
    ):
        if not hasattr(python_model, "predict"):
            python_model = FunctionModel(python_model)
        live_model = python_model
        _dump_python_model(python_model, os.path.join(model_dir, PYTHON_MODEL_FILE))
        flavor.update(loader_module="mlflow.pyfunc.model", python_model=PYTHON_MODEL_FILE)
    else:
        raise InvalidParameterValue(
            "`python_model` must be a PythonModel instance, a function or the path of a code "
            f"file, got '{type(python_model).__name__}'"
        )
    if artifacts:
        flavor["artifacts"] = _copy_artifacts(artifacts, model_dir)
    if config is not None:
        flavor["config"] = config
    flavor.update(cloudpickle_version=cloudpickle.__version__, streamable=False)
    return {**flavor, "live_model": live_model}


def get_default_pip_requirements() -> list[str]:
    """The pinned requirement lines a saved python_function model lists by default."""
    from mlharbor.models.environment import pinned_requirement

    line = pinned_requirement("cloudpickle")
    return [line] if line else []


get_default_conda_env = conda_env_getter(get_default_pip_requirements)


def _finish_signature(
    mlflow_model: Model,
    live_model: Any,
    model_dir: str,
    flavor: dict[str, Any],
    signature: Any,
    input_example: Any,
) -> None:
    """Save the input example and set (or infer) the signature on ``mlflow_model``; without a
    ``live_model`` (a custom-loader model, not loaded at save time) only the inputs are
    inferred."""
    from mlharbor.models.infer import infer_param_schema, infer_schema
    from mlharbor.models.input_example import save_input_example, split_example
    from mlharbor.models.signature import ModelSignature

    if input_example is not None:
        mlflow_model.saved_input_example_info = save_input_example(model_dir, input_example)
    if signature is not None or input_example is None:
        mlflow_model.signature = signature
        return
    data, params = split_example(input_example)
    inputs = infer_schema(data)
    outputs = None
    if live_model is not None:
        outputs = _output_schema(live_model, model_dir, flavor, inputs, data, params)
    mlflow_model.signature = ModelSignature(
        inputs, outputs, infer_param_schema(params) if params else None
    )


def _output_schema(
    live_model: Any, model_dir: str, flavor: dict[str, Any], inputs: Any, data: Any, params: Any
) -> Any:
    """The schema of the model's prediction on the example, or None when it fails."""
    from mlharbor.models.infer import infer_output_schema

    try:
        model = live_model if hasattr(live_model, "predict") else FunctionModel(live_model)
        artifacts = {
            name: os.path.join(model_dir, entry["path"])
            for name, entry in flavor.get("artifacts", {}).items()
        }
        context = PythonModelContext(artifacts)
        model.load_context(context)
        prediction = _PythonModelWrapper(model, context).predict(data, params=params)
        return infer_output_schema(inputs, prediction)
    except Exception as exc:
        _log.warning("Could not infer the model's output schema from the input example: %s", exc)
        return None


def _load_pyfunc(model_path: str, model_config: dict[str, Any] | None = None) -> Any:
    """Loader of the ``mlflow.pyfunc.model`` / ``mlflow.pyfunc.loaders.code_model`` flavors."""
    mlflow_model = Model.load(model_path)
    conf = mlflow_model.flavors.get("python_function", {})
    if conf.get("model_code_path"):
        from mlharbor.models.code_model import load_code_model

        code_file = os.path.join(model_path, os.path.basename(str(conf["model_code_path"])))
        python_model = load_code_model(code_file)
        if not hasattr(python_model, "predict"):
            python_model = FunctionModel(python_model)
    else:
        pickled = conf.get("python_model")
        if not pickled:
            raise MlharborException(
                "Python model path was not specified in the model configuration"
            )
        python_model = load_python_model_pickle(os.path.join(model_path, str(pickled)))
    artifacts = {
        name: os.path.join(model_path, str(entry["path"]))
        for name, entry in (conf.get("artifacts") or {}).items()
    }
    context = PythonModelContext(artifacts, model_config)
    python_model.load_context(context=context)
    return _PythonModelWrapper(python_model, context)


def log_model(
    artifact_path: str | None = None,
    loader_module: str | None = None,
    data_path: str | os.PathLike[str] | None = None,
    code_paths: list[str] | None = None,
    infer_code_paths: bool = False,
    conda_env: Any = None,
    python_model: Any = None,
    artifacts: dict[str, str] | None = None,
    registered_model_name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    await_registration_for: int = 300,
    pip_requirements: Any = None,
    extra_pip_requirements: Any = None,
    metadata: dict[str, Any] | None = None,
    model_config: dict[str, Any] | str | None = None,
    streamable: bool | None = None,
    resources: Any = None,
    auth_policy: Any = None,
    uv_project_path: Any = None,
    uv_groups: list[str] | None = None,
    uv_extras: list[str] | None = None,
    prompts: list[Any] | None = None,
    name: str | None = None,
    params: dict[str, Any] | None = None,
    tags: dict[str, Any] | None = None,
    model_type: str | None = None,
    step: int = 0,
    model_id: str | None = None,
    run_id: str | None = None,
) -> Any:
    """Log a custom Python model as a logged model of the active run; see :func:`save_model`.

    ``model_id`` saves into a logged model made by ``initialize_logged_model``; ``prompts``
    (GenAI prompt links) is refused unless unset.

    Returns:
        :class:`~mlharbor.models.ModelInfo` with ``model_uri`` ``models:/<model_id>``.
    """
    from mlharbor.models.log import log_model as log_flow
    from mlharbor.pyfunc.custom_loader import check_unsupported

    check_unsupported(prompts=prompts)
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
        loader_module=loader_module,
        data_path=data_path,
        code_paths=code_paths,
        infer_code_paths=infer_code_paths,
        conda_env=conda_env,
        python_model=python_model,
        artifacts=artifacts,
        signature=signature,
        input_example=input_example,
        pip_requirements=pip_requirements,
        extra_pip_requirements=extra_pip_requirements,
        model_config=model_config,
        streamable=streamable,
        resources=resources,
        auth_policy=auth_policy,
        uv_project_path=uv_project_path,
        uv_groups=uv_groups,
        uv_extras=uv_extras,
    )
