"""The annotation page in a real browser: rate with the keyboard, kill the server, restart it,
and nothing is lost; HTML in a document is shown as text and never runs."""

from __future__ import annotations

import dataclasses
import signal
import sys

from playwright.sync_api import expect

from tests.browser.conftest import free_port, screenshot, start_server, stop_server
from winnow.annotate.store import all_judgments, opened
from winnow.rating.ratings import read_pairwise_ratings


def serve(config, port: int | None = None) -> tuple[str, object]:
    """The app as a user starts it; same port, same origin: the page keeps its name and session."""
    port = port or free_port()
    args = [sys.executable, "-m", "winnow.annotate", "--port", str(port), "--documents", str(config.documents),
            "--scores", str(config.scores), "--gold", str(config.gold or ""), "--db", str(config.db),
            "--export", str(config.export), "--mlflow-db", str(config.mlflow_db), "--target", str(config.target)]
    url = f"http://127.0.0.1:{port}"
    return url, start_server(args, f"{url}/api/health")


def shown_ids(page) -> tuple[str, str]:
    expect(page.locator("body")).to_have_attribute("data-state", "ready")
    return page.locator("#doc-a").get_attribute("data-id"), page.locator("#doc-b").get_attribute("data-id")


def rate(page, key: str, progress: str) -> None:
    before = shown_ids(page)
    page.keyboard.press(key)
    expect(page.locator("#progress")).to_contain_text(progress)
    assert shown_ids(page) != before


def stored(config) -> list[tuple]:
    with opened(config.db) as conn:
        return all_judgments(conn)[["rater", "choice", "session"]].itertuples(index=False, name=None).__iter__()


def sign_in(page, url: str, rater: str) -> None:
    """Open the page, give the rater's name, and wait for the first pair."""
    page.goto(url)
    page.fill("#rater-input", rater)
    page.keyboard.press("Enter")
    shown_ids(page)


def test_rate_with_the_keyboard_then_kill_and_restart_the_server_and_nothing_is_lost(
        page, annotate_config, annotate_docs, rater_mlflow_store):
    config = dataclasses.replace(annotate_config, mlflow_db=rater_mlflow_store)
    url, server = serve(config)
    try:
        sign_in(page, url, "alice")
        screenshot(page, "annotate_page")
        for key, progress in [("a", "1 / 5 judged"), ("b", "2 / 5 judged"), ("t", "3 / 5 judged"),
                              ("s", "3 / 5 judged this session · 1 skipped")]:
            rate(page, key, progress)
        stop_server(server, signal.SIGKILL)  # no shutdown handler runs: only what was committed survives
        rows = list(stored(config))
        assert [r[:2] for r in rows] == [("alice", "a"), ("alice", "b"), ("alice", "tie"), ("alice", "skip")]
        assert len({r[2] for r in rows}) == 1  # one browser tab, one session

        url, server = serve(config, port=int(url.rsplit(":", 1)[1]))
        page.goto(url)  # the same tab: name and session are remembered
        expect(page.locator("#rater-name")).to_have_text("alice")
        expect(page.locator("#progress")).to_contain_text("3 / 5 judged this session · 1 skipped")
        rate(page, "b", "4 / 5 judged")
        rate(page, "a", "5 / 5 judged")
        expect(page.locator("#message")).to_contain_text("Target reached")
        screenshot(page, "annotate_after_restart")
        assert len(list(stored(config))) == 6
        valid, quarantine = read_pairwise_ratings(config.export, annotate_docs["id"])
        assert quarantine.empty and valid["preferred"].tolist() == ["a", "b", "tie", "b", "a"]

        page.goto(f"{url}/stats")
        expect(page.locator("body")).to_have_attribute("data-state", "ready")
        expect(page.locator("#raters tbody tr")).to_have_count(1)
        expect(page.locator("#raters tbody td").first).to_have_text("alice")
        expect(page.locator("#model-table")).to_contain_text("held-out agreement (Bradley–Terry)80.0 %")
        expect(page.locator("#model-table")).to_contain_text("model agrees with alice (held out)")
        screenshot(page, "annotate_stats")
    finally:
        stop_server(server)


def test_html_in_a_document_is_shown_as_text_and_never_runs(page, html_pair_config):
    url, server = serve(html_pair_config)
    try:
        sign_in(page, url, "bob")
        texts = page.locator("#pair .text").all_inner_texts()
        assert any("<script>window.__pwned = true;" in t and "<b>watches</b>" in t for t in texts)
        assert page.locator("#pair .text *").count() == 0  # no element was made from the text
        assert page.evaluate("window.__pwned") is None and page.title() == "Winnow · which text is better?"
        screenshot(page, "annotate_html_as_text")
        page.keyboard.press("t")
        expect(page.locator("#message")).to_contain_text("all 1 pairs of the pool have been shown")
    finally:
        stop_server(server)
