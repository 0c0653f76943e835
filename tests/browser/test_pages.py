"""The UI's pages, driven by clicking in Chromium against a live server holding the iris
workflow: experiments, the runs table, a run with its charts and artifacts, comparison, and
registering a model with an alias."""

from __future__ import annotations

import json
import re
import sys
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.workflow import IrisWorkflow
from tests.fixtures.servers import RunningServer, free_port, run_server

ECHARTS_OPTION = "el => echarts.getInstanceByDom(el).getOption()"


def _api_get(server: RunningServer, path: str, **query: str) -> Any:
    url = f"{server.url}/api/2.0/mlflow/{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)


def _submit_dialog(page: Any, **values: str) -> None:
    dialog = page.locator("dialog[open]")
    for name, value in values.items():
        dialog.locator(f"[name={name}]").fill(value)
    dialog.locator("button[value=ok]").click()


def _run_rows(page: Any) -> Any:
    return page.locator("#runs-table tbody tr[data-run-id]")


def test_experiment_create_rename_delete_restore(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(ui_server.url + "/")
    page.get_by_role("button", name="Create experiment").click()
    _submit_dialog(page, name="ui-created")
    page.wait_for_url(re.compile(r"#/experiments/\d+$"))
    expect(page.locator("h1")).to_have_text("ui-created")
    experiment_id = page.url.rsplit("/", 1)[1]

    page.get_by_role("link", name="Experiments").first.click()
    row = page.locator(f"tr[data-experiment-id='{experiment_id}']")
    row.get_by_role("button", name="Rename").click()
    _submit_dialog(page, new_name="ui-renamed")
    row = page.locator(f"tr[data-experiment-id='{experiment_id}']")
    expect(row.get_by_role("link")).to_have_text("ui-renamed")
    screenshot(page, "experiments")

    row.get_by_role("button", name="Delete").click()
    page.wait_for_selector(f"tr[data-experiment-id='{experiment_id}']", state="detached")
    page.get_by_label("Lifecycle").select_option("DELETED_ONLY")
    page.locator(f"tr[data-experiment-id='{experiment_id}']").get_by_role(
        "button", name="Restore"
    ).click()
    page.wait_for_selector(f"tr[data-experiment-id='{experiment_id}']", state="detached")
    got = _api_get(ui_server, "experiments/get", experiment_id=experiment_id)
    assert got["experiment"]["lifecycle_stage"] == "active"
    assert got["experiment"]["name"] == "ui-renamed"


def test_runs_table_filters_sorts_and_shows_server_errors(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    expect(_run_rows(page)).to_have_count(5)

    page.fill("#run-filter", "params.C = '1.0' and metrics.accuracy > 0.9")
    page.press("#run-filter", "Enter")
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr').length === 1")
    assert _run_rows(page).get_by_role("link").inner_text() == "logreg-C1.0"

    page.fill("#run-filter", "params.C ==")
    page.press("#run-filter", "Enter")
    error = page.locator("#search-error .error")
    error.wait_for()
    assert "Invalid clause(s) in filter string" in error.inner_text()

    page.get_by_role("button", name="Clear").click()
    page.locator("th[data-column='m:loss']").click()
    page.wait_for_url(re.compile(r"order=metrics.*loss.*DESC"))
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr').length === 5")
    page.locator("th[data-column='m:loss']").click()
    page.wait_for_url(re.compile(r"order=metrics.*loss.*ASC"))
    page.wait_for_selector("th[data-column='m:loss'].sorted.asc")
    names = page.locator("#runs-table tbody tr[data-run-id]:not([hidden]) td:nth-child(2) a")
    names = names.all_inner_texts()
    # Ascending loss: the strongest regularisation last; runs without loss sort at the end
    # (the nested "calibration" run stays folded under its parent).
    assert names[:3] == ["logreg-C10.0", "logreg-C1.0", "logreg-C0.1"]
    screenshot(page, "runs-table")


def test_runs_are_filtered_by_a_dataset(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    expect(_run_rows(page)).to_have_count(5)
    choice = page.locator("#dataset-filter option", has_text="iris-train")
    expect(choice).to_have_count(1)
    assert "training" in choice.inner_text()
    page.select_option("#dataset-filter", label=choice.inner_text())
    page.wait_for_url(re.compile(r"filter=dataset\.name"))
    page.wait_for_function("document.querySelectorAll('#runs-table tbody tr').length === 3")
    names = sorted(_run_rows(page).get_by_role("link").all_inner_texts())
    assert names == ["logreg-C0.1", "logreg-C1.0", "logreg-C10.0"]
    assert page.input_value("#run-filter").startswith("dataset.name = 'iris-train' and ")


def test_columns_are_chosen_by_the_user(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    _run_rows(page).first.wait_for()
    assert page.locator("th[data-column='t:team']").count() == 0
    page.click("#columns-button")
    page.locator(".columns-panel input[data-column='t:team']").check()
    page.locator(".columns-panel input[data-column='p:solver']").uncheck()
    assert page.locator("th[data-column='t:team']").count() == 1
    assert page.locator("th[data-column='p:solver']").count() == 0
    page.reload()
    page.locator("th[data-column='t:team']").wait_for()


def test_run_page_overview_chart_and_tag_edit(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    page.get_by_role("link", name="logreg-C0.1").click()
    page.locator("#run-title").wait_for()
    overview = page.locator("#run-overview").inner_text()
    assert iris.run_ids["logreg-C0.1"] in overview
    assert "FINISHED" in overview
    assert page.locator("#params-table").get_by_text("lbfgs").count() == 1
    page.locator("#logged-models-table").get_by_text(iris.model_ids["logreg-C0.1"]).wait_for()
    datasets = page.locator("#datasets-table tbody tr")
    expect(datasets.locator("td").first).to_have_text("iris-train")
    assert "training" in datasets.inner_text()

    page.click("#add-tag")
    _submit_dialog(page, key="reviewed", value="yes")
    page.locator("tr[data-tag='reviewed']").wait_for()
    tags = _api_get(ui_server, "runs/get", run_id=iris.run_ids["logreg-C0.1"])["run"]["data"]
    assert {"key": "reviewed", "value": "yes"} in tags["tags"]
    screenshot(page, "run-overview")

    page.get_by_role("button", name="Metric charts").click()
    chart = page.locator("[data-metric='loss'][data-points='10']")
    chart.wait_for()
    option = chart.evaluate(ECHARTS_OPTION)
    assert len(option["series"][0]["data"]) == 10
    assert option["yAxis"][0]["type"] == "value"
    page.get_by_label("Log scale").check()
    assert chart.evaluate(ECHARTS_OPTION)["yAxis"][0]["type"] == "log"
    raw_last = option["series"][0]["data"][-1][1]
    page.get_by_label("Smoothing", exact=True).fill("0.9")
    smoothed = chart.evaluate(ECHARTS_OPTION)["series"][0]["data"]
    # The loss falls, so its moving average lags above the last raw value.
    assert smoothed[-1][1] > raw_last
    page.get_by_label("X axis").select_option("relative")
    assert chart.evaluate(ECHARTS_OPTION)["xAxis"][0]["name"] == "seconds since first point"
    screenshot(page, "run-charts")


def test_artifact_previews(page: Any, ui_server: RunningServer, iris: IrisWorkflow) -> None:
    run_id = iris.run_ids["logreg-C1.0"]
    page.goto(f"{ui_server.url}/#/runs/{run_id}")
    page.get_by_role("button", name="Artifacts").click()
    page.click("#artifact-tree [data-path='plots']")
    page.click("#artifact-tree [data-path='plots/confusion.png']")
    image = page.locator("#artifact-preview img")
    image.wait_for()
    page.wait_for_function("document.querySelector('#artifact-preview img').naturalWidth > 0")
    assert image.evaluate("img => img.naturalWidth") == 400
    screenshot(page, "artifact-image")

    page.click("#artifact-tree [data-path='data']")
    page.click("#artifact-tree [data-path='data/sample.csv']")
    table = page.locator("#artifact-preview table.csv")
    table.wait_for()
    assert table.locator("th").all_inner_texts()[0] == "sepal length (cm)"
    assert table.locator("tbody tr").count() == 20

    page.click("#artifact-tree [data-path='report.json']")
    page.locator("#artifact-preview pre").wait_for()
    assert json.loads(page.locator("#artifact-preview pre").inner_text())["C"] == 1.0
    download = page.locator("#artifact-preview a[download]").get_attribute("href")
    assert download is not None
    with urllib.request.urlopen(f"{ui_server.url}/{download}", timeout=10) as response:
        assert json.load(response)["classes"] == [0, 1, 2]

    page.goto(f"{ui_server.url}/#/runs/{run_id}")
    page.locator("#logged-models-table").get_by_role("button", name="Files").click()
    page.click("#artifact-tree [data-path='MLmodel']")
    page.locator("#artifact-preview .pill").first.wait_for()
    preview = page.locator("#artifact-preview").inner_text()
    assert "sklearn" in preview
    assert "sepal length (cm)" in preview


def test_compare_two_runs(page: Any, ui_server: RunningServer, iris: IrisWorkflow) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    for name in ("logreg-C0.1", "logreg-C10.0"):
        row = page.locator(f"tr[data-run-id='{iris.run_ids[name]}']")
        row.get_by_label("Select run").check()
    page.click("#compare-runs")
    page.wait_for_url(re.compile(r"#/compare\?"))
    parallel = page.locator("#parallel-chart")
    parallel.wait_for()
    option = parallel.evaluate(ECHARTS_OPTION)
    assert [d["name"] for d in option["series"][0]["data"]] == ["logreg-C0.1", "logreg-C10.0"]
    # Coloured by a metric through a colour scale, not one colour per run.
    assert option["visualMap"][0]["dimension"] >= 0
    axes = [axis["name"] for axis in option["parallelAxis"]]
    assert "param: C" in axes
    assert "metric: loss" in axes
    assert "param: solver" not in axes
    assert page.locator("#compare-params tr.diff[data-key='C']").count() == 1
    assert page.locator("#compare-params tr.diff[data-key='solver']").count() == 0
    page.wait_for_function(
        "echarts.getInstanceByDom(document.querySelector('#overlay-chart'))"
        ".getOption().series.every(s => s.data.length === 10)"
    )
    scatter = page.locator("#scatter-chart").evaluate(ECHARTS_OPTION)
    assert len(scatter["series"][0]["data"]) == 2
    screenshot(page, "compare")


def test_register_model_set_alias_and_stage(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    run_id = iris.run_ids["logreg-C10.0"]
    page.goto(f"{ui_server.url}/#/runs/{run_id}")
    page.locator("#logged-models-table .register-logged-model").click()
    _submit_dialog(page, name="iris-classifier")
    page.wait_for_url(re.compile(r"#/models/iris-classifier/versions/1$"))
    assert page.locator("#source-run").inner_text() == run_id
    page.locator(".signature").first.wait_for()
    assert page.locator(".signature").first.get_by_text("petal width (cm)").count() == 1

    page.click("#add-alias")
    _submit_dialog(page, alias="champion")
    page.locator("[data-alias='champion']").wait_for()
    page.locator("#stage-select").select_option("Staging")
    page.click("#transition")
    page.locator("#version-overview").get_by_text("Staging").wait_for()
    screenshot(page, "model-version")

    alias = _api_get(ui_server, "registered-models/alias", name="iris-classifier", alias="champion")
    assert alias["model_version"]["version"] == "1"
    assert alias["model_version"]["current_stage"] == "Staging"
    assert alias["model_version"]["model_id"] == iris.model_ids["logreg-C10.0"]

    page.get_by_role("link", name="Models", exact=True).click()
    page.fill("input[type=search]", "classif")
    page.press("input[type=search]", "Enter")
    page.locator("#models-table").get_by_role("link", name="iris-classifier").click()
    page.locator("tr[data-version='1']").get_by_text("@champion").wait_for()
    screenshot(page, "model")


def test_parent_and_child_runs_link_to_each_other(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/runs/{iris.run_ids['logreg-C10.0']}")
    page.locator("#run-overview").get_by_role("link", name="calibration").click()
    expect(page.locator("#run-title")).to_have_text("calibration")
    page.locator("#run-overview").get_by_role("link", name=iris.run_ids["logreg-C10.0"]).click()
    expect(page.locator("#run-title")).to_have_text("logreg-C10.0")


def test_register_model_from_a_model_directory_among_artifacts(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    run_id = iris.run_ids["logreg-C10.0"]
    page.goto(f"{ui_server.url}/#/runs/{run_id}?tab=artifacts")
    page.click("#artifact-tree [data-path='exported_model']")
    page.locator("#artifact-preview").get_by_role("button", name="Register model").click()
    _submit_dialog(page, name="iris-exported")
    page.wait_for_url(re.compile(r"#/models/iris-exported/versions/1$"))
    expect(page.locator("#source-run")).to_have_text(run_id)
    version = _api_get(ui_server, "model-versions/get", name="iris-exported", version="1")
    assert version["model_version"]["source"].endswith(f"/{run_id}/artifacts/exported_model")
    # The version page reads the flavors from the MLmodel file of the registered directory.
    expect(page.locator(".pill", has_text="sklearn")).to_have_count(1)


def _post(server: RunningServer, path: str, body: dict[str, Any]) -> Any:
    request = urllib.request.Request(
        f"{server.url}/api/2.0/mlflow/{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)


def test_delete_and_restore_runs_and_edit_a_tag(page: Any, ui_server: RunningServer) -> None:
    experiment_id = _post(ui_server, "experiments/create", {"name": "ui-lifecycle"})[
        "experiment_id"
    ]
    run_ids = [
        _post(ui_server, "runs/create", {"experiment_id": experiment_id, "run_name": f"r{i}"})[
            "run"
        ]["info"]["run_id"]
        for i in range(3)
    ]
    page.goto(f"{ui_server.url}/#/experiments/{experiment_id}")
    expect(_run_rows(page)).to_have_count(3)
    for run_id in run_ids[:2]:
        page.locator(f"tr[data-run-id='{run_id}']").get_by_label("Select run").check()
    page.click("#delete-runs")
    expect(_run_rows(page)).to_have_count(1)
    page.get_by_label("Lifecycle").select_option("DELETED_ONLY")
    expect(_run_rows(page)).to_have_count(2)
    page.locator(f"tr[data-run-id='{run_ids[0]}']").get_by_label("Select run").check()
    page.click("#delete-runs")
    expect(_run_rows(page)).to_have_count(1)
    stages = {
        run_id: _api_get(ui_server, "runs/get", run_id=run_id)["run"]["info"]["lifecycle_stage"]
        for run_id in run_ids
    }
    assert stages == {run_ids[0]: "active", run_ids[1]: "deleted", run_ids[2]: "active"}

    _post(ui_server, "runs/set-tag", {"run_id": run_ids[2], "key": "stage", "value": "draft"})
    page.goto(f"{ui_server.url}/#/runs/{run_ids[2]}")
    page.locator("tr[data-tag='stage']").get_by_role("button", name="Edit").click()
    _submit_dialog(page, key="phase", value="final")
    page.locator("tr[data-tag='phase']").wait_for()
    expect(page.locator("tr[data-tag='stage']")).to_have_count(0)
    tags = _api_get(ui_server, "runs/get", run_id=run_ids[2])["run"]["data"]["tags"]
    assert {"key": "phase", "value": "final"} in tags
    assert "stage" not in {tag["key"] for tag in tags}


def test_ui_under_a_static_prefix(chromium: Any, tmp_path: Path) -> None:
    port = free_port()
    cmd = [
        str(Path(sys.executable).with_name("mlharbor")),
        "server",
        "--backend-store-uri", f"sqlite:///{tmp_path / 'prefixed.db'}",
        "--artifacts-destination", str(tmp_path / "artifacts"),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--static-prefix", "/tracking",
    ]  # fmt: skip
    with run_server(cmd, port, "/tracking/health", cwd=tmp_path) as server:
        context = chromium.new_context()
        try:
            page = context.new_page()
            page.goto(server.url + "/tracking")
            assert page.url == server.url + "/tracking/"
            page.get_by_role("button", name="Create experiment").click()
            _submit_dialog(page, name="behind-a-prefix")
            page.wait_for_url(re.compile(r"/tracking/#/experiments/\d+$"))
            expect(page.locator("h1")).to_have_text("behind-a-prefix")
        finally:
            context.close()
