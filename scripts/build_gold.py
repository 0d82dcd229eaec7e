#!/usr/bin/env python3
"""Build the gold set that `score_eval` measures scorers against: data/01_raw/gold/sample_gold.csv.

    .venv/bin/python scripts/build_gold.py

Labels come from the provenance of the bundled sample: a document from a source that
data/01_raw/sample/provenance.json marks `clean` is good (1), one from a `low_quality` source is
bad (0); HTML, plain-text, WARC and malformed files carry no label. A fixed quarter of the labelled
documents is the gold set: those whose id (SHA-256 of the normalised text) has
int(id[:8], 16) % 4 == 0 — a rule any script can apply, so the quality classifier's negatives and
the simulated ratings leave these documents out. No scorer trains on a gold source's clean text:
the reference corpus is Wikipedia (data/01_raw/reference/), which the sample does not contain.
A stand-alone maintenance tool: code under src/ must never import it.
"""
import csv
import json
from pathlib import Path

from winnow.ingest.readers import Failure, read_file
from winnow.ingest.text import content_id  # the ingest pipeline's own id

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, OUT = ROOT / "data" / "01_raw" / "sample", ROOT / "data" / "01_raw" / "gold"
LABELS = {"clean": 1, "low_quality": 0}


def is_gold(doc_id: str) -> bool:
    return int(doc_id[:8], 16) % 4 == 0


def main() -> int:
    provenance = json.loads((SAMPLE / "provenance.json").read_text())["files"]
    rows, seen = [], set()
    for name, facts in sorted(provenance.items()):
        if facts.get("quality") not in LABELS:
            continue
        for record in read_file(SAMPLE / name, name):
            if isinstance(record, Failure):
                continue
            doc_id = content_id(record.text)
            if is_gold(doc_id) and doc_id not in seen:
                seen.add(doc_id)
                rows.append({"id": doc_id, "source": record.source, "label": LABELS[facts["quality"]]})
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / "sample_gold.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["id", "source", "label"])
        writer.writeheader()
        writer.writerows(rows)
    good = sum(r["label"] for r in rows)
    print(f"{len(rows)} gold documents: {good} good, {len(rows) - good} bad -> {OUT / 'sample_gold.csv'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
