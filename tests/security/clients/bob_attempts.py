"""Bob's attempts on alice's resources through a client library, then his own workflow.

Run as ``python bob_attempts.py <module>`` with ``mlflow`` (the official client) or
``mlharbor``. The environment names the server (``MLFLOW_TRACKING_URI``), bob's credentials
and alice's experiment and run (``ALICE_EXPERIMENT``, ``ALICE_RUN``). Prints one JSON object:
each attempt's error code (``null`` when it succeeded).
"""

import importlib
import json
import os
import sys
import tempfile

name = sys.argv[1]
mlflow = importlib.import_module(name)
MlflowException = importlib.import_module(f"{name}.exceptions").MlflowException
client = mlflow.MlflowClient()
alice_experiment = os.environ["ALICE_EXPERIMENT"]
alice_run = os.environ["ALICE_RUN"]
results = {}


def attempt(label, fn):
    try:
        fn()
    except MlflowException as exc:
        results[label] = exc.error_code
    else:
        results[label] = None


attempt("read_alice_run", lambda: client.get_run(alice_run))
attempt(
    "download_alice_artifact",
    lambda: client.download_artifacts(alice_run, "secret.txt", tempfile.mkdtemp()),
)
attempt("log_to_alice_run", lambda: client.log_param(alice_run, "bob", "was here"))
attempt(
    "alias_alice_location",
    lambda: client.create_experiment(
        f"alias-{name}", artifact_location=f"mlflow-artifacts:/{alice_experiment}#"
    ),
)
attempt(
    "version_from_alice_run",
    lambda: client.create_model_version(
        "bob-model",
        f"mlflow-artifacts:/{alice_experiment}/{alice_run}/artifacts/model",
        run_id=alice_run,
    ),
)
attempt(
    "version_from_alice_model",
    lambda: client.create_model_version("bob-model", "models:/alice-model/1"),
)
attempt("read_alice_model", lambda: client.get_registered_model("alice-model"))

# Bob's own work is unaffected.
experiment_id = client.create_experiment(f"bob-{name}")
run = client.create_run(experiment_id)
with tempfile.TemporaryDirectory() as scratch:
    path = os.path.join(scratch, "notes.txt")
    with open(path, "w") as handle:
        handle.write("bob's notes")
    client.log_artifact(run.info.run_id, path)
    os.makedirs(os.path.join(scratch, "out"))
    fetched = client.download_artifacts(run.info.run_id, "notes.txt", scratch + "/out")
    with open(fetched) as handle:
        results["own_artifact"] = handle.read()
client.create_registered_model(f"bob-{name}-model")
version = client.create_model_version(
    f"bob-{name}-model", f"{run.info.artifact_uri}/notes.txt", run_id=run.info.run_id
)
results["own_version"] = version.version
json.dump(results, sys.stdout)
