"""Quality gate: Great Expectations (1.x) suites run before the aggregates are written.

Why a gate: the aggregates are only as good as the rows under them. A lost PDF, a
duplicate paper id or a run where most extractions failed should stop the run with a
reason instead of publishing numbers that silently cover less than they claim. Every run
writes HTML Data Docs to ``<run_dir>/data_docs``, whether the gate passes or not, so a
failed run can be inspected.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from paperscope.core import registry
from paperscope.core.settings import Settings
from paperscope.quality.datadocs import localise
from paperscope.quality.suites import GATE_TABLES, SUITES, _gx, load_suites, suite_parameters

log = logging.getLogger(__name__)

# The one Data Docs site; its files live in <run_dir>/data_docs.
DATA_DOCS_SITE = "paperscope"


# BASIC gives counts and a few unexpected values; SUMMARY and COMPLETE cost extra Spark
# jobs per expectation and unbounded lists on a big table. The per-year table has a
# handful of rows, so there every failing row is listed with its year.
DEFAULT_RESULT_FORMAT = {"result_format": "BASIC", "partial_unexpected_count": 5}


RESULT_FORMATS = {"papers_per_year": {"result_format": "COMPLETE", "unexpected_index_column_names": ["year"]}}


# Kwargs that name the columns an expectation reads (see _narrow).
_COLUMN_KWARGS = ("column", "column_A", "column_B", "column_list")


@dataclass
class ExpectationOutcome:
    """One evaluated expectation, flattened so the pipeline and the report need no GX types."""

    suite: str  # e.g. "papers"
    expectation: str  # e.g. "expect_column_values_to_be_unique"
    column: str | None
    kwargs: dict  # resolved kwargs ($PARAMETERs substituted), JSON-serialisable
    success: bool
    observed: str  # e.g. "unexpected 2 of 40 (5.0%): ['a', 'b']" or "observed 0.83"


@dataclass
class GateResult:
    """What the gate decided, why, and where its Data Docs are."""

    success: bool
    outcomes: list[ExpectationOutcome] = field(default_factory=list)
    data_docs_index: str | None = None  # <run_dir>/data_docs/index.html
    reused_from: str | None = None  # the run whose passed verdict this is, when nothing changed since

    def failed(self) -> list[ExpectationOutcome]:
        return [o for o in self.outcomes if not o.success]

    def describe_failures(self) -> str:
        """One line per failed expectation: "suite: expectation(column) kwargs -> observed"."""
        lines = []
        for o in self.failed():
            shown = {k: _brief(v) for k, v in o.kwargs.items() if k != "column"}
            args = json.dumps(shown, sort_keys=True, default=str)
            lines.append(f"{o.suite}: {o.expectation}({o.column or ''}) {args} -> {o.observed}")
        return "\n".join(lines)


def _brief(value: Any, limit: int = 8) -> Any:
    """A long list (the default allowed years are 1900-2100) shortened for a one-line message."""
    if isinstance(value, list) and len(value) > limit:
        return [*value[:3], "...", value[-1], f"({len(value)} values)"]
    return value


def papers_per_year(spark, papers, discovered, cfg: Settings):
    """Per year: files discovered, rows in papers, and the configured expected count.

    Years come from discovery, from the papers and from an explicit input.years selection
    (so a selected year where nothing was found still meets its expected count). The
    missing side of a year gets 0, never null, so files == rows fails both for papers
    without discovered files and for files without papers. The table has a row per year:
    it is collected (one Spark job) and rebuilt locally so that GX's metrics do not
    recompute the aggregation over the papers each time.
    """
    from pyspark.sql import functions as F

    counts = (
        discovered.groupBy("year")
        .agg(F.sum("files").cast("long").alias("files"), F.lit(None).cast("long").alias("rows"))
        .unionByName(
            papers.groupBy("year").agg(F.lit(None).cast("long").alias("files"), F.count(F.lit(1)).alias("rows"))
        )
        .collect()
    )
    files: dict = {}
    rows: dict = {}
    for r in counts:
        if r["files"] is not None:
            files[r["year"]] = files.get(r["year"], 0) + int(r["files"])
        if r["rows"] is not None:
            rows[r["year"]] = rows.get(r["year"], 0) + int(r["rows"])
    expected = cfg.quality.expected_papers
    years = set(files) | set(rows) | set(cfg.input.years)
    table = [
        (y, files.get(y, 0), rows.get(y, 0), expected.get(y))
        for y in sorted(years, key=lambda v: (v is None, v or 0))
    ]
    log.info("papers per year (year, files, rows, expected): %s", table)
    if spark is None:
        import pandas as pd

        return pd.DataFrame(table, columns=["year", "files", "rows", "expected"]).astype(
            {"year": "Int64", "files": "int64", "rows": "int64", "expected": "Int64"})
    return spark.createDataFrame(table, schema="year int, files long, rows long, expected long")


def _columns_read(suite) -> set[str] | None:
    """Columns a suite's expectations read, or None when one of them may need any column."""
    cols: set[str] = set()
    for exp in suite.expectation_configurations:
        if exp.type.startswith(("expect_table_column", "expect_compound")) or exp.kwargs.get("row_condition"):
            return None
        for key in _COLUMN_KWARGS:
            value = exp.kwargs.get(key)
            if isinstance(value, str):
                cols.add(value)
            elif isinstance(value, list):
                cols.update(v for v in value if isinstance(v, str))
    return cols


