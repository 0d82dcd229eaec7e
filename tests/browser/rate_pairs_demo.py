"""Demo: rate N pairs of the real scored sample through the page, with the keyboard, in Chromium.

No person is at this machine, so the rater is scripted: it answers from the sample's source labels,
the truth `data/01_raw/ratings/` is simulated from (clean beats low_quality; within one kind a tie
unless one document has twice the other's words), right with probability 0.92 like the sample's
best rater, and skips documents that carry no label (HTML, WARC, plain-text files). Usage, from a
project where `curate` has run:

    .venv/bin/python -m tests.browser.rate_pairs_demo --project . --n 50 --rater demo-oracle
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import pandas as pd
from playwright.sync_api import expect, sync_playwright

from tests.browser.conftest import CHROMIUM, free_port, start_server, stop_server
from winnow.annotate.store import all_judgments, opened

LENGTH_RATIO = 2.0  # as scripts/build_ratings.py
RELIABILITY = 0.92


def labels(project: Path) -> pd.DataFrame:
    """`kind` (clean / low_quality / None) and word count of every document, by id."""
    provenance = json.loads((project / "data/01_raw/sample/provenance.json").read_text())
    kind = {name: info.get("quality") for name, info in provenance["files"].items()}
    docs = pd.read_parquet(project / "data/02_intermediate/documents.parquet", columns=["id", "text", "file"])
    docs["kind"] = docs["file"].map(kind)
    docs["n_words"] = docs["text"].str.split().str.len()
    return docs.set_index("id")[["kind", "n_words"]]


def answer(a: pd.Series, b: pd.Series, rng: random.Random) -> str:
    """The key the scripted rater presses."""
    if a["kind"] not in ("clean", "low_quality") or b["kind"] not in ("clean", "low_quality"):
        return "s"
    if a["kind"] != b["kind"]:
        truth = "a" if a["kind"] == "clean" else "b"
    elif max(a["n_words"], b["n_words"]) >= LENGTH_RATIO * max(min(a["n_words"], b["n_words"]), 1):
        truth = "a" if a["n_words"] > b["n_words"] else "b"
    else:
        truth = "t"
    return truth if rng.random() < RELIABILITY else rng.choice([k for k in "abt" if k != truth])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=Path, default=Path("."))
    parser.add_argument("--n", type=int, default=50, help="judgments to make (skips not counted)")
    parser.add_argument("--rater", default="demo-oracle")
    parser.add_argument("--screenshots", type=Path, default=Path("data/08_reporting/screenshots"))
    args = parser.parse_args(argv)
    project, shots = args.project.resolve(), args.screenshots.resolve()
    shots.mkdir(parents=True, exist_ok=True)
    truth, rng = labels(project), random.Random(0)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = start_server([sys.executable, "-m", "winnow.annotate", "--port", str(port), "--target", str(args.n)],
                          f"{url}/api/health", cwd=project)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url)
            page.fill("#rater-input", args.rater)
            page.keyboard.press("Enter")
            started, judged, keys = time.perf_counter(), 0, []
            while judged < args.n:
                expect(page.locator("body")).to_have_attribute("data-state", "ready")
                if judged in (0, args.n // 2):
                    page.screenshot(path=str(shots / f"demo_pair_{judged:02d}.png"), full_page=True)
                a_id, b_id = (page.locator(f"#doc-{s}").get_attribute("data-id") for s in "ab")
                key = answer(truth.loc[a_id], truth.loc[b_id], rng)
                page.keyboard.press(key)
                keys.append(key)
                judged += key != "s"
                expect(page.locator("#progress")).to_contain_text(f"{judged} / {args.n} judged")
            seconds = time.perf_counter() - started
            page.screenshot(path=str(shots / "demo_done.png"), full_page=True)
            page.goto(f"{url}/stats")
            expect(page.locator("body")).to_have_attribute("data-state", "ready")
            page.screenshot(path=str(shots / "demo_stats.png"), full_page=True)
            browser.close()
    finally:
        stop_server(server)
    with opened(project / "data/01_raw/annotations/judgments.sqlite") as conn:
        stored = all_judgments(conn)
    mine = stored[stored["rater"] == args.rater]
    closeness = (mine["p_a"] - 0.5).abs().groupby(mine["kind"]).median().round(4).to_dict()
    print(json.dumps({"judged": judged, "key_presses": len(keys), "seconds": round(seconds, 1),
                      "seconds_per_key": round(seconds / len(keys), 3),
                      "choices": mine["choice"].value_counts().to_dict(),
                      "kinds": mine["kind"].value_counts().to_dict(), "median_abs_p_minus_half_by_kind": closeness,
                      "screenshots": sorted(str(p) for p in shots.glob("demo_*.png"))}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
