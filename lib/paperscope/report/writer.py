"""What a run leaves for people: index.html, summary.md, charts, the audit and review CSVs
and run.json, beside the GX Data Docs in reports/<run-id>/.

Written on every run, passed or failed, so that a stopped run explains itself. The HTML
is one self-contained file (charts embedded as data URIs, no scripts, no CDN) that opens
offline; every string that came from a PDF or a config is HTML-escaped on the way in.
"""
from __future__ import annotations

import base64
import json
import os
import platform
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml
from markupsafe import Markup

from paperscope.core import escape
from paperscope.core.policy import china_rule, china_words
from paperscope.report import review

# Who counts as what in the tables and sentences.
GROUPS = [("with_cn", "any Chinese author"), ("with_us", "any US author"), ("with_both", "both"),
          ("with_neither", "neither (other countries)"), ("with_unknown", "unknown (no country resolved)")]
# Distributions whose versions a run records (importlib.metadata names).
VERSIONED = ["paperscope", "pyspark", "delta-spark", "great-expectations", "pdfminer.six", "pypdfium2", "pandas",
             "pyarrow", "matplotlib", "PyYAML"]
AUDIT_COLUMNS = ["paper_id", "year", "title", "raw", "institution", "country", "method", "matched", "score",
                 "evidence", "source", "path", "status"]


# ---------------------------------------------------------------------------------------
# Words and numbers
# ---------------------------------------------------------------------------------------


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
    """Per year and term: in how many papers it appears with Chinese and with US authors.

    Both groups for every term (not only the 'other side' of its origin), so a reader can
    compare; a paper with authors from both countries counts in both numbers.
    """
    china = china_words(china_policy)
    out = []
    for r in groups.sort_values(["year", "papers", "term"], ascending=[True, False, True]).itertuples(index=False):
        out.append(f"{r.year}: {r.term} appears in {r.with_cn:,} {_papers(r.with_cn)} with authors from {china} "
                   f"institutions.")
        out.append(f"{r.year}: {r.term} appears in {r.with_us:,} {_papers(r.with_us)} with authors from US "
                   f"institutions.")
    return out


def _papers(n: int) -> str:
    return "paper" if n == 1 else "papers"


def versions(spark_version: str | None = None) -> dict:
    """Versions of Python and of the libraries behind the numbers ('-' when not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for dist in VERSIONED:
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "-"
    if spark_version:
        out["spark (running)"] = spark_version
    return out


# ---------------------------------------------------------------------------------------
# Per-paper views: audit and review sample
# ---------------------------------------------------------------------------------------


def terms_per_paper(mentions: pd.DataFrame | None) -> pd.Series:
    """paper_id -> "Llama 3/4; Qwen 1/1" (count in the body / in the whole text)."""
    if mentions is None or mentions.empty:
        return pd.Series(dtype=object)
    m = mentions.sort_values(["paper_id", "count_body", "term"], ascending=[True, False, True])
    text = m["term"].astype(str) + " " + m["count_body"].astype(str) + "/" + m["count_full"].astype(str)
    return text.groupby(m["paper_id"]).agg("; ".join)


def audit_table(audit: pd.DataFrame, mentions: pd.DataFrame | None, scope: str) -> pd.DataFrame:
    """One row per paper and affiliation row (a paper without any keeps one row), with the
    paper's terms in the given scope. Columns beyond AUDIT_COLUMNS are kept at the end."""
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
    first = AUDIT_COLUMNS + [f"terms_{scope}", "terms (body/full)"]
    return out[first + [c for c in out.columns if c not in first]]


def _paper_records(audit: pd.DataFrame, mentions: pd.DataFrame | None, ids: list[str]) -> list[dict]:
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


