"""Blocked domains: documents whose URL's host is on a blocklist (or a subdomain of one) are flagged.

Unlike text scorers this one reads the `url` column (WARC records and JSONL `url` fields carry
one); a document without a URL is never blocked. Matching walks the host's parent domains, so
`cdn.www.example.com` is blocked by an entry `example.com`, and `notexample.com` is not.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd

from winnow.scoring.base import Scorer


def read_blocklist(path: str | Path) -> frozenset[str]:
    """Domains of a list file: one a line, `#` comments and blank lines ignored, lowercased."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"blocklist {path} does not exist")
    domains = set()
    for number, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), start=1):
        entry = line.split("#", 1)[0].strip().lower().rstrip(".")
        if not entry:
            continue
        if "/" in entry or " " in entry or "." not in entry:
            raise ValueError(f"{path.name} line {number}: {entry!r} is not a domain name")
        domains.add(entry.removeprefix("*."))
    return frozenset(domains)


def host_of(url) -> str:
    if not isinstance(url, str) or not url:
        return ""
    try:
        return (urlsplit(url if "//" in url else f"//{url}").hostname or "").rstrip(".")
    except ValueError:
        return ""


def blocking_entry(host: str, blocked: frozenset[str]) -> str:
    """The blocklist entry that `host` falls under ("" when none): the host itself or a parent."""
    labels = host.split(".")
    for start in range(len(labels) - 1):
        candidate = ".".join(labels[start:])
        if candidate in blocked:
            return candidate
    return ""


class BlockedDomains(Scorer):
    """Columns `domains_host`, `domains_blocked` (1/0) and `domains_entry` (the list entry that matched)."""

    name, version = "domains", "1"

    def __init__(self, blocklists: Iterable[str | Path]):
        self.sources = [str(p) for p in blocklists]
        self.blocked = frozenset().union(*(read_blocklist(p) for p in self.sources))

    def score_urls(self, urls: Iterable) -> pd.DataFrame:
        hosts = [host_of(u) for u in urls]
        entries = [blocking_entry(h, self.blocked) if h else "" for h in hosts]
        return pd.DataFrame({"domains_host": hosts, "domains_blocked": [int(bool(e)) for e in entries],
                             "domains_entry": entries})

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        raise TypeError("BlockedDomains reads URLs, not texts: call score(documents) with a `url` column")

    def score(self, documents: pd.DataFrame) -> pd.DataFrame:
        signals = self.score_urls(documents["url"] if "url" in documents else [None] * len(documents))
        signals.insert(0, "id", documents["id"].to_numpy())
        return signals
