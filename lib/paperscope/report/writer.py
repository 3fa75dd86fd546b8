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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml
from markupsafe import Markup

from paperscope.core import escape
from paperscope.core.config import load_config
from paperscope.core.policy import china_rule
from paperscope.core.settings import Reports, Review
from paperscope.counting.overrides import REVIEW_TABLE_COLUMNS
from paperscope.report.audit import audit_table, per_paper
from paperscope.report.charts import chart_collaboration, chart_rules, chart_terms
from paperscope.report.render import CSS, Table, cell, relative, render
from paperscope.report.review.sample import STRATUM_WORDS, draw_sample, page_view, script_json, sheet
from paperscope.report.review.stats import error_view
from paperscope.report.sources import SourcesCompared
from paperscope.report.sources import record as sources_record
from paperscope.report.sources import view as sources_view
from paperscope.report.sources import write_csv as sources_csv
from paperscope.report.words import headline_sentences, rules_view, scope_words, sentences, term_sentences


@dataclass(frozen=True)
class RunReport:
    """Everything a run's report shows, gathered once (pipeline.views) and laid out here.

    meta: run_id, started, status, message, conf_file, input, years, warehouse,
    china_policy, mention_scope, durations, config, data_docs, versions.
    gold: the gold tables as pandas (collaboration, term_groups, rules, institution_pairs,
    country_fractions); None when the gate stopped the aggregates.
    audit: papers joined with their affiliation rows (extra columns are kept);
    mentions: paper_id, term, count_full, count_body; failures: papers not 'ok'.
    reviews: the `reviews` table (for the headline's interval); texts(ids) -> {paper_id:
    {"block", "snippets"}} for the review page (review.sample.evidence_text).
    """
    meta: dict
    inputs: pd.DataFrame
    gate: list[dict] = field(default_factory=list)
    gold: dict[str, pd.DataFrame] | None = None
    audit: pd.DataFrame | None = None
    mentions: pd.DataFrame | None = None
    authors: pd.DataFrame | None = None  # position, name, tie, countries per paper
    failures: pd.DataFrame | None = None
    reviews: pd.DataFrame | None = None
    texts: Callable[[list[str]], dict] | None = None
    sources: SourcesCompared | None = None  # the sources of reconciled years compared (report.sources)
    reports: Reports = field(default_factory=lambda: load_config().reports)
    review: Review = field(default_factory=lambda: load_config().review)

    @property
    def collab(self) -> pd.DataFrame | None:
        return None if self.gold is None else self.gold.get("collaboration")

    @property
    def terms(self) -> pd.DataFrame | None:
        return None if self.gold is None else self.gold.get("term_groups")

    @property
    def counts(self) -> dict | None:
        """The counting rules' gold tables (rules, institution_pairs, country_fractions, track_rules), when written."""
        if not self.gold or "rules" not in self.gold:
            return None
        return {k: self.gold[k] for k in ("rules", "institution_pairs", "country_fractions", "track_rules")
                if k in self.gold}


