"""Who counts as a US-China paper: the counting rules, side by side, over the authors table.

A paper's "US-China collaboration" depends on the rule that reads its authors; the rules
here are all computed on every run so a reader sees the figure beside its definition.
Plain pandas on small per-author frames (one row per paper and author position), so the
same functions serve the Spark pipeline (after a per-year collect) and `paperscope
metadata`, and are tested on hand-computed frames.

Inputs
- authors: paper_id, year, position (1-based), n_authors, affiliation_countries (one list
  of country codes per affiliation string of the author).
- papers: paper_id, year (every paper of the year: the denominator, as agg_collaboration).
- affiliations: paper_id, raw, country (the paper's strings; any_author reads them all, so
  it equals agg_collaboration's with_both, the pre-rules figure).
"""
from __future__ import annotations

import itertools
from collections.abc import Iterable

import pandas as pd

from paperscope.core import policy
from paperscope.counting.flags import paper_flags

RULES = policy.RULES
# One sentence per rule (the docs and the report), with the source of the standard ones.
DESCRIPTIONS = {
    "any_author": "some author is at a US institution and some author (the same one allowed) at a Chinese one "
                  "(whole counting, Leiden Ranking 'full counting'); the rule before rules existed",
    "distinct_authors": "a US affiliation and a Chinese affiliation held by two different authors",
    "first_last": "the first author in one country and the last author in the other (two authors or more)",
    "first_or_last": "the first and last authors' affiliations together name both countries",
    "min_share": "at least min_share of the authors with a resolved country on each side",
    "min_authors": "at least min_authors authors on each side",
    "fractional": "each paper weighs 1, split equally over its authors with a country, each author's share split "
                  "equally over their countries (Nature Index Fractional Count; Leiden Ranking fractional counting); "
                  "with_us / with_cn are the countries' fractional counts and with_both the US-China "
                  "collaboration weight (US plus China share of the papers with both)",
}
# The rules the gate compares (rules.consistency), computed even when not configured.
GATED = ("any_author", "distinct_authors", "first_last")
# with_unknown: papers the rule does not count but could, were their unplaced authors placed
# (an author without a country where the rule reads one); any_author: papers with no
# country at all. A figure is "with_both, and up to with_unknown more".
RULE_COLUMNS = ["year", "rule", "china_policy", "dual_strings", "papers", "with_us", "with_cn", "with_both", "share",
                "with_unknown"]
PAIR_COLUMNS = ["year", "us_institution", "cn_institution", "papers"]
FRACTION_COLUMNS = ["year", "country", "fractional_count"]
_EPS = 1e-9


def _countries(strings: Iterable, china_policy: str, dual_strings: bool) -> set[str]:
    """An author's countries from their strings; without dual_strings a string naming both
    the US and China by itself is left out (as metadata.paper_flags does per paper)."""
    out: set[str] = set()
    for found in strings if strings is not None else []:
        found = set(found if found is not None else [])
        if not dual_strings and policy.has_us(found) and policy.has_cn(found, china_policy):
            continue
        out |= found
    return out


def author_flags(authors: pd.DataFrame, china_policy: str, dual_strings: bool = True) -> pd.DataFrame:
    """authors -> the same rows with countries (as kept), us, cn, known, first, last."""
    a = authors[["paper_id", "year", "position", "n_authors", "affiliation_countries"]].copy()
    a["kept"] = [_countries(s, china_policy, dual_strings) for s in a["affiliation_countries"]]
    # Boolean dtype even with no rows: an empty object column used as a mask selects columns.
    a["us"] = a["kept"].map(policy.has_us).astype(bool)
    a["cn"] = a["kept"].map(lambda c: policy.has_cn(c, china_policy)).astype(bool)
    a["known"] = a["kept"].map(bool).astype(bool)
    a["first"] = a["position"] == 1
    a["last"] = (a["position"] == a["n_authors"]) & (a["n_authors"] > 1)
    return a


