"""The steps of a run and their order: read -> transform -> write, per step.

Each step reads its inputs from the Delta tables the previous step wrote, so a step can
run on its own (as a Databricks task, say) and nothing is computed twice.
"""
from __future__ import annotations

import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from paperscope.core import escape, registry
from paperscope.core.exitcodes import Exit
from paperscope.paper.mentions import parse_terms, terms_text
from paperscope.pipeline import incremental, progress, transforms
from paperscope.sources import corpus
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)

GATE_FAILED = Exit.GATE_FAILED


@dataclass
class Run:
    """One invocation: its id, config, years and what it measured along the way."""
    spark: SparkSession
    cfg: dict
    conf_file: str | None = None
    run_id: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6])
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    durations: dict = field(default_factory=dict)
    discovered: list[tuple[int | None, int]] | None = None
    papers_refresh: object = None  # incremental.PapersRefresh of the extract step
    skipped: list[str] = field(default_factory=list)  # tables left as they were (inputs unchanged)
    discovered_from_metadata: bool = False
    outside: list[str] = field(default_factory=list)  # corpus files in no <year>/ folder, not read
    counts: dict = field(default_factory=dict)  # the rules' gold tables as pandas, for the report
    rule_frames: tuple[int, dict] | None = None  # (tables.writes(), _rule_frames) when last computed

    def __post_init__(self):
        tables.forget_commits()

    @property
    def run_dir(self) -> Path:
        return Path(self.cfg.reports.path) / self.run_id

    @contextmanager
    def step(self, name: str):
        log.info("step %s: start", name)
        progress.CURRENT["step"] = name
        t0 = time.perf_counter()
        yield
        self.durations[name] = round(time.perf_counter() - t0, 2)
        log.info("step %s: done in %.1f s", name, self.durations[name])

    def discover(self) -> list[tuple[int | None, int]]:
        if self.discovered is None:
            counts = corpus.file_counts(self.spark, self.cfg)
            self.outside = corpus.outside_years(self.spark, self.cfg)
            if self.outside:
                log.warning("%d file(s) in no <year>/ folder of %s, not read: %s", len(self.outside),
                            self.cfg.input.corpus, ", ".join(self.outside))
            self.discovered = sorted(counts, key=lambda r: (r[0] is None, r[0] or 0))
            if not self.discovered:
                source = self.cfg.input.manifest or self.cfg.input.corpus
                years = ", ".join(map(str, self.cfg.input.years)) or "any year"
                outside = f" (only outside <year>/ folders: {', '.join(self.outside)})" if self.outside else ""
                raise corpus.InputError(f"no files matching {self.cfg.input.glob} in {source} for {years}{outside}")
            log.info("discovered %s", ", ".join(f"{y}: {n} files" for y, n in self.discovered))
            empty = sorted(set(self.cfg.input.years) - {y for y, _ in self.discovered})
            if empty:
                log.warning("no files for year(s) %s: those years are left as they are in every table",
                            ", ".join(map(str, empty)))
        return self.discovered

    @property
    def years(self) -> list[int]:
        """The years this run replaces: those selected (or all) that have files."""
        return sorted(y for y, _ in self.discover() if y is not None)

    @property
    def input_name(self) -> str:
        if self.discovered_from_metadata:
            return self.cfg.metadata.source
        return self.cfg.input.manifest or self.cfg.input.corpus

    def read(self, name: str, schema=None) -> DataFrame:
        return tables.read_years(self.spark, self.cfg, name, self.years, schema)


def extract(run: Run) -> str:
    """Corpus -> papers: text of every new or changed PDF, extracted on the executors."""
    with run.step("extract"):
        run.papers_refresh = incremental.refresh_papers(run.spark, run.cfg, run.years)
        return tables.table_ref(run.cfg, "papers")


def _state(run: Run, step: str) -> dict:
    """What step `step` would be built from now (see registry.fingerprint)."""
    return incremental.inputs_state(run.spark, run.cfg, step, run.years, registry.step(step).reads)


