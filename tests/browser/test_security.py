"""Hostile input against the UI: stored markup in run names, params, tags, artifact names and
model descriptions stays text; other sites cannot make the browser change state."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import screenshot
from tests.browser.workflow import HOSTILE_FILE, XSS, IrisWorkflow
from tests.fixtures.servers import RunningServer


def _injected(page: Any) -> Any:
    return page.evaluate("() => [window.__xss, document.querySelectorAll('img[src=x]').length]")


def _post(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_stored_markup_is_shown_as_text(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(f"{ui_server.url}/#/experiments/{iris.experiment_id}")
    page.click("#columns-button")
    page.locator(".columns-panel input[data-column='t:note']").check()
    row = page.locator(f"tr[data-run-id='{iris.hostile_run_id}']")
    expect(row.get_by_role("link")).to_have_text(XSS)
    expect(row.get_by_text(XSS, exact=True)).to_have_count(3)
    assert _injected(page) == [None, 0]

    row.get_by_role("link").click()
    expect(page.locator("#run-title")).to_have_text(XSS)
    expect(page.locator("#params-table").get_by_text(XSS, exact=True)).to_have_count(1)
    expect(page.locator("tr[data-tag='note']").get_by_text(XSS, exact=True)).to_have_count(1)
    assert _injected(page) == [None, 0]

    page.get_by_role("button", name="Artifacts").click()
    page.click("#artifact-tree [data-path='notes']")
    page.click(f"#artifact-tree [data-path='notes/{HOSTILE_FILE}']")
    expect(page.locator("#artifact-preview pre")).to_have_text(XSS)
    assert _injected(page) == [None, 0]
    page.click("#artifact-tree [data-path='notes/report.html']")
    frame = page.frame_locator("#artifact-preview iframe")
    expect(frame.locator("#heading")).to_have_text("Drift report")
    assert page.locator("#artifact-preview iframe").get_attribute("sandbox") == ""
    assert frame.locator("body").evaluate("() => window.__ran") is None
    assert _injected(page) == [None, 0]

    ids = f"{iris.hostile_run_id},{iris.run_ids['logreg-C1.0']}"
    page.goto(f"{ui_server.url}/#/compare?runs={ids}")
    page.locator("#parallel-chart").wait_for()
    expect(page.locator("#compare-params th").get_by_text(XSS, exact=True)).to_have_count(1)
    # Hovering the chart builds a tooltip naming the run.
    box = page.locator("#scatter-chart canvas").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert _injected(page) == [None, 0]
    screenshot(page, "hostile-compare")


def test_model_description_markdown_is_rendered_safely(page: Any, ui_server: RunningServer) -> None:
    description = (
        "# Iris\n\nA **fine** model, see [docs](https://example.org/docs).\n\n"
        "- one\n- two\n\n<script>window.__xss=1</script> "
        "[click](javascript:window.__xss=2) " + XSS
    )
    status, _ = _post(
        f"{ui_server.url}/api/2.0/mlflow/registered-models/create",
        {"name": "markdown-model", "description": description},
        {},
    )
    assert status == 200
    page.goto(f"{ui_server.url}/#/models/markdown-model")
    rendered = page.locator("#model-description .markdown")
    expect(rendered.locator("h3")).to_have_text("Iris")
    expect(rendered.locator("strong")).to_have_text("fine")
    expect(rendered.locator("li")).to_have_count(2)
    assert rendered.locator("a").evaluate_all("links => links.map(a => a.href)") == [
        "https://example.org/docs"
    ]
    assert rendered.locator("script").count() == 0
    assert "<script>window.__xss=1</script>" in rendered.inner_text()
    assert _injected(page) == [None, 0]


def test_ui_requests_carry_the_csrf_header_others_are_refused(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    page.goto(ui_server.url + "/")
    api = "ajax-api/2.0/mlflow/experiments/create"
    without_header = page.evaluate(
        """async (url) => (await fetch(url, {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({name: "csrf-no-header"})})).status""",
        api,
    )
    assert without_header == 403
    with_header = page.evaluate(
        """async (url) => (await fetch(url, {method: "POST",
            headers: {"Content-Type": "application/json", "X-MLharbor-CSRF": "1"},
            body: JSON.stringify({name: "csrf-with-header"})})).status""",
        api,
    )
    assert with_header == 200


def test_cross_site_page_cannot_write(
    page: Any, ui_server: RunningServer, iris: IrisWorkflow
) -> None:
    # localhost and 127.0.0.1 are different origins of the same server.
    other_origin = ui_server.url.replace("127.0.0.1", "localhost")
    run_id = iris.run_ids["logreg-C0.1"]
    query = urllib.parse.urlencode({"run_uuid": run_id, "path": "forged.txt"})
    page.goto(other_origin + "/health")
    for prefix in ("/api", "/ajax-api"):
        page.evaluate(
            """async (url) => { try { await fetch(url, {method: "POST", mode: "no-cors",
                body: "forged"}); } catch (e) {} }""",
            f"{ui_server.url}{prefix}/2.0/mlflow/upload-artifact?{query}",
        )
    listing = urllib.request.urlopen(
        f"{ui_server.url}/api/2.0/mlflow/artifacts/list?run_id={run_id}", timeout=10
    )
    assert "forged.txt" not in [f["path"] for f in json.load(listing).get("files", [])]


def test_origin_check_leaves_programmatic_clients_alone(ui_server: RunningServer) -> None:
    url = f"{ui_server.url}/api/2.0/mlflow/experiments/create"
    assert _post(url, {"name": "no-origin"}, {})[0] == 200
    assert _post(url, {"name": "evil"}, {"Origin": "https://evil.example"})[0] == 403
    # Another local origin (a different port or name for this machine) is refused too.
    other = ui_server.url.replace("127.0.0.1", "localhost")
    status, body = _post(url, {"name": "other"}, {"Origin": other})
    assert (status, json.loads(body)["error_code"]) == (403, "PERMISSION_DENIED")
    same = _post(url, {"name": "same-origin"}, {"Origin": ui_server.url})
    assert same[0] == 200
    site = _post(url, {"name": "cross"}, {"Sec-Fetch-Site": "cross-site"})
    assert site[0] == 403
