#!/usr/bin/env python3
"""Build the clean reference corpus in data/01_raw/reference/: Wikipedia plus books, manuals and essays.

    .venv/bin/python scripts/build_reference.py

The reference corpus trains what "good text" means for the model-based scorers (the reference LM,
the quality classifier's positives, DSIR's target distribution, ROUGE/BLEU references, the
coherence model's originals), the way cc_net uses Wikipedia. Several genres, so "good" is not
"looks like Wikipedia". It shares no source with the bundled sample nor with the evaluation set
(scripts/build_quality_eval.py), so no scorer is ever measured on its own training text.

- wikipedia.jsonl.gz: gensim's test dump; wikitext stripped with mwparserfromhell (the `build`
  extra); articles cut at paragraph ends into ~250-word passages.
- reference.jsonl.gz: those passages plus GENRES (pinned Debian packages), each capped at
  WORDS_PER_SOURCE words taken evenly through the source; `genre`, `source` and `url` (one per
  file or chapter, the unit held out together) on every record. The default reference corpus.
- thesaurus_wordnet.tsv.gz: WordNet 3.0 synonyms (first two senses), for the coherence model's
  spun training copies; the evaluation set spins with a different thesaurus.

Reproducible: pinned packages, sorted inputs, one seeded RNG, gzip mtime=0.
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

import random
from collections import defaultdict

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_sources import deb, files, pip, html_paragraphs, n_words, passages as package_passages, text_paragraphs  # noqa: E402

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
        subprocess.run([*pip(), "download", "--quiet", "--no-deps", f"gensim=={GENSIM}",
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


SEED, WORDS_PER_SOURCE = 7, 110_000
# (source, genre, Debian package, version, files under the package root, extractor, licence as stated)
GENRES = [
    ("kjv_bible", "books", "bible-kjv-text", "4.38", None, "kjv",
     "KJV text public domain; data 'provided for unrestricted use' (usr/share/doc/bible-kjv-text/copyright); packaging GPL-2+"),
    ("debian_handbook", "manuals", "debian-handbook", "11.20220922", "usr/share/doc/debian-handbook/html/en-US/*.html",
     "html", "GPL-2+ or CC-BY-SA-3.0 (usr/share/doc/debian-handbook/copyright)"),
    ("postgresql_manual", "manuals", "postgresql-doc-15", "15.20-0+deb12u1", "usr/share/doc/postgresql-doc-15/html/*.html",
     "html", "PostgreSQL licence (BSD-style) (usr/share/doc/postgresql-doc-15/copyright)"),
    ("debian_reference", "manuals", "debian-reference-en", "2.100", "usr/share/debian-reference/*.en.html", "html",
     "GPL-2+ (usr/share/doc/debian-reference-en/copyright)"),
    ("developers_reference", "manuals", "developers-reference", "12.18", "usr/share/developers-reference/*.html", "html",
     "GPL-2 (usr/share/doc/developers-reference/copyright)"),
    ("debian_policy", "manuals", "debian-policy", "4.6.2.0", "usr/share/doc/debian-policy/policy.html/*.html", "html",
     "GPL-2+ (usr/share/doc/debian-policy/copyright)"),
    ("debian_documents", "essays", "doc-debian", "11.3+nmu1", "usr/share/doc/debian/*.txt*", "text",
     "Open Publication License (usr/share/doc/doc-debian/copyright)"),
    ("debian_history", "essays", "debian-history", "2.28", "usr/share/doc/debian-history/docs/*.en.html", "html",
     "GPL-2+ (usr/share/doc/debian-history/copyright)"),
]
_VERSE = re.compile(r"^([1-3]?[A-Za-z]+)(\d+):(\d+) (.*)$")


def kjv_chapters() -> dict[str, list[str]]:
    """KJV chapters (book+chapter -> verses); the text package's data file is read with the `bible` tool."""
    text_root, tool_root = deb("bible-kjv-text", "4.38"), deb("bible-kjv", "4.38")
    out = subprocess.run([str(tool_root / "usr/bin/bible"), "-p", str(text_root / "usr/lib"), "-f", "gen1:1-rev22:21"],
                         capture_output=True, text=True, check=True).stdout
    chapters = defaultdict(list)
    for line in out.splitlines():
        m = _VERSE.match(line.strip())
        if m:
            chapters[f"{m.group(1)}{m.group(2)}"].append(m.group(4))
    return chapters


