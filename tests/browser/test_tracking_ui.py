"""The README's "look at the results" tools in a real browser, on the README's own curate run:
`mlflow server` shows the run, its metrics and its plots; `kedro viz build` renders the pipelines."""

from __future__ import annotations

import functools
import http.server
import json
import sys
import threading
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import free_port, screenshot, start_server, stop_server


def api(url: str, body: dict | None = None) -> dict:
    """GET (or POST `body` as JSON to) MLflow's REST API."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


@pytest.fixture(scope="module")
def mlflow_ui(curated_project):
    """`mlflow server` on the curated copy's store, as the README starts it (`mlflow ui` is the same)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(Path(sys.executable).with_name("mlflow")), "server", "--backend-store-uri",
            f"sqlite:///{curated_project / 'mlflow.db'}", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"]
    no_jobs = {"MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}  # a look needs no job runner (~10 more processes)
    server = start_server(args, f"{url}/health", cwd=curated_project, env=no_jobs)
    yield url
    stop_server(server)


def test_mlflow_ui_shows_the_curate_run_its_metrics_and_plots(page, mlflow_ui):
    experiment = api(f"{mlflow_ui}/api/2.0/mlflow/experiments/get-by-name?experiment_name=winnow")["experiment"]
    (run,) = api(f"{mlflow_ui}/api/2.0/mlflow/runs/search",  # the latest run
                 {"experiment_ids": [experiment["experiment_id"]], "max_results": 1,
                  "order_by": ["attributes.start_time DESC"]})["runs"]
    run_page = f"{mlflow_ui}/#/experiments/{experiment['experiment_id']}/runs/{run['info']['run_id']}"

    page.goto(run_page)
    expect(page.get_by_role("heading", name="curate")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("select.mode", exact=True).first).to_be_visible()
    page.get_by_placeholder("Search metrics").fill("heldout_agreement")
    metric = page.get_by_role("row").filter(has_text="rater.heldout_agreement_bt").first
    metric.scroll_into_view_if_needed()
    logged = {m["key"]: m["value"] for m in run["data"]["metrics"]}["rater.heldout_agreement_bt"]
    expect(metric).to_contain_text(str(logged))  # the value the run logged, as the UI shows it
    screenshot(page, "mlflow_run")

    page.goto(f"{run_page}/artifacts")
    page.get_by_text("plots", exact=True).first.click()
    page.get_by_text("score_histogram.png", exact=True).first.click()
    plot = page.locator("img[src^='blob:']").first
    expect(plot).to_be_visible()
    assert plot.evaluate("img => img.complete && img.naturalWidth") > 100  # the PNG decoded
    screenshot(page, "mlflow_plot")


@pytest.fixture(scope="module")
def viz_site(viz_build):
    """The static Kedro-Viz site served as any web server would (file:// cannot load its data)."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(viz_build)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_kedro_viz_build_renders_the_pipelines_in_a_browser(page, viz_site):
    for pipeline, expected in [("curate", {"read_corpus", "score_heuristics", "fit_rater", "build_selection"}),
                               ("score", {"fit_rater", "score_rater", "score_perplexity"})]:
        page.goto(f"{viz_site}/?pid={pipeline}")  # Kedro-Viz's own URL parameter for the pipeline shown
        expect(page.locator(".pipeline-list").first).to_contain_text(pipeline, timeout=60_000)
        nodes = page.locator(".pipeline-node__text")
        expect(nodes.first).to_be_visible(timeout=60_000)
        names = set(nodes.all_text_contents())
        assert expected <= names, sorted(names)[:40]
        screenshot(page, f"kedro_viz_{pipeline}")