def write(run_dir: Path, report: RunReport) -> dict:
    """Write the run's report files into run_dir; return their paths by kind."""
    meta, settings, review_settings = report.meta, report.reports, report.review
    collab, terms, counts = report.collab, report.terms, report.counts
    run_dir.mkdir(parents=True, exist_ok=True)
    scope, policy = meta["mention_scope"], meta["china_policy"]
    paths = {"html": run_dir / "index.html", "summary": run_dir / "summary.md", "run_json": run_dir / "run.json"}
    headline_rule = ((meta.get("config") or {}).get("aggregates") or {}).get("headline_rule", "any_author")
    disagree = set()
    if report.sources is not None:
        paths["sources"] = sources_csv(run_dir, report.sources)
        disagree = report.sources.stratum(headline_rule)

    audit_df = records = error = None
    if report.audit is not None:
        audit_df = audit_table(report.audit, report.mentions, scope, report.authors)
        escape.csv_frame(audit_df).to_csv(run_dir / "audit.csv", index=False)
        paths["audit"] = run_dir / "audit.csv"
        strata, records = draw_sample(audit_df, report.mentions, policy, review_settings, settings.seed, disagree)
        drawn = sheet(records, meta["run_id"], cell(meta["input"]), policy)
        escape.csv_frame(drawn).to_csv(run_dir / "review_sample.csv", index=False)
        paths["review"] = run_dir / "review_sample.csv"
        stored = report.reviews if report.reviews is not None else pd.DataFrame(columns=REVIEW_TABLE_COLUMNS)
        error = error_view(stored, strata, audit_df, policy, review_settings)
        paths["review_page"] = _review_page(run_dir, meta, drawn, records, report.texts, error, settings,
                                            review_settings)

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

    gate_df = pd.DataFrame(report.gate, columns=["suite", "expectation", "column", "success", "observed"])
    gate_df["success"] = gate_df["success"].map({True: "pass", False: "FAIL"})
    status_counts = _status_counts(report.inputs)
    view = view_model(run_dir, meta=meta, inputs=report.inputs, gate_df=gate_df, collab=collab, terms=terms,
                      audit_df=audit_df, records=records, failures=report.failures, charts=charts,
                      status_counts=status_counts, settings=settings)
    view["headline_error"] = error["sentences"] if error and collab is not None else []
    view["sources"] = sources_view(report.sources, headline_rule)
    view["rules"] = (rules_view(counts, policy, aggregates, settings.references, settings.top_pairs)
                     if counts and not counts["rules"].empty and collab is not None else None)
    if collab is not None:
        view["sentences"] = headline_sentences(collab, counts, policy, aggregates["headline_rule"])
    paths["summary"].write_text(render("summary.md.j2", view), encoding="utf-8")
    paths["html"].write_text(render("index.html.j2", view), encoding="utf-8")
    record = {**meta, "gate": report.gate, "inputs": report.inputs.to_dict("records"), "status_counts": status_counts,
              "collaboration": None if collab is None else collab.to_dict("records"),
              "term_groups": None if terms is None else terms.to_dict("records"),
              **({k: v.to_dict("records") for k, v in counts.items()} if counts else {}),
              "sentences": (view["sentences"] if collab is not None else [])
              + (term_sentences(terms, policy) if terms is not None else []),
              "review_sample": [r["paper_id"] for r in records or []], "headline_error": error,
              "sources": sources_record(report.sources)}
    paths["run_json"].write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return {k: str(v) for k, v in paths.items()}


def _chart(run_dir: Path, png: Path, alt: str) -> dict:
    return {"name": png.relative_to(run_dir).as_posix(), "alt": alt,
            "data": base64.b64encode(png.read_bytes()).decode("ascii")}


def _record_view(r: dict) -> dict:
    """A review-sample paper with every field as text; affiliation gaps shown as '?'."""
    return {
        "title": cell(r["title"]) or "(no title)", "has_title": bool(cell(r["title"])),
        "year": cell(r["year"]), "path": cell(r["path"]), "status": cell(r["status"]),
        "short_id": cell(r["paper_id"])[:12],
        "countries": ",".join(r["countries"]) or "unknown", "countries_or_unknown": ",".join(r["countries"]) or "unknown",
        "affiliations": [{"raw": cell(a["raw"]), "institution": cell(a.get("institution") or "?"),
                          "country": cell(a.get("country") or "?"), "method": cell(a.get("method")),
                          "source": cell(a.get("source")), "evidence": cell(a.get("evidence"))}
                         for a in r["affiliations"]],
        "terms": "; ".join(f"{t['term']} {t['count_body']}/{t['count_full']}" for t in r["terms"]) or "none",
    }


