#!/usr/bin/env python3
"""Build the clean reference corpus in data/01_raw/reference/ from the Wikipedia dump in gensim's test data.

    .venv/bin/python scripts/build_reference.py

The reference corpus trains what "good text" means for the model-based scorers (the reference LM,
the quality classifier's positives, DSIR's target distribution, ROUGE/BLEU references), the way
cc_net uses Wikipedia. It shares no source with the bundled sample, so the gold set built from the
sample (scripts/build_gold.py) never scores a scorer on its own training text.
Wikitext markup is stripped with mwparserfromhell (the `build` extra); articles are cut at paragraph
ends into ~250-word passages. Reproducible: pinned wheel, pages in dump order, gzip mtime=0.
A stand-alone maintenance tool: code under src/ must never import it.
"""
import bz2
import gzip
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import mwparserfromhell

ROOT = Path(__file__).resolve().parents[1]
CACHE, OUT = ROOT / "build" / "reference_src", ROOT / "data" / "01_raw" / "reference"
GENSIM = "4.4.0"
DUMP = "gensim/test/test_data/enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
PASSAGE_WORDS, MIN_WORDS = 250, 60
NS = "{http://www.mediawiki.org/xml/export-0.10/}"
DROP_SECTIONS = re.compile(r"^(see also|references|external links|further reading|notes|bibliography|sources)$", re.I)


def fetch_dump() -> bytes:
    CACHE.mkdir(parents=True, exist_ok=True)
    wheels = list(CACHE.glob(f"gensim-{GENSIM}-*.whl"))
    if not wheels:  # gensim's sdist needs a compiler; its wheel ships the same test data
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", f"gensim=={GENSIM}",
                        "--only-binary", ":all:", "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                        "--implementation", "cp", "--abi", "cp311", "-d", str(CACHE)], check=True)
        wheels = list(CACHE.glob(f"gensim-{GENSIM}-*.whl"))
    with zipfile.ZipFile(wheels[0]) as whl:
        return bz2.decompress(whl.read(DUMP))


def article_paragraphs(wikitext: str) -> list[str]:
    """Plain-text paragraphs of an article body, without lists, tables and back-matter sections."""
    code = mwparserfromhell.parse(wikitext)
    for section in code.get_sections(levels=[2]):
        heading = section.filter_headings()[0].title.strip_code().strip() if section.filter_headings() else ""
        if DROP_SECTIONS.match(heading):
            code.remove(section)
    text = code.strip_code(normalize=True, collapse=True)
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [l.strip() for l in para.splitlines() if l.strip() and not l.lstrip().startswith(("*", "#", "|", "{", "!"))]
        para = " ".join(l for l in lines if not re.fullmatch(r"=+.*=+", l))
        para = re.sub(r"\s+", " ", re.sub(r"\(\s*[;,]?\s*\)", "", para)).strip()
        if len(para.split()) >= 8:
            paragraphs.append(para)
    return paragraphs


def passages(paragraphs: list[str]) -> list[str]:
    out, current = [], []
    for para in paragraphs:
        current.append(para)
        if sum(len(p.split()) for p in current) >= PASSAGE_WORDS:
            out.append("\n\n".join(current))
            current = []
    if current and sum(len(p.split()) for p in current) >= MIN_WORDS:
        out.append("\n\n".join(current))
    return out


def main() -> int:
    root = ET.fromstring(fetch_dump())
    records = []
    for page in root.iter(f"{NS}page"):
        title, ns = page.findtext(f"{NS}title"), page.findtext(f"{NS}ns")
        wikitext = page.findtext(f"{NS}revision/{NS}text") or ""
        if ns != "0" or wikitext.lstrip().upper().startswith("#REDIRECT"):
            continue
        for i, text in enumerate(passages(article_paragraphs(wikitext))):
            records.append({"text": text, "source": "wikipedia", "url": f"https://en.wikipedia.org/wiki/{title.replace(' ', '_')}",
                            "meta": {"title": title, "passage": i}})
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT / "wikipedia.jsonl.gz", "wb", mtime=0) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())
    words = sum(len(r["text"].split()) for r in records)
    (OUT / "PROVENANCE.md").write_text(
        "# Reference corpus provenance\n\n"
        f"Built by `scripts/build_reference.py`: {len(records)} passages ({words:,} words) from "
        f"{len({r['meta']['title'] for r in records})} English Wikipedia articles.\n\n"
        f"- Package: gensim {GENSIM} (PyPI wheel), path `{DUMP}`; gensim is LGPL-2.1-only.\n"
        "- The text is Wikipedia's (CC BY-SA 3.0 / GFDL at dump time); attribution: the article URL in each record.\n"
        "- Transformations: wikitext stripped with mwparserfromhell 0.7.2; lists, tables and the sections See also / "
        "References / External links / Further reading / Notes dropped; paragraphs joined into ~250-word passages.\n"
        "- Used as: reference LM training text, quality-classifier positives, DSIR target, ROUGE/BLEU references. "
        "No document of the bundled sample comes from Wikipedia.\n")
    print(f"{len(records)} passages, {words:,} words -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