def paper_rules(authors: pd.DataFrame, china_policy: str, dual_strings: bool = True, *,
                min_share: float, min_authors: int) -> pd.DataFrame:
    """Per paper with authors: one boolean column per author-level rule, plus the fractional
    US and China counts (us_fc, cn_fc) and whether any author has a country (known)."""
    a = author_flags(authors, china_policy, dual_strings)
    rows = []
    cn_codes = set(policy.china_codes(china_policy))
    for (pid, year), g in a.groupby(["paper_id", "year"], sort=True):
        us, cn, known = g["us"], g["cn"], g["known"]
        n_us, n_cn, n_known = int(us.sum()), int(cn.sum()), int(known.sum())
        n_either = int((us | cn).sum())
        unplaced = len(g) - n_known
        first, last = g[g["first"]], g[g["last"]]
        f_us, f_cn = bool(first["us"].any()), bool(first["cn"].any())
        l_us, l_cn = bool(last["us"].any()), bool(last["cn"].any())
        f_known, l_known = bool(first["known"].any()), bool(last["known"].any())
        ends = set().union(*first["kept"], *last["kept"]) if len(first) or len(last) else set()
        us_fc = cn_fc = 0.0
        for kept in g["kept"]:
            if kept:
                us_fc += sum(c == policy.US for c in kept) / len(kept) / n_known
                cn_fc += sum(c in cn_codes for c in kept) / len(kept) / n_known
        row = {
            "paper_id": pid, "year": year, "known": n_known > 0, "any_us": n_us > 0, "any_cn": n_cn > 0,
            "distinct_authors": n_us > 0 and n_cn > 0 and n_either >= 2,
            "first_last": len(last) > 0 and ((f_us and l_cn) or (f_cn and l_us)),
            "first_or_last": policy.has_us(ends) and policy.has_cn(ends, china_policy),
            "min_share": n_known > 0 and n_us / n_known >= min_share - _EPS and n_cn / n_known >= min_share - _EPS,
            "min_authors": n_us >= min_authors and n_cn >= min_authors,
            "us_fc": us_fc, "cn_fc": cn_fc,
        }
        # Could the rule count the paper were its unplaced authors placed (each may hold
        # both countries)? Then the paper is unknown under the rule, not "not US-China".
        could = unplaced and {
            "distinct_authors": unplaced >= 2 or n_us + n_cn > 0,
            "first_last": len(last) > 0 and ((not f_known and not l_known) or (not f_known and (l_us or l_cn))
                                             or (not l_known and (f_us or f_cn))),
            "first_or_last": not f_known or (len(last) > 0 and not l_known),
            "min_share": (n_us + unplaced) / (n_known + unplaced) >= min_share - _EPS
                         and (n_cn + unplaced) / (n_known + unplaced) >= min_share - _EPS,
            "min_authors": n_us + unplaced >= min_authors and n_cn + unplaced >= min_authors,
        }
        for rule in RULES[1:-1]:
            row[f"unknown_{rule}"] = bool(could) and not row[rule] and could[rule]
        row["unknown_fractional"] = unplaced > 0
        rows.append(row)
    cols = ["paper_id", "year", "known", "any_us", "any_cn", *RULES[1:-1], "us_fc", "cn_fc",
            *(f"unknown_{r}" for r in RULES[1:])]
    return pd.DataFrame(rows, columns=cols)


# agg_paper_rules: per paper, China policy and dual-strings setting, every rule's flag (the
# figure of a rule is the sum of its column: count_rules sums these rows), the paper's
# countries per author position as the rules read them ("US;CN", "" for an author with
# none), and what the rules' other columns sum: has_us / has_cn (any affiliation string,
# any_author's), author_us / author_cn (some author), us_fc / cn_fc (fractional counts).
PAPER_RULE_COLUMNS = ["year", "paper_id", "china_policy", "dual_strings", "n_authors", "author_countries", *RULES,
                      "fractional_weight", *(f"unknown_{r}" for r in RULES), "has_us", "has_cn", "author_us",
                      "author_cn", "us_fc", "cn_fc"]


def _positions(authors: pd.DataFrame, dual: bool) -> pd.Series:
    """paper_id -> each author's countries in position order, as kept under the dual setting."""
    if authors.empty:
        return pd.Series(dtype=object)
    a = author_flags(authors, policy.DEFAULT_CHINA_POLICY, dual).sort_values(["paper_id", "position"])
    text = a["kept"].map(lambda c: ";".join(sorted(c)))
    return text.groupby(a["paper_id"]).agg(list)


