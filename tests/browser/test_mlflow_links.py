"""Links in MLflow's form (printed by its client, UI and docs) open the same view here."""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from playwright.sync_api import expect

from tests.browser.workflow import IrisWorkflow
from tests.fixtures.servers import RunningServer


def _open(page: Any, server: RunningServer, fragment: str) -> None:
    page.goto(f"{server.url}/#/{fragment}")


def test_run_links(page: Any, ui_server: RunningServer, iris: IrisWorkflow) -> None:
    run_id = iris.run_ids["logreg-C1.0"]
    experiment = iris.experiment_id
    for fragment in (
        f"experiments/{experiment}/runs/{run_id}",
        f"experiments/{experiment}/runs/{run_id}/overview",
        f"runs/{run_id}",
    ):
        _open(page, ui_server, fragment)
        expect(page.locator("#run-title")).to_have_text("logreg-C1.0")
        expect(page.locator("#run-overview")).to_contain_text(run_id)

    _open(page, ui_server, f"experiments/{experiment}/runs/{run_id}/model-metrics")
    expect(page.locator("button.active")).to_have_text("Metric charts")

    _open(page, ui_server, f"experiments/{experiment}/runs/{run_id}/artifacts/data/sample.csv")
    expect(page.locator("#artifact-preview table.csv")).to_be_visible()
    expect(page.locator("#artifact-tree [data-path='data/sample.csv']")).to_have_class("selected")

    _open(page, ui_server, f"metric/loss?runs={json.dumps([run_id])}")
    expect(page.locator("#run-title")).to_have_text("logreg-C1.0")
    expect(page.locator("button.active")).to_have_text("Metric charts")


def test_experiment_and_compare_links(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    experiment = iris.experiment_id
    for fragment in (f"experiments/{experiment}/runs", f"experiments/{experiment}/overview"):
        _open(page, ui_server, fragment)
        expect(page.locator(f"tr[data-run-id='{iris.run_ids['logreg-C1.0']}']")).to_be_visible()

    ids = [iris.run_ids["logreg-C0.1"], iris.run_ids["logreg-C10.0"]]
    query = urllib.parse.urlencode(
        {"runs": json.dumps(ids), "experiments": json.dumps([experiment])}
    )
    _open(page, ui_server, f"compare-runs?{query}")
    expect(page.locator("h1")).to_have_text("Comparing 2 runs")


def test_registered_model_links(page: Any, ui_server: RunningServer, iris: IrisWorkflow) -> None:
    from mlharbor.client.client import MlharborClient

    client = MlharborClient(tracking_uri=ui_server.url)
    name = "links-model"
    if not client.search_registered_models(f"name = '{name}'"):
        client.create_registered_model(name)
        model_id = iris.model_ids["logreg-C1.0"]
        client.create_model_version(name, f"models:/{model_id}", model_id=model_id)
    _open(page, ui_server, f"models/{name}/versions/1")
    expect(page.locator("h1")).to_have_text(f"{name} · Version 1")
    _open(page, ui_server, f"models/{name}/serving")
    expect(page.locator("h1")).to_have_text(name)
    _open(page, ui_server, "no/such/page")
    expect(page.locator("h1")).to_have_text("Page not found")