def _skip(run: Run, state: dict, unit: bool = False) -> bool:
    """True (and logged) when every table of the step was last written from this state
    (and, for a step that writes its tables as one unit, that write was completed)."""
    names = registry.step(state["step"]).writes
    if unit and tables.half_written(run.spark, run.cfg, list(names)):
        return False
    if all(incremental.up_to_date(run.spark, run.cfg, name, state) for name in names):
        log.info("%s: inputs unchanged since the last write, step skipped", ", ".join(names))
        run.skipped.extend(names)
        return True
    return False


def affiliations(run: Run) -> str:
    """papers -> headers (author blocks) -> affiliations, each written to Delta."""
    with run.step("affiliations"):
        # reads papers and reviews: a new or withdrawn correction re-runs the step (registry).
        state = _state(run, "affiliations")
        if not _skip(run, state):
            headers = transforms.resolve_headers(run.read("papers"), run.cfg.affiliations)
            tables.write_years(headers, run.cfg, "headers", run.years, metadata=state)
            fixes, flags = _review_fixes(run)
            read_headers = run.read("headers", schemas.HEADERS)
            out = transforms.affiliation_rows(read_headers)
            if fixes:
                out = transforms.apply_reviews(
                    out, run.spark.createDataFrame(fixes, "raw string, country string, evidence string"))
            if flags:
                out = transforms.apply_paper_reviews(out, read_headers, run.spark.createDataFrame(
                    flags, "paper_id string, country string, present boolean, raw string, evidence string"))
            tables.write_years(out, run.cfg, "affiliations", run.years, metadata=state)
            authors = transforms.author_rows(read_headers, _corrected(fixes), _removed(flags))
            tables.write_years(authors, run.cfg, "authors", run.years, metadata=state)
        return tables.table_ref(run.cfg, "affiliations")


def _review_fixes(run: Run) -> tuple[list[dict], list[dict]]:
    """The reviewers' overrides in force: string corrections, (raw, country, evidence) per
    corrected country, and paper flag overrides, (paper_id, country, present, raw, evidence)
    (review.paper_override_rows); applied to the affiliations (method review) and to the
    authors' countries alike, strings first, then the paper's flags (the last word)."""
    from paperscope.report import review

    stored = tables.read_years(run.spark, run.cfg, "reviews", None, schemas.REVIEWS).toPandas()
    fixes = review.override_rows(review.in_force(stored))
    flags = review.paper_override_rows(review.paper_in_force(stored), run.cfg.affiliations.china_policy)
    if fixes or flags:
        log.info("applying %d reviewed correction(s) of affiliation strings and %d of paper flags", len(fixes),
                 len(flags))
    return fixes, flags


def _corrected(fixes: list[dict]) -> dict[str, list[str]]:
    """affiliation string -> its reviewed countries (for the authors table)."""
    corrected: dict[str, list[str]] = {}
    for fix in fixes:
        corrected.setdefault(fix["raw"], []).append(fix["country"])
    return corrected


def _removed(flags: list[dict]) -> dict[str, set[str]]:
    from paperscope.report.review import removed_countries

    return removed_countries(flags)


def mentions(run: Run) -> str:
    """papers -> mentions."""
    with run.step("mentions"):
        state = _state(run, "mentions")
        if not _skip(run, state):
            text = terms_text(run.cfg.mentions.terms_file)
            limit = run.cfg.mentions.timeout_seconds
            papers = run.read("papers")
            found = transforms.find_mentions(papers, text, limit).persist()
            try:
                out, late = transforms.mentions_timeouts(found, papers)
                for path, term in late:
                    log.warning("mentions: term %r ran past mentions.timeout_seconds=%s s on %s; that term and the "
                                "ones after it are not counted for this paper", term, limit, path)
                # A run with timeouts is not recorded as built from this state: the next run tries again.
                meta = {**state, "timed_out": len(late)} if late else state
                tables.write_years(out, run.cfg, "mentions", run.years, metadata=meta)
            finally:
                found.unpersist()
        return tables.table_ref(run.cfg, "mentions")


