"""The official mlflow client against a basic-auth server: the admin creates users and grants
with ``AuthServiceClient``, alice runs the iris workflow, bob is refused; prints one JSON
object of results. ``MLFLOW_TRACKING_URI`` names the server; admin credentials arrive in
``MLFLOW_TRACKING_USERNAME`` / ``MLFLOW_TRACKING_PASSWORD``.

MLflow's ``AuthServiceClient`` can only be imported with Flask-WTF (``mlflow[auth]``)
installed; without it the same endpoints are called through MLflow's own REST helper, and
``auth_client`` in the results says which was used.
"""

import json
import os
import sys

import mlflow
import mlflow.server
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.utils.credentials import get_default_host_creds
from mlflow.utils.rest_utils import http_request, verify_rest_response
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

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


class RestAuthClient:
    """The subset of ``AuthServiceClient`` used here, over MLflow's REST helper."""

    def _call(self, endpoint, method, **kwargs):
        response = http_request(get_default_host_creds(uri), endpoint, method, **kwargs)
        return verify_rest_response(response, endpoint).json()

    def create_user(self, username, password):
        body = {"username": username, "password": password}
        return self._call("/api/2.0/mlflow/users/create", "POST", json=body)["user"]

    def get_user(self, username):
        return self._call("/api/2.0/mlflow/users/get", "GET", params={"username": username})

    def grant_user_permission(self, username, resource_type, resource_id, permission):
        body = {
            "username": username,
            "resource_type": resource_type,
            "resource_id": resource_id,
            "permission": permission,
        }
        self._call("/api/3.0/mlflow/users/permissions/grant", "POST", json=body)

    def get_user_permission(self, username, resource_type, resource_id):
        params = {"username": username, "resource_type": resource_type, "resource_id": resource_id}
        return self._call("/api/3.0/mlflow/users/permissions/get", "GET", params=params)


def as_dict(user):
    if isinstance(user, dict):
        return {"username": user["username"], "is_admin": user["is_admin"]}
    return {"username": user.username, "is_admin": user.is_admin}


results = {}
try:
    import flask_wtf  # noqa: F401
except ImportError:
    auth = RestAuthClient()
    results["auth_client"] = "rest"
else:
    auth = mlflow.server.get_app_client("basic-auth", tracking_uri=uri)
    results["auth_client"] = type(auth).__name__
alice = auth.create_user("alice", "alice-password-1234")
auth.create_user("bob", "bob-password-12345")
results["alice"] = as_dict(alice)
results["duplicate_user"] = error_code(lambda: auth.create_user("alice", "another-password"))
bob = auth.get_user("bob")
results["bob_fetched"] = bob["user"]["username"] if isinstance(bob, dict) else bob.username

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
results["alice_permission"] = (
    alice_grant["permission"] if isinstance(alice_grant, dict) else alice_grant.permission
)

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
