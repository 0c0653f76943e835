"""Running the scoring app under uvicorn, as ``mlharbor models serve`` does."""

from __future__ import annotations

import os

from mlharbor.exceptions import InvalidParameterValue

__all__ = ["SUPPORTED_ENV_MANAGERS", "serve"]

SUPPORTED_ENV_MANAGERS = ("local",)


def serve(
    model_uri: str,
    *,
    host: str = "127.0.0.1",
    port: int = 5000,
    workers: int = 1,
    timeout_s: float | None = None,
    env_manager: str = "local",
    enable_predict_route: bool = True,
    poll_interval_s: float | None = None,
    monitor_reference: str | None = None,
    monitor_window: int | None = None,
) -> None:
    """Serve ``model_uri`` until interrupted.

    One worker loads the model here before listening, so a model that cannot load fails at
    once; with several workers each process builds its app from the environment. With
    ``monitor_reference`` (a ``.csv``/``.parquet`` file) each worker checks the inputs it scored
    for drift every ``monitor_window`` rows (default 1000) and reports on its ``/metrics``.

    Raises:
        InvalidParameterValue: for an env manager other than ``local``, fewer than 1 worker, a
            monitor window below 1, or an unreadable monitor reference.
        MlharborException: when the model cannot be loaded.
    """
    import uvicorn

    from mlharbor.serving import app as scoring
    from mlharbor.utils.slow_clients import protocol_class

    if env_manager not in SUPPORTED_ENV_MANAGERS:
        raise InvalidParameterValue(
            f"--env-manager {env_manager} is not supported: mlharbor serves models in the "
            "current environment (--env-manager local)."
        )
    if workers < 1:
        raise InvalidParameterValue(f"workers must be at least 1, got {workers}")
    if monitor_window is not None and monitor_window < 1:
        raise InvalidParameterValue(f"monitor window must be at least 1, got {monitor_window}")
    if monitor_reference is None and monitor_window is not None:
        raise InvalidParameterValue("a monitor window needs a monitor reference")
    os.environ[scoring.ENV_MODEL_URI] = model_uri
    os.environ[scoring.ENV_ENABLE_PREDICT] = "true" if enable_predict_route else "false"
    if timeout_s is not None:
        os.environ[scoring.ENV_TIMEOUT] = str(timeout_s)
    if poll_interval_s is not None:
        os.environ[scoring.ENV_POLL_INTERVAL] = str(poll_interval_s)
    if monitor_reference is not None:
        from mlharbor.monitoring import read_frame

        # read here too, so a bad file stops the command before any worker starts
        read_frame(monitor_reference)
        os.environ[scoring.ENV_MONITOR_REFERENCE] = os.path.abspath(monitor_reference)
        os.environ[scoring.ENV_MONITOR_WINDOW] = str(
            monitor_window or scoring.DEFAULT_MONITOR_WINDOW
        )
    if workers == 1:
        app = scoring.create_app_from_env()
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level="info",
            access_log=False,
            http=protocol_class(),
        )
        return
    uvicorn.run(
        "mlharbor.serving.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        access_log=False,
        http=protocol_class(),
    )
