"""The report's words: headline sentences, the rules table with its references, and what each term means.

Every sentence is regenerated from the gold tables, so the report and run.json say the
same thing and a reader can trace each number to its table.
"""
from __future__ import annotations

import pandas as pd

from paperscope.core.policy import china_words
from paperscope.counting.rules import DESCRIPTIONS
from paperscope.report.render import Table

# Who counts as what in the tables and sentences.
GROUPS = [("with_cn", "any Chinese author"), ("with_us", "any US author"), ("with_both", "both"),
          ("with_neither", "neither (other countries)"), ("with_unknown", "unknown (no country resolved)")]


def scope_words(scope: str) -> str:
    return ("body text (before the references; a citation is not use)" if scope == "body"
            else "whole text (references included)")


def sentences(collab: pd.DataFrame, china_policy: str) -> list[str]:
    """The headline sentences, regenerated from the collaboration table."""
    china = china_words(china_policy)
    out = []
    for r in collab.sort_values("year").itertuples(index=False):
        share = 100.0 * r.with_both / r.papers if r.papers else 0.0
        out.append(f"{r.year}: {r.with_both:,} of {r.papers:,} papers ({share:.1f}%) involve authors at both US and "
                   f"{china} institutions.")
    return out


def term_sentences(groups: pd.DataFrame, china_policy: str) -> list[str]:
    """Per year and term: in how many papers it is named with Chinese and with US authors, and
    in how many of them the paper uses it (not only cites it).

    Both groups for every term (not only the 'other side' of its origin), so a reader can
    compare; a paper with authors from both countries counts in both numbers.
    """
    china = china_words(china_policy)
    out = []
    for r in groups.sort_values(["year", "papers", "term"], ascending=[True, False, True]).itertuples(index=False):
        for named, used, who in ((r.with_cn, getattr(r, "with_cn_used", None), f"{china} institutions"),
                                 (r.with_us, getattr(r, "with_us_used", None), "US institutions")):
            use = "" if used is None or pd.isna(used) else f"; {int(used):,} of them use it, the others only cite it"
            out.append(f"{r.year}: {r.term} is named in {named:,} {_papers(named)} with authors from {who}{use}.")
    return out


def _papers(n: int) -> str:
    return "paper" if n == 1 else "papers"


def rules_view(counts: dict, china_policy: str, aggregates: dict, references: dict, top_pairs: int) -> dict:
    """The rules table (with_both per rule, both policies, with and without dual strings),
    the published references beside it, the top institution pairs and which rule is which."""
    rules = counts["rules"]
    order = [r for r in aggregates["rules"] if r in set(rules["rule"])]
    wide = rules.pivot_table(index=["year", "china_policy", "dual_strings", "papers"], columns="rule",
                             values="with_both").reset_index()
    wide = wide[["year", "china_policy", "dual_strings", "papers", *order]]
    wide["dual_strings"] = wide["dual_strings"].map({True: "kept", False: "left out"})
    wide[order] = wide[order].apply(lambda col: col.map(lambda v: f"{v:g}"))
    ref_rows = []
    mine = rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]]
    for year, ref in sorted((int(y), r) for y, r in (references or {}).items()):
        ref = dict(ref)
        row = {"year": year, "source": ref["source"], "papers": ref["papers"], "with_both": ref["with_both"],
               "share %": round(100.0 * ref["with_both"] / ref["papers"], 2) if ref["papers"] else 0.0}
        for rule in order:
            got = mine[(mine["year"] == year) & (mine["rule"] == rule)]
            row[rule] = "" if got.empty else f"{100.0 * (got['share'].iloc[0]) - row['share %']:+.2f} pp"
        ref_rows.append(row)
    headline = aggregates["headline_rule"]
    pairs = counts["institution_pairs"].sort_values(["year", "papers"], ascending=[True, False])
    pairs = pairs.groupby("year").head(top_pairs)
    return {
        "table": Table.of(wide),
        "references": Table.of(pd.DataFrame(ref_rows)) if ref_rows else None,
        "pairs": Table.of(pairs),
        "headline": headline,
        "text": [f"The headline sentences and the institution pairs use {headline}: {DESCRIPTIONS[headline]}.",
                 "The collaboration table and chart and the mentions by author-country group use any_author "
                 "(a paper's affiliations, whoever holds them).",
                 "The rules table gives with_both under every rule, under both China policies, with affiliation "
                 "strings that name both countries by themselves kept or left out; the reference row is a published "
                 "figure shown for comparison (difference in share points, this run's policy, strings kept), never "
                 "used to tune a rule."]
                + [f"{rule}: {DESCRIPTIONS[rule]}." for rule in order],
    }


def headline_sentences(collab: pd.DataFrame, counts: dict | None, china_policy: str, headline: str) -> list[str]:
    """The headline sentences under the headline rule (any_author: the collaboration table)."""
    if not counts or headline == "any_author":
        return sentences(collab, china_policy)
    r = counts["rules"]
    r = r[(r["rule"] == headline) & (r["china_policy"] == china_policy) & r["dual_strings"]]
    r = r.assign(with_both=[int(v) if float(v).is_integer() else round(float(v), 2) for v in r["with_both"]])
    return [s.replace(" involve ", f" involve ({headline}) ") for s in sentences(r, china_policy)]