def _narrow(df, suite):
    """Only the columns the suite reads: GX scans its batch once per metric, and the
    papers carry full_text. A referenced column that is missing is left for GX to report."""
    wanted = _columns_read(suite)
    if wanted is None:
        return df
    keep = [c for c in df.columns if c in wanted]
    return df.select(*keep) if keep else df


def _to_pandas(df):
    """A narrow Spark frame on the driver, integer columns kept integer (nullable)."""
    from pyspark.sql.types import IntegerType, LongType

    pdf = df.toPandas()
    ints = {f.name: "Int64" for f in df.schema.fields if isinstance(f.dataType, (IntegerType, LongType))}
    return pdf.astype(ints) if ints else pdf


def _show(value: Any) -> str:
    if isinstance(value, dict):
        # The index column (year) first, whichever engine listed it where.
        items = sorted(value.items(), key=lambda kv: kv[0] != "year")
        return " ".join(f"{k}={v}" for k, v in items)
    if isinstance(value, list):
        return repr(tuple(value))
    return repr(value)


def _shown_list(values: list, limit: int = 5) -> str:
    shown = "; ".join(_show(v) for v in values[:limit])
    return f"[{shown}{'; ...' if len(values) > limit else ''}]"


def _observed(result) -> str:
    """Short human text of what GX saw for one expectation."""
    info = result.exception_info or {}
    if info.get("raised_exception"):
        lines = str(info.get("exception_message") or "").strip().splitlines()
        return f"error: {lines[0] if lines else 'exception while evaluating'}"
    res = result.result or {}
    if res.get("element_count") == 0:
        return "no rows"
    if res.get("unexpected_count") is not None:
        considered = res.get("element_count")
        if res.get("missing_count") is not None and considered is not None:
            considered -= res["missing_count"]
        if considered == 0:
            return f"no rows to compare ({res.get('missing_count')} with a missing value)"
        text = f"unexpected {res['unexpected_count']} of {considered}"
        if res.get("unexpected_percent") is not None:
            text += f" ({res['unexpected_percent']:.1f}%)"
        if res["unexpected_count"]:
            listed = res.get("partial_unexpected_index_list") or res.get("partial_unexpected_list")
            if listed:
                text += f": {_shown_list(listed)}"
        return text
    if "observed_value" in res:
        value = res["observed_value"]
        return f"observed {value:.4g}" if isinstance(value, float) else f"observed {value}"
    return "no observed value"


def _outcomes(suite_name: str, suite_result, order: dict) -> list[ExpectationOutcome]:
    """Flatten one suite's results, in the reviewed file's order (GX groups them by column)."""
    results = sorted(suite_result.results, key=lambda r: order.get(r.expectation_config.id, len(order)))
    out = []
    for r in results:
        conf = r.expectation_config
        kwargs = json.loads(json.dumps({k: v for k, v in conf.kwargs.items() if k != "batch_id"}, default=str))
        column = kwargs.get("column")
        out.append(
            ExpectationOutcome(
                suite=suite_name,
                expectation=conf.type,
                column=column if isinstance(column, str) else None,
                kwargs=kwargs,
                success=bool(r.success),
                observed=_observed(r),
            )
        )
    return out


def _context(docs_dir: Path):
    """A throw-away (ephemeral, in-memory) Data Context whose only Data Docs site is docs_dir."""
    gx = _gx()
    from great_expectations.data_context.types.base import (DataContextConfig, InMemoryStoreBackendDefaults,
                                                            ProgressBarsConfig)

    site = {
        "class_name": "SiteBuilder",
        "show_how_to_buttons": False,
        "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(docs_dir)},
        "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
    }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites={DATA_DOCS_SITE: site},
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx.get_context(project_config=config, mode="ephemeral")


