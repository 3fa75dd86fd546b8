"""The pipeline's transforms: plain DataFrame -> DataFrame functions, no IO.

The per-paper work (pdfminer, header parsing, term counting) is plain Python from
pdf/header/mentions, run on the executors through mapInPandas in bounded Arrow batches.
"""
from __future__ import annotations

import hashlib
import logging
from typing import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StructField, StructType

from paperscope.core import policy
from paperscope.storage import schemas

log = logging.getLogger(__name__)


def extract_papers(files: DataFrame, limits, known: frozenset = frozenset(), trusted: dict | None = None) -> DataFrame:
    """Input files -> papers (bronze) rows, plus a "reused" flag.

    files: path, year, size_bytes, title_hint, source_id, and either content (bytes read
    by Spark) or local_path (a path the executor opens itself; None when it cannot). Each
    PDF is extracted in a forked child under limits (pdf.Sandbox, one child per Python worker
    for many PDFs), so a hung or crashing pdfminer call becomes a row, never a failed or hung task. A file whose
    (sha256, path, year) is in known is not extracted again: its row comes back with reused=True
    and no text, for the caller to keep the stored row. A file whose (path, year, size_bytes,
    modified_ns) is a key of trusted is not even read: its stored paper_id is taken as is.
    """
    trusted = dict(trusted or {})

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import logging

        from paperscope.paper import pdf
        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        log = logging.getLogger("paperscope.extract")
        for batch in batches:
            rows = []
            for rec in batch.to_dict("records"):
                rows.append({**_EMPTY_ROW, **_extract_one(rec, limits, known, pdf, log, trusted)})
            yield pd.DataFrame(rows, columns=_EXTRACTED.fieldNames()).astype({"n_pages": "Int32", "year": "Int32", "modified_ns": "Int64"})

    source = "content" if "content" in files.columns else "local_path"
    cols = ["path", "year", "size_bytes", source, "title_hint", "source_id"]
    cols += ["duplicate_of"] if "duplicate_of" in files.columns else []
    if "modified_ns" not in files.columns:
        files = files.withColumn("modified_ns", F.lit(None).cast("long"))
    cols.append("modified_ns")
    return files.select(*cols).mapInPandas(run, _EXTRACTED)


_EXTRACTED = StructType(schemas.PAPERS.fields + [StructField("reused", BooleanType(), False)])
# Every column present (None where unknown): a batch of reused rows has no text at all.
_EMPTY_ROW = dict.fromkeys(_EXTRACTED.fieldNames())


DUPLICATE = "duplicate"


def duplicate_row(rec: dict, limits) -> dict:
    """The row of a path whose bytes are another path's (corpus.mark_duplicates): no text,
    an id of its own (the paper's id stays with its first path), the first path in error."""
    path = rec["path"]
    return {"paper_id": duplicate_id(path), "year": _year(rec), "path": path, "size_bytes": int(rec["size_bytes"] or 0),
            "status": DUPLICATE, "error": f"same bytes as {rec['duplicate_of']}: one paper, counted there",
            "extractor": limits.extractor, "title": None}


def duplicate_id(path: str) -> str:
    return hashlib.sha256(f"{DUPLICATE}\0{path}".encode()).hexdigest()


def trust_key(path: str, year, size, modified_ns) -> tuple:
    """What a re-run compares before reading a file: (path, year, size, mtime in ns)."""
    return (path, None if year is None or pd.isna(year) else int(year), None if size is None or pd.isna(size)
            else int(size), None if modified_ns is None or pd.isna(modified_ns) else int(modified_ns))


def trusted_id(rec: dict, trusted: dict | None, modified) -> str | None:
    """The stored paper_id of a file trusted by (path, year, size, mtime), unless the file's
    duplicate status changed since (a copy whose first path is gone is read again)."""
    stored = (trusted or {}).get(trust_key(rec["path"], rec["year"], rec["size_bytes"], modified))
    if stored is None or (stored == duplicate_id(rec["path"])) != bool(rec.get("duplicate_of")):
        return None
    return stored


