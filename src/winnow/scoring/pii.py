"""Personal data in text: email addresses, phone numbers, IP addresses, payment cards and IBANs.

One detector, `find_pii`, serves both the scorer (counts per document, for the selector to
threshold) and `redact_pii` (typed placeholders, for text that is kept). Every candidate is
validated by a maintained library or a checksum where one exists: phone numbers by Google's
libphonenumber metadata (`phonenumbers`), cards by issuer prefix and Luhn, IBANs by their
mod-97 check (`stdnum`), IP addresses by `ipaddress`. Regexes only propose candidates.

Overlapping matches are resolved by precedence IBAN > card > email > IP > phone: checksummed
matches are the least likely to be accidental, an email address is the widest span around any
digits inside it, and phonenumbers' matches are the most permissive, so they yield to all others.
"""

from __future__ import annotations

import bisect
import ipaddress
import re
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd
import phonenumbers
from stdnum import iban, luhn

from winnow.scoring.base import Scorer

KINDS = ("iban", "card", "email", "ip", "phone")  # precedence order, highest first
PLACEHOLDERS = {kind: f"<{kind.upper()}>" for kind in KINDS}

# Plain prose without a digit, an '@' or a '::' cannot hold any of the kinds: one C-speed scan.
_MAYBE_PII = re.compile(r"[0-9@]|::")
# Every pattern below opens with a plain character class and checks the character before it in a
# lookbehind placed after that first character: re then skips fast to candidate characters, about
# 3x faster than a pattern opening with the lookbehind.

# 7+ digits, possibly split by spaces, dots, dashes or brackets (the shortest national number).
_DIGIT_RUN = re.compile(r"\d(?:[\s.()\-]{0,3}\d){6,}")
# phonenumbers refuses numbers touching a letter ("call09050000327", "08452810075over18's"), so its
# copy of the text gets a space there (offsets unchanged).
_GLUED_DIGIT_RUN = re.compile(f"([A-Za-z]?)({_DIGIT_RUN.pattern})([A-Za-z]?)")
_PHONE_MARGIN = 16  # characters around a run also read by phonenumbers: "+", "(", " ext. 1234"

_EMAIL = re.compile(  # "%40" is "@" in a mailto: link; local parts may hold any letter (José.Pérez@…)
    r"[\w%+-](?<![\w.%+-][\w%+-])[\w%+-]*(?:\.[\w%+-]+)*"
    r"(?:@|%40)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,24}\b"  # any case: Example.Com is an address; over-redacting a run-on sentence is the safe error
)
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?!\.?\w)")
_NOT_HOST_BEFORE = re.compile(r"\b(?:v|version|section|chapter)\s*$", re.IGNORECASE)
# "4.8.3.1." numbers a section (Sphinx writes the trailing dot); few hosts open with a single digit
_HEADING_NUMBER = re.compile(r"\d\.")
# Global, link-local and unique-local addresses open with a 3-4 digit group (2001:, 2a02:, fe80:,
# fd00:), v4-mapped ones with ::ffff:. "a[1::2]", "x = a::b" and the ratio "24:9::8:3" parse as IPv6 too.
_IPV6 = re.compile(
    r"[0-9A-Fa-f:](?<![\w:.][0-9A-Fa-f:])(?:(?<=[0-9A-Fa-f])[0-9A-Fa-f]{2,3}:|(?<=:):ffff:)"
    r"(?:[0-9A-Fa-f]{0,4}:){0,6}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\w:])",
    re.IGNORECASE,
)
# 13-19 digits, unbroken or in the groups printed on cards: 4-4-4-4(-3), 4-6-5 (Amex), 4-6-4 (Diners).
_CARD = re.compile(
    r"\d(?<![\w-]\d)(?:\d{12,18}|\d{3}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{3}([ -])\d{6}\2\d{4,5})(?![\w-])"
)
_IBAN = re.compile(r"[A-Z](?<!\w[A-Z])[A-Z]\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)\b")

Span = tuple[int, int, str]  # (start, end, kind), end exclusive


def _is_card_number(digits: str) -> bool:
    """Issuer prefix and length (ISO/IEC 7812 ranges of the major networks), then the Luhn check."""
    n, two, four = len(digits), int(digits[:2]), int(digits[:4])
    issuer = (
        (digits[0] == "4" and n in (13, 16, 19))  # Visa
        or ((51 <= two <= 55 or 2221 <= four <= 2720) and n == 16)  # Mastercard
        or (two in (34, 37) and n == 15)  # American Express
        or ((four == 6011 or two == 65) and 16 <= n <= 19)  # Discover
        or (two == 35 and 16 <= n <= 19)  # JCB
        or (two in (36, 38) and n == 14)  # Diners Club
    )
    return issuer and luhn.is_valid(digits)


