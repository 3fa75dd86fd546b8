"""What a run leaves for people: index.html, summary.md, charts, the list pages, the papers
behind each figure, the audit and review CSVs and run.json, beside the GX Data Docs in
reports/<run-id>/.

Written on every run, passed or failed, so that a stopped run explains itself. index.html
puts the answer first (per year, under the headline rule, with its interval and the
published reference), then the charts, then the details; it is one small self-contained
file (charts as data URIs, no script, no CDN) whatever the corpus, because every long list
is a page of its own (report.pages). Every string that came from a PDF or a config is
HTML-escaped on the way in.
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
from paperscope.core.policy import RULES, china_rule
from paperscope.core.settings import Reports, Review
from paperscope.counting.overrides import REVIEW_TABLE_COLUMNS
from paperscope.report.audit import audit_table, per_paper
from paperscope.report.charts import chart_collaboration, chart_rules, chart_terms
from paperscope.report.pages import list_page, positions_text, write_exports
from paperscope.report.render import CSS, Table, cell, relative, render
from paperscope.report.review.sample import STRATUM_WORDS, draw_sample, page_view, script_json, sheet
from paperscope.report.review.stats import error_view
from paperscope.report.sources import SourcesCompared
from paperscope.report.sources import record as sources_record
from paperscope.report.sources import view as sources_view
from paperscope.report.sources import write_csv as sources_csv
from paperscope.report.words import (CAVEATS, GLOSSARY, READABLE, answer, rules_view, scope_words, sentences,
                                     term_sentences)


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


# Rows of a list shown inside index.html before the rest moves to its own page.
INLINE_ROWS = 10


def write(run_dir: Path, report: RunReport) -> dict:
    """Write the run's report files into run_dir; return their paths by kind."""
    meta, settings, review_settings = report.meta, report.reports, report.review
    collab, terms, counts = report.collab, report.terms, report.counts
    run_dir.mkdir(parents=True, exist_ok=True)
    scope, policy = meta["mention_scope"], meta["china_policy"]
    paths = {"html": run_dir / "index.html", "summary": run_dir / "summary.md", "run_json": run_dir / "run.json"}
    aggregates = {"headline_rule": "any_author", "rules": [], "min_share": 1 / 3, "min_authors": 2,
                  **((meta.get("config") or {}).get("aggregates") or {})}
    lists = []
    headline_rule = aggregates["headline_rule"]
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
        per = per_paper(audit_df)
        paths["audit_page"] = list_page(
            run_dir, "audit.html", "Audit: every paper, its affiliations and terms", per, meta["run_id"],
            ["One row per paper: each affiliation string with the institution, country and matching rule it got, "
             "and the terms the paper names (body/full counts). audit.csv has one row per string, with the evidence."],
            "audit.csv", settings.html_rows)
        lists.append({"href": "audit.html", "text": f"Audit: every paper ({len(per):,}), its affiliations and terms",
                      "csv": "audit.csv"})

    paper_rules = report.gold.get("paper_rules") if report.gold else None
    exports = {}
    if paper_rules is not None and not paper_rules.empty:
        titles = (report.audit[["paper_id", "title", "path"]] if report.audit is not None
                  else pd.DataFrame(columns=["paper_id", "title", "path"]))
        exports = write_exports(run_dir, paper_rules, titles)
        paths["exports"] = sorted(str(p) for p in exports.values())
        flags = _flags_table(paper_rules, titles, policy)
        paths["papers_page"] = list_page(
            run_dir, "papers.html", "Every paper under every counting rule", flags, meta["run_id"],
            [f"One row per paper: its authors' countries in order and, for each counting rule, whether it counts "
             f"the paper as US-China ({china_rule(policy)} Strings naming both countries kept). 'undecided': rules "
             "that could count it were its unplaced authors placed. The papers behind each figure, for every "
             "policy and string setting: the papers_<rule>_<policy>_<strings>.csv files."], None, settings.html_rows)
        lists.append({"href": "papers.html", "text": f"Every paper ({len(flags):,}) under every counting rule",
                      "csv": None})

    failures = report.failures
    if failures is not None and len(failures) > INLINE_ROWS:
        escape.csv_frame(failures).to_csv(run_dir / "failures.csv", index=False)
        paths["failures_page"] = list_page(run_dir, "failures.html", "Files not extracted", failures, meta["run_id"],
                                           ["Every input whose text could not be read, with what happened."],
                                           "failures.csv", settings.html_rows)
        lists.append({"href": "failures.html", "text": f"Files not extracted ({len(failures):,})",
                      "csv": "failures.csv"})

    charts = []
    if collab is not None and not collab.empty:
        charts.append((chart_collaboration(collab, run_dir / "collaboration_share.png", policy, settings.min_papers),
                       "Share of papers with US, Chinese and both kinds of authors, per year (n under each year)"))
        paths["chart_collaboration"] = charts[-1][0]
    if counts and not counts["rules"].empty:
        charts.append((chart_rules(counts["rules"], run_dir / "rules_share.png", policy, aggregates["headline_rule"],
                                   settings.references, settings.min_papers),
                       "US-China share under each counting rule, one panel per year; the dashed line is the "
                       "published reference"))
        paths["chart_rules"] = charts[-1][0]
    if terms is not None and not terms.empty:
        charts.append((chart_terms(terms, run_dir / "top_terms.png", settings.top_terms, policy),
                       f"Top terms by author-country group ({scope} scope): papers naming each, and using it"))
        paths["chart_terms"] = charts[-1][0]

    gate_df = pd.DataFrame(report.gate, columns=["suite", "expectation", "column", "success", "observed"])
    gate_df["success"] = gate_df["success"].map({True: "pass", False: "FAIL"})
    status_counts = _status_counts(report.inputs)
    answers = (answer(collab, counts, policy, aggregates, settings.references, error["years"] if error else None,
                      settings.min_papers, review_settings.confidence) if collab is not None else [])
    view = view_model(run_dir, meta=meta, inputs=report.inputs, gate_df=gate_df, collab=collab, terms=terms,
                      audit_df=audit_df, records=records, failures=failures, charts=charts,
                      status_counts=status_counts, settings=settings)
    # Newest year first: the year a reader asks about is in the first screen whatever the span.
    view["answers"] = [a for a in reversed(answers) if not a["small"]]
    view["small_answers"] = [a for a in reversed(answers) if a["small"]]
    view["lead"] = answers[0]["rule_sentence"] if answers else ""
    view["caveats"] = CAVEATS if any(a["reference"] for a in answers) else []
    view["lists"] = lists
    view["exports"] = sorted(exports)
    view["headline_error"] = error["sentences"] if error and collab is not None else []
    view["sources"] = sources_view(report.sources, headline_rule)
    view["rules"] = (rules_view(counts, policy, aggregates, settings.references, settings.top_pairs)
                     if counts and not counts["rules"].empty and collab is not None else None)
    if collab is not None:
        view["sentences"] = [a["sentence"] for a in answers]
    paths["summary"].write_text(render("summary.md.j2", view), encoding="utf-8")
    paths["html"].write_text(render("index.html.j2", view), encoding="utf-8")
    record = {**meta, "gate": report.gate, "inputs": report.inputs.to_dict("records"), "status_counts": status_counts,
              "answer": answers,
              "collaboration": None if collab is None else collab.to_dict("records"),
              "term_groups": None if terms is None else terms.to_dict("records"),
              **({k: v.to_dict("records") for k, v in counts.items()} if counts else {}),
              "exports": sorted(exports),
              "sentences": (view["sentences"] if collab is not None else [])
              + (term_sentences(terms, policy) if terms is not None else []),
              "review_sample": [r["paper_id"] for r in records or []], "headline_error": error,
              "sources": sources_record(report.sources)}
    paths["run_json"].write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return {k: v if isinstance(v, list) else str(v) for k, v in paths.items()}


