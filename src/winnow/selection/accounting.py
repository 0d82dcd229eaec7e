"""The invariant of a curation run: documents in = kept + dropped + quarantined, address by address."""

from __future__ import annotations

import pandas as pd


class AccountingError(RuntimeError):
    """Raised when an input record is missing from, or counted twice in, the run's outputs."""


def check_accounting(manifest: pd.DataFrame, decisions: pd.DataFrame, quarantine: pd.DataFrame) -> dict:
    """Every (file, position) the readers produced appears exactly once in decisions or quarantine.

    `manifest` has one row per input file with `n_records` (records + failures read from it).
    Returns the totals; raises `AccountingError` naming the first offending files otherwise.
    """
    addresses = pd.concat([decisions[["file", "position"]], quarantine[["file", "position"]]], ignore_index=True)
    repeated = addresses[addresses.duplicated(keep=False)]
    if len(repeated):
        sample = repeated.drop_duplicates().head(5).to_records(index=False).tolist()
        raise AccountingError(f"{len(repeated)} records counted more than once, e.g. {sample}")
    seen = addresses.groupby("file").size()
    expected = manifest.set_index("file")["n_records"]
    diff = seen.reindex(expected.index, fill_value=0) - expected
    unknown = sorted(set(seen.index) - set(expected.index))
    if unknown:
        raise AccountingError(f"outputs name files the readers never read: {unknown[:5]}")
    wrong = diff[diff != 0]
    if len(wrong):
        details = ", ".join(f"{f}: {int(-d)} missing" if d < 0 else f"{f}: {int(d)} extra" for f, d in wrong.head(5).items())
        raise AccountingError(f"documents in != kept + dropped + quarantined for {len(wrong)} files ({details})")
    kept = int(decisions["kept"].sum())
    totals = {"in": int(expected.sum()), "kept": kept, "dropped": len(decisions) - kept, "quarantined": len(quarantine)}
    assert totals["in"] == totals["kept"] + totals["dropped"] + totals["quarantined"]
    return totals
