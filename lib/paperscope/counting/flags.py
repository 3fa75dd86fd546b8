"""A paper's US and China flags from its affiliation rows: the one definition every count uses.

The collaboration table, the mentions by author-country group, the any_author rule,
the review strata and the comparison of two sources all read a paper's flags from here
(plain pandas over small per-paper frames), so no two figures can define them apart.
"""
from __future__ import annotations

import pandas as pd

from paperscope.core import policy

# The status of a papers row that is a copy of another path's bytes: counted at its first path.
DUPLICATE = "duplicate"


def paper_flags(papers: pd.DataFrame, affiliations: pd.DataFrame, china_policy: str = policy.DEFAULT_CHINA_POLICY,
                dual_strings: bool = True) -> pd.DataFrame:
    """Per paper: has_us, has_cn, both, unknown (no country resolved), countries (sorted).

    papers: paper_id (+ any columns, kept); affiliations: paper_id, raw, country.
    dual_strings=False leaves out every affiliation string that by itself resolves to both
    the US and China ("Peking University / UC Berkeley", "Shanghai New York University"):
    one author's joint appointment, or a campus abroad, is then not evidence for either.
    """
    a = affiliations[affiliations["country"].notna()][["paper_id", "raw", "country"]]
    per_string = a.groupby(["paper_id", "raw"])["country"].agg(set).reset_index()
    per_string["us"] = per_string["country"].map(policy.has_us).astype(bool)
    per_string["cn"] = per_string["country"].map(lambda s: policy.has_cn(s, china_policy)).astype(bool)
    countries = per_string.groupby("paper_id")["country"].agg(lambda s: sorted(set().union(*s)))
    if not dual_strings:
        per_string = per_string[~(per_string["us"] & per_string["cn"])]
    g = per_string.groupby("paper_id")
    flags = pd.DataFrame({"has_us": g["us"].any(), "has_cn": g["cn"].any()}).reset_index()
    out = papers.merge(flags, on="paper_id", how="left")
    out["unknown"] = ~out["paper_id"].isin(set(countries.index))
    for col in ("has_us", "has_cn"):
        out[col] = out[col].astype("boolean").fillna(False).astype(bool)
    out["both"] = out["has_us"] & out["has_cn"]
    out["countries"] = out["paper_id"].map(countries).map(lambda c: c if isinstance(c, list) else [])
    return out


def counted(papers: pd.DataFrame) -> pd.DataFrame:
    """The papers a count covers: every row but the copies of another path (status duplicate)."""
    return papers[papers["status"] != DUPLICATE]
