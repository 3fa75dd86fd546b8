"""The affiliations step: page one's author block read and resolved -> headers, affiliations, authors.

The per-paper work is plain Python run on the executors through mapInPandas: the header
reader and the gazetteer (paper.header, paper.matcher) for the headers table, then per
paper the affiliation and author rows with the reviewers' overrides applied
(counting.overrides), the same functions a metadata run applies to its records. Where
`paperscope sources` wrote paper lists for the run's years, the authors are reconciled
with them (pipeline.reconcile) before they are written.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from paperscope.core.settings import Affiliations
from paperscope.core.timing import timed
from paperscope.counting.authors import header_rows
from paperscope.counting.overrides import Overrides
from paperscope.pipeline.reconcile import paper_lists, reconciled
from paperscope.pipeline.run import Run, concurrently, skip, state
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)

UNMATCHED = "no known institution, place or country"


def _strings(affiliations) -> list[dict]:
    return [{"index": i, "raw": a.raw, "source": a.source, "marker": a.marker, "note": a.note,
             "matches": [{"institution": m.institution, "country": m.country, "method": m.method,
                          "matched": m.matched, "evidence": m.evidence, "score": float(m.score)} for m in a.matches]}
            for i, a in enumerate(affiliations)]


def headers_frame(papers: DataFrame, settings: Affiliations, cache_dir: str | None = None) -> DataFrame:
    """papers -> headers (silver): one row per paper, its author block read and resolved.

    Each Python worker loads the gazetteer once (paper.matcher.load caches it per
    process), not per batch.
    """
    gazetteer_args = (settings.ror_dump, settings.fuzzy_threshold, cache_dir)
    count_former = settings.count_former

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from paperscope.paper.header import parse
        from paperscope.paper.matcher import load
        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        gaz = load(*gazetteer_args)
        for batch in batches:
            rows = []
            for rec in batch.itertuples(index=False):
                header = parse(rec.header_text, rec.title, gaz, layout=rec.header_layout, count_former=count_former)
                rows.append({
                    "paper_id": rec.paper_id, "year": rec.year, "title": rec.title,
                    "authors": [{"name": a.name, "markers": a.markers, "affiliations": a.affiliations, "tie": a.tie,
                                 "former": a.former} for a in header.authors],
                    "affiliations": _strings(header.affiliations),
                    "emails": header.emails,
                    "countries": header.countries(),
                    "former": _strings(header.former),
                })
            yield pd.DataFrame(rows, columns=schemas.HEADERS.fieldNames()).astype({"year": "Int32"})

    if "header_layout" not in papers.columns:
        # A papers table written before page one's layout was stored (a step run alone on an
        # old warehouse; a full run extracts such rows again): the text of page one is read.
        log.warning("papers has no header_layout column: headers read from header_text only")
        papers = papers.withColumn("header_layout", F.lit(None).cast("string"))
    ok = papers.where(F.col("status") == "ok").select("paper_id", "year", "title", "header_text", "header_layout")
    return ok.mapInPandas(run, schemas.HEADERS)


def affiliation_rows(paper_id: str, year, affiliations: list[dict]) -> list[dict]:
    """A headers row's affiliations -> affiliation rows: one per (string, match); a string
    that matched nothing is kept once with method 'none'."""
    out = []
    for a in affiliations:
        base = {"paper_id": paper_id, "year": year, "raw": a["raw"], "source": a["source"]}
        for m in a.get("matches") or []:
            out.append({**base, "institution": m.get("institution"), "country": m.get("country"),
                        "method": m.get("method") or "none", "evidence": m.get("evidence") or UNMATCHED,
                        "score": m.get("score") if m.get("score") is not None else 0.0, "matched": m.get("matched")})
        if not a.get("matches"):
            out.append({**base, "institution": None, "country": None, "method": "none", "evidence": UNMATCHED,
                        "score": 0.0, "matched": None})
    return out


def plain(value) -> list[dict]:
    """An Arrow list of structs (numpy arrays of dicts) as plain lists of dicts."""
    if value is None:
        return []
    out = []
    for item in value:
        item = dict(item)
        out.append({k: (list(v) if hasattr(v, "__len__") and not isinstance(v, (str, dict)) else v)
                    for k, v in item.items()})
    return out


def affiliations_frame(headers: DataFrame, overrides: Overrides) -> DataFrame:
    """headers -> affiliations (silver), the reviewers' overrides applied paper by paper."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            rows = [row for rec in batch.itertuples(index=False)
                    for row in overrides.affiliations(rec.paper_id, rec.year,
                                                      affiliation_rows(rec.paper_id, rec.year, plain(rec.affiliations)))]
            yield pd.DataFrame(rows, columns=schemas.AFFILIATIONS.fieldNames()).astype({"year": "Int32"})

    return headers.select("paper_id", "year", "affiliations").mapInPandas(run, schemas.AFFILIATIONS)


def authors_frame(headers: DataFrame, overrides: Overrides) -> DataFrame:
    """headers -> authors (silver): one row per (paper, author position), with the countries
    of the strings the header reader linked to that author (counting.authors), reviewed
    string corrections in force, then the countries a paper override took out removed."""

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        corrected = overrides.corrected
        for batch in batches:
            rows = [row for rec in batch.itertuples(index=False)
                    for row in overrides.authors(header_rows(rec.paper_id, rec.year, plain(rec.authors),
                                                             plain(rec.affiliations), corrected))]
            yield pd.DataFrame(rows, columns=schemas.AUTHORS.fieldNames()).astype(
                {"year": "Int32", "position": "int32", "n_authors": "int32"})

    return headers.select("paper_id", "year", "authors", "affiliations").mapInPandas(run, schemas.AUTHORS)


def affiliations(run: Run) -> str:
    """papers -> headers (author blocks) -> affiliations and authors, each written to Delta."""
    with run.step("affiliations"):
        # reads papers and reviews: a new or withdrawn correction re-runs the step (registry);
        # so do other paper lists for its years (their digest).
        lists = paper_lists(run)
        built_from = {**state(run, "affiliations"), **({"paper_lists": lists.digest} if lists else {})}
        if not skip(run, built_from):
            headers = headers_frame(run.read("papers"), run.cfg.affiliations, run.cfg.cache.dir)
            tables.write_years(headers, run.cfg, "headers", run.years, metadata=built_from)
            with timed("affiliations: reviewers' overrides read"):
                overrides = run.overrides()
            stored = run.read("headers", schemas.HEADERS)
            affs, authors = affiliations_frame(stored, overrides), authors_frame(stored, overrides)
            if lists:
                authors, chosen = reconciled(run, authors, overrides, lists)
                affs = affs.unionByName(chosen)
            # Two independent writes from the same stored headers, submitted at once.
            concurrently(run, {
                "affiliations": lambda: tables.write_years(affs, run.cfg, "affiliations", run.years,
                                                           metadata=built_from),
                "authors": lambda: tables.write_years(authors, run.cfg, "authors", run.years, metadata=built_from)})
        return tables.table_ref(run.cfg, "affiliations")
