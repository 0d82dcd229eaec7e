"""A small corpus of a kind a new user brings: none of its documents is in the bundled sample.

Written fresh by the tests (the texts are this project's own), with every way a real folder goes
wrong at least once: a JSONL file with a byte-order mark, a broken line, an HTML page, a text file
and a file type Winnow does not read. `EXPECTED` says what must become of each record.
"""

from __future__ import annotations

import json
from pathlib import Path

NEWS = [
    "The harbour authority approved a plan on Tuesday to dredge the northern channel before the spring "
    "shipping season. Officials said the work would take eleven weeks and cost less than the repairs "
    "that followed last year's grounding. Fishing crews, who had asked for the project for a decade, "
    "welcomed the vote but warned that the timetable left little room for storms. The council will "
    "publish the contractor's schedule next month, and residents can comment on it until June.",
    "A regional library network will lend telescopes alongside books from next autumn. The scheme began "
    "as a pilot in two towns, where every instrument was booked within a week. Librarians said the "
    "telescopes came with a short guide to the night sky and a log book in which borrowers noted what "
    "they had seen. Several schools have asked whether classes could reserve them for astronomy lessons, "
    "and the network is now training staff to repair the mounts.",
    "Researchers studying river otters found that the animals returned to streams within three years of "
    "a clean-up, far sooner than expected. The team placed cameras along forty kilometres of bank and "
    "counted tracks in the mud each week. They believe that the recovery of small fish populations "
    "drew the otters back. The study, published this week, recommends that similar projects monitor "
    "wildlife for at least five years so that slow changes are not missed.",
    "The city's bus operator will replace its oldest vehicles with electric models over the next four "
    "years. Drivers tested three designs during the winter, reporting on heating, range and how easily "
    "passengers with prams could board. The chosen model can run a full day's route on one charge. "
    "Depots will need new charging equipment, and the operator said that some routes may change while "
    "the work is carried out. Fares are not expected to rise because of the purchase.",
    "Farmers in the valley have started sharing a single weather station network, after a hailstorm "
    "last summer destroyed crops that a warning could have protected. Each farm pays a small fee, and "
    "the readings are sent to every member's phone. The cooperative plans to add soil moisture sensors "
    "next year. Its chair said that the real gain was not the technology but the habit of talking to "
    "neighbours about risks that none of them could manage alone.",
    "A museum of everyday objects opened in the old railway goods shed on Saturday. Its collection "
    "includes kettles, typewriters, school satchels and radios donated by local families, each with a "
    "card telling who used it and when. Volunteers spent two years cataloguing the items. The curator "
    "said visitors often stayed longest at the kitchen displays, where older people explained to "
    "grandchildren how meals were cooked before refrigerators were common.",
]
SPAM = [
    "BEST deals BEST deals click here now!!! cheap cheap cheap win win win free free free prize prize",
    "buy now buy now buy now limited offer limited offer limited offer act fast act fast act fast",
]
HTML_PAGE = """<html><head><title>Community garden</title></head><body>
<nav><a href="/">Home</a> | <a href="/about">About</a> | <a href="/contact">Contact</a></nav>
<article><h1>The community garden opens its gates</h1>
<p>After two years of planning, the community garden on Mill Lane opened to the public this weekend.
Forty plots were handed to residents who had waited on a list, and a further ten were set aside for
the primary school next door. Each plot holder agreed to share tools and to water a neighbour's beds
during holidays.</p>
<p>The organisers said the garden had already changed the street. People who had lived side by side
for years without speaking now met every evening by the water butts, comparing seedlings and
swapping advice on slugs. A notice board by the gate lists the jobs that need doing each week.</p>
<p>Next spring the group hopes to build a small greenhouse from recycled windows donated by a
glazier, so that tomatoes and peppers can be started early.</p></article>
<footer>Copyright Mill Lane Residents. All rights reserved.</footer></body></html>"""
TEXT_FILE = (
    "Notes from the walking club. We set out from the church at nine and followed the old drove road "
    "towards the ridge. The path was dry until the last gate, where cattle had churned the ground. "
    "At the top we ate lunch out of the wind behind the wall and watched a kestrel hunting over the "
    "bracken. The return took longer than planned because two members stopped to sketch the view. "
    "Next month we will try the coastal route, weather allowing."
)

# (file, position) -> what must become of it: "document" (kept or dropped, with a reason) or "quarantine"
EXPECTED: dict[tuple[str, int], str] = {}


def write_own_corpus(root: Path) -> Path:
    """Writes the folder and returns it; fills `EXPECTED` with the fate of each record."""
    root.mkdir(parents=True, exist_ok=True)
    EXPECTED.clear()
    lines = [json.dumps({"text": t, "url": f"https://news.example.org/{i}"}) for i, t in enumerate(NEWS[:4])]
    lines.insert(2, '{"text": "a broken line, no closing brace"')
    (root / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    EXPECTED.update({("news.jsonl", i): "document" for i in range(5)})
    EXPECTED[("news.jsonl", 2)] = "quarantine"
    bom_lines = [json.dumps({"text": t, "source": "bom_news"}) for t in NEWS[4:]] + [
        json.dumps({"text": t, "source": "spam"}) for t in SPAM]
    (root / "windows_export.jsonl").write_bytes(b"\xef\xbb\xbf" + ("\r\n".join(bom_lines) + "\r\n").encode())
    EXPECTED.update({("windows_export.jsonl", i): "document" for i in range(len(bom_lines))})
    (root / "pages").mkdir(exist_ok=True)
    (root / "pages" / "garden.html").write_text(HTML_PAGE, encoding="utf-8")
    EXPECTED[("pages/garden.html", 0)] = "document"
    (root / "notes").mkdir(exist_ok=True)
    (root / "notes" / "walk.txt").write_text(TEXT_FILE, encoding="utf-8")
    EXPECTED[("notes/walk.txt", 0)] = "document"
    (root / "scan.pdf").write_bytes(b"%PDF-1.4 not a text format")
    EXPECTED[("scan.pdf", -1)] = "quarantine"
    return root
