"""The report's long lists, each on a page of its own, and the papers behind each figure as CSVs.

index.html stays small whatever the corpus: the audit, the per-paper rule flags and the
failures are list pages (the rows as JSON inside the page, drawn 100 at a time by the
packaged table.js: sortable, filterable, no CDN, text set with textContent only), and
every rule's figure has a CSV listing exactly its papers, written through core.escape.
"""
from __future__ import annotations

from importlib import resources
from pathlib import Path

import pandas as pd
from markupsafe import Markup

from paperscope.core import escape
from paperscope.core.policy import CHINA_POLICIES, RULES
from paperscope.report.render import CSS, cell, render
from paperscope.report.review.sample import script_json
from paperscope.report.words import export_name

PAGE_CSS = CSS + """
th{cursor:pointer}th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
thead tr+tr th{cursor:auto;background:#fafafa}thead input{width:95%;font-size:12px}
.audit-bar{margin:.5em 0;display:flex;gap:.6em;align-items:center}table{width:100%}"""
# The columns of an export, before the rule's own (fractional: the paper's weight).
EXPORT_COLUMNS = ["year", "paper_id", "title", "authors' countries (by position)", "n_authors", "path"]


def _script() -> Markup:
    text = resources.files("paperscope").joinpath("data", "report", "table.js").read_text("utf-8")
    if "</script" in text.lower():  # inlined: it must not close its own element
        raise ValueError("table.js holds a closing script tag")
    return Markup(text)


def _json_value(v):
    if v is None or v is pd.NA or (isinstance(v, float) and pd.isna(v)):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    if isinstance(v, bool):
        return "yes" if v else "no"
    return v if isinstance(v, (int, float)) else cell(v)


def list_page(run_dir: Path, name: str, title: str, frame: pd.DataFrame, run_id: str, intro: list[str],
              csv: str | None, limit: int) -> Path:
    """run_dir/name: the frame's first `limit` rows as a paged, sortable, filterable table."""
    shown = frame.head(limit)
    data = {"columns": [cell(c) for c in shown.columns],
            "rows": [[_json_value(v) for v in row] for row in shown.itertuples(index=False)]}
    view = {"css": Markup(PAGE_CSS), "title": title, "run_id": cell(run_id), "intro": intro, "csv": csv,
            "rows": f"{len(frame):,}", "shown": f"{len(shown):,}", "cut": len(shown) < len(frame),
            "data_json": Markup(script_json(data)), "script": _script()}
    path = run_dir / name
    path.write_text(render("list.html.j2", view), encoding="utf-8")
    return path


def positions_text(countries) -> str:
    """['US', '', 'CN;US'] -> '1 US; 2 ?; 3 CN,US'."""
    if countries is None or (not isinstance(countries, (list, tuple)) and not hasattr(countries, "__len__")):
        return ""
    return "; ".join(f"{i} {c.replace(';', ',') if c else '?'}" for i, c in enumerate(countries, 1))


def export_frames(paper_rules: pd.DataFrame, papers: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """File name -> the papers one figure counts: for each rule, China policy and dual-strings
    setting, the rows of agg_paper_rules with the rule's flag set (for each year as many as the
    figure; fractional: those with weight on both sides, whose weights add up to the figure).

    papers: paper_id, title, path (the titles and files the lists show)."""
    info = papers.drop_duplicates("paper_id").set_index("paper_id")
    out = {}
    for policy in CHINA_POLICIES:
        for dual in (True, False):
            rows = paper_rules[(paper_rules["china_policy"] == policy) & (paper_rules["dual_strings"] == dual)]
            for rule in RULES:
                if rule not in rows.columns:
                    continue
                hit = rows[rows[rule].astype(bool)].sort_values(["year", "paper_id"])
                frame = pd.DataFrame({
                    "year": hit["year"].astype(int).to_numpy(), "paper_id": hit["paper_id"].to_numpy(),
                    "title": hit["paper_id"].map(info["title"] if "title" in info else {}).to_numpy(),
                    "authors' countries (by position)": [positions_text(c) for c in hit["author_countries"]],
                    "n_authors": hit["n_authors"].astype(int).to_numpy(),
                    "path": hit["paper_id"].map(info["path"] if "path" in info else {}).to_numpy()})
                if rule == "fractional":
                    frame["fractional_weight"] = hit["fractional_weight"].round(6).to_numpy()
                out[export_name(rule, policy, dual)] = frame
    return out


def write_exports(run_dir: Path, paper_rules: pd.DataFrame, papers: pd.DataFrame) -> dict[str, Path]:
    """Every figure's papers as CSV in the run's folder, cells escaped (core.escape)."""
    paths = {}
    for name, frame in export_frames(paper_rules, papers).items():
        path = run_dir / name
        escape.csv_frame(frame).to_csv(path, index=False)
        paths[name] = path
    return paths