# ---------------------------------------------------------------------------------------
# Charts (matplotlib, imported only here: it costs about a second)
# ---------------------------------------------------------------------------------------


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def chart_collaboration(collab: pd.DataFrame, path: Path, china_policy: str) -> Path:
    """Share of papers with US, Chinese and both kinds of authors, by year."""
    plt = _pyplot()
    df = collab.sort_values("year")
    years = [str(y) for y in df["year"]]
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for col, label, style in (("with_both", f"US and {china_words(china_policy)}", "o-"),
                              ("with_us", "any US", "s--"), ("with_cn", f"any {china_words(china_policy)}", "^--")):
        share = 100.0 * df[col] / df["papers"].where(df["papers"] > 0)
        ax.plot(years, share.fillna(0.0), style, label=label)
    for x, (both, n) in enumerate(zip(df["with_both"], df["papers"])):
        ax.annotate(f"{both}/{n}", (x, 100.0 * both / n if n else 0.0), textcoords="offset points", xytext=(0, 6),
                    ha="center", fontsize=8)
    ax.set_ylabel("% of papers")
    ax.set_ylim(0, 100)
    ax.set_title("Papers by author countries, per year")
    ax.legend(fontsize=8, loc="best")
    ax.grid(alpha=0.3)
    return _save_chart(plt, fig, path)


def _save_chart(plt, fig, path: Path) -> Path:
    """A chart's figure laid out, written as PNG and closed (pyplot keeps every open figure)."""
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
    return path


def chart_terms(groups: pd.DataFrame, path: Path, top: int, china_policy: str) -> Path:
    """The most mentioned terms over the run's years, papers per author-country group."""
    plt = _pyplot()
    cols = ["papers", "with_cn", "with_us", "with_both", "with_neither", "with_unknown"]
    total = groups.groupby("term")[cols].sum().sort_values(["papers"], ascending=False).head(max(1, top))
    total = total.iloc[::-1]
    bars = [("with_cn", f"any {china_words(china_policy)}"), ("with_us", "any US"), ("with_both", "both"),
            ("other", "neither / unknown")]
    total["other"] = total["with_neither"] + total["with_unknown"]
    fig, ax = plt.subplots(figsize=(7, 0.5 + 0.45 * max(1, len(total))), dpi=100)
    height = 0.8 / len(bars)
    for i, (col, label) in enumerate(bars):
        ax.barh([y + i * height for y in range(len(total))], total[col], height=height, label=label)
    ax.set_yticks([y + 0.4 - height / 2 for y in range(len(total))])
    ax.set_yticklabels(list(total.index))
    ax.set_xlabel("papers mentioning the term")
    years = sorted(groups["year"].unique())
    ax.set_title(f"Top terms by author-country group ({years[0]}-{years[-1]})" if years else "Top terms")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return _save_chart(plt, fig, path)


def chart_rules(rules: pd.DataFrame, path: Path, china_policy: str, headline: str) -> Path:
    """The US-China share of papers under each counting rule, by year (the run's policy)."""
    plt = _pyplot()
    df = rules[(rules["china_policy"] == china_policy) & rules["dual_strings"]].sort_values("year")
    years = sorted(df["year"].unique())
    fig, ax = plt.subplots(figsize=(7, 3.6), dpi=100)
    for rule, g in df.groupby("rule", sort=False):
        share = g.set_index("year").reindex(years)["share"].fillna(0.0) * 100.0
        ax.plot([str(y) for y in years], share, "o-" if rule == headline else ".--", label=rule,
                linewidth=2.5 if rule == headline else 1.0)
    ax.set_ylabel("% of papers, US and " + china_words(china_policy))
    ax.set_title("US-China papers under each counting rule, per year")
    ax.legend(fontsize=7, loc="best")
    ax.grid(alpha=0.3)
    return _save_chart(plt, fig, path)


def rules_view(counts: dict, china_policy: str, aggregates: dict, references: dict, top_pairs: int) -> dict:
    """The rules table (with_both per rule, both policies, with and without dual strings),
    the published references beside it, the top institution pairs and which rule is which."""
    from paperscope.counting.rules import DESCRIPTIONS

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


