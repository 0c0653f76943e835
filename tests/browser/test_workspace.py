"""The experiment workspace in Chromium, by clicking: the run colour palette, the chart view
and its saved panels, grouping with mean and range, the runs table's headers, nesting and
keyboard, the logged-model page and its registry links, the cleaned run overview, and dark
mode."""

from __future__ import annotations

import itertools
import json
import math
import re
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.workflow import IrisWorkflow
from tests.fixtures.servers import RunningServer

OPTION = "el => echarts.getInstanceByDom(el).getOption()"
RUNS = 12
STEPS = 30
LEARNING_RATES = ("0.1", "0.01", "0.001")


def _call(server: RunningServer, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = f"{server.url}/api/2.0/mlflow/{path}"
    data = None
    if method == "GET" and body:
        url += "?" + urllib.parse.urlencode(body)
    elif body is not None:
        data = json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method=method
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        text = response.read()
    return json.loads(text) if text else {}


@dataclass(frozen=True)
class Workspace:
    experiment_id: str
    run_ids: list[str]  # top-level runs, in creation order
    child_id: str


@pytest.fixture(scope="module")
def workspace(ui_server: RunningServer) -> Workspace:
    """Twelve runs over three learning rates with a 30-step loss and a single accuracy value,
    plus a child run under the first."""
    experiment_id = _call(ui_server, "POST", "experiments/create", {"name": "ui-workspace"})[
        "experiment_id"
    ]
    run_ids = []
    for i in range(RUNS):
        run = _call(
            ui_server,
            "POST",
            "runs/create",
            {"experiment_id": experiment_id, "run_name": f"trial-{i:02d}", "start_time": 1000 + i},
        )["run"]
        run_id = run["info"]["run_id"]
        lr = LEARNING_RATES[i % 3]
        metrics = [
            {"key": "loss", "value": (1 + i / 10) / (s + 1), "timestamp": 1000 + s, "step": s}
            for s in range(STEPS)
        ]
        metrics.append({"key": "accuracy", "value": 0.8 + i / 100, "timestamp": 2000, "step": 0})
        _call(
            ui_server,
            "POST",
            "runs/log-batch",
            {
                "run_id": run_id,
                "metrics": metrics,
                "params": [{"key": "lr", "value": lr}],
                "tags": [{"key": "team", "value": "ab"[i % 2]}],
            },
        )
        run_ids.append(run_id)
    child = _call(
        ui_server,
        "POST",
        "runs/create",
        {
            "experiment_id": experiment_id,
            "run_name": "fold-0",
            "tags": [{"key": "mlflow.parentRunId", "value": run_ids[0]}],
        },
    )["run"]["info"]["run_id"]
    return Workspace(experiment_id, run_ids, child)


def _lab(hex_colour: str) -> tuple[float, float, float]:
    def linear(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(int(hex_colour[i : i + 2], 16)) for i in (1, 3, 5))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def test_palette_gives_100_distinguishable_colours(page: Any, ui_server: RunningServer) -> None:
    page.goto(ui_server.url + "/")
    palette, assigned, again = page.evaluate(
        """async () => {
            const m = await import('./static-files/js/palette.js');
            const ids = Array.from({length: 100}, (_, i) => 'run' + i);
            const first = [...m.runColors('palette-test', ids).values()];
            const second = [...m.runColors('palette-test', ids.slice().reverse()).values()];
            return [m.PALETTE, first, second.reverse()];
        }"""
    )
    assert len(palette) == 100
    labs = [_lab(c) for c in palette]
    # CIE76 distance: about 2.3 is just noticeable; every pair here is far beyond it.
    closest = min(math.dist(a, b) for a, b in itertools.combinations(labs, 2))
    assert closest > 15
    # Mid lightness: every colour reads on the light and on the dark background.
    assert all(35 <= lab[0] <= 80 for lab in labs)
    assert len(set(assigned)) == 100
    assert again == assigned


def _swatches(page: Any) -> dict[str, str]:
    return page.evaluate(
        """() => Object.fromEntries(
            [...document.querySelectorAll('#runs-table tr[data-run-id]')].map(tr => [
                tr.querySelector('a').textContent,
                getComputedStyle(tr.querySelector('.run-swatch')).backgroundColor,
            ]))"""
    )


def _css_rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_chart_view_draws_every_run_and_keeps_panels(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{workspace.experiment_id}")
    page.locator("#runs-table tr[data-run-id]").first.wait_for()
    swatches = _swatches(page)
    page.click("#mode-charts")
    page.select_option("#chart-runs", "20")
    loss = page.locator(".panel[data-metric='loss'][data-state='drawn']")
    loss.wait_for()
    option = loss.locator(".chart").evaluate(OPTION)
    lines = option["series"]
    assert len(lines) == RUNS
    assert all(len(s["data"]) == STEPS for s in lines)
    # Steps are integers on the axis, and each run has its table colour on the chart.
    assert option["xAxis"][0]["minInterval"] == 1
    assert {s["name"]: _css_rgb(s["color"]) for s in lines} == {
        name: colour for name, colour in swatches.items() if name.startswith("trial")
    }
    assert len({s["color"] for s in lines}) == RUNS

    # A metric logged once per run is a bar per run, not a dot on a fractional axis.
    accuracy = page.locator(".panel[data-metric='accuracy'][data-state='drawn']")
    accuracy.wait_for()
    bars = accuracy.locator(".chart").evaluate(OPTION)
    assert bars["series"][0]["type"] == "bar"
    assert len(bars["series"][0]["data"]) == RUNS

    # Hovering shows every run's value at that step.
    box = loss.locator("canvas").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
    tooltip = page.locator(".chart-tooltip").first
    tooltip.wait_for()
    assert len(tooltip.locator("div").all()) >= RUNS
    screenshot(page, "chart-view")

    # Panels are removed and added by the user and kept across reloads.
    page.get_by_role("button", name="Remove accuracy").click()
    expect(page.locator(".panel[data-metric='accuracy']")).to_have_count(0)
    page.select_option("#add-panel", "scatter")
    page.locator(".panel[data-panel='scatter'][data-state='drawn']").wait_for()
    page.reload()
    page.locator(".panel[data-panel='scatter']").wait_for()
    expect(page.locator(".panel[data-metric='accuracy']")).to_have_count(0)
    kinds = page.locator(".panel").evaluate_all("els => els.map(e => e.dataset.panel)")
    assert kinds == ["metric", "scatter"]

    # Parallel coordinates over the shown runs, coloured by a metric's scale.
    page.select_option("#add-panel", "parallel")
    parallel = page.locator(".panel[data-panel='parallel'][data-state='drawn'] .chart")
    parallel.wait_for()
    option = parallel.evaluate(OPTION)
    assert len(option["series"][0]["data"]) == RUNS
    assert option["visualMap"][0]["text"][0] == "metric: accuracy"
    screenshot(page, "chart-view-panels")

    # Smoothing and log scale apply to every panel.
    page.get_by_label("Log scale").check()
    option = loss.locator(".chart").evaluate(OPTION)
    assert option["yAxis"][0]["type"] == "log"
    page.get_by_role("button", name="Reset panels").click()
    page.locator(".panel[data-metric='accuracy']").wait_for()


def test_group_by_param_draws_mean_and_range(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{workspace.experiment_id}")
    page.locator("#runs-table tr[data-run-id]").first.wait_for()
    page.select_option("#group-by", "p:lr")
    groups = page.locator("#runs-table tr.group-row")
    # Three learning rates, and the child run that logged none.
    expect(groups).to_have_count(4)
    expect(groups.filter(has_text="lr = (none)")).to_have_count(1)
    first = groups.filter(has_text="lr = 0.1")
    assert "(4 runs, mean)" in first.inner_text()
    # The group row holds the mean of the group's accuracies.
    page.click("#columns-button")
    page.locator(".columns-panel input[data-column='m:accuracy']").check()
    accuracies = [0.8 + i / 100 for i in range(RUNS) if i % 3 == 0]
    mean = sum(accuracies) / len(accuracies)
    assert f"{mean:.4f}"[:5] in first.inner_text()
    page.click("#columns-button")
    screenshot(page, "runs-grouped")

    page.click("#mode-charts")
    page.select_option("#chart-runs", "20")
    loss = page.locator(".panel[data-metric='loss'][data-state='drawn']")
    loss.wait_for()
    series = loss.locator(".chart").evaluate(OPTION)["series"]
    means = [s for s in series if s["id"].startswith("line:")]
    bands = [s for s in series if s["id"].startswith("band:")]
    assert sorted(s["name"] for s in means) == sorted(f"lr={lr} (4)" for lr in LEARNING_RATES)
    assert len(bands) == 6  # a lower edge and a stacked range for each group
    # The band spans min to max, or one standard deviation around the mean when chosen.
    spread = {s["id"]: s["data"][0][1] for s in bands if s["id"].startswith("band:hi:")}
    page.select_option("#band-kind", "std")
    series = loss.locator(".chart").evaluate(OPTION)["series"]
    narrower = {s["id"]: s["data"][0][1] for s in series if s["id"].startswith("band:hi:")}
    assert all(narrower[key] < spread[key] for key in spread)
    screenshot(page, "chart-view-grouped")


def test_runs_table_headers_nesting_and_keyboard(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{workspace.experiment_id}")
    parent = page.locator(f"tr[data-run-id='{workspace.run_ids[0]}']")
    parent.wait_for()
    groups = page.locator("#runs-table tr.column-groups th[data-group]").all_inner_texts()
    assert [g.upper() for g in groups] == ["ATTRIBUTES", "METRICS", "PARAMS"]
    # Columns are reordered from the columns menu, and the order is kept.
    page.click("#columns-button")
    page.get_by_role("button", name="Move loss left").click()
    page.click("#columns-button")
    metric_headers = "#runs-table th[data-column^='m:']"
    assert page.locator(metric_headers).all_inner_texts() == ["loss", "accuracy"]
    page.reload()
    parent.wait_for()
    assert page.locator(metric_headers).all_inner_texts() == ["loss", "accuracy"]
    # The name column stays pinned while the table scrolls sideways.
    assert parent.locator("td.run-name").evaluate("td => getComputedStyle(td).position") == "sticky"

    child = page.locator(f"tr[data-run-id='{workspace.child_id}']")
    expect(child).to_be_hidden()
    parent.get_by_role("button", name="Expand child runs").click()
    expect(child).to_be_visible()
    assert child.get_attribute("data-depth") == "1"
    # Left folds the focused parent, Right unfolds it.
    parent.focus()
    page.keyboard.press("ArrowLeft")
    expect(child).to_be_hidden()
    page.keyboard.press("ArrowRight")
    expect(child).to_be_visible()
    assert page.evaluate("() => document.activeElement.dataset.runId") == workspace.run_ids[0]

    # Keyboard: focus the first row, move down, select with Space, fold with Left.
    rows = page.locator("#runs-table tbody tr[data-run-id]:not([hidden])")
    rows.first.focus()
    page.keyboard.press("ArrowDown")
    focused = page.evaluate("() => document.activeElement.dataset.runId")
    assert focused == rows.nth(1).get_attribute("data-run-id")
    page.keyboard.press(" ")
    assert rows.nth(1).get_by_label("Select run").is_checked()
    page.keyboard.press("ArrowUp")
    parent_focused = page.evaluate("() => document.activeElement.dataset.runId")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Home")
    assert page.evaluate("() => document.activeElement.dataset.runId") == parent_focused
    page.keyboard.press("End")
    last = page.evaluate("() => document.activeElement.dataset.runId")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"#/runs/{last}$"))
    page.go_back()
    page.locator(f"tr[data-run-id='{workspace.run_ids[0]}']").wait_for()
    screenshot(page, "runs-table-nested")


def test_logged_model_page_links_runs_and_registry(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    run_id = iris.run_ids["logreg-C1.0"]
    model_id = iris.model_ids["logreg-C1.0"]
    _call(
        ui_server,
        "POST",
        "runs/log-metric",
        {
            "run_id": run_id,
            "key": "eval_accuracy",
            "value": 0.97,
            "timestamp": 5000,
            "step": 0,
            "model_id": model_id,
            "dataset_name": "iris-test",
            "dataset_digest": "abc123",
        },
    )
    _call(ui_server, "POST", "registered-models/create", {"name": "iris-linked"})
    _call(
        ui_server,
        "POST",
        "model-versions/create",
        {
            "name": "iris-linked",
            "source": f"models:/{model_id}",
            "run_id": run_id,
            "model_id": model_id,
        },
    )

    page.goto(f"{ui_server.url}/#/runs/{run_id}")
    page.locator("#registered-versions").get_by_role("link", name="iris-linked v1").wait_for()
    page.locator("#logged-models-table").get_by_role("link", name="model").click()
    page.wait_for_url(re.compile(rf"#/experiments/{iris.experiment_id}/models/{model_id}$"))
    expect(page.locator("#logged-model-title")).to_have_text("model")
    assert page.locator("#logged-model-params").get_by_text("C", exact=True).count() == 1
    dataset = page.locator("#logged-model-metrics [data-dataset='iris-test (abc123)']")
    expect(dataset.get_by_text("eval_accuracy")).to_have_count(1)
    page.locator("#model-runs").get_by_role("link", name="logreg-C1.0").wait_for()
    page.locator("#artifact-tree [data-path='MLmodel']").wait_for()
    screenshot(page, "logged-model")

    page.locator("#model-registrations").get_by_role("link", name="iris-linked v1").click()
    page.wait_for_url(re.compile(r"#/models/iris-linked/versions/1$"))
    page.locator("#logged-model-link a").click()
    page.wait_for_url(re.compile(rf"/models/{model_id}$"))
    page.locator("#logged-model-source-run").click()
    expect(page.locator("#run-title")).to_have_text("logreg-C1.0")


def test_run_overview_is_clean_and_description_is_markdown(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    run_id = workspace.run_ids[1]
    _call(
        ui_server, "POST", "runs/set-tag", {"run_id": run_id, "key": "mlflow.user", "value": "ana"}
    )
    page.goto(f"{ui_server.url}/#/runs/{run_id}")
    overview = page.locator("#run-overview")
    overview.get_by_text("Run ID").wait_for()
    text = overview.inner_text()
    for empty in ("Git commit", "Parent run", "Child runs"):
        assert empty not in text
    system = page.locator("#system-tags")
    expect(system.locator("summary")).to_have_text(re.compile(r"System \(\d+\)"))
    assert not system.locator("td", has_text="mlflow.user").is_visible()

    page.locator("#run-description .edit-description").click()
    source = (
        "## Result\n\n| lr | loss |\n|---|---|\n| 0.01 | **0.2** |\n\n"
        '<img src=x onerror="window.__xss=1">'
    )
    page.get_by_label("Description (Markdown)").fill(source)
    preview = page.locator(".description-preview table")
    expect(preview.locator("td")).to_have_count(2)
    page.locator("#run-description .save-description").click()
    page.locator("#run-description .markdown table").wait_for()
    injected = "() => [window.__xss, document.querySelectorAll('img[src=x]').length]"
    assert page.evaluate(injected) == [None, 0]
    tags = _call(ui_server, "GET", "runs/get", {"run_id": run_id})["run"]["data"]["tags"]
    assert {"key": "mlflow.note.content", "value": source} in tags
    screenshot(page, "run-overview-clean")

    page.get_by_role("button", name="Metric charts").click()
    # One run's single value is written as a number, not drawn as a lone dot.
    single = page.locator("[data-metric='accuracy'][data-points='1']")
    single.wait_for()
    option = single.evaluate(OPTION)
    assert option["series"] == []
    texts = [e["style"]["text"] for e in option["graphic"][0]["elements"]]
    assert texts == ["0.81", "trial-01"]
    page.get_by_label("X axis").select_option("relative")
    loss = page.locator("[data-metric='loss']").evaluate(OPTION)
    assert loss["xAxis"][0]["axisLabel"]["show"] is not False
    screenshot(page, "run-charts-single-value")


def test_experiment_and_model_descriptions_are_edited_with_a_preview(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{workspace.experiment_id}")
    card = page.locator("#experiment-description")
    card.get_by_role("button", name="Edit").click()
    page.get_by_label("Description (Markdown)").fill("Sweep over **lr**")
    expect(page.locator(".description-preview strong")).to_have_text("lr")
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".markdown strong")).to_have_text("lr")
    experiment = _call(
        ui_server, "GET", "experiments/get", {"experiment_id": workspace.experiment_id}
    )["experiment"]
    assert {"key": "mlflow.note.content", "value": "Sweep over **lr**"} in experiment["tags"]

    _call(ui_server, "POST", "registered-models/create", {"name": "described"})
    page.goto(f"{ui_server.url}/#/models/described")
    card = page.locator("#model-description")
    card.get_by_role("button", name="Edit").click()
    page.get_by_label("Description (Markdown)").fill("| a | b |\n|---|---|\n| 1 | 2 |")
    expect(page.locator(".description-preview td")).to_have_count(2)
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".markdown td")).to_have_count(2)
    model = _call(ui_server, "GET", "registered-models/get", {"name": "described"})
    assert model["registered_model"]["description"] == "| a | b |\n|---|---|\n| 1 | 2 |"


def test_dark_mode_follows_the_system(
    page: Any, ui_server: RunningServer, workspace: Workspace
) -> None:
    page.emulate_media(color_scheme="dark")
    page.goto(f"{ui_server.url}/#/experiments/{workspace.experiment_id}?mode=charts")
    page.locator(".panel[data-metric='loss'][data-state='drawn']").wait_for()
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    r, g, b = (int(v) for v in re.findall(r"\d+", background)[:3])
    assert r + g + b < 120
    screenshot(page, "chart-view-dark")
