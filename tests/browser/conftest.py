"""Fixtures of the browser tests: a live ``mlharbor server`` holding the iris workflow, and
Debian's Chromium driven by Playwright.

Every test here is marked ``browser``; without Playwright or Chromium they are skipped locally
and fail under CI.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.workflow import IrisWorkflow, log_iris_workflow
from tests.conftest import in_ci
from tests.fixtures.servers import RunningServer, free_port, run_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def _unavailable(reason: str) -> None:
    if in_ci():
        pytest.fail(f"CI requires the browser tests to run: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def ui_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """``mlharbor server`` over a fresh SQLite file with proxied artifacts."""
    root = tmp_path_factory.mktemp("ui-server")
    port = free_port()
    cmd = [
        str(Path(sys.executable).with_name("mlharbor")),
        "server",
        "--backend-store-uri",
        f"sqlite:///{root / 'mlharbor.db'}",
        "--artifacts-destination",
        str(root / "artifacts"),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with run_server(cmd, port, "/health", timeout_s=120, cwd=root) as server:
        yield server


@pytest.fixture(scope="session")
def iris(ui_server: RunningServer) -> IrisWorkflow:
    """The iris workflow, logged once per session."""
    return log_iris_workflow(ui_server.url)


@pytest.fixture(scope="package")
def chromium() -> Iterator[Any]:
    """A headless Chromium browser, closed with this package's tests: Playwright's sync API
    keeps an event loop running on the main thread while it is open."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed")
    if shutil.which(CHROMIUM) is None:
        _unavailable(f"{CHROMIUM} is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium: Any, ui_server: RunningServer) -> Iterator[Any]:
    """A fresh page whose script errors fail the test. Confirmations are accepted; any other
    dialog (an ``alert`` run by injected script) fails the test."""
    # The page's Content-Security-Policy is switched off here: escaping alone must keep stored
    # data inert, and Playwright's waiting helpers evaluate strings.
    context = chromium.new_context(viewport={"width": 1400, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: _answer(dialog, errors))
    try:
        yield page
    finally:
        context.close()
    assert errors == []


def _answer(dialog: Any, errors: list[str]) -> None:
    if dialog.type == "confirm":
        dialog.accept()
        return
    errors.append(f"unexpected {dialog.type}: {dialog.message}")
    dialog.dismiss()


def screenshot(page: Any, name: str) -> None:
    """Save a full-page screenshot under ``tests/browser/screenshots/``."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
