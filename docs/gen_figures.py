"""Write docs/figures/neurips2024-metadata.json: the NeurIPS 2024 figures the docs quote.

The docs never type a count by hand: the "Reproduce the reporter's figures" page renders
its tables and sentences from this file (docs/gen_reference.py), and this script makes the
file from the metadata with the package's own parser, matcher and counting rules (the
functions `paperscope metadata` runs on the driver; no Spark, about 10 s). Run it again
after a change to the matcher or the rules, and commit the file with the change:

    .venv/bin/python docs/gen_figures.py ../shared/neurips2024/nips2024.json
    .venv/bin/python docs/gen_figures.py FILE --check   # exit 1 if the committed file differs

The file keeps the metadata file's name and sha256, never a path of this machine.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_reference import FIGURES, data_file, source  # noqa: E402  (the one adapter to the package)

# The published figure beside which the docs show ours; shown only, never used to tune.
REFERENCE = {"papers": 4497, "with_both": 134, "source": "WIRED"}
# US companies whose bare name resolves to the US wherever the author sits (as bench/metadata_rules.py).
US_COMPANIES = {"OpenAI", "Meta AI", "Google Research", "Microsoft Research", "NVIDIA", "Apple", "Amazon",
                "IBM Research", "Salesforce Research", "Adobe Research", "Intel", "Qualcomm"}


def figures(path: Path) -> dict:
    import pandas as pd
    import yaml

    md, rules, policy, flags_of = source("metadata"), source("rules"), source("policy"), source("flags")
    agg = yaml.safe_load(data_file("defaults.yaml").read_text(encoding="utf-8"))["aggregates"]
    read = md.read_file(str(path))
    allp = pd.DataFrame(read.papers)
    papers = allp[allp["status"] == md.STATUS_OK]
    affs = pd.DataFrame(read.affiliations)
    authors = pd.DataFrame(read.authors)
    counts = rules.count_rules(papers, affs, authors, min_share=agg["min_share"], min_authors=agg["min_authors"])
    rows = []
    for (pol, dual), g in counts.groupby(["china_policy", "dual_strings"], sort=True):
        flags = flags_of.paper_flags(papers[["paper_id", "year"]], affs, pol, bool(dual))
        by_rule = g.set_index("rule")
        rows.append({
            "china_policy": pol, "dual_strings": bool(dual), "papers": int(by_rule.at["any_author", "papers"]),
            "with_us": int(flags["has_us"].sum()), "with_cn": int(flags["has_cn"].sum()),
            "unknown": int(flags["unknown"].sum()),
            "with_both": {r: (round(float(by_rule.at[r, "with_both"]), 3) if r == "fractional"
                              else int(by_rule.at[r, "with_both"])) for r in rules.RULES},
        })
    rows.sort(key=lambda r: (r["china_policy"] != "mainland", not r["dual_strings"]))

    strings = affs.groupby(["paper_id", "raw"])["country"].agg(lambda c: set(c.dropna())).reset_index()
    unresolved = strings[strings["country"].map(len) == 0]
    flags = flags_of.paper_flags(papers[["paper_id", "year"]], affs, "mainland", True)
    both_ids = set(flags.loc[flags["both"], "paper_id"])
    us_rows = affs[affs["paper_id"].isin(both_ids) & (affs["country"] == "US")]
    us_sets = us_rows.groupby("paper_id")["institution"].agg(lambda i: set(i.fillna("")))
    pairs = rules.institution_pairs(affs, both_ids, "mainland")
    top = pairs.iloc[0]
    dual = strings[strings["country"].map(lambda c: "US" in c and policy.has_cn(c, "greater"))]
    return {
        "source": {"file": path.name, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                   "format": read.stats.get("format"), "year": read.stats.get("year"),
                   "records": int(read.stats.get("records", len(allp)))},
        "settings": {"min_share": agg["min_share"], "min_authors": agg["min_authors"]},
        "reference": REFERENCE,
        "rule_order": list(rules.RULES),
        "rules": rows,
        "diagnostics": {
            "strings": int(len(strings)), "unresolved": int(len(unresolved)),
            "papers_with_unresolved": int(unresolved["paper_id"].nunique()),
            "us_company_only": int(us_sets.map(lambda i: i <= US_COMPANIES).sum()),
            "dual_strings": int(len(dual)),
            "top_pair": f"{top['us_institution']} (US) x {top['cn_institution']} (CN) in {int(top['papers'])} papers",
            "top_unresolved": [[raw, n] for raw, n in Counter(unresolved["raw"]).most_common(10)],
        },
    }


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", nargs="?", default="../shared/neurips2024/nips2024.json", type=Path)
    p.add_argument("--check", action="store_true", help="compare with the committed file instead of writing it")
    args = p.parse_args(argv)
    text = json.dumps(figures(args.source), indent=1, ensure_ascii=False) + "\n"
    if args.check:
        same = FIGURES.is_file() and FIGURES.read_text(encoding="utf-8") == text
        print(f"{FIGURES.name}: {'up to date' if same else 'STALE: run docs/gen_figures.py and commit it'}")
        return 0 if same else 1
    FIGURES.parent.mkdir(parents=True, exist_ok=True)
    FIGURES.write_text(text, encoding="utf-8")
    print(f"wrote {FIGURES.relative_to(FIGURES.parents[2])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
