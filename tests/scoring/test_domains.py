"""Blocked domains: subdomains match, look-alikes do not, and the sample's WARC hosts are found."""

import pandas as pd
import pytest

from tests.conftest import PROJECT
from winnow.ingest.readers import Record, read_file
from winnow.scoring.domains import BlockedDomains, blocking_entry, host_of, read_blocklist

DEFAULT = PROJECT / "data/01_raw/blocklists/domains.txt"


def test_hosts_and_parent_domains():
    blocked = frozenset({"example.com", "bad.org"})
    assert host_of("https://cdn.www.Example.com:8080/x?y") == "cdn.www.example.com"
    assert blocking_entry("cdn.www.example.com", blocked) == "example.com"
    assert blocking_entry("example.com", blocked) == "example.com"
    assert blocking_entry("notexample.com", blocked) == ""
    assert blocking_entry("example.com.evil.net", blocked) == ""
    assert blocking_entry("com", blocked) == ""
    assert host_of(None) == "" and host_of("") == "" and host_of("www.bad.org/page") == "www.bad.org"


def test_default_list_parses_and_a_bad_line_is_named(tmp_path):
    assert {"pornhub.com", "malware.testing.google.test"} <= read_blocklist(DEFAULT)
    bad = tmp_path / "mine.txt"
    bad.write_text("good.com\nhttp://x.com/path\n")
    with pytest.raises(ValueError, match=r"mine\.txt line 2: 'http://x.com/path' is not a domain name"):
        read_blocklist(bad)


def test_warc_records_of_the_sample_are_blocked_by_a_user_list(tmp_path):
    from tests.conftest import SAMPLE

    records = [r for p in sorted((SAMPLE / "warc").glob("*.warc*")) for r in read_file(p, p.name) if isinstance(r, Record)]
    documents = pd.DataFrame({"id": [f"d{i}" for i in range(len(records))], "url": [r.url for r in records]})
    user = tmp_path / "mine.txt"
    user.write_text("# my list\niana.org\n")
    attributes = BlockedDomains([DEFAULT, user]).score(documents)
    iana = documents["url"].str.contains("iana.org")
    assert iana.sum() >= 10
    assert (attributes.loc[iana, "domains_blocked"] == 1).all() and (attributes.loc[iana, "domains_entry"] == "iana.org").all()
    assert (attributes.loc[~iana, "domains_blocked"] == 0).all()
    no_urls = BlockedDomains([DEFAULT]).score(pd.DataFrame({"id": ["a", "b"], "url": [None, "https://www.xnxx.com/v"]}))
    assert no_urls["domains_blocked"].tolist() == [0, 1] and no_urls["domains_host"].tolist() == ["", "www.xnxx.com"]
