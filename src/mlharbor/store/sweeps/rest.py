"""The sweep controller of a tracking server, over ``/api/2.0/mlharbor/sweeps/*``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mlharbor.entities.sweep import Sweep, TrialState
from mlharbor.exceptions import NotImplementedFeature, RestException
from mlharbor.store.rest_base import RestStoreBase
from mlharbor.store.sweeps.protocol import Claim
from mlharbor.utils.http import call_endpoint
from mlharbor.wire.sweeps import sweep_from_json, trial_from_json

__all__ = ["SWEEPS_PREFIX", "RestSweepStore"]

SWEEPS_PREFIX = "/api/2.0/mlharbor/sweeps/"


class RestSweepStore(RestStoreBase):
    """A :class:`~mlharbor.store.sweeps.protocol.SweepStore` backed by a tracking server."""

    def _sweeps(self, endpoint: str, method: str, body: dict[str, Any]) -> dict[str, Any]:
        creds = self.host_creds
        try:
            return call_endpoint(creds, SWEEPS_PREFIX + endpoint, method, body)
        except RestException as exc:
            if exc.error_code != "ENDPOINT_NOT_FOUND":
                raise
            # A stock MLflow server (or an older mlharbor) tracks runs but has no controller.
            raise NotImplementedFeature(
                f"The tracking server at {creds.host} has no sweep controller; sweeps need "
                "`mlharbor server` (or a local tracking URI such as sqlite:///mlruns.db)."
            ) from None

    def create_sweep(
        self, experiment_id: str, config: Mapping[str, Any], name: str | None, user_id: str
    ) -> Sweep:
        body: dict[str, Any] = {"experiment_id": str(experiment_id), "config": dict(config)}
        if name:
            body["name"] = name
        if user_id:
            body["user_id"] = user_id
        return sweep_from_json(self._sweeps("create", "POST", body)["sweep"])

    def get_sweep(self, sweep_id: str) -> Sweep:
        return sweep_from_json(self._sweeps("get", "GET", {"sweep_id": sweep_id})["sweep"])

    def list_sweeps(self, experiment_id: str) -> list[Sweep]:
        reply = self._sweeps("list", "GET", {"experiment_id": str(experiment_id)})
        return [sweep_from_json(s) for s in reply.get("sweeps", [])]

    def claim_trial(self, sweep_id: str) -> Claim | None:
        reply = self._sweeps("claim", "POST", {"sweep_id": sweep_id})
        if "trial" not in reply:
            return None
        return Claim(trial_from_json(reply["trial"]), float(reply["heartbeat_interval"]))

    def report_trial(
        self,
        sweep_id: str,
        number: int,
        run_id: str | None = None,
        state: TrialState | None = None,
    ) -> bool:
        body: dict[str, Any] = {"sweep_id": sweep_id, "number": number}
        if run_id:
            body["run_id"] = run_id
        if state is not None:
            body["state"] = TrialState(state).value
        return bool(self._sweeps("report", "POST", body).get("stop", False))

    def stop_sweep(self, sweep_id: str) -> Sweep:
        return sweep_from_json(self._sweeps("stop", "POST", {"sweep_id": sweep_id})["sweep"])

    def resume_sweep(self, sweep_id: str) -> Sweep:
        return sweep_from_json(self._sweeps("resume", "POST", {"sweep_id": sweep_id})["sweep"])