def _flags_table(paper_rules: pd.DataFrame, titles: pd.DataFrame, policy: str) -> pd.DataFrame:
    """papers.html's rows: each paper under this run's policy, strings kept, every rule yes/no."""
    rows = paper_rules[(paper_rules["china_policy"] == policy) & paper_rules["dual_strings"]]
    rows = rows.sort_values(["year", "paper_id"])
    info = titles.drop_duplicates("paper_id").set_index("paper_id")
    out = pd.DataFrame({"year": rows["year"].astype(int).to_numpy(), "paper": rows["paper_id"].str[:12].to_numpy(),
                        "title": rows["paper_id"].map(info["title"]).to_numpy(),
                        "authors' countries": [positions_text(c) for c in rows["author_countries"]]})
    for rule in RULES:
        out[rule] = rows[rule].astype(bool).to_numpy()
    out["fractional weight"] = rows["fractional_weight"].round(3).to_numpy()
    out["undecided"] = [", ".join(r for r in RULES if u[f"unknown_{r}"]) for u in rows.to_dict("records")]
    return out


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
    years = ", ".join(map(str, meta["years"])) or "(none found)"
    return {
        "css": CSS, "run_id": cell(meta["run_id"]), "status": cell(meta["status"]),
        "ok": meta["status"] == "passed", "message": cell(meta.get("message")),
        "title": f"US-China collaboration in conference papers, {years}",
        "started": cell(meta["started"]), "conf_file": cell(meta.get("conf_file") or "(defaults)"),
        "input": cell(meta["input"]), "years": years,
        "from_metadata": bool(meta.get("from_metadata")),
        "china_rule": china_rule(policy), "scope_words": scope_words(scope), "warehouse": cell(meta["warehouse"]),
        "collab": None if collab is None else Table.of(_headline(collab)),
        "sentences": sentences(collab, policy) if collab is not None else [],
        "charts": [_chart(run_dir, png, alt) for png, alt in charts],
        "groups": None if terms is None or terms.empty else Table.of(_groups_table(terms)),
        "mentions_note": _mentions_note(terms, meta),
        "term_sentences": term_sentences(terms, policy) if terms is not None and not terms.empty else [],
        "gate": {"passed": int((gate_df["success"] == "pass").sum()), "total": len(gate_df),
                 "docs": relative(meta.get("data_docs"), run_dir), "table": Table.of(gate_df), "reused_from": reused,
                 "reused_text": (f"No table, discovered file or quality setting changed since run {reused}, whose "
                                 "gate passed: its verdict and Data Docs stand, and GX was not run again.")},
        "records": None if records is None else [_record_view(r) for r in records], "seed": settings.seed,
        "audit": None if audit_df is None else {
            "papers": f"{audit_df['paper_id'].nunique():,}", "rows": f"{len(audit_df):,}"},
        "inputs": Table.of(inputs),
        "outcomes": ", ".join(f"{k} {v:,}" for k, v in status_counts.items()) or "none",
        "failures": None if failures is None or failures.empty else Table.of(failures.head(INLINE_ROWS)),
        "failures_more": 0 if failures is None else max(0, len(failures) - INLINE_ROWS),
        # Files of the corpus folder in no <year>/ folder: named, not read (corpus.outside_years).
        "outside": [cell(p) for p in meta.get("outside_year_folders") or []],
        "durations": Table.of(pd.DataFrame(sorted(meta["durations"].items()), columns=["step", "seconds"])),
        "versions": Table.of(pd.DataFrame(sorted(meta.get("versions", {}).items()), columns=["component", "version"])),
        "config_yaml": yaml.safe_dump(meta["config"], sort_keys=True),
        "glossary": GLOSSARY, "min_papers": settings.min_papers,
    }


