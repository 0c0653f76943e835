"""A client library (the official mlflow by default, or mlharbor: ``auth_tour.py mlharbor``)
against a basic-auth server: the admin creates users and grants
with ``AuthServiceClient``, alice runs the iris workflow, bob is refused; prints one JSON
object of results. ``MLFLOW_TRACKING_URI`` names the server; admin credentials arrive in
``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``.
"""

import importlib
import json
import os
import sys

from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

# The client library under test: "mlflow" (the official one, the default) or "mlharbor".
library = sys.argv[1] if len(sys.argv) > 1 else "mlflow"
mlflow = importlib.import_module(library)
for part in ("server", "sklearn", "pyfunc"):
    importlib.import_module(f"{library}.{part}")
MlflowClient = mlflow.MlflowClient
MlflowException = importlib.import_module(f"{library}.exceptions").MlflowException

uri = os.environ["MLFLOW_TRACKING_URI"]


def login(username, password):
    os.environ["MLFLOW_TRACKING_USERNAME"] = username
    os.environ["MLFLOW_TRACKING_PASSWORD"] = password


def error_code(fn):
    try:
        fn()
    except MlflowException as exc:
        return exc.error_code
    return None


def as_dict(user):
    return {"username": user.username, "is_admin": user.is_admin}


results = {}
auth = mlflow.server.get_app_client("basic-auth", tracking_uri=uri)
results["auth_client"] = type(auth).__name__
alice = auth.create_user("alice", "alice-password-1234")
auth.create_user("bob", "bob-password-12345")
results["alice"] = as_dict(alice)
results["duplicate_user"] = error_code(lambda: auth.create_user("alice", "another-password"))
bob = auth.get_user("bob")
results["bob_fetched"] = bob.username

login("alice", "alice-password-1234")
X, y = load_iris(return_X_y=True, as_frame=True)
experiment_id = mlflow.set_experiment("iris-auth").experiment_id
with mlflow.start_run() as run:
    clf = LogisticRegression(max_iter=200).fit(X, y)
    mlflow.log_params({"max_iter": 200, "model": "logreg"})
    mlflow.log_metric("accuracy", clf.score(X, y))
    mlflow.sklearn.log_model(clf, name="model", registered_model_name="iris-auth")
client = MlflowClient()
results["alice_run"] = client.get_run(run.info.run_id).data.params
results["alice_versions"] = [v.version for v in client.search_model_versions("name='iris-auth'")]
loaded = mlflow.pyfunc.load_model("models:/iris-auth/1")
results["predicts"] = len(loaded.predict(X.head(3)))
alice_grant = auth.get_user_permission("alice", "experiment", experiment_id)
results["alice_permission"] = alice_grant.permission

login("bob", "bob-password-12345")
results["bob_reads"] = client.get_experiment(experiment_id).name
results["bob_update"] = error_code(lambda: client.set_experiment_tag(experiment_id, "owner", "bob"))
results["bob_log"] = error_code(lambda: client.log_metric(run.info.run_id, "hack", 1.0))
results["bob_model"] = error_code(
    lambda: client.update_registered_model("iris-auth", description="bob was here")
)

login("alice", "alice-password-1234")
auth.grant_user_permission("bob", "experiment", experiment_id, "EDIT")
login("bob", "bob-password-12345")
client.set_experiment_tag(experiment_id, "owner", "bob")
results["bob_after_grant"] = client.get_experiment(experiment_id).tags.get("owner")

login("bogus", "not-a-password")
results["bogus"] = error_code(lambda: client.get_experiment(experiment_id))
json.dump(results, sys.stdout)
