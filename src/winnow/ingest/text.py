"""Text cleanup and identity: one normal form per document, one id per normal form."""

import hashlib
import re
import unicodedata

import ftfy
import trafilatura

_TRAILING_SPACE = re.compile(r"[ \t]+\n")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")


def normalise_text(text: str) -> str:
    """Repair mojibake (ftfy), NFC-normalise, unify newlines and trim blank runs.

    NFC rather than NFKC: NFKC would rewrite ligatures and full-width forms that a model should see.
    """
    text = ftfy.fix_text(text, normalization="NFC")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("\n", text)
    return _MANY_BLANK_LINES.sub("\n\n", text).strip()


def content_id(text: str) -> str:
    """Stable document id: the first 128 bits of SHA-256 of the normalised text, as hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def extract_main_text(html: str | bytes, url: str | None = None) -> str:
    """Main text of an HTML page (trafilatura), without navigation, comments or boilerplate.

    Returns "" when the extractor finds no main content; the caller decides what that means.
    """
    extracted = trafilatura.extract(html, url=url, include_comments=False, include_tables=True)
    return extracted or ""
