"""The sweep page in Chromium: best trial, charts, importance, trials, and stop / resume."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

import mlharbor
from tests.fixtures.servers import RunningServer

ECHARTS_OPTION = "el => echarts.getInstanceByDom(el).getOption()"


def test_sweep_page_shows_the_search_and_steers_it(
    page: Any, ui_server: RunningServer, monkeypatch: Any
) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_URI", ui_server.url)
    monkeypatch.setattr("mlharbor.client.tracking_uri._tracking_uri", None)
    mlharbor.set_tracking_uri(ui_server.url)
    config = {
        "method": "grid",
        "metric": {"name": "val_loss", "goal": "minimize"},
        "parameters": {"lr": {"values": [0.1, 0.01, 0.001]}, "opt": {"values": ["adam", "sgd"]}},
        "run_cap": 5,
    }
    sweep_id = mlharbor.sweep(config, experiment_name="sweep-page", name="lr-search")

    def train() -> None:
        params = mlharbor.sweep_config()
        mlharbor.log_metric("val_loss", params.lr * (2 if params.opt == "sgd" else 1))

    mlharbor.agent(sweep_id, function=train, count=4)
    sweep = mlharbor.MlharborClient().get_sweep(sweep_id)

    page.goto(f"{ui_server.url}/#/sweeps/{sweep_id}")
    expect(page.locator("h1")).to_have_text("Sweep lr-search")
    best = page.get_by_test_id("best-trial")
    expect(best).to_contain_text(f"val_loss = {sweep.best_value}")
    expect(best).to_contain_text("lr=0.01, opt=adam")
    expect(page.locator("#sweep-trials tbody tr")).to_have_count(4)
    expect(page.locator("#sweep-importance tbody tr")).to_have_count(2)
    charts = page.locator(".chart")
    expect(charts).to_have_count(2)
    timeline = charts.nth(1).evaluate(ECHARTS_OPTION)
    assert len(timeline["series"][0]["data"]) == 4
    parallel = charts.nth(0).evaluate(ECHARTS_OPTION)
    assert [a["name"] for a in parallel["parallelAxis"]] == ["lr", "opt", "val_loss"]
    assert len(parallel["series"][0]["data"]) == 4
    assert parallel["visualMap"][0]["dimension"] == 2

    state = page.get_by_test_id("sweep-state")
    expect(state).to_have_text("RUNNING")
    page.get_by_role("button", name="Stop").click()
    expect(state).to_have_text("STOPPED")
    assert mlharbor.MlharborClient().get_sweep(sweep_id).state == "STOPPED"
    page.get_by_role("button", name="Resume").click()
    expect(state).to_have_text("RUNNING")