def view_model(run_dir: Path, *, meta, inputs, gate_df, collab, terms, audit_df, records, failures, charts,
               status_counts, settings) -> dict:
    """Everything index.html and summary.md show, computed once: the two only lay it out."""
    policy, scope = meta["china_policy"], meta["mention_scope"]
    reused = meta.get("gate_reused_from")
    return {
        "css": CSS, "run_id": cell(meta["run_id"]), "status": cell(meta["status"]),
        "ok": meta["status"] == "passed", "message": cell(meta.get("message")),
        "started": cell(meta["started"]), "conf_file": cell(meta.get("conf_file") or "(defaults)"),
        "input": cell(meta["input"]), "years": ", ".join(map(str, meta["years"])) or "(none found)",
        "china_rule": china_rule(policy), "scope_words": scope_words(scope), "warehouse": cell(meta["warehouse"]),
        "collab": None if collab is None else Table.of(_headline(collab)),
        "sentences": sentences(collab, policy) if collab is not None else [],
        "charts": [_chart(run_dir, png, alt) for png, alt in charts],
        "groups": None if terms is None else Table.of(_groups_table(terms)),
        "term_sentences": term_sentences(terms, policy) if terms is not None and not terms.empty else [],
        "gate": {"passed": int((gate_df["success"] == "pass").sum()), "total": len(gate_df),
                 "docs": relative(meta.get("data_docs"), run_dir), "table": Table.of(gate_df), "reused_from": reused,
                 "reused_text": (f"No table, discovered file or quality setting changed since run {reused}, whose "
                                 "gate passed: its verdict and Data Docs stand, and GX was not run again.")},
        "records": None if records is None else [_record_view(r) for r in records], "seed": settings.seed,
        "audit": None if audit_df is None else {
            "papers": f"{audit_df['paper_id'].nunique():,}", "rows": f"{len(audit_df):,}",
            "per_paper": Table.of(per_paper(audit_df))},
        "html_rows": settings.html_rows,
        "inputs": Table.of(inputs),
        "outcomes": ", ".join(f"{k} {v:,}" for k, v in status_counts.items()) or "none",
        "failures": None if failures is None or failures.empty else Table.of(failures),
        # Files of the corpus folder in no <year>/ folder: named, not read (corpus.outside_years).
        "outside": [cell(p) for p in meta.get("outside_year_folders") or []],
        "durations": Table.of(pd.DataFrame(sorted(meta["durations"].items()), columns=["step", "seconds"])),
        "versions": Table.of(pd.DataFrame(sorted(meta.get("versions", {}).items()), columns=["component", "version"])),
        "config_yaml": yaml.safe_dump(meta["config"], sort_keys=True),
    }


def _review_page(run_dir: Path, meta: dict, drawn: pd.DataFrame, records: list[dict], texts, error: dict,
                 settings, review_settings) -> Path:
    """review.html: the sample with its evidence and a form that saves the filled sheet."""
    found = texts([r["paper_id"] for r in records]) if texts and records else {}
    for r in records:
        found.setdefault(r["paper_id"], {})["terms"] = [(t["term"], f"{t['count_body']}/{t['count_full']}")
                                                        for t in r["terms"]]
    view = {"css": CSS, "run_id": cell(meta["run_id"]), "seed": settings.seed,
            "strata": ", ".join(f"{STRATUM_WORDS[k]} ({k}) {v}" for k, v in review_settings.strata.items()),
            "papers": page_view(drawn, found), "headline": error["sentences"],
            "sheet_json": Markup(script_json(drawn.to_dict("records"))),
            "columns_json": Markup(script_json(list(drawn.columns))),
            "formula_start_json": Markup(script_json(list(escape.FORMULA_START) + ["'"]))}
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
    cols = ["year", "term", "kind", "origin", "origin_country", "papers", "papers_used", "with_cn", "with_cn_used",
            "with_us", "with_us_used", "with_both", "with_both_used", "with_neither", "with_unknown", "scope"]
    return terms[[c for c in cols if c in terms.columns]]


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


# Distributions whose versions a run records (importlib.metadata names).
VERSIONED = ["paperscope", "pyspark", "delta-spark", "great-expectations", "pdfminer.six", "pypdfium2", "pandas",
             "pyarrow", "matplotlib", "PyYAML"]


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