def validate(run: Run):
    """The quality gate on what the tables hold now, with Data Docs under the run's folder."""
    from paperscope.quality.gate import gate_key, remember_gate, reusable_gate, run_gate

    with run.step("validate"):
        _check_metadata_unit(run)
        found = run.discover()
        key = gate_key(run.spark, run.cfg, run.years, found)
        if run.cfg.quality.reuse_unchanged:
            previous = reusable_gate(run.cfg, key)
            if previous is not None:
                log.info("quality gate: no table, file or setting changed since run %s, whose gate passed; "
                         "its verdict and Data Docs stand (%s)", previous.reused_from, previous.data_docs_index)
                return previous
        frames = {t: run.read(t, registry.table(t).struct()) for t in registry.step("validate").reads}
        gate = run_gate(
            run.spark,
            discovered=run.spark.createDataFrame(found, schemas.DISCOVERED),
            cfg=run.cfg,
            run_dir=run.run_dir,
            **_consistency(run),
            **frames,
        )
        remember_gate(run.cfg, key, gate, run.run_id)
        return gate


def _check_metadata_unit(run: Run) -> None:
    """Refuse to validate or aggregate tables that a metadata run left half-written."""
    problem = tables.half_written(run.spark, run.cfg, list(registry.step("metadata").writes))
    if problem:
        raise corpus.InputError(f"{problem}; run `paperscope metadata` again (or the PDF pipeline) to rewrite them")


GOLD = registry.step("aggregate").writes


