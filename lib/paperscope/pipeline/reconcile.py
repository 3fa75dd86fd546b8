"""The affiliations step's authors reconciled with the year's paper lists (sources.program.reconcile).

Only when `paperscope sources` wrote lists for the run's years under sources.dir (and
sources.reconcile is on): the authors rows are brought to the driver (a few columns per
author, never a text), given every source's countries and the chosen ones, and written
back with the affiliation rows of the strings chosen from a list.
"""
from __future__ import annotations

import logging
from functools import cache

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from paperscope.core.paths import sources_dir
from paperscope.counting.overrides import Overrides
from paperscope.paper.matcher import from_config
from paperscope.pipeline.run import Run
from paperscope.sources.program.reconcile import Lists, load, reconcile
from paperscope.storage import schemas

log = logging.getLogger(__name__)


def paper_lists(run: Run) -> Lists | None:
    """The paper lists of the run's years, when the run reconciles (sources.reconcile)."""
    if not run.cfg.sources.reconcile:
        return None
    lists = load(sources_dir(run.cfg), run.years)
    run.paper_lists = {"files": [str(f) for f in lists.files], "digest": lists.digest} if lists else None
    return lists


def reconciled(run: Run, authors: DataFrame, overrides: Overrides, lists: Lists) -> tuple[DataFrame, DataFrame]:
    """(authors with every source's countries and the chosen ones, affiliation rows of the
    strings chosen from a list) for the run's years."""
    gazetteer = from_config(run.cfg)
    corrected = overrides.corrected

    @cache
    def matches(raw: str) -> tuple:
        return tuple(gazetteer.match(raw))

    def countries(raw: str) -> list[str]:
        return sorted(corrected[raw]) if raw in corrected else sorted({m.country for m in matches(raw) if m.country})

    rows = authors.toPandas()
    papers = (run.read("papers").where(F.col("status") == "ok").select("paper_id", "year", "title", "source_id")
              .toPandas())
    got = reconcile(rows, papers, lists.papers, run.cfg.sources.precedence, countries, lambda raw: list(matches(raw)))
    log.info("reconciled with %d paper list(s): %s", len(lists.files), got.stats)
    run.paper_lists = {**(run.paper_lists or {}), "stats": got.stats}
    by_paper: dict[str, list[dict]] = {}
    for r in got.affiliations:
        by_paper.setdefault(r["paper_id"], []).append(r)
    extra = [row for pid, rs in by_paper.items() for row in overrides.affiliations(pid, rs[0]["year"], rs, add=False)]
    return (_frame(run, overrides.authors(got.authors), schemas.AUTHORS),
            _frame(run, extra, schemas.AFFILIATIONS))


def _frame(run: Run, rows: list[dict], schema) -> DataFrame:
    names = schema.fieldNames()
    return run.spark.createDataFrame([tuple(r.get(n) for n in names) for r in rows], schema)
