"""Headless Chromium for the browser tests: Debian's `chromium` driven by Playwright.

Playwright's own browser download (`playwright install`) is never used: nothing is fetched at test
time. Without /usr/bin/chromium these tests skip, saying so; CI (`.ci/run`) installs it.
Screenshots go to data/08_reporting/screenshots/ (ignored by git) and are listed at the end of the run.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.annotate.conftest import annotate_config, annotate_docs, html_pair_config, rater_mlflow_store  # noqa: F401
from tests.conftest import PROJECT

CHROMIUM = os.environ.get("WINNOW_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = PROJECT / "data" / "08_reporting" / "screenshots"
_taken: list[Path] = []


def pytest_terminal_summary(terminalreporter):
    if _taken:
        terminalreporter.write_sep("-", "browser screenshots")
        for path in _taken:
            terminalreporter.write_line(str(path))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    """Until `url` answers 200; fails with the process's output if it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stdout.read()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def start_server(args: list[str], health_url: str, cwd: Path = PROJECT, env: dict | None = None) -> subprocess.Popen:
    """A server in its own process group, so `stop_server` ends it and any workers it started."""
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "1", "KEDRO_DISABLE_TELEMETRY": "1", **(env or {})}
    process = subprocess.Popen(args, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        wait_for_http(health_url, process)
    except BaseException:
        stop_server(process)
        raise
    return process


def stop_server(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artifact and remember it for the summary."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    _taken.append(path)
    return path


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's `chromium` package (as .ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(20_000)
    yield context.new_page()
    context.close()
