"""The per-year gold tables of whole counting: collaboration, and mentions by author-country group.

Plain pandas on the driver over the columns the counts need (a few rows per paper): at a
conference's size this is milliseconds, where the same aggregates as Spark jobs cost a
job's fixed overhead each (docs: performance).
"""
from __future__ import annotations

import pandas as pd

from paperscope.counting.flags import counted, paper_flags

COLLABORATION_COLUMNS = ["year", "papers", "papers_ok", "with_us", "with_cn", "with_both", "with_neither",
                         "with_unknown", "share_us", "share_cn", "share_both"]
# Named: the term appears in the scope; used: the paper uses it (paper.mentions: decided from
# the body, whatever the scope), beside each count of the named ones.
GROUP_COLUMNS = ["year", "term", "papers", "with_cn", "with_us", "with_both", "with_neither", "with_unknown",
                 "scope", "kind", "origin", "origin_country", "papers_used", "with_cn_used", "with_us_used",
                 "with_both_used", "with_neither_used", "with_unknown_used"]
_COUNTS = ["with_cn", "with_us", "with_both", "with_neither", "with_unknown"]


def _groups(flags: pd.DataFrame) -> pd.DataFrame:
    """The author-country group columns of paper flags (with_cn and with_us overlap by with_both)."""
    return pd.DataFrame({"with_cn": flags["has_cn"], "with_us": flags["has_us"], "with_both": flags["both"],
                         "with_neither": ~flags["has_us"] & ~flags["has_cn"] & ~flags["unknown"],
                         "with_unknown": flags["unknown"]}, index=flags.index).astype("int64")


def collaboration(papers: pd.DataFrame, affiliations: pd.DataFrame, china_policy: str) -> pd.DataFrame:
    """Per year: papers with US / Chinese / both authors (counts and shares), and the rest.

    papers: paper_id, year, status. The last two counts split the papers without a US-China
    pair cleanly: with_neither has resolved countries but neither US nor China;
    with_unknown has none resolved (anonymous, unreadable, or no affiliation matched).
    Shares are of all papers.
    """
    flags = paper_flags(counted(papers)[["paper_id", "year", "status"]], affiliations, china_policy)
    per = pd.concat([flags[["year"]], (flags["status"] == "ok").astype("int64").rename("papers_ok"),
                     _groups(flags)], axis=1)
    out = per.groupby("year").agg(papers=("papers_ok", "size"), papers_ok=("papers_ok", "sum"),
                                  **{c: (c, "sum") for c in ["with_us", "with_cn", "with_both", "with_neither",
                                                             "with_unknown"]}).reset_index()
    for name in ("us", "cn", "both"):
        out[f"share_{name}"] = (out[f"with_{name}"] / out["papers"]).round(4)
    return out.astype({"year": "int32"}).sort_values("year").reset_index(drop=True)[COLLABORATION_COLUMNS]


def term_groups(papers: pd.DataFrame, affiliations: pd.DataFrame, mentions: pd.DataFrame, scope: str,
                terms: pd.DataFrame, china_policy: str) -> pd.DataFrame:
    """Per (year, term): papers mentioning it in the scope ("body" or "full"), by author-country group.

    mentions: paper_id, term, count_body, count_full, use; terms: term, kind, origin, origin_country.
    """
    count = "count_body" if scope == "body" else "count_full"
    if "use" not in mentions.columns:  # a table written before use was decided: nothing known as used
        mentions = mentions.assign(use=None)
    mentioned = mentions[mentions[count] > 0][["paper_id", "term", "use"]].drop_duplicates(["paper_id", "term"])
    mentioned = mentioned.assign(used=(mentioned["use"] == "used").astype("int64"))
    flags = paper_flags(counted(papers)[["paper_id", "year"]], affiliations, china_policy)
    per = pd.concat([flags[["paper_id", "year"]], _groups(flags)], axis=1)
    joined = mentioned.merge(per, on="paper_id")
    for c in _COUNTS:
        joined[f"{c}_used"] = joined[c] * joined["used"]
    out = joined.groupby(["year", "term"]).agg(papers=("paper_id", "size"), papers_used=("used", "sum"),
                                               **{c: (c, "sum") for c in _COUNTS},
                                               **{f"{c}_used": (f"{c}_used", "sum") for c in _COUNTS}).reset_index()
    out["scope"] = scope
    out = out.merge(terms[["term", "kind", "origin", "origin_country"]], on="term", how="left")
    out = out.astype({"year": "int32"}).sort_values(["year", "papers", "term"], ascending=[True, False, True])
    return out.reset_index(drop=True)[GROUP_COLUMNS]