def _find_cards(text: str) -> Iterable[Span]:
    for m in _CARD.finditer(text):
        if _is_card_number(re.sub(r"[ -]", "", m.group())):
            yield m.start(), m.end(), "card"


def _find_ibans(text: str) -> Iterable[Span]:
    for m in _IBAN.finditer(text):
        # a spaced IBAN may run into the next word ("... 7654 32 ABCD"): try dropping trailing groups
        groups = m.group().split(" ")
        for keep in range(len(groups), 0, -1):
            candidate = " ".join(groups[:keep])
            if iban.is_valid(candidate):
                yield m.start(), m.start() + len(candidate), "iban"
                break


def _find_emails(text: str) -> Iterable[Span]:
    if "@" in text or "%40" in text:
        yield from ((m.start(), m.end(), "email") for m in _EMAIL.finditer(text))


def _find_ips(text: str) -> Iterable[Span]:
    if "." in text:
        for m in _IPV4.finditer(text):
            if _NOT_HOST_BEFORE.search(text, max(0, m.start() - 10), m.start()) or (
                text.startswith(".", m.end()) and _HEADING_NUMBER.match(m.group())
            ):
                continue
            try:
                ipaddress.IPv4Address(m.group())  # rejects octets over 255 and leading zeros
            except ValueError:
                continue
            yield m.start(), m.end(), "ip"
    if "::" in text or text.count(":") >= 7:
        for m in _IPV6.finditer(text):
            if not any(c.isdigit() for c in m.group()):  # "use ABC::DEF;" is a Perl package
                continue
            try:
                ipaddress.IPv6Address(m.group())
            except ValueError:
                continue
            yield m.start(), m.end(), "ip"


def _unglue(run: re.Match) -> str:
    return " " * len(run[1]) + run[2] + " " * len(run[3])


def _find_phones(text: str, regions: tuple[str, ...]) -> Iterable[Span]:
    """phonenumbers' matcher, run only on windows around runs of digits: it is slow on long texts."""
    windows: list[list[int]] = []
    for run in _DIGIT_RUN.finditer(text):
        start, end = max(0, run.start() - _PHONE_MARGIN), run.end() + _PHONE_MARGIN
        if windows and start <= windows[-1][1]:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    for start, end in windows:
        window = _GLUED_DIGIT_RUN.sub(_unglue, text[start:end])
        for region in regions:
            for m in phonenumbers.PhoneNumberMatcher(window, region, leniency=phonenumbers.Leniency.VALID):
                yield start + m.start, start + m.end, "phone"


def find_pii(text: str, phone_regions: tuple[str, ...] = ("US", "GB")) -> list[Span]:
    """Non-overlapping `(start, end, kind)` spans of personal data, sorted by start.

    `phone_regions` are the countries whose national formats are read (020 7946 0958 is a UK
    number only if "GB" is among them); numbers written with +CC are found whatever the regions.
    """
    if not _MAYBE_PII.search(text):
        return []
    spans = [*_find_ibans(text), *_find_cards(text), *_find_emails(text), *_find_ips(text),
             *_find_phones(text, phone_regions)]
    rank = {kind: i for i, kind in enumerate(KINDS)}
    taken: list[Span] = []  # sorted by start, never overlapping
    # highest precedence first, then the longest match (regions may read one number differently)
    for span in sorted(spans, key=lambda s: (rank[s[2]], s[0] - s[1], s[0])):
        i = bisect.bisect_left(taken, span)
        if (i == 0 or taken[i - 1][1] <= span[0]) and (i == len(taken) or span[1] <= taken[i][0]):
            taken.insert(i, span)
    return taken


def redact_pii(text: str, phone_regions: tuple[str, ...] = ("US", "GB")) -> tuple[str, int]:
    """`text` with every span of `find_pii` replaced by its placeholder (`<EMAIL>`, `<PHONE>`...), and how many."""
    spans = find_pii(text, phone_regions)
    pieces, last = [], 0
    for start, end, kind in spans:
        pieces += [text[last:start], PLACEHOLDERS[kind]]
        last = end
    pieces.append(text[last:])
    return "".join(pieces), len(spans)


class PIIScorer(Scorer):
    """How many pieces of personal data of each kind a document holds (`pii_email` ... `pii_total`)."""

    name, version = "pii", "2"  # 2: emails in any case and with non-ASCII local parts

    def __init__(self, phone_regions: tuple[str, ...] = ("US", "GB")):
        self.phone_regions = tuple(phone_regions)

    def score_texts(self, texts: Iterable[str]) -> pd.DataFrame:
        counts = [Counter(kind for _, _, kind in find_pii(t, self.phone_regions)) for t in texts]
        columns = ("email", "phone", "ip", "card", "iban")
        signals = pd.DataFrame({f"pii_{k}": np.array([c[k] for c in counts], dtype=np.int64) for k in columns})
        signals["pii_total"] = signals.sum(axis=1).astype(np.int64)
        return signals
