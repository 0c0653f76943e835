"""Permanently deleting a deleted experiment from the experiments list, in Chromium."""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

import pytest
from playwright.sync_api import expect

from mlharbor import MlflowClient
from tests.fixtures.servers import RunningServer


def test_permanently_delete_a_deleted_experiment(page: Any, ui_server: RunningServer) -> None:
    client = MlflowClient(ui_server.url)
    experiment_id = client.create_experiment("ui-trash")
    run_id = client.create_run(experiment_id).info.run_id
    client.log_text(run_id, "weights", "model.txt")
    client.delete_experiment(experiment_id)

    page.goto(ui_server.url + "/#/experiments?view=DELETED_ONLY")
    row = page.locator(f"tr[data-experiment-id='{experiment_id}']")
    row.get_by_role("button", name="Permanently delete").click()  # the confirm is accepted
    expect(row).to_have_count(0)

    for path in (f"experiments/get?experiment_id={experiment_id}", f"runs/get?run_id={run_id}"):
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(f"{ui_server.url}/api/2.0/mlflow/{path}", timeout=10)
        assert missing.value.code == 404
