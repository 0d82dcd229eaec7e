"""Personal data found (and redacted) in real spam, on hand-made cases, and not found in look-alikes."""

import gzip
import json
import re
from functools import cache

import pandas as pd
import pytest

from winnow.scoring.pii import PIIScorer, find_pii, redact_pii
from tests.conftest import SAMPLE


@cache
def sample_texts(name: str) -> tuple[str, ...]:
    with gzip.open(SAMPLE / f"{name}.jsonl.gz", "rt") as f:
        return tuple(json.loads(line)["text"] for line in f)


def found(text: str, regions=("US", "GB")) -> list[tuple[str, str]]:
    return [(kind, text[start:end]) for start, end, kind in find_pii(text, regions)]


# sms_spam.jsonl.gz, by line (0-based): the numbers each message holds, and nothing else
SPAM_NUMBERS = {
    1: ["09061701461"],  # "To claim call 09061701461. Claim code KL341."
    8: ["07732584351", "08000930705"],  # a mobile at the start, a freephone number at the end
    14: ["0800 169 6031"],  # spaced
    18: ["07742676969", "08719180248"],  # "Identifier Code: 45239" and "2004" are not numbers to redact
    52: ["0871-872-9755"],  # dashed; the date 02/09/03 is not a number
    58: ["09050000327"],  # glued to a word: "call09050000327"
    65: ["07946746291", "07880867867"],  # "07946746291/07880867867"
    92: ["08709222922", "08712460324"],  # "... call 08712460324 (10p/min)"
    138: ["08718730555", "08712460324"],
}


@pytest.mark.parametrize("line", SPAM_NUMBERS)
def test_phone_numbers_in_real_spam_are_found_and_redacted(line):
    text = sample_texts("sms_spam")[line]
    numbers = SPAM_NUMBERS[line]
    assert found(text) == [("phone", n) for n in numbers]
    redacted, count = redact_pii(text)
    assert count == len(numbers)
    assert redacted.count("<PHONE>") == len(numbers)
    for number in numbers:
        assert re.sub(r"\D", "", number) not in re.sub(r"\D", "", redacted)


def test_email_and_phone_in_one_real_message():
    text = sample_texts("sms_spam")[174]  # "Need help? info@ringtoneking.co.uk or call 08701237397 ..."
    assert found(text) == [("email", "info@ringtoneking.co.uk"), ("phone", "08701237397")]
    redacted, _ = redact_pii(text)
    assert "Need help? <EMAIL> or call <PHONE> You must" in redacted
    assert "www.ringtoneking.co.uk" in redacted  # a web address is not personal data


@pytest.mark.parametrize("line", [
    12,  # "txt DIS to 87121 18+6*£1.50 ... LS1 3AJ": a short code and a postcode
    570,  # "Dear 0776xxxxxxx ... Txt CHAT to 86688 150p": a masked number and a short code
])
def test_short_codes_and_masked_numbers_in_real_spam_are_not_phones(line):
    assert find_pii(sample_texts("sms_spam")[line]) == []


def test_scorer_on_the_whole_spam_file():
    texts = sample_texts("sms_spam")
    signals = PIIScorer().score_texts(texts)
    assert len(signals) == len(texts)
    assert list(signals.columns) == ["pii_email", "pii_phone", "pii_ip", "pii_card", "pii_iban", "pii_total"]
    assert (signals["pii_phone"] > 0).mean() > 0.5  # most spam asks you to call a premium number
    assert signals[["pii_ip", "pii_card", "pii_iban"]].to_numpy().sum() == 0
    assert signals.loc[585, "pii_email"] == 1  # "Queries to customersqueries@netvision.uk.com"
    assert (signals["pii_total"] == signals.drop(columns="pii_total").sum(axis=1)).all()


@pytest.mark.parametrize("name,line,look_alike", [
    ("nav_boilerplate", 442, "8.6.4.1. OR Patterns"),  # section numbers, four parts like an IPv4
    ("gcide", 1078, "for 24:9::8:3."),  # a ratio that parses as an IPv6 address
    ("fortunes", 226, "Section 2.4.3.5"),
])
def test_numbered_sections_and_ratios_in_real_text_are_not_addresses(name, line, look_alike):
    text = sample_texts(name)[line]
    assert look_alike in text
    assert find_pii(text) == []


