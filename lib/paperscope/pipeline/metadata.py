"""The metadata step: conference metadata instead of PDFs -> papers, affiliations, authors, gate, aggregates.

The metadata's records are what this run "discovered", so the gate counts them like
files; the mentions of those years are emptied (metadata has no text). The four tables
are one unit: a stop between two writes is refused by the gate, never read.
"""
from __future__ import annotations

import json
import logging

import pandas as pd
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from paperscope.core import escape, registry
from paperscope.core.errors import InputError
from paperscope.counting.flags import paper_flags
from paperscope.counting.rules import rules_markdown
from paperscope.counting.tracks import tracks_markdown
from paperscope.paper.matcher import from_config
from paperscope.pipeline.flow import gate_then_aggregate
from paperscope.pipeline.run import Run
from paperscope.sources.metadata.agreement import agreement, agreement_markdown
from paperscope.sources.metadata.rows import STATUS_OK, Read, read_file, year_from_name
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)


def _frame(spark: SparkSession, rows: list[dict], schema) -> DataFrame:
    names = schema.fieldNames()
    return spark.createDataFrame([tuple(r.get(n) for n in names) for r in rows], schema)


def metadata(run: Run) -> Read:
    """Conference metadata -> papers (status 'metadata'), affiliations (source 'metadata'), authors."""
    conf = run.cfg.metadata
    with run.step("metadata"):
        try:
            read = read_file(conf.source, conf.year, conf.format, from_config(run.cfg), run.overrides(),
                             conf.max_record_chars, tuple(run.cfg.sources.precedence))
        except (OSError, ValueError) as exc:
            raise InputError(f"metadata {conf.source}: {exc}") from None
        run.discovered = [(read.stats["year"], read.stats["records"])]
        run.discovered_from_metadata = True
        # Every frame is built (and handed to the JVM) before the first write.
        frames = [("papers", _frame(run.spark, read.papers, schemas.PAPERS)),
                  ("affiliations", _frame(run.spark, read.affiliations, schemas.AFFILIATIONS)),
                  ("authors", _frame(run.spark, read.authors, schemas.AUTHORS)),
                  ("mentions", _frame(run.spark, [], schemas.MENTIONS))]
        assert [name for name, _ in frames] == list(registry.step("metadata").writes)
        tables.write_unit(run.spark, run.cfg, "metadata", run.run_id, frames, run.years)
        return read


def _pdf_flags(run: Run, warehouse: str, years: list[int]) -> pd.DataFrame:
    """Per-paper US/China flags of the PDFs extracted (status ok) in another warehouse,
    or in this one as it was before this run replaces the year."""
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
    conf = run.cfg.metadata
    year = conf.year or year_from_name(conf.source or "")
    pdf = _pdf_flags(run, conf.compare_with, [year]) if conf.compare_with and year else None
    read = metadata(run)
    code = gate_then_aggregate(run)
    parts = [f"# Metadata source of run {run.run_id}\n", escape.md_fence(json.dumps(read.stats, indent=2, default=str))]
    record = {"stats": read.stats}
    if run.counts:
        parts.append("## Counting rules (with_both per rule, share of all papers)\n\n" + rules_markdown(run.counts["rules"]))
        record["rules"] = run.counts["rules"].to_dict("records")
        by_track = run.counts.get("track_rules")
        if by_track is not None and not by_track.empty:
            parts.append("## Per track (with_both per rule, share of the track's papers)\n\n" + tracks_markdown(by_track))
            record["track_rules"] = by_track.to_dict("records")
    run.run_dir.mkdir(parents=True, exist_ok=True)
    if pdf is not None:
        papers = pd.DataFrame(read.papers)
        papers = papers[papers["status"] == STATUS_OK][["paper_id", "title", "source_id"]]
        meta = paper_flags(papers, pd.DataFrame(read.affiliations, columns=schemas.AFFILIATIONS.fieldNames()),
                           run.cfg.affiliations.china_policy)
        summary, diff = agreement(pdf, meta)
        parts.append(agreement_markdown(summary, diff))
        record["agreement"] = summary
        escape.csv_frame(diff).to_csv(run.run_dir / "agreement_disagreements.csv", index=False)
        log.info("PDF vs metadata: %s", summary)
    (run.run_dir / "metadata.md").write_text("\n".join(parts), encoding="utf-8")
    (run.run_dir / "metadata.json").write_text(json.dumps(record, indent=2, default=str), encoding="utf-8")
    return code
