"""The selection report: a Markdown page summarising one curation run."""

from __future__ import annotations

import pandas as pd

from winnow.config import SelectConfig
from winnow.selection.select import threshold_summary


def curation_metrics(decisions: pd.DataFrame, quarantine: pd.DataFrame, totals: dict) -> dict[str, float]:
    """Flat metric names for tracking: totals, drops per reason, and kept/dropped per source."""
    metrics = {f"docs_{k}": v for k, v in totals.items()}
    metrics["duplicates_exact"] = int((decisions["reason"] == "exact_duplicate").sum())
    metrics["duplicates_near"] = int((decisions["reason"] == "near_duplicate").sum())
    for reason, n in decisions.loc[~decisions["kept"], "reason"].value_counts().items():
        metrics[f"dropped_{reason}"] = int(n)
    for source, part in decisions.groupby("source"):
        metrics[f"source.{source}.in"] = len(part)
        metrics[f"source.{source}.kept"] = int(part["kept"].sum())
        for reason, n in part.loc[~part["kept"], "reason"].value_counts().items():
            metrics[f"source.{source}.dropped_{reason}"] = int(n)
    metrics.update(safety_counts(decisions))
    kept = decisions[decisions["kept"]]
    metrics["kept_chars"] = int(kept["n_chars"].sum())
    metrics["kept_fraction"] = totals["kept"] / totals["in"] if totals["in"] else 0.0
    return metrics


SAFETY_SIGNALS = {  # decisions column -> what a document with a value > 0 holds
    "pii_email": "email addresses", "pii_phone": "phone numbers", "pii_ip": "IP addresses",
    "pii_card": "payment card numbers", "pii_iban": "IBANs", "toxicity_matches": "toxic or adult words",
    "domains_blocked": "a URL on a blocked domain",
}


def safety_counts(decisions: pd.DataFrame) -> dict[str, int]:
    """Documents (exact copies aside) with each safety signal, in all and among the kept ones."""
    docs = decisions[decisions["reason"] != "exact_duplicate"]
    counts = {}
    for column in SAFETY_SIGNALS:
        if column in docs.columns:
            flagged = docs[column].fillna(0) > 0
            counts[f"safety.{column}.docs"] = int(flagged.sum())
            counts[f"safety.{column}.kept"] = int((flagged & docs["kept"]).sum())
    return counts


def _safety_lines(decisions: pd.DataFrame, config: SelectConfig) -> list[str]:
    counts = safety_counts(decisions)
    lines = [f"- {SAFETY_SIGNALS[c]}: {counts[f'safety.{c}.docs']} documents, {counts[f'safety.{c}.kept']} kept"
             for c in SAFETY_SIGNALS if f"safety.{c}.docs" in counts]
    if any(c.startswith("pii_") for c in SAFETY_SIGNALS if f"safety.{c}.docs" in counts):
        lines.append("- personal data in kept documents is " + ("replaced by typed placeholders (`<EMAIL>`, `<PHONE>`, …) "
                     "in the selection" if config.redact_pii else "**not redacted** (`select.redact_pii: false`)"))
    return lines


def selection_report(decisions: pd.DataFrame, quarantine: pd.DataFrame, totals: dict, config: SelectConfig) -> str:
    by_source = decisions.pivot_table(index="source", columns="reason", values="id", aggfunc="count", fill_value=0)
    by_source["total"] = by_source.sum(axis=1)
    failed = decisions.loc[decisions["reason"] != "exact_duplicate", "failed_rules"].str.split(",").explode()
    failed = failed[failed.astype(bool)].value_counts().head(15)
    errors = quarantine.groupby(quarantine["error"].str.split(":").str[0]).size().sort_values(ascending=False)
    lines = [
        "# Winnow selection report",
        "",
        f"- documents in: **{totals['in']}** = kept **{totals['kept']}** + dropped **{totals['dropped']}**"
        f" + quarantined **{totals['quarantined']}**",
        f"- threshold mode: {threshold_summary(config)}",
        f"- languages kept: {config.languages or 'all'} (min confidence {config.min_lang_score})",
        "",
        "## Safety and privacy",
        "",
        *_safety_lines(decisions, config),
        "",
        "## Decisions by source",
        "",
        "```",
        by_source.to_string(),
        "```",
        "",
        "## Most frequently failed rules",
        "",
        *(f"- `{rule}`: {n}" for rule, n in failed.items()),
        "",
        "## Quarantine",
        "",
        *(f"- {err}: {n}" for err, n in errors.items()),
        *(f"  - `{r.file}` @ {r.position}: {r.error}" for r in quarantine.head(20).itertuples()),
        "",
    ]
    return "\n".join(lines)