def _extract_one(rec: dict, limits, known: frozenset, pdf, log, trusted: dict | None = None) -> dict:
    """One file -> one row; reads the bytes (content or local path), hashes, extracts.

    size_bytes is the number of bytes read (the file may have changed since it was listed).
    """
    path = rec["path"]
    modified = rec.get("modified_ns")
    modified = None if modified is None or pd.isna(modified) else int(modified)
    if rec.get("duplicate_of"):
        row = duplicate_row(rec, limits)
        return {**row, "modified_ns": modified, "reused": (row["paper_id"], path, row["year"]) in known}
    stored = trusted_id(rec, trusted, modified)
    if stored is not None:
        return {"paper_id": stored, "year": _year(rec), "path": path, "size_bytes": int(rec["size_bytes"]),
                "modified_ns": modified, "status": "ok", "reused": True}
    if "content" in rec:
        data, got = (bytes(rec["content"]) if rec["content"] is not None else b""), None
    else:
        data, got = read_file(rec["local_path"], path, limits)
    digest = paper_key(path, data, got)
    size = len(data) if data is not None else int(rec["size_bytes"] or 0)
    if (digest, path, _year(rec)) in known:
        return {"paper_id": digest, "year": _year(rec), "path": path, "size_bytes": size,
                "modified_ns": modified, "status": got.status if got else "ok", "reused": True}
    if got is None:
        got = pdf.sandbox(limits).extract(data)
    if got.status != "ok":
        log.warning("%s: %s (%s)", path, got.status, got.error)
    hint = rec.get("title_hint")
    return {
        "paper_id": digest,
        "year": _year(rec),
        "path": path,
        "size_bytes": size,
        "n_pages": got.n_pages,
        "title": hint if isinstance(hint, str) and hint else got.title,
        "header_text": got.header_text,
        "header_layout": got.header_layout,
        "extractor": limits.extractor,
        "full_text": got.full_text,
        "status": got.status,
        "error": got.error,
        "extract_seconds": got.extract_seconds,
        "source_id": rec.get("source_id"),
        "body_engine": got.body_engine,
        "body_fallback": got.body_fallback,
        "modified_ns": modified,
        "reused": False,
    }


def read_file(local: str | None, path: str, limits):
    """(bytes, None), or (None, an Extracted saying why the file gives no bytes)."""
    from paperscope.paper import pdf

    if local is None:
        return None, pdf.Extracted(status=pdf.UNREADABLE, error=f"no local path for {path}; use a local, file: or dbfs:/ path")
    try:
        return pdf.read_local(local, limits), None
    except pdf.LimitHit as exc:
        return None, pdf.Extracted(status=exc.status, error=str(exc))
    except OSError as exc:
        return None, pdf.Extracted(status=pdf.UNREADABLE, error=f"cannot read file: {exc.strerror or exc}")