def paper_rule_flags(papers: pd.DataFrame, affiliations: pd.DataFrame, authors: pd.DataFrame, *,
                     china_policies: Iterable[str] = tuple(policy.CHINA_POLICIES), min_share: float,
                     min_authors: int) -> pd.DataFrame:
    """Per paper of the year (the denominator), per China policy and dual-strings setting:
    every rule's flag and whether the rule could count it were its unplaced authors placed.

    any_author reads the paper's affiliation strings (paper_flags); the other rules its
    authors (paper_rules); fractional is set when the paper has weight on both sides, and
    fractional_weight is that weight (US plus China share). A paper without any author
    row is unknown under every per-author rule.
    """
    base = papers[["paper_id", "year"]].drop_duplicates("paper_id")
    known_authors = set(authors["paper_id"])
    frames = []
    for china_policy, dual in itertools.product(china_policies, (True, False)):
        flags = paper_flags(base, affiliations, china_policy, dual_strings=dual)
        per = paper_rules(authors, china_policy, dual, min_share=min_share, min_authors=min_authors)
        per = base.merge(per.drop(columns="year"), on="paper_id", how="left")
        for col in ["known", "any_us", "any_cn", *RULES[1:-1]]:
            per[col] = per[col].eq(True)
        unread = ~per["paper_id"].isin(known_authors)  # no author read at all
        for rule in RULES[1:]:
            per[f"unknown_{rule}"] = per[f"unknown_{rule}"].eq(True) | unread
        per[["us_fc", "cn_fc"]] = per[["us_fc", "cn_fc"]].astype("float64").fillna(0.0)
        per = per.merge(flags[["paper_id", "has_us", "has_cn", "both", "unknown"]], on="paper_id", how="left")
        positions = per["paper_id"].map(_positions(authors, dual))
        joint = (per["us_fc"] > 0) & (per["cn_fc"] > 0)
        frame = pd.DataFrame({
            "year": per["year"].astype(int), "paper_id": per["paper_id"], "china_policy": china_policy,
            "dual_strings": dual, "n_authors": positions.map(lambda v: len(v) if isinstance(v, list) else 0),
            "author_countries": positions.map(lambda v: v if isinstance(v, list) else []),
            "any_author": per["both"].astype(bool),
            **{rule: per[rule] for rule in RULES[1:-1]},
            "fractional": joint, "fractional_weight": (per["us_fc"] + per["cn_fc"]).where(joint, 0.0),
            "unknown_any_author": per["unknown"].astype(bool),
            **{f"unknown_{rule}": per[f"unknown_{rule}"] for rule in RULES[1:]},
            "has_us": per["has_us"].astype(bool), "has_cn": per["has_cn"].astype(bool),
            "author_us": per["any_us"], "author_cn": per["any_cn"],
            "us_fc": per["us_fc"], "cn_fc": per["cn_fc"]})
        frames.append(frame[PAPER_RULE_COLUMNS])
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=PAPER_RULE_COLUMNS)
    return out


