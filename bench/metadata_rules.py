"""NeurIPS-style metadata under each counting rule, beside the reporter's figure.

Reads a metadata file with the library's own parser and matcher (paperscope.sources.metadata,
the same code as `paperscope metadata`), without Spark, and prints:
  - papers with US / China / both authors under each rule: China = mainland (CN) or
    greater (CN, HK, MO, TW), an affiliation string naming both countries counted or not;
  - what stands between these counts and the reporter's (unresolved strings, missing
    affiliations, dual strings);
  - with --audit (audit.csv of a PDF run of the same papers), the paper-by-paper agreement.

Run from the repo root:
  .venv/bin/python bench/metadata_rules.py ../shared/neurips2024/nips2024.json
  .venv/bin/python bench/metadata_rules.py FILE --audit reports/latest/audit.csv
"""
from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter

import pandas as pd

from paperscope.core import policy
from paperscope.counting.flags import paper_flags
from paperscope.sources.metadata.agreement import agreement, agreement_markdown
from paperscope.sources.metadata.formats import FORMATS
from paperscope.sources.metadata.rows import STATUS_OK, read_file

REPORTER = (134, 4497)
# US companies whose bare name resolves to the US wherever the author sits.
US_COMPANIES = {"OpenAI", "Meta AI", "Google Research", "Microsoft Research", "NVIDIA", "Apple", "Amazon",
                "IBM Research", "Salesforce Research", "Adobe Research", "Intel", "Qualcomm"}  # the reporter's NeurIPS 2024 figure: papers with US and China authors


def rules_table(papers: pd.DataFrame, affs: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for china, label in (("mainland", "mainland China only (CN)"), ("greater", "China incl. HK, MO, TW")):
        for dual in (True, False):
            f = paper_flags(papers, affs, china, dual)
            n = len(f)
            rows.append({"China means": label, "string naming both countries": "counted" if dual else "not counted",
                         "papers": n, "with_us": int(f["has_us"].sum()), "with_cn": int(f["has_cn"].sum()),
                         "with_both": int(f["both"].sum()), "share_both": f"{100 * f['both'].sum() / n:.2f}%",
                         "unknown": int(f["unknown"].sum())})
    rows.append({"China means": "the reporter", "string naming both countries": "?", "papers": REPORTER[1],
                 "with_us": "", "with_cn": "", "with_both": REPORTER[0],
                 "share_both": f"{100 * REPORTER[0] / REPORTER[1]:.2f}%", "unknown": ""})
    return pd.DataFrame(rows, dtype=object)


def markdown(df: pd.DataFrame) -> str:
    cols = list(df.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "|".join("---" for _ in cols) + "|"]
    for r in df.itertuples(index=False):
        out.append("| " + " | ".join("" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v) for v in r) + " |")
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("source", nargs="?", default="../shared/neurips2024/nips2024.json")
    p.add_argument("--year", type=int)
    p.add_argument("--format", default="auto", choices=FORMATS)
    p.add_argument("--audit", help="audit.csv of a PDF run of the same papers: paper-by-paper agreement")
    p.add_argument("--policy", default="mainland", choices=sorted(policy.CHINA_POLICIES), help="China rule for the agreement")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    read = read_file(args.source, args.year, args.format)
    allp = pd.DataFrame(read.papers)
    papers = allp[allp["status"] == STATUS_OK][["paper_id", "title", "source_id"]]
    affs = pd.DataFrame(read.affiliations, columns=["paper_id", "year", "raw", "source", "institution", "country",
                                                    "method", "evidence", "score"])
    s = read.stats
    print(f"# {args.source} ({s['format']}, {s['year']})\n")
    print(f"records {s['records']}: papers {s.get('metadata', 0)}, malformed {s.get('malformed', 0)}, "
          f"duplicate titles {s.get('duplicate', 0)}\n")
    print(markdown(rules_table(papers, affs)) + "\n")

    # What separates these counts from one another and from the reporter's.
    strings = affs.groupby(["paper_id", "raw"])["country"].agg(lambda c: set(c.dropna())).reset_index()
    unresolved = strings[strings["country"].map(len) == 0]
    dual = strings[strings["country"].map(lambda c: "US" in c and policy.has_cn(c, "greater"))]
    flags = paper_flags(papers, affs, "mainland", True)
    papers_with_unresolved = set(unresolved["paper_id"])
    both_ids = set(flags.loc[flags["both"], "paper_id"])
    greater = paper_flags(papers, affs, "greater", True)
    only_greater = set(greater.loc[greater["both"], "paper_id"]) - both_ids
    print("## Why the counts differ\n")
    print(f"- affiliation strings (distinct per paper): {len(strings)}; unresolved by the matcher: "
          f"{len(unresolved)} ({100 * len(unresolved) / max(len(strings), 1):.1f}%), in {len(papers_with_unresolved)} papers")
    print(f"- papers with no affiliation string at all: {s.get('papers_without_affiliation', 0)}; "
          f"papers with nothing resolved: {int(flags['unknown'].sum())}")
    print(f"- US-China papers (mainland, counted) with at least one unresolved string: "
          f"{len(both_ids & papers_with_unresolved)}; US-China papers could grow among the "
          f"{len(papers_with_unresolved - both_ids)} other papers with unresolved strings")
    us_rows = affs[affs["paper_id"].isin(both_ids) & (affs["country"] == "US")]
    us_sets = us_rows.groupby("paper_id")["institution"].agg(lambda i: set(i.fillna("")))
    company_only = int(us_sets.map(lambda i: i <= US_COMPANIES).sum())
    print(f"- US-China papers (mainland, counted) whose US side rests only on US company names "
          f"({', '.join(sorted(US_COMPANIES))}): {company_only}")
    print(f"- strings naming both the US and China: {len(dual)} in {dual['paper_id'].nunique()} papers")
    print(f"- papers US-China only when HK/MO/TW count as China: {len(only_greater)}")
    top = Counter(unresolved["raw"]).most_common(15)
    print("- most frequent unresolved strings: " + "; ".join(f"{r} ({n})" for r, n in top))
    if "country_cross_check" in s:
        print(f"- source's own countries (cross-check): {s['country_cross_check']}")

    if args.audit:
        audit = pd.read_csv(args.audit)
        pdf_papers = audit.drop_duplicates("paper_id")[["paper_id", "title"]].assign(source_id=None)
        pdf_flags = paper_flags(pdf_papers, audit[["paper_id", "raw", "country"]], args.policy)
        meta_flags = paper_flags(papers, affs, args.policy)
        summary, diff = agreement(pdf_flags, meta_flags)
        print()
        print(agreement_markdown(summary, diff))
    return 0


if __name__ == "__main__":
    sys.exit(main())
