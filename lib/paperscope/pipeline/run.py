"""One invocation of the pipeline: its id, settings, years, and whether a step can be skipped.

Each step reads its inputs from the Delta tables the previous step wrote, so a step can
run on its own (as a Databricks task, say) and nothing is computed twice. A step records
in its commit what it was built from (its fingerprint and the versions of the tables it
read); a step whose record matches the current state is skipped.
"""
from __future__ import annotations

import logging
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from paperscope.core import registry
from paperscope.core.errors import InputError
from paperscope.core.settings import Settings
from paperscope.counting.overrides import Overrides
from paperscope.pipeline import progress
from paperscope.sources.corpus import listing
from paperscope.storage import schemas, tables
from paperscope.storage import spark as spark_jobs

log = logging.getLogger(__name__)


def _run_id() -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + uuid.uuid4().hex[:6]


@dataclass
class Run:
    """One invocation: its id, config, years and what it measured along the way."""
    spark: SparkSession
    cfg: Settings
    conf_file: str | None = None
    run_id: str = field(default_factory=_run_id)
    started: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    durations: dict = field(default_factory=dict)
    discovered: list[tuple[int | None, int]] | None = None
    papers_refresh: object = None  # pipeline.papers.PapersRefresh of the extract step
    skipped: list[str] = field(default_factory=list)  # tables left as they were (inputs unchanged)
    discovered_from_metadata: bool = False
    outside: list[str] = field(default_factory=list)  # corpus files in no <year>/ folder, not read
    counts: dict = field(default_factory=dict)  # the rules' gold tables as pandas, for the report
    rule_frames: tuple[int, dict] | None = None  # (tables.writes(), frames) when last computed
    paper_lists: dict | None = None  # the year's paper lists reconciled with (pipeline.reconcile): files, stats

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
            inp = self.cfg.input
            counts = listing.file_counts(self.spark, self.cfg)
            self.outside = listing.outside_years(self.spark, self.cfg)
            if self.outside:
                log.warning("%d file(s) in no <year>/ folder of %s, not read: %s", len(self.outside), inp.corpus,
                            ", ".join(self.outside))
            self.discovered = sorted(counts, key=lambda r: (r[0] is None, r[0] or 0))
            if not self.discovered:
                years = ", ".join(map(str, inp.years)) or "any year"
                outside = f" (only outside <year>/ folders: {', '.join(self.outside)})" if self.outside else ""
                raise InputError(f"no files matching {inp.glob} in {inp.manifest or inp.corpus} for {years}{outside}")
            log.info("discovered %s", ", ".join(f"{y}: {n} files" for y, n in self.discovered))
            empty = sorted(set(inp.years) - {y for y, _ in self.discovered})
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

    def overrides(self) -> Overrides:
        """The reviewers' overrides in force (reviews table), for the affiliations and metadata steps."""
        stored = tables.read_pandas(self.spark, self.cfg, "reviews", schemas.REVIEWS)
        found = Overrides.from_reviews(stored, self.cfg.affiliations.china_policy)
        if found:
            log.info("applying %d reviewed correction(s) of affiliation strings and %d of paper flags",
                     sum(map(len, found.strings.values())), sum(map(len, found.papers.values())))
        return found


def concurrently(run: Run, calls: dict) -> dict:
    """{name: call()}, the calls' small Spark jobs submitted at once (storage.spark.concurrently)."""
    return spark_jobs.concurrently(calls, run.cfg.spark.driver_jobs)


def state(run: Run, step: str) -> dict:
    """What step `step` would be built from now: its fingerprint (registry.fingerprint: the
    code it runs, its packaged data, its settings) and the versions of the tables it reads."""
    reads = registry.step(step).reads
    return {"step": step, "years": sorted(run.years), "fingerprint": registry.fingerprint(run.cfg, step),
            "versions": {name: tables.version(run.spark, run.cfg, name) for name in reads}}


def up_to_date(run: Run, name: str, built_from: dict) -> bool:
    """True when table `name` was last written from exactly this state (its unit marker aside)."""
    return tables.without_unit(tables.last_metadata(run.spark, run.cfg, name)) == built_from


def skip(run: Run, built_from: dict, unit: bool = False) -> bool:
    """True (and logged) when every table of the step was last written from this state
    (and, for a step that writes its tables as one unit, that write was completed)."""
    names = registry.step(built_from["step"]).writes
    if unit and tables.half_written(run.spark, run.cfg, list(names)):
        return False
    if all(up_to_date(run, name, built_from) for name in names):
        log.info("%s: inputs unchanged since the last write, step skipped", ", ".join(names))
        run.skipped.extend(names)
        return True
    return False


def check_metadata_unit(run: Run) -> None:
    """Refuse to validate or aggregate tables that a metadata run left half-written."""
    problem = tables.half_written(run.spark, run.cfg, list(registry.step("metadata").writes))
    if problem:
        raise InputError(f"{problem}; run `paperscope metadata` again (or the PDF pipeline) to rewrite them")