# ---------------------------------------------------------------------------------------
# Cells: text for the templates, and CSV cells a spreadsheet will not run
# ---------------------------------------------------------------------------------------


def _cell(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    return str(value)


def _relative(path: str | None, run_dir: Path) -> str | None:
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(run_dir.resolve()).as_posix()
    except ValueError:
        return Path(path).as_uri() if Path(path).is_absolute() else path


_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0;font-size:.9em}td,th{border:1px solid #ccc;padding:2px 6px}
td.n{text-align:right}th{background:#f3f3f3}.ok{color:#0a0}.fail{color:#c00;font-weight:bold}
.paper{border-left:3px solid #8ab;padding-left:.8em;margin:1em 0}pre{background:#f6f6f6;padding:.5em;overflow:auto}
img{max-width:100%}figure{margin:1em 0}"""


# ---------------------------------------------------------------------------------------
# One view model, two templates (data/templates/index.html.j2 and summary.md.j2)
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """A frame as the templates see it: column names, which are numeric, cells as text."""
    columns: list[str]
    numeric: list[bool]
    rows: list[list[str]]

    @classmethod
    def of(cls, df: pd.DataFrame | None) -> "Table | None":
        if df is None:
            return None
        return cls([_cell(c) for c in df.columns], [bool(pd.api.types.is_numeric_dtype(df[c])) for c in df.columns],
                   [[_cell(v) for v in row] for row in df.itertuples(index=False)])


def _template_text(name: str):
    """Templates are read through importlib.resources: under spark-submit the package is a zip."""
    from importlib import resources

    text = resources.files("paperscope").joinpath("data", "templates", name).read_text("utf-8")
    return text, None, lambda: True


def _environment(markdown: bool):
    from jinja2 import Environment, FunctionLoader, StrictUndefined, select_autoescape

    env = Environment(loader=FunctionLoader(_template_text), undefined=StrictUndefined, trim_blocks=True,
                      lstrip_blocks=True, keep_trailing_newline=True,
                      autoescape=False if markdown else select_autoescape(["html", "html.j2"], default=True))
    env.filters["md"] = escape.md_text
    env.filters["code"] = escape.md_code
    env.filters["fence"] = escape.md_fence
    env.filters["thousands"] = lambda n: f"{n:,}"
    return env


def render(template: str, view: dict) -> str:
    """index.html.j2 (autoescaped) or summary.md.j2 (cells through the md filter) from the view."""
    return _environment(markdown=template.endswith(".md.j2")).get_template(template).render(**view)


def _chart(run_dir: Path, png: Path, alt: str) -> dict:
    return {"name": png.relative_to(run_dir).as_posix(), "alt": alt,
            "data": base64.b64encode(png.read_bytes()).decode("ascii")}


def _record_view(r: dict) -> dict:
    """A review-sample paper with every field as text; affiliation gaps shown as '?'."""
    return {
        "title": _cell(r["title"]) or "(no title)", "has_title": bool(_cell(r["title"])),
        "year": _cell(r["year"]), "path": _cell(r["path"]), "status": _cell(r["status"]),
        "short_id": _cell(r["paper_id"])[:12],
        "countries": ",".join(r["countries"]) or "unknown", "countries_or_unknown": ",".join(r["countries"]) or "unknown",
        "affiliations": [{"raw": _cell(a["raw"]), "institution": _cell(a.get("institution") or "?"),
                          "country": _cell(a.get("country") or "?"), "method": _cell(a.get("method")),
                          "source": _cell(a.get("source")), "evidence": _cell(a.get("evidence"))}
                         for a in r["affiliations"]],
        "terms": "; ".join(f"{t['term']} {t['count_body']}/{t['count_full']}" for t in r["terms"]) or "none",
    }


def view_model(run_dir: Path, *, meta, inputs, gate_df, collab, terms, audit_df, records, failures, charts,
               status_counts, settings) -> dict:
    """Everything index.html and summary.md show, computed once: the two only lay it out."""
    policy, scope = meta["china_policy"], meta["mention_scope"]
    reused = meta.get("gate_reused_from")
    return {
        "css": _CSS, "run_id": _cell(meta["run_id"]), "status": _cell(meta["status"]),
        "ok": meta["status"] == "passed", "message": _cell(meta.get("message")),
        "started": _cell(meta["started"]), "conf_file": _cell(meta.get("conf_file") or "(defaults)"),
        "input": _cell(meta["input"]), "years": ", ".join(map(str, meta["years"])) or "(none found)",
        "china_rule": china_rule(policy), "scope_words": scope_words(scope), "warehouse": _cell(meta["warehouse"]),
        "collab": None if collab is None else Table.of(_headline(collab)),
        "sentences": sentences(collab, policy) if collab is not None else [],
        "charts": [_chart(run_dir, png, alt) for png, alt in charts],
        "groups": None if terms is None else Table.of(_groups_table(terms)),
        "term_sentences": term_sentences(terms, policy) if terms is not None and not terms.empty else [],
        "gate": {"passed": int((gate_df["success"] == "pass").sum()), "total": len(gate_df),
                 "docs": _relative(meta.get("data_docs"), run_dir), "table": Table.of(gate_df), "reused_from": reused,
                 "reused_text": (f"No table, discovered file or quality setting changed since run {reused}, whose "
                                 "gate passed: its verdict and Data Docs stand, and GX was not run again.")},
        "records": None if records is None else [_record_view(r) for r in records], "seed": settings.seed,
        "audit": None if audit_df is None else {
            "papers": f"{audit_df['paper_id'].nunique():,}", "rows": f"{len(audit_df):,}",
            "per_paper": Table.of(_audit_per_paper(audit_df))},
        "html_rows": settings.html_rows,
        "inputs": Table.of(inputs),
        "outcomes": ", ".join(f"{k} {v:,}" for k, v in status_counts.items()) or "none",
        "failures": None if failures is None or failures.empty else Table.of(failures),
        # Files of the corpus folder in no <year>/ folder: named, not read (corpus.outside_years).
        "outside": [_cell(p) for p in meta.get("outside_year_folders") or []],
        "durations": Table.of(pd.DataFrame(sorted(meta["durations"].items()), columns=["step", "seconds"])),
        "versions": Table.of(pd.DataFrame(sorted(meta.get("versions", {}).items()), columns=["component", "version"])),
        "config_yaml": yaml.safe_dump(meta["config"], sort_keys=True),
    }


# ---------------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------------


def write(run_dir: Path, meta: dict, *, inputs: pd.DataFrame, gate: list[dict], collab: pd.DataFrame | None,
          terms: pd.DataFrame | None, audit: pd.DataFrame | None, mentions: pd.DataFrame | None = None,
          failures: pd.DataFrame | None = None, settings=None, review_settings=None,
          reviews: pd.DataFrame | None = None, texts=None, counts: dict | None = None) -> dict:
    """Write the run's report files into run_dir; return their paths by kind.

    meta: run_id, started, status, message, conf_file, input, years, warehouse,
    china_policy, mention_scope, durations, config, data_docs, versions.
    audit: papers joined with their affiliation rows (extra columns are kept);
    mentions: paper_id, term, count_full, count_body; failures: papers not 'ok'.
    settings, review_settings: the run's reports and review settings; None: the packaged defaults.
    reviews: the `reviews` table (for the headline's interval); texts(ids) -> {paper_id:
    {"block", "snippets"}} for the review page (review.evidence_text).
    counts: the counting rules' gold tables (rules, institution_pairs, country_fractions).
    """
    if settings is None or review_settings is None:
        from paperscope.core.config import load_config

        defaults = load_config()
        settings, review_settings = settings or defaults.reports, review_settings or defaults.review
    run_dir.mkdir(parents=True, exist_ok=True)
    scope, policy = meta["mention_scope"], meta["china_policy"]
    paths = {"html": run_dir / "index.html", "summary": run_dir / "summary.md", "run_json": run_dir / "run.json"}

    audit_df = records = error = None
    if audit is not None:
        audit_df = audit_table(audit, mentions, scope)
        escape.csv_frame(audit_df).to_csv(run_dir / "audit.csv", index=False)
        paths["audit"] = run_dir / "audit.csv"
        strata = review.paper_strata(audit_df, policy, review_settings.weak_methods)
        picked = dict(review.draw(strata, review_settings.strata, settings.seed))
        records = _paper_records(audit_df, mentions, list(picked))
        for r in records:
            r["stratum"] = picked[r["paper_id"]]
        sheet = review.sheet(records, meta["run_id"], _cell(meta["input"]), policy)
        escape.csv_frame(sheet).to_csv(run_dir / "review_sample.csv", index=False)
        paths["review"] = run_dir / "review_sample.csv"
        stored = reviews if reviews is not None else pd.DataFrame(columns=review.REVIEW_TABLE_COLUMNS)
        error = review.error_view(stored, strata, audit_df, policy, review_settings)
        paths["review_page"] = _review_page(run_dir, meta, sheet, records, texts, error, settings, review_settings)

    charts = []
    if collab is not None and not collab.empty:
        charts.append((chart_collaboration(collab, run_dir / "collaboration_share.png", policy),
                       "Share of papers with US, Chinese and both, by year"))
        paths["chart_collaboration"] = charts[-1][0]
    if terms is not None and not terms.empty:
        charts.append((chart_terms(terms, run_dir / "top_terms.png", settings.top_terms, policy),
                       f"Top terms by author-country group ({scope} scope)"))
        paths["chart_terms"] = charts[-1][0]

    aggregates = (meta.get("config") or {}).get("aggregates") or {"headline_rule": "any_author", "rules": []}
    if counts and not counts["rules"].empty:
        at = min(1, len(charts))
        charts.insert(at, (chart_rules(counts["rules"], run_dir / "rules_share.png", policy, aggregates["headline_rule"]),
                           "US-China share under each counting rule, by year"))
        paths["chart_rules"] = charts[at][0]

    gate_df = pd.DataFrame(gate, columns=["suite", "expectation", "column", "success", "observed"])
    gate_df["success"] = gate_df["success"].map({True: "pass", False: "FAIL"})
    status_counts = _status_counts(inputs)
    view = view_model(run_dir, meta=meta, inputs=inputs, gate_df=gate_df, collab=collab, terms=terms,
                      audit_df=audit_df, records=records, failures=failures, charts=charts,
                      status_counts=status_counts, settings=settings)
    view["headline_error"] = error["sentences"] if error and collab is not None else []
    view["rules"] = (rules_view(counts, policy, aggregates, settings.references, settings.top_pairs)
                     if counts and not counts["rules"].empty and collab is not None else None)
    if collab is not None:
        view["sentences"] = headline_sentences(collab, counts, policy, aggregates["headline_rule"])
    paths["summary"].write_text(render("summary.md.j2", view), encoding="utf-8")
    paths["html"].write_text(render("index.html.j2", view), encoding="utf-8")
    record = {**meta, "gate": gate, "inputs": inputs.to_dict("records"), "status_counts": status_counts,
              "collaboration": None if collab is None else collab.to_dict("records"),
              "term_groups": None if terms is None else terms.to_dict("records"),
              **({k: v.to_dict("records") for k, v in counts.items()} if counts else {}),
              "sentences": (view["sentences"] if collab is not None else [])
              + (term_sentences(terms, policy) if terms is not None else []),
              "review_sample": [r["paper_id"] for r in records or []], "headline_error": error}
    paths["run_json"].write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


def _review_page(run_dir: Path, meta: dict, sheet: pd.DataFrame, records: list[dict], texts, error: dict,
                 settings, review_settings) -> Path:
    """review.html: the sample with its evidence and a form that saves the filled sheet."""
    found = texts([r["paper_id"] for r in records]) if texts and records else {}
    for r in records:
        found.setdefault(r["paper_id"], {})["terms"] = [(t["term"], f"{t['count_body']}/{t['count_full']}")
                                                        for t in r["terms"]]
    view = {"css": _CSS, "run_id": _cell(meta["run_id"]), "seed": settings.seed,
            "strata": ", ".join(f"{review.STRATUM_WORDS[k]} ({k}) {v}" for k, v in review_settings.strata.items()),
            "papers": review.page_view(sheet, found), "headline": error["sentences"],
            "sheet_json": Markup(review.script_json(sheet.to_dict("records"))),
            "columns_json": Markup(review.script_json(list(sheet.columns))),
            "formula_start_json": Markup(review.script_json(list(escape.FORMULA_START) + ["'"]))}
    path = run_dir / "review.html"
    path.write_text(render("review.html.j2", view), encoding="utf-8")
    return path


def _status_counts(inputs: pd.DataFrame) -> dict:
    """Extraction outcomes over all years: {'ok': 26, 'corrupt': 1, ...}."""
    cols = [c for c in inputs.columns if c not in ("year", "files")]
    return {c: int(inputs[c].sum()) for c in cols if int(inputs[c].sum())}


def _headline(collab: pd.DataFrame) -> pd.DataFrame:
    cols = ["year", "papers", "papers_ok", "with_us", "with_cn", "with_both", "share_both", "with_neither",
            "with_unknown"]
    return collab[[c for c in cols if c in collab.columns]]


def _groups_table(terms: pd.DataFrame) -> pd.DataFrame:
    cols = ["year", "term", "kind", "origin", "origin_country", "papers", "with_cn", "with_us", "with_both",
            "with_neither", "with_unknown", "scope"]
    return terms[[c for c in cols if c in terms.columns]]


def _audit_per_paper(audit_df: pd.DataFrame) -> pd.DataFrame:
    """One row per paper: its affiliation rows folded into one cell."""
    def fold(rows: pd.DataFrame) -> str:
        parts = [f"{r.raw} -> {r.institution or '?'} ({r.country or '?'}, {r.method})"
                 for r in rows.itertuples(index=False) if isinstance(r.raw, str)]
        return " | ".join(parts)

    scope_col = next(c for c in audit_df.columns if c.startswith("terms_") and c != "terms (body/full)")
    first = audit_df.drop_duplicates("paper_id").set_index("paper_id")
    affs = audit_df.groupby("paper_id", sort=False)[["raw", "institution", "country", "method"]].apply(fold)
    countries = audit_df.groupby("paper_id", sort=False)["country"].agg(
        lambda s: ",".join(sorted({c for c in s if isinstance(c, str)})))
    out = pd.DataFrame({"year": first["year"], "title": first["title"], "status": first["status"],
                        "affiliations -> institution (country, rule)": affs, "countries": countries,
                        scope_col: first[scope_col], "terms (body/full)": first["terms (body/full)"]})
    out = out.rename_axis("paper_id").reset_index()
    out["paper_id"] = out["paper_id"].astype(str).str[:12]
    return out.sort_values(["year", "title"], na_position="last")


def point_latest(reports_root: Path, run_dir: Path) -> None:
    """reports/latest -> the newest run (a relative symlink, replaced atomically)."""
    link = reports_root / "latest"
    tmp = reports_root / f".latest-{os.getpid()}"
    try:
        if tmp.is_symlink():
            tmp.unlink()
        tmp.symlink_to(run_dir.name)
        os.replace(tmp, link)
    except OSError:
        (reports_root / "LATEST").write_text(run_dir.name + "\n", encoding="utf-8")