def paper_key(path: str, data: bytes | None, got) -> str:
    """sha256 of the bytes; without bytes, stable per path and problem so a re-run keeps the row."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(f"{got.status}\0{path}".encode()).hexdigest()


def _year(rec: dict):
    return None if pd.isna(rec["year"]) else int(rec["year"])


def resolve_headers(papers: DataFrame, settings: dict | None = None) -> DataFrame:
    """papers -> headers (silver): one row per paper, its author block read and resolved.

    settings: the `affiliations` settings (ror_dump, fuzzy_threshold; the bundled gazetteer and
    the default threshold without them). Each Python worker loads the gazetteer once
    (matcher.load caches it per process), not per batch.
    """
    settings = dict(settings or {})
    gazetteer_args = [settings["ror_dump"], settings["fuzzy_threshold"]] if settings else []

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from paperscope.paper.header import parse
        from paperscope.paper.matcher import load
        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        gaz = load(*gazetteer_args)
        for batch in batches:
            rows = []
            for rec in batch.itertuples(index=False):
                header = parse(rec.header_text, rec.title, gaz, layout=rec.header_layout)
                rows.append({
                    "paper_id": rec.paper_id, "year": rec.year, "title": rec.title,
                    "authors": [{"name": a.name, "markers": a.markers, "affiliations": a.affiliations}
                                for a in header.authors],
                    "affiliations": [{
                        "index": i, "raw": a.raw, "source": a.source, "marker": a.marker,
                        "matches": [{"institution": m.institution, "country": m.country, "method": m.method,
                                     "matched": m.matched, "evidence": m.evidence, "score": float(m.score)}
                                    for m in a.matches],
                    } for i, a in enumerate(header.affiliations)],
                    "emails": header.emails,
                    "countries": header.countries(),
                })
            yield pd.DataFrame(rows, columns=schemas.HEADERS.fieldNames()).astype({"year": "Int32"})

    if "header_layout" not in papers.columns:
        # A papers table written before page one's layout was stored (a step run alone on an
        # old warehouse; a full run extracts such rows again): the text of page one is read.
        log.warning("papers has no header_layout column: headers read from header_text only")
        papers = papers.withColumn("header_layout", F.lit(None).cast("string"))
    ok = papers.where(F.col("status") == "ok").select("paper_id", "year", "title", "header_text", "header_layout")
    return ok.mapInPandas(run, schemas.HEADERS)


def affiliation_rows(headers: DataFrame) -> DataFrame:
    """headers -> affiliations (silver): one row per (paper, affiliation string, match);
    a string that matched nothing is kept with method 'none'."""
    aff = headers.select("paper_id", "year", F.explode("affiliations").alias("a"))
    rows = aff.select("paper_id", "year", "a.raw", "a.source", F.explode_outer("a.matches").alias("m"))
    return rows.select(
        "paper_id", "year", "raw", "source",
        F.col("m.institution").alias("institution"),
        F.col("m.country").alias("country"),
        F.coalesce(F.col("m.method"), F.lit("none")).alias("method"),
        F.coalesce(F.col("m.evidence"), F.lit("no known institution, place or country")).alias("evidence"),
        F.coalesce(F.col("m.score"), F.lit(0.0)).alias("score"),
        F.col("m.matched").alias("matched"),
    )


def apply_reviews(affs: DataFrame, overrides: DataFrame) -> DataFrame:
    """Reviewed corrections (raw, country, evidence; review.override_rows): every row of a
    corrected affiliation string, in any paper, becomes one row per corrected country with
    method `review` and evidence naming the review, so one fix corrects every paper."""
    fixes = F.broadcast(overrides.select("raw", "country", "evidence"))
    strings = fixes.select("raw").distinct()
    kept = affs.join(strings, "raw", "left_anti")
    first = (affs.join(strings, "raw", "left_semi").groupBy("paper_id", "year", "raw")
             .agg(F.min("source").alias("source"), F.min("institution").alias("institution"),
                  F.min("matched").alias("matched")))
    fixed = (first.join(fixes, "raw")
             .withColumn("method", F.lit("review")).withColumn("score", F.lit(1.0)))
    return kept.unionByName(fixed.select(*affs.columns))


def apply_paper_reviews(affs: DataFrame, papers: DataFrame, overrides: DataFrame) -> DataFrame:
    """Paper flag overrides (paper_id, country, present, raw, evidence; review.paper_override_rows),
    after the string corrections: a removed country leaves every row of the paper that had it
    (country null, method review), an added one is a row of its own (source review) for the
    papers of `papers` (paper_id, year)."""
    fixes = F.broadcast(overrides)
    off = fixes.where(~F.col("present")).select("paper_id", "country", F.col("evidence").alias("_why"))
    hit = affs.join(off, ["paper_id", "country"], "left")
    why = F.col("_why").isNotNull()
    kept = (hit.withColumn("country", F.when(why, F.lit(None).cast("string")).otherwise(F.col("country")))
            .withColumn("method", F.when(why, F.lit("review")).otherwise(F.col("method")))
            .withColumn("evidence", F.coalesce("_why", "evidence")).select(*affs.columns))
    added = (fixes.where(F.col("present")).join(papers.select("paper_id", "year"), "paper_id")
             .select("paper_id", "year", "raw", F.lit("review").alias("source"),
                     F.lit(None).cast("string").alias("institution"), "country", F.lit("review").alias("method"),
                     "evidence", F.lit(1.0).alias("score"), F.lit(None).cast("string").alias("matched")))
    return kept.unionByName(added.select(*affs.columns))


def author_rows(headers: DataFrame, corrected: dict[str, list[str]] | None = None,
                removed: dict[str, set[str]] | None = None) -> DataFrame:
    """headers -> authors (silver): one row per (paper, author position), with the countries
    of the strings the header reader linked to that author (paperscope.counting.authors), reviewed
    corrections (affiliation string -> countries) in force applied, then the countries paper
    flag overrides take out of a paper (paper_id -> codes) removed from its authors."""
    corrected = dict(corrected or {})
    removed = dict(removed or {})

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from paperscope.counting.authors import header_rows, without

        for batch in batches:
            rows = [row for rec in batch.itertuples(index=False)
                    for row in without(header_rows(rec.paper_id, rec.year, _plain(rec.authors),
                                                   _plain(rec.affiliations), corrected), removed)]
            yield pd.DataFrame(rows, columns=schemas.AUTHORS.fieldNames()).astype(
                {"year": "Int32", "position": "int32", "n_authors": "int32"})

    return headers.select("paper_id", "year", "authors", "affiliations").mapInPandas(run, schemas.AUTHORS)


def _plain(value) -> list[dict]:
    """An Arrow list of structs (numpy arrays of dicts) as plain lists of dicts."""
    if value is None:
        return []
    out = []
    for item in value:
        item = dict(item)
        out.append({k: (list(v) if hasattr(v, "__len__") and not isinstance(v, (str, dict)) else v)
                    for k, v in item.items()})
    return out


def find_mentions(papers: DataFrame, terms_yaml: str, timeout_s: float = 0) -> DataFrame:
    """papers -> mentions (silver): one row per (paper, term) found, counted in two scopes.

    The terms travel as YAML text so executors need no access to the driver's files. A
    paper whose matching runs past timeout_s gets one row for the term that ran out with
    both counts -1 (TIMED_OUT); mentions_timeouts() takes those out and names them.
    """

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from paperscope.paper.mentions import TermTimeout, count_terms, parse_terms
        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        terms = parse_terms(terms_yaml)
        for batch in batches:
            rows = []
            for rec in batch.itertuples(index=False):
                try:
                    found = count_terms(rec.full_text or "", terms, timeout_s)
                except TermTimeout as exc:
                    found = exc.counts + [(exc.term, TIMED_OUT, TIMED_OUT)]
                rows.extend({"paper_id": rec.paper_id, "year": rec.year, "term": term, "count_full": full,
                             "count_body": body} for term, full, body in found)
            yield pd.DataFrame(rows, columns=schemas.MENTIONS.fieldNames()).astype({"year": "Int32"})

    ok = papers.where(F.col("status") == "ok").select("paper_id", "year", "full_text")
    return ok.mapInPandas(run, schemas.MENTIONS)


# The counts of a (paper, term) whose matching ran past mentions.timeout_seconds.
TIMED_OUT = -1


def mentions_timeouts(found: DataFrame, papers: DataFrame) -> tuple[DataFrame, list[tuple[str, str]]]:
    """(the mentions to store, [(path, term)] of the papers whose matching timed out).

    found should be persisted: it is read twice.
    """
    late = found.where(F.col("count_full") == TIMED_OUT).select("paper_id", "term").collect()
    paths = {}
    if late:
        ids = sorted({r.paper_id for r in late})
        paths = {r.paper_id: r.path for r in papers.where(F.col("paper_id").isin(ids)).select("paper_id", "path").collect()}
    return found.where(F.col("count_full") != TIMED_OUT), sorted((paths.get(r.paper_id) or r.paper_id, r.term) for r in late)


def paper_countries(papers: DataFrame, affiliations: DataFrame, china_policy: str) -> DataFrame:
    """One row per paper: the countries of its affiliations and the US / China flags."""
    china = policy.china_codes(china_policy)
    per_paper = (affiliations.where(F.col("country").isNotNull())
                 .groupBy("paper_id").agg(F.sort_array(F.collect_set("country")).alias("countries")))
    papers = papers.where(F.col("status") != DUPLICATE)  # a copy of a paper counted at its first path
    return (papers.select("paper_id", "year", "status").join(per_paper, "paper_id", "left")
            .withColumn("countries", F.coalesce("countries", F.array().cast("array<string>")))
            .withColumn("has_us", F.array_contains("countries", policy.US))
            .withColumn("has_cn", F.arrays_overlap("countries", F.array(*[F.lit(c) for c in china]))))


def collaboration(countries: DataFrame) -> DataFrame:
    """Per year: papers with US / Chinese / both authors (counts and shares), and the rest.

    The last three counts split the papers without a US-China pair cleanly: with_neither
    has resolved countries but neither US nor China; with_unknown has none resolved
    (anonymous, unreadable, or no affiliation matched). Shares are of all papers.
    """
    us, cn = F.col("has_us"), F.col("has_cn")
    known = F.size("countries") > 0
    out = countries.groupBy("year").agg(
        F.count(F.lit(1)).alias("papers"),
        F.sum((F.col("status") == "ok").cast("int")).alias("papers_ok"),
        F.sum(us.cast("int")).alias("with_us"),
        F.sum(cn.cast("int")).alias("with_cn"),
        F.sum((us & cn).cast("int")).alias("with_both"),
        F.sum((~us & ~cn & known).cast("int")).alias("with_neither"),
        F.sum((~known).cast("int")).alias("with_unknown"))
    for name in ("us", "cn", "both"):
        out = out.withColumn(f"share_{name}", F.round(F.col(f"with_{name}") / F.col("papers"), 4))
    return out.orderBy("year")


def term_groups(countries: DataFrame, mentions: DataFrame, scope: str, terms: DataFrame | None = None) -> DataFrame:
    """Per (year, term): papers mentioning it in the scope, split by author-country group.

    with_cn and with_us overlap (with_both is in both); with_neither and with_unknown are
    as in collaboration. terms (term, kind, origin, origin_country) adds what the term is.
    """
    count = "count_body" if scope == "body" else "count_full"
    mentioned = mentions.where(F.col(count) > 0).select("paper_id", "term").distinct()
    us, cn = F.col("has_us"), F.col("has_cn")
    known = F.size("countries") > 0
    out = (mentioned.join(countries, "paper_id").groupBy("year", "term").agg(
                F.count(F.lit(1)).alias("papers"),
                F.sum(cn.cast("int")).alias("with_cn"),
                F.sum(us.cast("int")).alias("with_us"),
                F.sum((us & cn).cast("int")).alias("with_both"),
                F.sum((~us & ~cn & known).cast("int")).alias("with_neither"),
                F.sum((~known).cast("int")).alias("with_unknown"))
           .withColumn("scope", F.lit(scope)))
    if terms is not None:
        out = out.join(F.broadcast(terms.select("term", "kind", "origin", "origin_country")), "term", "left")
    return out.select("year", "term", *[c for c in out.columns if c not in ("year", "term")]).orderBy(
        "year", F.desc("papers"), "term")


def terms_table(spark, terms) -> DataFrame:
    """The terms' descriptions (mentions.Term list) as a small DataFrame for term_groups."""
    rows = [(t.name, t.kind, t.origin, t.country) for t in terms]
    return spark.createDataFrame(rows, "term string, kind string, origin string, origin_country string")
