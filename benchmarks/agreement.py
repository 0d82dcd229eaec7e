"""Per filter family, the share of documents where datatrove's keep/drop matches Winnow's.

Winnow drops a document under a family if any rule of that family's group in
conf/base/parameters_score.yml fails. Datatrove's decisions are the all_filters mode of
bench_datatrove.py (every filter on the original text of every document).

    .venv/bin/python benchmarks/agreement.py [--examples 3]

Inputs (written by the two benchmarks): results/signals_winnow.parquet and
results/decisions_datatrove.parquet. Output: results/agreement.json.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"


def winnow_family_drops(signals: pd.DataFrame, rule_groups: dict) -> pd.DataFrame:
    out = {"id": signals["id"]}
    for group, rules in rule_groups.items():
        drop = np.zeros(len(signals), dtype=bool)
        for signal, bounds in rules.items():
            v = signals[signal].astype(float).to_numpy()
            if "min" in bounds:
                drop |= v < bounds["min"]
            if "max" in bounds:
                drop |= v > bounds["max"]
        out[f"{group}_drop"] = drop
    return pd.DataFrame(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--winnow", default=str(RESULTS / "signals_winnow.parquet"))
    p.add_argument("--datatrove", default=str(RESULTS / "decisions_datatrove.parquet"))
    p.add_argument("--docs", default="/tmp/bench_documents.parquet")
    p.add_argument("--examples", type=int, default=0, help="print N disagreeing documents per family and direction")
    p.add_argument("--out", default=str(RESULTS / "agreement.json"))
    args = p.parse_args(argv)

    rules = yaml.safe_load((REPO / "conf" / "base" / "parameters_score.yml").read_text())["heuristic"]["rules"]
    signals = pd.read_parquet(args.winnow)
    w = winnow_family_drops(signals, rules)
    d = pd.read_parquet(args.datatrove)
    m = w.merge(d, on="id", validate="one_to_one").merge(signals, on="id")
    assert len(m) == len(w) == len(d), (len(m), len(w), len(d))
    texts = pd.read_parquet(args.docs, columns=["id", "text"]).set_index("id")["text"] if args.examples else None

    result = {"docs": len(m), "families": {}}
    print(f"{'family':<18}{'agree':>8}{'W drop':>8}{'DT drop':>8}{'W only':>8}{'DT only':>8}")
    for fam in rules:
        wd, dd = m[f"{fam}_drop"], ~m[f"{fam}_keep"]
        agree = float((wd == dd).mean())
        w_only, d_only = m[wd & ~dd], m[~wd & dd]
        result["families"][fam] = {
            "agreement": agree, "winnow_drops": int(wd.sum()), "datatrove_drops": int(dd.sum()),
            "winnow_only_drops": len(w_only), "datatrove_only_drops": len(d_only),
            "winnow_only_failed_rules": w_only["failed_rules"].str.split(",").explode()
                .loc[lambda s: s.str.replace(r"[<>](min|max)$", "", regex=True).isin(list(rules[fam]))]
                .value_counts().head(8).to_dict(),
            "datatrove_only_reasons": d_only[f"{fam}_reason"].value_counts().head(8).to_dict(),
        }
        print(f"{fam:<18}{agree:>8.1%}{int(wd.sum()):>8}{int(dd.sum()):>8}{len(w_only):>8}{len(d_only):>8}")
        if args.examples:
            for label, sub in (("WINNOW-ONLY drop", w_only), ("DATATROVE-ONLY drop", d_only)):
                for _, row in sub.head(args.examples).iterrows():
                    cols = list(rules[fam])
                    print(f"\n--- {fam} {label} id={row['id']} dt_reason={row[f'{fam}_reason']} failed={row['failed_rules']}")
                    print({c: round(float(row[c]), 3) for c in cols})
                    print(repr(texts[row["id"]][:600]))
    Path(args.out).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