def _mentions_note(terms: pd.DataFrame | None, meta: dict) -> str:
    """Why the mentions table is empty, when it is."""
    if terms is not None and not terms.empty:
        return ""
    if meta.get("from_metadata"):
        return ("None: this run read conference metadata (titles, authors, affiliations), not the papers' text, "
                "so there is no text to find a model or architecture in. A run over the PDFs counts them.")
    return "None: no paper of these years names a term of the terms file in the counted scope."


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
    return collab[[c for c in cols if c in collab.columns]].rename(columns=READABLE)


def _groups_table(terms: pd.DataFrame) -> pd.DataFrame:
    """The mentions by group, each count of papers naming a term beside those using it."""
    named_used = [("papers", "named"), ("papers_used", "use it"), ("with_cn", "Chinese authors: named"),
                  ("with_cn_used", "Chinese authors: use it"), ("with_us", "US authors: named"),
                  ("with_us_used", "US authors: use it"), ("with_both", "both: named"),
                  ("with_both_used", "both: use it"), ("with_neither", "other countries: named"),
                  ("with_unknown", "no country: named")]
    cols = [("year", "year"), ("term", "term"), ("kind", "kind"), ("origin", "origin"),
            ("origin_country", "origin country"), *named_used, ("scope", "scope")]
    present = [(c, name) for c, name in cols if c in terms.columns]
    return terms[[c for c, _ in present]].rename(columns=dict(present))


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