def _run_name(run_dir: Path) -> str:
    """The run's folder name, which Data Docs use as the run name in their paths."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", run_dir.name).strip("-") or "paperscope"


def run_gate(spark, *, papers, discovered, cfg: Settings, run_dir: str | Path, **frames) -> GateResult:
    """Validate this run's tables with the reviewed suites; write Data Docs to <run_dir>/data_docs.

    papers: bronze DataFrame for the years of this run; discovered: DataFrame(year int,
    files long), the files discovery found per year; frames: the other GATE_TABLES by
    name (affiliations, mentions: silver DataFrames for those years, may be empty). Bad data never raises: it gives a failed
    GateResult, and the caller decides to stop. Unusable suite files raise ValueError
    before any data is read.
    """
    gx = _gx()
    # GX's filesystem store backend only takes an absolute base directory.
    run_dir = Path(run_dir).absolute()
    suites = load_suites(cfg)
    params = suite_parameters(cfg)
    docs_dir = run_dir / "data_docs"
    docs_dir.mkdir(parents=True, exist_ok=True)
    given = {"papers": papers, **frames}
    # A frame not given (a caller checking some tables only) leaves its suite out.
    frames = {"papers_per_year": None,
              **{registry.table(t).suite: given[t] for t in GATE_TABLES if registry.table(t).suite and t in given},
              **({"rule_consistency": given["rule_consistency"]} if "rule_consistency" in given else {})}

    engine = cfg.quality.engine
    if engine == "pandas":
        # The columns the suites read (never full_text) are small: one Spark job per table
        # brings them to the driver, and GX's pandas engine evaluates every expectation
        # in memory instead of running Spark jobs per metric.
        frames["papers_per_year"] = papers_per_year(None, papers, discovered, cfg)
    context = _context(docs_dir)
    # persist=False: GX would cache the batch and never release it; _narrow'ed frames
    # are persisted here instead, and released after their suite.
    source = (context.data_sources.add_pandas("paperscope") if engine == "pandas"
              else context.data_sources.add_spark("paperscope", persist=False))
    run_id = gx.RunIdentifier(run_name=_run_name(run_dir), run_time=datetime.now(timezone.utc))
    outcomes: list[ExpectationOutcome] = []
    success = True
    # A Checkpoint's batch_parameters go to all its validation definitions, and a Spark
    # dataframe asset takes its DataFrame only from them: so one Checkpoint per suite.
    if engine == "pandas":
        # Each table's narrow columns in one Spark job, the jobs submitted at once.
        from paperscope.storage.spark import concurrently

        frames.update(concurrently({name: (lambda f=frames[name], s=suites[name]: _to_pandas(_narrow(f, s)))
                                    for name in SUITES if frames.get(name) is not None
                                    and name != "papers_per_year"}, cfg.spark.driver_jobs))
    for name in (n for n in SUITES if n in frames):
        suite = context.suites.add(suites[name])
        order = {exp.id: i for i, exp in enumerate(suite.expectations)}
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        validation = context.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"quality_gate_{name}",
                validation_definitions=[validation],
                # Data Docs are built once after the last suite (an action here would
                # re-render the whole site after each checkpoint).
                actions=[],
                result_format=RESULT_FORMATS.get(name, DEFAULT_RESULT_FORMAT),
            )
        )
        frame = frames[name] if frames[name] is not None else papers_per_year(spark, papers, discovered, cfg)
        if engine == "pandas":
            df = frame  # brought to the driver above
            result = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=params, run_id=run_id)
        else:
            df = _narrow(frame, suite).persist()
            try:
                result = checkpoint.run(batch_parameters={"dataframe": df}, expectation_parameters=params, run_id=run_id)
            finally:
                df.unpersist()
        for suite_result in result.run_results.values():
            suite_outcomes = _outcomes(name, suite_result, order)
            outcomes.extend(suite_outcomes)
            success = success and bool(suite_result.success)
            log.info(
                "quality suite %s: %s (%d of %d expectations met)",
                name,
                "passed" if suite_result.success else "FAILED",
                sum(o.success for o in suite_outcomes),
                len(suite_outcomes),
            )

    context.build_data_docs(site_names=[DATA_DOCS_SITE])
    for load in localise(docs_dir):  # served from the run's folder: the pages work offline
        log.warning("Data Docs still load %s from the network (a GX template paperscope does not know)", load)
    index = docs_dir / "index.html"
    if not index.is_file():
        log.warning("Data Docs index was not written: %s", index)
    gate = GateResult(success=success, outcomes=outcomes, data_docs_index=str(index) if index.is_file() else None)
    if success:
        log.info("quality gate passed; Data Docs: %s", gate.data_docs_index)
    else:
        log.warning("quality gate failed (Data Docs: %s):\n%s", gate.data_docs_index, gate.describe_failures())
    return gate

