"""Pre-deployment checks from Python: ``predict`` scores data the way a deployed model would,
``build_docker`` builds the serving image (as ``mlharbor models build-docker``)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["build_docker", "predict"]

_LOCAL = "local"


def predict(
    model_uri: str,
    input_data: Any = None,
    input_path: str | None = None,
    content_type: str = "json",
    output_path: str | None = None,
    env_manager: str = _LOCAL,
    install_mlflow: bool = False,
    pip_requirements_override: list[str] | None = None,
    extra_envs: dict[str, str] | None = None,
) -> None:
    """Score ``input_data`` (or the file ``input_path``) and write the predictions as JSON to
    ``output_path`` (stdout when None), as ``mlharbor models predict`` does.

    mlharbor runs the model in the current environment (``env_manager="local"``), so
    ``install_mlflow`` and ``pip_requirements_override`` do not apply; ``extra_envs`` are set
    for the duration of the call.

    Raises:
        InvalidParameterValue: another env manager, both or neither of ``input_data`` and
            ``input_path``, or an unknown content type.
        BadRequest: the input does not fit the model.
    """
    if env_manager != _LOCAL:
        raise InvalidParameterValue(
            f"env_manager {env_manager!r} is not supported: mlharbor scores models in the "
            "current environment (env_manager='local')."
        )
    if pip_requirements_override:
        raise InvalidParameterValue(
            "pip_requirements_override needs an isolated environment; with env_manager='local' "
            "install the packages in this environment instead."
        )
    if (input_data is None) == (input_path is None):
        raise InvalidParameterValue("Exactly one of input_data or input_path must be specified")
    if content_type not in ("json", "csv"):
        raise InvalidParameterValue(
            f"Content type must be one of ['json', 'csv'], got {content_type!r}"
        )
    saved = {name: os.environ.get(name) for name in extra_envs or {}}
    os.environ.update(extra_envs or {})
    try:
        if input_path is not None:
            _predict_file(model_uri, input_path, content_type, output_path)
        else:
            _predict_data(model_uri, input_data, output_path)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _predict_file(model_uri: str, path: str, content_type: str, output: str | None) -> None:
    from mlharbor.serving.batch import predict_batch

    predict_batch(
        model_uri,
        path,
        output,
        content_type=content_type,
        output_format="json",
        stdout=sys.stdout,
    )


def _predict_data(model_uri: str, data: Any, output: str | None) -> None:
    from mlharbor.models.input_example import serving_payload
    from mlharbor.models.serving_input import validate_serving_input
    from mlharbor.serving.output import encode_predictions

    payload = data if isinstance(data, str) else json.dumps(serving_payload(data))
    predictions = validate_serving_input(model_uri, payload)
    encoded = encode_predictions(predictions).decode("utf-8")
    if output is None:
        sys.stdout.write(encoded + "\n")
    else:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(encoded)


def build_docker(
    model_uri: str | None = None,
    name: str = "mlflow-pyfunc",
    env_manager: str = "virtualenv",
    mlflow_home: str | None = None,
    install_java: bool = False,
    install_mlflow: bool = False,
    base_image: str | None = None,
) -> None:
    """Build a Docker image named ``name`` that serves ``model_uri`` on port 8080.

    The image installs the model's requirements into its own Python, whatever
    ``env_manager`` says; ``mlflow_home``, ``install_java`` and ``install_mlflow`` do not
    apply to mlharbor's image.

    Raises:
        InvalidParameterValue: no ``model_uri``.
        MlharborException: Docker is not installed, no engine answers, or the build fails.
            ``mlharbor models generate-dockerfile`` writes the build context without Docker.
    """
    from mlharbor.serving.docker import build_docker as build

    if model_uri is None:
        raise InvalidParameterValue(
            "build_docker needs a model_uri; mlharbor images always contain their model"
        )
    build(model_uri, name, base_image=base_image)
