"""Two sources of one year compared paper by paper: how often their US and China flags agree."""
from __future__ import annotations

import pandas as pd

from paperscope.core import escape
from paperscope.sources.metadata.formats import title_key


def agreement(pdf: pd.DataFrame, meta: pd.DataFrame) -> tuple[dict, pd.DataFrame]:
    """Papers present in both sources (same source_id, else same normalised title): how
    often has_us / has_cn agree, and the papers where they do not.

    Each frame: paper_id, title, source_id, has_us, has_cn, unknown.
    """
    def keyed(df, by):
        df = df.copy()
        df["key"] = df["source_id"] if by == "id" else df["title"].map(title_key)
        return df[df["key"].notna() & (df["key"] != "")]

    cols = ["paper_id", "title", "has_us", "has_cn", "unknown", "key"]
    by_id = keyed(pdf, "id")[cols].merge(keyed(meta, "id")[cols], on="key", suffixes=("_pdf", "_meta"))
    rest_pdf = pdf[~pdf["paper_id"].isin(by_id["paper_id_pdf"])]
    rest_meta = meta[~meta["paper_id"].isin(by_id["paper_id_meta"])]
    by_title = keyed(rest_pdf, "title")[cols].merge(keyed(rest_meta, "title")[cols], on="key", suffixes=("_pdf", "_meta"))
    both = pd.concat([by_id.assign(matched_by="source_id"), by_title.assign(matched_by="title")], ignore_index=True)
    us_ok = both["has_us_pdf"] == both["has_us_meta"]
    cn_ok = both["has_cn_pdf"] == both["has_cn_meta"]
    both_ok = (both["has_us_pdf"] & both["has_cn_pdf"]) == (both["has_us_meta"] & both["has_cn_meta"])
    summary = {"pdf_papers": int(len(pdf)), "metadata_papers": int(len(meta)), "matched": int(len(both)),
               "matched_by_source_id": int(len(by_id)), "matched_by_title": int(len(by_title)),
               "has_us_agree": int(us_ok.sum()), "has_cn_agree": int(cn_ok.sum()),
               "both_agree": int(both_ok.sum()), "all_agree": int((us_ok & cn_ok).sum())}
    diff = both[~(us_ok & cn_ok)][["matched_by", "title_pdf", "has_us_pdf", "has_cn_pdf", "has_us_meta",
                                   "has_cn_meta", "unknown_pdf", "unknown_meta", "paper_id_pdf", "paper_id_meta"]]
    return summary, diff.reset_index(drop=True)


def agreement_markdown(summary: dict, diff: pd.DataFrame, limit: int = 50) -> str:
    lines = ["## PDF headers vs metadata\n",
             f"{summary['matched']} papers are in both sources ({summary['matched_by_source_id']} by source id, "
             f"{summary['matched_by_title']} by normalised title) out of {summary['pdf_papers']} PDF papers and "
             f"{summary['metadata_papers']} metadata papers.\n",
             f"- has_us agrees for {summary['has_us_agree']} of {summary['matched']}",
             f"- has_cn agrees for {summary['has_cn_agree']} of {summary['matched']}",
             f"- US-China (both) agrees for {summary['both_agree']} of {summary['matched']}\n"]
    if len(diff):
        lines.append("| title | pdf us | pdf cn | meta us | meta cn | matched by |")
        lines.append("|---|---|---|---|---|---|")
        for r in diff.head(limit).itertuples(index=False):
            title = escape.md_text(r.title_pdf)
            lines.append(f"| {title} | {int(r.has_us_pdf)} | {int(r.has_cn_pdf)} | {int(r.has_us_meta)} | "
                         f"{int(r.has_cn_meta)} | {escape.md_text(r.matched_by)} |")
        if len(diff) > limit:
            lines.append(f"\n({len(diff) - limit} more disagreements not shown)")
    return "\n".join(lines) + "\n"

