"""The extract step: bring the papers table in line with the corpus, extracting only what is new.

The papers table is keyed by (paper_id, path, year), paper_id being the sha256 of the
file. A run lists the corpus (path, size, mtime); a file whose path, year, size and mtime
equal its stored row's is trusted and neither read nor hashed; the others are hashed on
the executors, only files whose key is not in the table yet are extracted, and the
years where something was added, changed or removed are rewritten. When nothing
changed, nothing is written. A row extracted by another extractor (paper.pdf.Limits.extractor)
is extracted again.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from types import SimpleNamespace

from pyspark import StorageLevel
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from paperscope.core.settings import Settings
from paperscope.core.timing import timed
from paperscope.paper.pdf.limits import Limits
from paperscope.pipeline import extract as transform
from paperscope.pipeline.run import Run
from paperscope.sources.corpus.duplicates import mark_duplicates
from paperscope.sources.corpus.listing import LISTING, executor_path, local_files, read_files
from paperscope.sources.corpus.tasks import spread_files
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)

KEYS = ["paper_id", "path", "year"]


def extract(run: Run) -> str:
    """Corpus -> papers: text of every new or changed PDF, extracted on the executors."""
    with run.step("extract"):
        run.papers_refresh = refresh_papers(run.spark, run.cfg, run.years)
        return tables.table_ref(run.cfg, "papers")


@dataclass
class PapersRefresh:
    """What the extract step did: files seen, PDFs extracted, rows kept and removed."""
    files: int
    extracted: int
    reused: int
    removed: int
    written: bool
    trusted: int = 0  # files taken by (path, size, mtime), never read


def extraction_tasks(spark: SparkSession, cfg: Settings, files: int) -> int:
    """extract.partitions, or by default one task per file up to max_tasks_per_core per core.

    One file per task lets Spark hand the next PDF to whichever core is free, which
    balances far better than any guess of a PDF's cost from its size.
    """
    ex = cfg.extract
    if ex.partitions:
        return ex.partitions
    return max(1, min(files, ex.max_tasks_per_core * spark.sparkContext.defaultParallelism))


def extraction_input(spark: SparkSession, cfg: Settings):
    """The run's files, ready for transform.extract_papers.

    Files an executor can open (local, file:, dbfs:/) are listed without their bytes and
    spread over the tasks by size; each task reads its files itself, so one unreadable
    file is one row, not a failed job, and no PDF bytes pass through Spark. Other
    file systems (hdfs://, s3a://) fall back to Spark's binaryFile read of the content.
    """
    rows = local_files(cfg)
    if rows is None:
        listed = read_files(spark, cfg, with_content=False)
        fields = listed.schema.fields
        rows = [r.asDict() for r in listed.collect()]
    else:
        fields = LISTING.fields
    local = [executor_path(r["path"]) for r in rows]
    if rows and any(p is None for p in local):
        log.info("some paths are not local: Spark reads the PDF bytes (binaryFile)")
        return read_files(spark, cfg, with_content=True), len(rows), None
    for row, path in zip(rows, local):
        row["local_path"] = path
    mark_duplicates(cfg, rows)
    schema = StructType(fields + [StructField("local_path", StringType(), True),
                                                 StructField("duplicate_of", StringType(), True)])
    return spread_files(spark, rows, schema, extraction_tasks(spark, cfg, len(rows))), len(rows), rows


def _trust_key(row: dict) -> tuple:
    return transform.trust_key(row["path"], row["year"], row["size_bytes"], row.get("modified_ns"))


def unchanged_on_driver(rows: list[dict] | None, known: frozenset, cfg: Settings,
                        trusted: dict | None = None) -> list[dict] | None:
    """The listed files whose key is stored but whose mtime is not (touched, same bytes),
    when every listed local file's key is stored and nothing stored is gone; else None.

    Files trusted by (path, year, size, mtime) are not read. The others, up to
    extract.driver_hash_bytes in all, are hashed by the driver itself (milliseconds for
    the sample), so a re-run over an unchanged corpus runs no extraction job.
    """
    trusted = trusted or {}
    if rows is None or len(rows) != len(known):
        return None
    untrusted = [r for r in rows if transform.trusted_id(r, trusted, r.get("modified_ns")) is None]
    if sum(r["size_bytes"] or 0 for r in untrusted) > cfg.extract.driver_hash_bytes:
        return None
    limits = Limits.from_config(cfg)
    touched = []
    for r in untrusted:
        if r.get("duplicate_of"):
            key = transform.duplicate_id(r["path"])
        else:
            data, got = transform.read_file(r["local_path"], r["path"], limits)
            key = transform.paper_key(r["path"], data, got)
        if (key, r["path"], r["year"]) not in known:
            return None
        touched.append({**r, "paper_id": key})
    return touched


@dataclass
class Stored:
    """What the papers table holds for the run's years, by the current extractor."""
    keys: frozenset  # (paper_id, path, year)
    trusted: dict  # (path, year, size_bytes, modified_ns) -> paper_id


def stored_papers(spark: SparkSession, cfg: Settings, years: list[int]) -> Stored:
    """The keys the papers table holds for these years, and the files it can trust unread.

    extract.reextract (or no table) gives nothing: every file is hashed and extracted.
    """
    if cfg.extract.reextract or tables.version(spark, cfg, "papers") is None:
        return Stored(frozenset(), {})
    extractor = Limits.from_config(cfg).extractor
    rows = tables.local_rows(cfg, "papers", years, [*KEYS, "size_bytes", "modified_ns", "extractor"])
    if rows is not None:
        if rows and "extractor" not in rows[0]:
            return Stored(frozenset(), {})
        rows = [SimpleNamespace(**{"modified_ns": None, **r}) for r in rows if r.get("extractor") == extractor]
        return _stored(rows)
    stored = tables.read_years(spark, cfg, "papers", years)
    if "extractor" not in stored.columns:
        return Stored(frozenset(), {})  # written before the extractor was recorded: everything is extracted again
    mtime = F.col("modified_ns") if "modified_ns" in stored.columns else F.lit(None).cast("long")
    rows = (stored.where(F.col("extractor") == extractor)
            .select(*KEYS, "size_bytes", mtime.alias("modified_ns")).collect())
    return _stored(rows)


def _stored(rows) -> Stored:
    trusted = {transform.trust_key(r.path, r.year, r.size_bytes, r.modified_ns): r.paper_id
               for r in rows if r.modified_ns is not None}
    return Stored(frozenset((r.paper_id, r.path, r.year) for r in rows), trusted)


def refresh_papers(spark: SparkSession, cfg: Settings, years: list[int]) -> PapersRefresh:
    """Bring the papers table's years in line with the corpus, extracting only what is new.

    Only years where a file was added, changed or removed are rewritten (one replace
    each run); when nothing changed nothing is written.
    """
    with timed("extract: corpus listed"):
        files, n_files, rows = extraction_input(spark, cfg)
    with timed("extract: stored keys read"):
        stored = stored_papers(spark, cfg, years)
    known, trusted = stored.keys, stored.trusted
    n_trusted = sum(1 for r in rows if _trust_key(r) in trusted) if rows is not None else 0
    touched = unchanged_on_driver(rows, known, cfg, trusted) if known else None
    if touched is not None:
        if touched:
            _refresh_mtimes(spark, cfg, touched)
        log.info("papers: %d files, all unchanged (%d trusted by path, size and mtime, %d hashed on the driver); "
                 "nothing extracted%s", n_files, n_trusted, len(touched),
                 f", {len(touched)} new mtime(s) recorded" if touched else " or written")
        return PapersRefresh(n_files, 0, n_files, 0, bool(touched), n_trusted)
    log.info("papers: %d files listed, %d trusted by path, size and mtime (not read)", n_files, n_trusted)
    out = (transform.extract_papers(files, Limits.from_config(cfg), known, trusted)
           .persist(StorageLevel.MEMORY_AND_DISK))
    try:
        with timed("extract: PDFs read (the extraction job)"):
            counts = out.groupBy("reused", "year").count().collect()
        extracted = sum(r["count"] for r in counts if not r["reused"])
        reused_by_year = {r["year"]: r["count"] for r in counts if r["reused"]}
        reused = sum(reused_by_year.values())
        known_by_year: dict = {}
        for _, _, year in known:
            known_by_year[year] = known_by_year.get(year, 0) + 1
        removed = len(known) - reused
        # A year with a file that was hashed though stored (a touched file) is rewritten too,
        # so its row takes the new mtime and is trusted on the next run.
        hashed = {r["year"] for r in rows if _trust_key(r) not in trusted} if rows is not None else set()
        changed = sorted({r["year"] for r in counts if not r["reused"]}
                         | {y for y, n in known_by_year.items() if n != reused_by_year.get(y, 0)}
                         | (hashed & set(reused_by_year)),
                         key=lambda y: (y is None, y or 0))
        new = out.where(~F.col("reused")).drop("reused")
        if not known:
            tables.write_years(new, cfg, "papers", years)
        elif changed:
            tables.refresh_years(spark, cfg, "papers", out.where(F.col("reused")), new, KEYS,
                                 [y for y in changed if y is not None], refresh=("modified_ns",))
    finally:
        out.unpersist()
    written = not known or bool(changed)
    result = PapersRefresh(n_files, extracted, reused, removed, written, n_trusted)
    log.info("papers: %d files, %d extracted, %d unchanged, %d removed%s", n_files, extracted, reused, removed,
             "" if written else " (table unchanged, nothing written)")
    return result


def _refresh_mtimes(spark: SparkSession, cfg: Settings, touched: list[dict]) -> None:
    """Record the new mtime of files whose bytes did not change (one replace of their years)."""
    years = sorted({r["year"] for r in touched if r["year"] is not None})
    current = (tables.read_years(spark, cfg, "papers", years).select(*KEYS, "modified_ns")
               if years else spark.createDataFrame([], "paper_id string, path string, year int, modified_ns long"))
    fresh = spark.createDataFrame([(r["paper_id"], r["path"], r["year"], r["modified_ns"]) for r in touched],
                                  "paper_id string, path string, year int, new_ns long")
    on = [current[k].eqNullSafe(fresh[k]) for k in KEYS]
    current = (current.join(fresh, on, "left")
               .select(*[current[k] for k in KEYS], F.coalesce("new_ns", current["modified_ns"]).alias("modified_ns")))
    empty = spark.createDataFrame([], schemas.PAPERS)
    tables.refresh_years(spark, cfg, "papers", current, empty, KEYS, years, refresh=("modified_ns",))

