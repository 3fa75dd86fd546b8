"""The mentions step: models and architectures named in each paper's text -> mentions table.

The terms travel as YAML text so executors need no access to the driver's files, and the
mentions settings (windows and thresholds of mentions.furniture / sections / use) as the
frozen config section; the counting is plain Python (paper.mentions) run through mapInPandas.
"""
from __future__ import annotations

import logging
from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from paperscope.core.settings import Mentions
from paperscope.paper.mentions import terms_text
from paperscope.pipeline.run import Run, skip, state
from paperscope.storage import schemas, tables

log = logging.getLogger(__name__)


def mention_row(paper_id: str, year, m) -> dict:
    """A paper.mentions.Mention as a mentions row."""
    return {"paper_id": paper_id, "year": year, "term": m.term, "count_full": m.count_full,
            "count_body": m.count_body, "use": m.use, "use_signal": m.why, "evidence": m.evidence,
            "evidence_section": m.evidence_section, "count_table": m.count_table, "sections": dict(m.sections)}


def find_mentions(papers: DataFrame, terms_yaml: str, settings: Mentions) -> DataFrame:
    """papers -> mentions (silver): one row per (paper, term) found, counted in two scopes and
    per section, with whether the paper uses the term or only cites it (paper.mentions.analyse).

    The terms travel as YAML text so executors need no access to the driver's files;
    settings (the config's mentions section) with them. A paper whose matching runs past
    settings.timeout_seconds gets one row for the term that ran out with both counts -1
    (TIMED_OUT); mentions_timeouts() takes those out and names them.
    """
    timeout_s = settings.timeout_seconds

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from paperscope.paper.mentions import Mention, TermTimeout, analyse, parse_terms
        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        terms = parse_terms(terms_yaml)
        for batch in batches:
            rows = []
            for rec in batch.itertuples(index=False):
                try:
                    found = analyse(rec.full_text or "", terms, timeout_s, settings=settings)
                except TermTimeout as exc:
                    found = exc.counts + [Mention(exc.term, TIMED_OUT, TIMED_OUT)]
                rows.extend(mention_row(rec.paper_id, rec.year, m) for m in found)
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



def mentions(run: Run) -> str:
    """papers -> mentions."""
    with run.step("mentions"):
        built_from = state(run, "mentions")
        if not skip(run, built_from):
            text = terms_text(run.cfg.mentions.terms_file)
            limit = run.cfg.mentions.timeout_seconds
            papers = run.read("papers")
            found = find_mentions(papers, text, run.cfg.mentions).persist()
            try:
                out, late = mentions_timeouts(found, papers)
                for path, term in late:
                    log.warning("mentions: term %r ran past mentions.timeout_seconds=%s s on %s; that term and the "
                                "ones after it are not counted for this paper", term, limit, path)
                # A run with timeouts is not recorded as built from this state: the next run tries again.
                meta = {**built_from, "timed_out": len(late)} if late else built_from
                tables.write_years(out, run.cfg, "mentions", run.years, metadata=meta)
            finally:
                found.unpersist()
        return tables.table_ref(run.cfg, "mentions")
