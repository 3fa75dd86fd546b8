"""The audit: one row per paper and affiliation row, with the paper's terms, for the CSV and the page."""
from __future__ import annotations

import pandas as pd

AUDIT_COLUMNS = ["paper_id", "year", "title", "raw", "institution", "country", "method", "matched", "score",
                 "evidence", "source", "path", "status"]


def terms_per_paper(mentions: pd.DataFrame | None) -> pd.Series:
    """paper_id -> "Llama 3/4; Qwen 1/1" (count in the body / in the whole text)."""
    if mentions is None or mentions.empty:
        return pd.Series(dtype=object)
    m = mentions.sort_values(["paper_id", "count_body", "term"], ascending=[True, False, True])
    text = m["term"].astype(str) + " " + m["count_body"].astype(str) + "/" + m["count_full"].astype(str)
    return text.groupby(m["paper_id"]).agg("; ".join)


def authors_per_paper(authors: pd.DataFrame | None) -> pd.Series:
    """paper_id -> "1 Ann Li [marker: CN]; 2 Bo Wu [none]": each author in order with how the
    header reader tied the author to affiliations, and the countries that gave."""
    if authors is None or authors.empty:
        return pd.Series(dtype=object)
    a = authors.sort_values(["paper_id", "position"])
    text = [f"{p} {n or '?'} [{t or 'none'}{': ' + ','.join(c) if c is not None and len(c) else ''}]"
            for p, n, t, c in zip(a["position"], a["name"], a["tie"], a["countries"])]
    return pd.Series(text, index=a.index).groupby(a["paper_id"]).agg("; ".join)


def audit_table(audit: pd.DataFrame, mentions: pd.DataFrame | None, scope: str,
                authors: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per paper and affiliation row (a paper without any keeps one row), with the
    paper's terms in the given scope and its authors with their ties. Columns beyond
    AUDIT_COLUMNS are kept at the end."""
    out = audit.copy()
    for col in AUDIT_COLUMNS:
        if col not in out.columns:
            out[col] = None
    terms = terms_per_paper(mentions)
    out["terms (body/full)"] = out["paper_id"].map(terms).fillna("")
    if mentions is not None and not mentions.empty:
        col = "count_body" if scope == "body" else "count_full"
        used = mentions[mentions[col] > 0].groupby("paper_id")["term"].agg(lambda s: ";".join(sorted(s)))
        out[f"terms_{scope}"] = out["paper_id"].map(used).fillna("")
    else:
        out[f"terms_{scope}"] = ""
    out["authors (tie: countries)"] = out["paper_id"].map(authors_per_paper(authors)).fillna("")
    first = AUDIT_COLUMNS + [f"terms_{scope}", "terms (body/full)", "authors (tie: countries)"]
    return out[first + [c for c in out.columns if c not in first]]


def paper_records(audit: pd.DataFrame, mentions: pd.DataFrame | None, ids: list[str]) -> list[dict]:
    """For each paper id: its fields, affiliation rows and term counts (for HTML and Markdown)."""
    records = []
    for pid in ids:
        rows = audit[audit["paper_id"] == pid]
        if rows.empty:
            continue
        first = rows.iloc[0]
        affs = [r for r in rows.to_dict("records") if isinstance(r.get("raw"), str)]
        found = [] if mentions is None or mentions.empty else (
            mentions[mentions["paper_id"] == pid].sort_values("term").to_dict("records"))
        countries = sorted({a["country"] for a in affs if isinstance(a.get("country"), str)})
        records.append({"paper_id": pid, "year": first.get("year"), "title": first.get("title"),
                        "path": first.get("path"), "status": first.get("status"), "affiliations": affs,
                        "countries": countries, "terms": found})
    return records


def per_paper(audit_df: pd.DataFrame) -> pd.DataFrame:
    """One row per paper: its affiliation rows folded into one cell (column-wise: a fold per
    paper took 7 s at 5,000 papers)."""
    def or_mark(col: str) -> pd.Series:
        return audit_df[col].map(lambda v: v if isinstance(v, str) and v else "?")

    scope_col = next(c for c in audit_df.columns if c.startswith("terms_") and c != "terms (body/full)")
    first = audit_df.drop_duplicates("paper_id").set_index("paper_id")
    has_raw = audit_df["raw"].map(lambda r: isinstance(r, str))
    text = (audit_df["raw"].astype(str) + " -> " + or_mark("institution") + " (" + or_mark("country") + ", "
            + audit_df["method"].map(str) + ")")[has_raw]
    affs = text.groupby(audit_df.loc[has_raw, "paper_id"]).agg(" | ".join).reindex(first.index, fill_value="")
    countries = audit_df.groupby("paper_id", sort=False)["country"].agg(
        lambda s: ",".join(sorted({c for c in s if isinstance(c, str)})))
    out = pd.DataFrame({"year": first["year"], "title": first["title"], "status": first["status"],
                        "affiliations -> institution (country, rule)": affs, "countries": countries,
                        scope_col: first[scope_col], "terms (body/full)": first["terms (body/full)"]})
    out = out.rename_axis("paper_id").reset_index()
    out["paper_id"] = out["paper_id"].astype(str).str[:12]
    return out.sort_values(["year", "title"], na_position="last")