def aggregate(run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Silver -> gold: collaboration per year and mentions by author-country group.

    The gold tables are one unit (tables.write_unit): a run stopped between two of their
    writes leaves the last complete set as what is read back and reported, and the next
    run writes them all again.
    """
    with run.step("aggregate"):
        _check_metadata_unit(run)
        state = _state(run, "aggregate")
        if not _skip(run, state, unit=True):
            countries = transforms.paper_countries(run.read("papers"), run.read("affiliations", schemas.AFFILIATIONS),
                                                   run.cfg.affiliations.china_policy)
            collab = transforms.collaboration(countries)
            text = terms_text(run.cfg.mentions.terms_file)
            groups = transforms.term_groups(countries, run.read("mentions", schemas.MENTIONS), run.cfg.mentions.scope,
                                            transforms.terms_table(run.spark, parse_terms(text)))
            frames = [("collaboration", collab), ("term_groups", groups)]
            frames += [(name, run.spark.createDataFrame(frame, _RULE_SCHEMAS[name]))
                       for name, frame in _rule_frames(run).items() if name != "consistency"]
            assert [name for name, _ in frames] == list(GOLD)
            tables.write_unit(run.spark, run.cfg, "gold", run.run_id, frames, run.years, metadata=state)

        def gold(name: str) -> DataFrame:
            return tables.read_unit(run.spark, run.cfg, name, list(GOLD), run.years)

        run.counts = {name: gold(name).toPandas().sort_values(_RULE_ORDER[name]).reset_index(drop=True)
                      for name in _RULE_ORDER}
        return (gold("collaboration").orderBy("year").toPandas(),
                gold("term_groups").orderBy("year", F.desc("papers"), "term").toPandas())


_RULE_SCHEMAS = {
    "rules": "year int, rule string, china_policy string, dual_strings boolean, papers long, with_us double, "
             "with_cn double, with_both double, share double",
    "institution_pairs": "year int, us_institution string, cn_institution string, papers long",
    "country_fractions": "year int, country string, fractional_count double",
}
_RULE_ORDER = {"rules": ["year", "china_policy", "dual_strings"], "institution_pairs": ["year", "papers"],
               "country_fractions": ["year", "fractional_count"]}


def _rule_frames(run: Run) -> dict[str, pd.DataFrame]:
    """The counting rules over this run's years (paperscope.counting.rules, pandas on the driver):
    agg_rules, agg_institution_pairs, agg_country_fractions and the gate's consistency frame.

    Computed once while no table is written: the gate checks the very frames that the
    aggregate step then writes."""
    if run.rule_frames is None or run.rule_frames[0] != tables.writes():
        run.rule_frames = (tables.writes(), _count_rules(run))
    return run.rule_frames[1]


def _count_rules(run: Run) -> dict[str, pd.DataFrame]:
    from paperscope.counting import rules

    conf = run.cfg.aggregates
    papers = run.read("papers").select("paper_id", "year", "status").toPandas()
    affs = run.read("affiliations", schemas.AFFILIATIONS).select("paper_id", "year", "raw", "country",
                                                                 "institution").toPandas()
    authors = run.read("authors", schemas.AUTHORS).select("paper_id", "year", "position", "n_authors",
                                                          "affiliation_countries").toPandas()
    wanted = list(dict.fromkeys([*conf.rules, *rules.GATED]))
    # Papers outside a year folder have no year: the gate fails them; no rule counts them,
    # nor a copy of a paper (status duplicate), which is counted at its first path.
    papers = papers[papers["status"] != transforms.DUPLICATE]
    papers, affs, authors = (df[df["year"].notna()].astype({"year": "int64"}) for df in (papers, affs, authors))
    counts = rules.count_rules(papers, affs, authors, rules=wanted, min_share=conf.min_share,
                               min_authors=conf.min_authors)
    fractions = rules.country_fractions(authors)
    counted = rules.counted_papers(papers, affs, authors, conf.headline_rule, run.cfg.affiliations.china_policy,
                                   min_share=conf.min_share, min_authors=conf.min_authors)
    return {"rules": counts[counts["rule"].isin(conf.rules)].reset_index(drop=True), "institution_pairs": rules.institution_pairs(affs, counted, run.cfg.affiliations.china_policy),
            "country_fractions": fractions, "consistency": rules.consistency(counts, fractions, authors)}


def _consistency(run: Run) -> dict:
    """The gate's rule_consistency frame (none for years without a paper)."""
    frame = _rule_frames(run)["consistency"]
    return {"rule_consistency": run.spark.createDataFrame(frame)} if not frame.empty else {}


def _inputs_table(run: Run) -> pd.DataFrame:
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


def _audit(run: Run) -> pd.DataFrame:
    from paperscope.report.writer import AUDIT_COLUMNS

    papers = run.read("papers").select("paper_id", "year", "title", "path", "status")
    affs = run.read("affiliations", schemas.AFFILIATIONS).drop("year")
    return (papers.join(affs, "paper_id", "left")
            .orderBy("year", "path", "raw", "institution").select(*AUDIT_COLUMNS).toPandas())


def _mentions(run: Run) -> pd.DataFrame:
    """Term counts per paper (small: one row per paper and term found)."""
    return run.read("mentions", schemas.MENTIONS).select("paper_id", "term", "count_full", "count_body").toPandas()


def _failures(run: Run) -> pd.DataFrame:
    """Papers whose extraction did not succeed: what happened to which file."""
    try:
        papers = run.read("papers")
    except FileNotFoundError:
        return pd.DataFrame(columns=["year", "path", "status", "error"])
    return (papers.where(F.col("status") != "ok")
            .select("year", "path", "status", F.substring("error", 1, 300).alias("error"))
            .orderBy("year", "path").toPandas())


def _review_texts(run: Run, ids: list[str]) -> dict:
    """Author block and term snippets of the review sample's papers (their text only)."""
    from paperscope.report.review import evidence_text

    conf = run.cfg.review
    terms = parse_terms(terms_text(run.cfg.mentions.terms_file))
    names = {t.name for t in terms}
    rows = run.read("papers").where(F.col("paper_id").isin(ids)).select("paper_id", "header_text", "full_text").collect()
    limit = run.cfg.mentions.timeout_seconds
    return {r.paper_id: evidence_text(r.header_text, r.full_text, terms, names, conf.block_chars, conf.snippet_chars,
                                      limit) for r in rows}


def report(run: Run, gate, collab=None, terms=None, message: str | None = None) -> dict:
    from paperscope.report.writer import point_latest, versions, write
    from paperscope.storage.spark import library_origins

    meta = {
        "run_id": run.run_id, "started": run.started, "conf_file": run.conf_file,
        "status": "passed" if gate is not None and gate.success else "failed",
        "message": message, "years": run.years,
        "input": run.input_name,
        "warehouse": run.cfg.warehouse.path,
        "china_policy": run.cfg.affiliations.china_policy,
        "mention_scope": run.cfg.mentions.scope,
        "durations": run.durations, "config": run.cfg.as_dict(),
        "papers_refresh": run.papers_refresh.__dict__ if run.papers_refresh else None, "skipped": run.skipped,
        "data_docs": gate.data_docs_index if gate is not None else None,
        "outside_year_folders": run.outside,
        "gate_reused_from": gate.reused_from if gate is not None else None,
        "versions": versions(run.spark.version),
        "library": library_origins(run.spark),
    }
    outcomes = [{"suite": o.suite, "expectation": o.expectation, "column": o.column,
                 "success": o.success, "observed": o.observed} for o in (gate.outcomes if gate else [])]
    paths = write(run.run_dir, meta, inputs=_inputs_table(run), gate=outcomes, collab=collab, terms=terms,
                  audit=_audit(run), mentions=_mentions(run), failures=_failures(run), settings=run.cfg.reports,
                  review_settings=run.cfg.review, texts=lambda ids: _review_texts(run, ids),
                  reviews=tables.read_years(run.spark, run.cfg, "reviews", None, schemas.REVIEWS).toPandas(),
                  counts=run.counts or None)
    point_latest(Path(run.cfg.reports.path), run.run_dir)
    return paths


def validate_and_report(run: Run) -> int:
    """The gate alone, with its report: 0 passed, 1 failed."""
    gate = validate(run)
    report(run, gate, message=None if gate.success else gate.describe_failures())
    return 0 if gate.success else GATE_FAILED


def run_all(run: Run) -> int:
    """The whole pipeline. Returns the process exit code (0 passed, 1 gate failed)."""
    extract(run)
    affiliations(run)
    mentions(run)
    return gate_then_aggregate(run)


def gate_then_aggregate(run: Run) -> int:
    """Aggregates only behind a passed gate; the report is written either way."""
    gate = validate(run)
    if not gate.success:
        message = "quality gate failed, aggregates not written:\n" + gate.describe_failures()
        log.error(message)
        report(run, gate, message=message)
        return GATE_FAILED
    collab, terms = aggregate(run)
    report(run, gate, collab, terms)
    return 0


def _frame(spark: SparkSession, rows: list[dict], schema) -> DataFrame:
    names = schema.fieldNames()
    return spark.createDataFrame([tuple(r.get(n) for n in names) for r in rows], schema)


def metadata(run: Run):
    """Conference metadata -> papers (status 'metadata') and affiliations (source 'metadata').

    The metadata's records are what this run "discovered", so the gate counts them like
    files; the mentions of those years are emptied (metadata has no text).
    """
    from paperscope.paper.matcher import from_config
    from paperscope.sources import metadata as md

    conf = run.cfg.metadata
    with run.step("metadata"):
        fixes, flags = _review_fixes(run)
        try:
            read = md.read_file(conf.source, conf.year, conf.format, from_config(run.cfg), _corrected(fixes),
                                conf.max_record_chars)
        except (OSError, ValueError) as exc:
            raise corpus.InputError(f"metadata {conf['source']}: {exc}") from None
        run.discovered = [(read.stats["year"], read.stats["records"])]
        run.discovered_from_metadata = True
        read = _reviewed_metadata(read, fixes, flags)
        # Every frame is built (and handed to the JVM) before the first write, and the four
        # tables are one unit: a stop between two writes is refused by the gate, never read.
        frames = [("papers", _frame(run.spark, read.papers, schemas.PAPERS)),
                  ("affiliations", _frame(run.spark, read.affiliations, schemas.AFFILIATIONS)),
                  ("authors", _frame(run.spark, read.authors, schemas.AUTHORS)),
                  ("mentions", _frame(run.spark, [], schemas.MENTIONS))]
        assert [name for name, _ in frames] == list(registry.step("metadata").writes)
        tables.write_unit(run.spark, run.cfg, "metadata", run.run_id, frames, run.years)
        return read


def _reviewed_metadata(read, fixes: list[dict], flags: list[dict]):
    """The metadata's rows with the reviewers' overrides in force applied as in the
    affiliations step (review.apply_overrides, review.apply_paper_overrides, authors.without);
    the authors' string countries were corrected as they were read (metadata.to_rows)."""
    from dataclasses import replace

    from paperscope.counting.authors import without
    from paperscope.report import review

    if not (fixes or flags):
        return read
    affs = pd.DataFrame(read.affiliations, columns=schemas.AFFILIATIONS.fieldNames())
    if fixes:
        affs = review.apply_overrides(affs, fixes)
    papers = pd.DataFrame(read.papers, columns=schemas.PAPERS.fieldNames())
    papers = papers[papers["status"] == "metadata"][["paper_id", "year"]]
    affs = review.apply_paper_overrides(affs, papers, flags)
    rows = affs.astype(object).where(affs.notna(), None).to_dict("records")
    return replace(read, affiliations=rows, authors=without(read.authors, _removed(flags)))


def _pdf_flags(run: Run, warehouse: str, years: list[int]) -> pd.DataFrame:
    """Per-paper US/China flags of the PDFs extracted (status ok) in another warehouse,
    or in this one as it was before this run replaces the year."""
    from paperscope.sources.metadata import paper_flags

    other = run.cfg.with_values({"warehouse.path": warehouse})
    papers = (tables.read_years(run.spark, other, "papers", years, schemas.PAPERS)
              .where(F.col("status") == "ok").select("paper_id", "title", "source_id").toPandas())
    affs = (tables.read_years(run.spark, other, "affiliations", years, schemas.AFFILIATIONS)
            .select("paper_id", "raw", "country").toPandas())
    return paper_flags(papers, affs, run.cfg.affiliations.china_policy)


def run_metadata(run: Run) -> int:
    """Metadata instead of PDFs: metadata, gate, aggregates, report, plus metadata.md
    (read counts, the paperlists country cross-check and, with metadata.compare_with,
    the paper-by-paper agreement with PDF headers)."""
    import json

    from paperscope.sources import metadata as md

    conf = run.cfg.metadata
    year = conf.year or md.year_from_name(conf.source or "")
    pdf = _pdf_flags(run, conf.compare_with, [year]) if conf.compare_with and year else None
    read = metadata(run)
    code = gate_then_aggregate(run)
    parts = [f"# Metadata source of run {run.run_id}\n", escape.md_fence(json.dumps(read.stats, indent=2, default=str))]
    record = {"stats": read.stats}
    if run.counts:
        from paperscope.counting.rules import rules_markdown

        parts.append("## Counting rules (with_both per rule, share of all papers)\n\n" + rules_markdown(run.counts["rules"]))
        record["rules"] = run.counts["rules"].to_dict("records")
    if pdf is not None:
        papers = pd.DataFrame(read.papers)
        papers = papers[papers["status"] == md.STATUS_OK][["paper_id", "title", "source_id"]]
        meta = md.paper_flags(papers, pd.DataFrame(read.affiliations, columns=schemas.AFFILIATIONS.fieldNames()),
                              run.cfg.affiliations.china_policy)
        summary, diff = md.agreement(pdf, meta)
        parts.append(md.agreement_markdown(summary, diff))
        record["agreement"] = summary
        run.run_dir.mkdir(parents=True, exist_ok=True)
        escape.csv_frame(diff).to_csv(run.run_dir / "agreement_disagreements.csv", index=False)
        log.info("PDF vs metadata: %s", summary)
    run.run_dir.mkdir(parents=True, exist_ok=True)
    (run.run_dir / "metadata.md").write_text("\n".join(parts), encoding="utf-8")
    (run.run_dir / "metadata.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return code
