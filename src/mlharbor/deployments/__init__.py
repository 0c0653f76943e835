"""Clients of deployment targets; ``get_deploy_client("http://host:port")`` speaks to a gateway.

The client mirrors ``mlflow.deployments``' gateway client: ``list_endpoints``, ``get_endpoint``
and ``predict(endpoint=..., inputs=...)``, plus ``predict_stream`` for streamed chat and
completions. Deployment management (``create_deployment`` ...) is not offered by a gateway.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote, urljoin

from mlharbor.exceptions import InvalidParameterValue, NotImplementedFeature

__all__ = ["Endpoint", "EndpointModelInfo", "MlflowDeploymentClient", "get_deploy_client"]


@dataclass(frozen=True)
class EndpointModelInfo:
    name: str | None
    provider: str


@dataclass(frozen=True)
class Endpoint:
    name: str
    endpoint_type: str
    model: EndpointModelInfo
    endpoint_url: str
    limit: Mapping[str, Any] | None = None

    def dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, body: Mapping[str, Any], base_url: str) -> Endpoint:
        model = body.get("model") or {}
        return cls(
            name=body["name"],
            endpoint_type=body["endpoint_type"],
            model=EndpointModelInfo(name=model.get("name"), provider=model.get("provider", "")),
            endpoint_url=urljoin(base_url.rstrip("/") + "/", body["endpoint_url"].lstrip("/")),
            limit=body.get("limit"),
        )


class MlflowDeploymentClient:
    """A client of the gateway at ``target_uri``."""

    def __init__(self, target_uri: str) -> None:
        self.target_uri = target_uri.rstrip("/")

    def _creds(self) -> Any:
        from mlharbor.utils.http import get_host_creds

        return get_host_creds(self.target_uri)

    def _call(
        self, path: str, method: str = "GET", body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        from mlharbor.utils.http import call_endpoint

        return call_endpoint(self._creds(), path, method, body)

    def get_endpoint(self, endpoint: str) -> Endpoint:
        body = self._call(f"/api/2.0/endpoints/{quote(endpoint, safe='')}")
        return Endpoint.from_json(body, self.target_uri)

    def list_endpoints(self) -> list[Endpoint]:
        endpoints: list[Endpoint] = []
        token: str | None = None
        while True:
            page = self._call(
                "/api/2.0/endpoints/", "GET", {"page_token": token} if token else None
            )
            endpoints.extend(
                Endpoint.from_json(e, self.target_uri) for e in page.get("endpoints", [])
            )
            token = page.get("next_page_token")
            if not token:
                return endpoints

    def predict(
        self,
        deployment_name: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        endpoint: str | None = None,
    ) -> dict[str, Any]:
        """Query ``endpoint`` with ``inputs`` in the gateway's unified format."""
        if endpoint is None:
            raise InvalidParameterValue("predict needs the endpoint to query.")
        return self._call(
            f"/endpoints/{quote(endpoint, safe='')}/invocations", "POST", inputs or {}
        )

    def predict_stream(
        self,
        deployment_name: str | None = None,
        inputs: Mapping[str, Any] | None = None,
        endpoint: str | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield the chunks of a streamed answer (``stream: true`` is added to ``inputs``)."""
        import orjson

        from mlharbor.utils.http import http_request, raise_for_response

        if endpoint is None:
            raise InvalidParameterValue("predict_stream needs the endpoint to query.")
        path = f"/endpoints/{quote(endpoint, safe='')}/invocations"
        response = http_request(
            self._creds(),
            path,
            "POST",
            stream=True,
            json_bytes=orjson.dumps({**(inputs or {}), "stream": True}),
        )
        try:
            raise_for_response(response, path)
            for line in response.iter_lines(decode_unicode=True):
                if line and line.startswith("data:"):
                    data = line[5:].strip()
                    if data == "[DONE]":
                        return
                    yield json.loads(data)
        finally:
            response.close()

    def _unsupported(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedFeature("A gateway does not manage deployments.")

    create_deployment = update_deployment = delete_deployment = _unsupported
    list_deployments = get_deployment = _unsupported
    create_endpoint = update_endpoint = delete_endpoint = _unsupported


def get_deploy_client(target_uri: str | None = None) -> MlflowDeploymentClient:
    """The client of the gateway at ``target_uri`` (default: ``$MLFLOW_DEPLOYMENTS_TARGET``)."""
    import os

    target = target_uri or os.environ.get("MLFLOW_DEPLOYMENTS_TARGET")
    if not target or not target.startswith(("http://", "https://")):
        raise InvalidParameterValue(
            f"Unsupported deployment target {target!r}: give the gateway's http(s) URL."
        )
    return MlflowDeploymentClient(target)
