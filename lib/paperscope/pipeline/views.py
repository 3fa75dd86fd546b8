"""What the report reads from the tables (its read-models), gathered into one report.RunReport.

Only the columns the report shows are brought to the driver; the texts of the review
sample's papers are read for those papers alone.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
from pyspark.sql import functions as F

from paperscope.core.timing import timed
from paperscope.counting import agreement
from paperscope.paper.mentions import parse_terms, terms_text
from paperscope.pipeline.run import Run, concurrently
from paperscope.report.audit import AUDIT_COLUMNS
from paperscope.report.review.sample import evidence_text
from paperscope.report.sources import SourcesCompared
from paperscope.report.writer import RunReport, point_latest, versions, write
from paperscope.storage import schemas, tables
from paperscope.storage.spark import library_origins


def inputs_table(run: Run) -> pd.DataFrame:
    """Files found and extraction statuses per year (a null year: a manifest row without a
    4-digit year; corpus files outside <year>/ folders are run.outside, not counted here)."""
    discovered = pd.DataFrame(run.discover(), columns=["year", "files"]).astype({"year": "Int64"})
    try:
        status = run.read("papers").groupBy("year").pivot("status").count().toPandas()
    except FileNotFoundError:
        status = pd.DataFrame(columns=["year"])
    table = discovered.merge(status.astype({"year": "Int64"}), on="year", how="outer")
    counts = [c for c in table.columns if c != "year"]
    return table.fillna({c: 0 for c in counts}).astype({c: "int64" for c in counts})


def audit(run: Run) -> pd.DataFrame:
    papers = run.read("papers").select("paper_id", "year", "title", "path", "status")
    affs = run.read("affiliations", schemas.AFFILIATIONS).drop("year")
    return (papers.join(affs, "paper_id", "left")
            .orderBy("year", "path", "raw", "institution").select(*AUDIT_COLUMNS).toPandas())


def mention_counts(run: Run) -> pd.DataFrame:
    """Term counts per paper (small: one row per paper and term found)."""
    return run.read("mentions", schemas.MENTIONS).select("paper_id", "term", "count_full", "count_body").toPandas()


def author_ties(run: Run) -> pd.DataFrame:
    """Each author's position, name, tie and countries (for the audit)."""
    authors = run.read("authors", schemas.AUTHORS)
    tie = authors["tie"] if "tie" in authors.columns else F.lit(None).cast("string")
    return authors.select("paper_id", "position", "name", tie.alias("tie"), "countries").toPandas()


def sources_compared(run: Run) -> SourcesCompared | None:
    """Each source's count per rule against the run's, on the papers of reconciled years
    (authors with two sources or more); None when no year of the run was reconciled."""
    authors = run.read("authors", schemas.AUTHORS)
    several = authors.where(F.size(F.map_keys("countries_by_source")) >= 2).select("paper_id").distinct()
    rows = (authors.join(several, "paper_id")
            .select("paper_id", "year", "position", "n_authors", "affiliation_countries", "countries_by_source")
            .toPandas())
    if rows.empty:
        return None
    conf = run.cfg.aggregates
    flags = agreement.source_flags(rows, conf.rules, run.cfg.affiliations.china_policy, min_share=conf.min_share,
                                   min_authors=conf.min_authors)
    titles = run.read("papers").select("paper_id", "title").toPandas().drop_duplicates("paper_id")
    split = agreement.disagreements(flags, conf.rules).merge(titles, on="paper_id", how="left")
    split.insert(1, "title", split.pop("title"))
    return SourcesCompared(agreement.agreement(flags, conf.rules), split, run.paper_lists)


def failures(run: Run) -> pd.DataFrame:
    """Papers whose extraction did not succeed: what happened to which file."""
    try:
        papers = run.read("papers")
    except FileNotFoundError:
        return pd.DataFrame(columns=["year", "path", "status", "error"])
    return (papers.where(F.col("status") != "ok")
            .select("year", "path", "status", F.substring("error", 1, 300).alias("error"))
            .orderBy("year", "path").toPandas())


def review_texts(run: Run, ids: list[str]) -> dict:
    """Author block and term snippets of the review sample's papers (their text only)."""
    conf = run.cfg.review
    terms = parse_terms(terms_text(run.cfg.mentions.terms_file))
    names = {t.name for t in terms}
    rows = run.read("papers").where(F.col("paper_id").isin(ids)).select("paper_id", "header_text", "full_text").collect()
    limit = run.cfg.mentions.timeout_seconds
    return {r.paper_id: evidence_text(r.header_text, r.full_text, terms, names, conf.block_chars, conf.snippet_chars,
                                      limit) for r in rows}


def report(run: Run, gate, gold: dict[str, pd.DataFrame] | None = None, message: str | None = None) -> dict:
    """The run's report written from what the tables hold now (passed or failed)."""
    meta = {
        "run_id": run.run_id, "started": run.started, "conf_file": run.conf_file,
        "status": "passed" if gate is not None and gate.success else "failed",
        "message": message, "years": run.years,
        "input": run.input_name,
        "from_metadata": bool(getattr(run, "discovered_from_metadata", False)),
        "warehouse": run.cfg.warehouse.path,
        "china_policy": run.cfg.affiliations.china_policy,
        "mention_scope": run.cfg.mentions.scope,
        "durations": run.durations, "config": run.cfg.as_dict(),
        "papers_refresh": run.papers_refresh.__dict__ if run.papers_refresh else None, "skipped": run.skipped,
        "data_docs": gate.data_docs_index if gate is not None else None,
        "outside_year_folders": run.outside,
        "gate_reused_from": gate.reused_from if gate is not None else None,
        "versions": versions(run.spark.version),
    }
    outcomes = [{"suite": o.suite, "expectation": o.expectation, "column": o.column,
                 "success": o.success, "observed": o.observed} for o in (gate.outcomes if gate else [])]
    run.discover()  # before the threads: it fills run.discovered once
    with timed("report: table reads"):
        read = concurrently(run, {
            "library": lambda: library_origins(run.spark), "inputs": lambda: inputs_table(run),
            "audit": lambda: audit(run), "mentions": lambda: mention_counts(run), "authors": lambda: author_ties(run),
            "failures": lambda: failures(run), "sources": lambda: sources_compared(run),
            "reviews": lambda: tables.read_pandas(run.spark, run.cfg, "reviews", schemas.REVIEWS)})
        meta["library"] = read.pop("library")
        content = RunReport(meta=meta, gate=outcomes, gold=gold, **read, texts=lambda ids: review_texts(run, ids),
                            reports=run.cfg.reports, review=run.cfg.review)
    with timed("report: written (pages, charts, exports)"):
        paths = write(run.run_dir, content)
        point_latest(Path(run.cfg.reports.path), run.run_dir)
    return paths