@pytest.mark.parametrize("text,kind,value", [
    ("Write to jane.doe+news@example.co.uk today.", "email", "jane.doe+news@example.co.uk"),
    ("ADMIN@EXAMPLE.COM", "email", "ADMIN@EXAMPLE.COM"),
    ("mailto:docs%40python.org", "email", "docs%40python.org"),
    ("Call +44 20 7946 0958 now", "phone", "+44 20 7946 0958"),
    ("Call (212) 555-0147 today", "phone", "(212) 555-0147"),
    ("Ring 020 7946 0958.", "phone", "020 7946 0958"),
    ("The router is at 192.168.0.1.", "ip", "192.168.0.1"),
    ("ping 2001:db8::1 ok", "ip", "2001:db8::1"),
    ("http://[fe80::1]:8080/", "ip", "fe80::1"),
    ("card 4111 1111 1111 1111 exp 12/27", "card", "4111 1111 1111 1111"),
    ("amex 3782-822463-10005", "card", "3782-822463-10005"),
    ("IBAN GB82 WEST 1234 5698 7654 32 please", "iban", "GB82 WEST 1234 5698 7654 32"),
    ("pay DE89370400440532013000 by Friday", "iban", "DE89370400440532013000"),
])
def test_personal_data_is_found(text, kind, value):
    assert found(text) == [(kind, value)]
    redacted, count = redact_pii(text)
    assert count == 1
    assert redacted == text.replace(value, f"<{kind.upper()}>")


@pytest.mark.parametrize("text", [
    "Python 3.11.7", "v1.2.3.4", "version 10.0.19041.1", "Version 1.2.3.4",  # versions
    "2024-03-15", "15/03/2024", "12:30:45", "on 2024-03-15 at 12:30:45",  # dates and times
    "ISBN 978-0-306-40615-7", "0-306-40615-2", "ISBN 9780306406157",
    "$1,299.99", "£ 12,500", "a population of 12,345,678",  # prices and counts
    "x = a::b", "std::vector<int>", "use ABC::DEF;", "0xDEADBEEF", "arr[1234567]", "a[1::2]",  # code
    "123e4567-e89b-12d3-a456-426614174000",  # a UUID
    "4111 1111 1111 1112",  # a Visa prefix failing Luhn
    "1234567890123456",  # passes no issuer prefix
    "from 1990-2024",
    "GB82 WEST 1234 5698 7654 33",  # IBAN with a wrong check
])
def test_look_alikes_are_not_personal_data(text):
    assert find_pii(text) == []
    assert redact_pii(text) == (text, 0)


def test_an_ip_written_like_a_version_only_after_a_version_word():
    assert found("server at 1.2.3.4 now") == [("ip", "1.2.3.4")]
    assert found("release v1.2.3.4 now") == []
    assert found("release version 1.2.3.4 now") == []


def test_phone_regions_decide_national_numbers_not_international_ones():
    uk, us, intl = "Ring 020 7946 0958.", "Call (212) 555-0147.", "Ring +44 20 7946 0958."
    us_only, uk_only = PIIScorer(phone_regions=("US",)), PIIScorer(phone_regions=("GB",))
    assert us_only.score_texts([uk, us, intl])["pii_phone"].tolist() == [0, 1, 1]
    assert uk_only.score_texts([uk, us, intl])["pii_phone"].tolist() == [1, 0, 1]


def test_digits_inside_an_email_address_stay_part_of_the_address():
    assert found("text 07946746291 now") == [("phone", "07946746291")]
    assert found("reach 07946746291@sms.example.com") == [("email", "07946746291@sms.example.com")]
    assert redact_pii("reach 07946746291@sms.example.com now") == ("reach <EMAIL> now", 1)


def test_redaction_count_equals_the_scorers_total():
    texts = [
        "Mail a@b.io or b@c.io, call 08712460324, card 4111-1111-1111-1111, host 10.0.0.7.",
        "Nothing personal here, just 3 cats.",
        "IBAN DE89370400440532013000 and 2001:db8::42",
        "",
    ]
    signals = PIIScorer().score(pd.DataFrame({"id": list("abcd"), "text": texts}))
    assert signals["id"].tolist() == list("abcd")
    assert signals["pii_email"].tolist() == [2, 0, 0, 0]
    assert signals["pii_total"].tolist() == [5, 0, 2, 0]
    redacted = [redact_pii(t) for t in texts]
    assert [n for _, n in redacted] == signals["pii_total"].tolist()
    assert redacted[0][0] == "Mail <EMAIL> or <EMAIL>, call <PHONE>, card <CARD>, host <IP>."
    assert redacted[2][0] == "IBAN <IBAN> and <IP>"


def test_scorer_signals_are_integer_counts_in_input_order():
    signals = PIIScorer().score_texts(["no", "a@b.io", "a@b.io c@d.io"])
    assert signals["pii_email"].tolist() == [0, 1, 2]
    assert all(str(dtype) == "int64" for dtype in signals.dtypes)
    assert len(PIIScorer().score_texts([])) == 0


@pytest.mark.parametrize("address", ["John.Doe@Example.Com", "José.Pérez@example.com", "Müller@example.de",
                                     "Scott.Legrand@hogbbs.Fidonet.Org", "x@y.Museum"])
def test_mixed_case_and_non_ascii_addresses_are_found_and_redacted(address):
    assert [kind for _, _, kind in find_pii(f"Write to {address} today.")] == ["email"]
    assert redact_pii(f"Write to {address} today.")[0] == "Write to <EMAIL> today."