def count_rules(papers: pd.DataFrame, affiliations: pd.DataFrame, authors: pd.DataFrame, *,
                china_policies: Iterable[str] = tuple(policy.CHINA_POLICIES), rules: Iterable[str] = RULES,
                min_share: float, min_authors: int, per_paper: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (year, rule, china policy, dual_strings): papers, with_us, with_cn, with_both, share,
    with_unknown: the sums of paper_rule_flags' rows (given as per_paper when already computed).

    papers counts every paper of the year; share = with_both / papers. For the whole-counting
    rules with_us / with_cn are the papers with a US / Chinese author (any_author: affiliation).
    """
    rules = list(rules)
    china_policies = list(china_policies)
    if per_paper is None:
        per_paper = paper_rule_flags(papers, affiliations, authors, china_policies=china_policies,
                                     min_share=min_share, min_authors=min_authors)
    totals = papers[["paper_id", "year"]].drop_duplicates("paper_id").groupby("year").size()
    out = []
    for china_policy, dual in itertools.product(china_policies, (True, False)):
        mine = per_paper[(per_paper["china_policy"] == china_policy) & (per_paper["dual_strings"] == dual)]
        for year, n in totals.items():
            p = mine[mine["year"] == year]
            for rule in rules:
                if rule == "any_author":
                    us, cn = p["has_us"].sum(), p["has_cn"].sum()
                elif rule == "fractional":
                    us, cn = p["us_fc"].sum(), p["cn_fc"].sum()
                else:
                    us, cn = p["author_us"].sum(), p["author_cn"].sum()
                both = p["fractional_weight"].sum() if rule == "fractional" else p[rule].sum()
                out.append({"year": int(year), "rule": rule, "china_policy": china_policy, "dual_strings": dual,
                            "papers": int(n), "with_us": round(float(us), 6), "with_cn": round(float(cn), 6),
                            "with_both": round(float(both), 6),
                            "share": round(float(both) / n, 6) if n else 0.0,
                            "with_unknown": int(p[f"unknown_{rule}"].sum())})
    return pd.DataFrame(out, columns=RULE_COLUMNS)


def country_fractions(authors: pd.DataFrame) -> pd.DataFrame:
    """Per (year, country): the Nature Index Fractional Count (every string kept).

    Per year the counts add up to the papers with at least one author with a country.
    """
    a = author_flags(authors, policy.DEFAULT_CHINA_POLICY, True)
    a = a[a["known"]]
    if a.empty:
        return pd.DataFrame(columns=FRACTION_COLUMNS)
    n_known = a.groupby("paper_id")["known"].transform("sum")
    rows = [(year, c, 1.0 / len(kept) / n)
            for year, kept, n in zip(a["year"], a["kept"], n_known) for c in kept]
    df = pd.DataFrame(rows, columns=["year", "country", "fractional_count"])
    out = df.groupby(["year", "country"], as_index=False)["fractional_count"].sum()
    out["fractional_count"] = out["fractional_count"].round(6)
    out["year"] = out["year"].astype(int)
    return out.sort_values(["year", "fractional_count", "country"], ascending=[True, False, True]).reset_index(drop=True)


def counted_papers(papers: pd.DataFrame, affiliations: pd.DataFrame, authors: pd.DataFrame, rule: str,
                   china_policy: str, *, min_share: float, min_authors: int,
                   per_paper: pd.DataFrame | None = None) -> set[str]:
    """The paper ids a rule counts as US-China, strings naming both countries kept
    (fractional: those with weight on both sides): paper_rule_flags' rows with its flag set."""
    if per_paper is None:
        per_paper = paper_rule_flags(papers, affiliations, authors, china_policies=[china_policy],
                                     min_share=min_share, min_authors=min_authors)
    p = per_paper[(per_paper["china_policy"] == china_policy) & per_paper["dual_strings"]]
    return set(p.loc[p[rule], "paper_id"])


def institution_pairs(affiliations: pd.DataFrame, counted: set[str], china_policy: str) -> pd.DataFrame:
    """(year, US institution, Chinese institution, papers) over the counted papers.

    Every US institution of a paper is paired with every Chinese one of it (whole counting).
    """
    a = affiliations[affiliations["paper_id"].isin(counted) & affiliations["institution"].notna()]
    cn_codes = set(policy.china_codes(china_policy))
    us = a[a["country"] == policy.US][["paper_id", "year", "institution"]].drop_duplicates()
    cn = a[a["country"].isin(cn_codes)][["paper_id", "institution"]].drop_duplicates()
    pairs = us.merge(cn, on="paper_id", suffixes=("_us", "_cn"))
    if pairs.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    out = (pairs.groupby(["year", "institution_us", "institution_cn"]).size().reset_index(name="papers")
           .rename(columns={"institution_us": "us_institution", "institution_cn": "cn_institution"}))
    out["year"] = out["year"].astype(int)
    return out.sort_values(["year", "papers", "us_institution", "cn_institution"],
                           ascending=[True, False, True, True]).reset_index(drop=True)[PAIR_COLUMNS]


def consistency(rules: pd.DataFrame, fractions: pd.DataFrame, authors: pd.DataFrame) -> pd.DataFrame:
    """Per (year, china policy, dual_strings): the counts the gate compares, side by side:
    first_last <= distinct_authors <= any_author <= papers, and the fractional counts' sum
    equal to the papers with an author with a country."""
    if rules.empty:
        return pd.DataFrame(columns=["year", "china_policy", "dual_strings", "papers", *GATED, "papers_with_country",
                                     "fractional_sum"])
    wide = rules[rules["rule"].isin(["any_author", "distinct_authors", "first_last"])].pivot_table(
        index=["year", "china_policy", "dual_strings", "papers"], columns="rule", values="with_both").reset_index()
    wide.columns.name = None
    known = author_flags(authors, policy.DEFAULT_CHINA_POLICY, True)
    known = known[known["known"]].groupby("year")["paper_id"].nunique().rename("papers_with_country")
    total = (fractions.astype({"fractional_count": float}).groupby("year")["fractional_count"].sum()
             .round(3).rename("fractional_sum"))
    wide = wide.merge(known, on="year", how="left").merge(total, on="year", how="left")
    wide[["papers_with_country", "fractional_sum"]] = wide[["papers_with_country", "fractional_sum"]].fillna(0)
    return wide


def rules_markdown(counts: pd.DataFrame) -> str:
    """agg_rules as one Markdown table: a row per (year, China policy, dual strings), with_both
    per rule (share of all papers in brackets, and the papers the rule cannot tell: with_unknown),
    for the command line and metadata.md."""
    order = [r for r in RULES if r in set(counts["rule"])]
    head = ["year", "china_policy", "dual strings", "papers", *order]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---:", "---", "---", "---:"] + ["---:"] * len(order)) + "|"]
    for (year, pol, dual, n), g in counts.groupby(["year", "china_policy", "dual_strings", "papers"], sort=True):
        got = g.set_index("rule")
        cells = [f"{got.at[r, 'with_both']:g} ({100 * got.at[r, 'share']:.1f}%"
                 + (f", +{int(got.at[r, 'with_unknown'])} unknown" if got.at[r, "with_unknown"] else "") + ")"
                 for r in order]
        lines.append(f"| {year} | {pol} | {'kept' if dual else 'left out'} | {n:,} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