def genre_records(rng: random.Random) -> list[dict]:
    """Passages of every GENRES source, WORDS_PER_SOURCE words each, spread evenly over the source."""
    records = []
    for source, genre, package, version, pattern, kind, _ in GENRES:
        if kind == "kjv":
            units = {f"kjv:{k}": [" ".join(v)] for k, v in kjv_chapters().items()}
        else:
            root = deb(package, version)
            extract = html_paragraphs if kind == "html" else text_paragraphs
            units = {f"deb://{package}/{path.relative_to(root)}": extract(path) for path in files(root, pattern)}
        chunks = [(url, text) for url, paras in units.items() for text in package_passages(paras, rng)]
        total = sum(n_words(t) for _, t in chunks)
        step = max(1.0, total / WORDS_PER_SOURCE)
        picked = [chunks[int(i * step)] for i in range(int(len(chunks) / step))]
        records += [{"text": t, "source": source, "genre": genre, "url": url, "meta": {"package": f"{package} {version}"}}
                    for url, t in picked]
    return records


def wordnet_thesaurus(max_senses: int = 2) -> dict[str, list[str]]:
    """word -> synonyms from its first `max_senses` WordNet synsets per part of speech (single words only)."""
    folder = deb("wordnet-base", "1:3.0-37") / "usr/share/wordnet"
    synonyms = defaultdict(list)
    for pos in ("noun", "verb", "adj", "adv"):
        senses = defaultdict(int)
        for line in (folder / f"data.{pos}").read_text(encoding="latin-1").splitlines():
            if line.startswith("  "):
                continue
            parts = line.split()
            words = [parts[4 + 2 * i].lower().split("(")[0] for i in range(int(parts[3], 16))]
            words = [w for w in words if re.fullmatch(r"[a-z]+", w)]
            for w in words:
                senses[w] += 1
                if senses[w] <= max_senses:
                    synonyms[w] += [o for o in words if o != w and o not in synonyms[w]]
    return {w: s for w, s in synonyms.items() if s}


def write_jsonl_gz(path: Path, records: list[dict]) -> None:
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())


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
    write_jsonl_gz(OUT / "wikipedia.jsonl.gz", records)
    words = sum(len(r["text"].split()) for r in records)
    genres = genre_records(random.Random(SEED))
    write_jsonl_gz(OUT / "reference.jsonl.gz", [{**r, "genre": "encyclopaedia"} for r in records] + genres)
    thesaurus = wordnet_thesaurus()
    with gzip.GzipFile(OUT / "thesaurus_wordnet.tsv.gz", "wb", mtime=0) as f:
        f.write("".join(f"{w}\t{','.join(thesaurus[w])}\n" for w in sorted(thesaurus)).encode())
    table = "\n".join(f"| {src} | {genre} | {pkg} {ver} (Debian) | {sum(1 for r in genres if r['source'] == src):,} | "
                      f"{sum(n_words(r['text']) for r in genres if r['source'] == src):,} | {lic} |"
                      for src, genre, pkg, ver, _, _, lic in GENRES)
    (OUT / "PROVENANCE.md").write_text(
        "# Reference corpus provenance\n\n"
        f"Built by `scripts/build_reference.py`: {len(records)} passages ({words:,} words) from "
        f"{len({r['meta']['title'] for r in records})} English Wikipedia articles.\n\n"
        f"- Package: gensim {GENSIM} (PyPI wheel), path `{DUMP}`; gensim is LGPL-2.1-only.\n"
        "- The text is Wikipedia's (CC BY-SA 3.0 / GFDL at dump time); attribution: the article URL in each record.\n"
        "- Transformations: wikitext stripped with mwparserfromhell 0.7.2; lists, tables and the sections See also / "
        "References / External links / Further reading / Notes dropped; paragraphs joined into ~250-word passages.\n"
        "- Used as: reference LM training text, quality-classifier positives, DSIR target, ROUGE/BLEU references. "
        "No document of the bundled sample comes from Wikipedia.\n\n"
        "## reference.jsonl.gz: several genres (the default reference corpus)\n\n"
        "The Wikipedia passages above (genre `encyclopaedia`) plus passages of these packages, each capped at "
        f"{WORDS_PER_SOURCE:,} words taken evenly through the source (HTML: prose paragraphs only, no code, tables or "
        "navigation; KJV: one chapter per unit). No news: the only English news in the package registries "
        "(newspaper4k's test articles) is kept for the evaluation set, and the sample holds BBC news.\n\n"
        "| source | genre | package | passages | words | licence as the package states it |\n|---|---|---|---|---|---|\n"
        f"{table}\n\n"
        "None of these packages is used by the sample (`data/01_raw/sample/PROVENANCE.md`) or by the evaluation set "
        "(`data/01_raw/quality_eval/README.md`).\n\n"
        "## thesaurus_wordnet.tsv.gz\n\n"
        f"{len(thesaurus):,} words -> synonyms from WordNet 3.0 (Debian wordnet-base 1:3.0-37, Princeton WordNet licence), "
        "first two senses per part of speech. Spins the coherence model's training copies only.\n\n"
        "## boilerplate_train.txt\n\nTemplate lines written for Winnow; spliced into the coherence model's training copies.\n")
    print(f"{len(records)} passages, {words:,} words -> {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
