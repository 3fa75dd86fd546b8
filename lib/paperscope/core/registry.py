"""The steps of the pipeline and the tables they read and write, each said once: the table of contents.

Everything else that names a step or a table comes from here or is checked against it
by a test (tests/test_registry.py): the CLI's subcommands, the console scripts, the
spark-submit jobs, the Databricks tasks and their order, the quality gate's tables and
suites, and what a step's fingerprint covers.

The code a step's output depends on is derived, not listed: the functions and constants
its transforms reach through calls (core.codedigest), so a comment changes nothing and a
matcher change re-runs the steps that run the matcher, and those that read their tables.

Importing this module is cheap and starts no Spark: the CLI reads it before any JVM.
"""
from __future__ import annotations

import fnmatch
import hashlib
import importlib
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from paperscope.core import codedigest

PACKAGE = codedigest.PACKAGE


@dataclass(frozen=True)
class Table:
    """A Delta table: its key (warehouse.tables.<name> gives its folder), columns, gate suite."""

    name: str
    layer: str  # bronze, silver or gold
    doc: str
    schema: str | None = None  # the StructType's name in storage/schemas.py; None: a gold table (schemas.GOLD)
    suite: str | None = None  # data/expectations/<suite>.json, run by the quality gate
    partition_by: tuple[str, ...] = ("year",)


@dataclass(frozen=True)
class Step:
    """A command of `paperscope`: a pipeline step (Spark) or a tool (no Spark)."""

    name: str
    help: str
    # "module:function" called with a pipeline.Run; returns an exit code (None means 0).
    # None: a tool with its own argument parser (tool) or a check done by the CLI itself.
    run: str | None = None
    # "module:function"s that compute what the step writes (or, for the gate, decide): the
    # roots of the code its fingerprint follows (core.codedigest). Empty: not fingerprinted.
    builds: tuple[str, ...] = ()
    reads: tuple[str, ...] = ()
    writes: tuple[str, ...] = ()
    # Steps that must have finished first besides the writers of `reads` (the gate before
    # the aggregates).
    after: tuple[str, ...] = ()
    # Dotted config keys whose values change what the step writes.
    config: tuple[str, ...] = ()
    # Dotted config keys naming a file whose content changes what the step writes.
    config_files: tuple[str, ...] = ()
    # Globs of packaged data files (under paperscope/data) the output depends on.
    data: tuple[str, ...] = ()
    # "module:function" of a tool's own main(argv) (download, match, header).
    tool: str | None = None
    spark: bool = True  # a spark-submit job: jobs/<name>.py and ./spark-submit.sh <name>
    job_file: bool = True  # has jobs/<name>.py (download has one, and is no Spark job)
    task: bool = False  # a task of the Databricks job (resources/paperscope.job.yml)
    entry_point: bool = False  # console script paperscope-<name> (python_wheel_task entry point)

    def function(self):
        """The step's function, imported now (pipeline imports pyspark)."""
        module, _, attr = self.run.partition(":")
        return getattr(importlib.import_module(module), attr)


TABLES: tuple[Table, ...] = (
    Table("papers", "bronze", "one row per PDF: text, pages, extraction status", "PAPERS", "papers"),
    Table("headers", "silver", "one row per paper: its author block as read, matches per affiliation", "HEADERS"),
    Table("affiliations", "silver", "one row per (paper, affiliation string, match): institution, country, rule",
          "AFFILIATIONS", "affiliations"),
    Table("authors", "silver", "one row per (paper, author position): name, affiliation indices, countries, source; "
          "each source's countries and the chosen one", "AUTHORS", "authors"),
    Table("mentions", "silver", "one row per (paper, term) found: counts in the full text and the body",
          "MENTIONS", "mentions"),
    Table("collaboration", "gold", "per year: papers with US / Chinese / both authors"),
    Table("term_groups", "gold", "per (year, term): papers mentioning it, by author-country group"),
    Table("rules", "gold", "per (year, counting rule, china policy, dual strings): papers, with_us, with_cn, with_both, share"),
    Table("paper_rules", "gold", "per (year, paper, china policy, dual strings): every counting rule's flag, the "
          "authors' countries by position; a rule's figure is the sum of its column"),
    Table("institution_pairs", "gold", "per (year, US institution, Chinese institution): papers together, headline rule"),
    Table("country_fractions", "gold", "per (year, country): fractional count (Nature Index FC)"),
    Table("track_rules", "gold", "per (year, track, counting rule): papers, with_both, share, where a paper list "
          "names the tracks (main, Datasets & Benchmarks)"),
    # Appended by `paperscope review import`, never replaced by a run; checked on import, not by the gate.
    Table("reviews", "silver", "one row per reviewer judgement: a paper's flags or an affiliation string's country",
          "REVIEWS", partition_by=()),
)

STEPS: tuple[Step, ...] = (
    Step("run", "the whole pipeline: extract, affiliations, mentions, validate, aggregate (default)",
         run="paperscope.pipeline.flow:run_all", entry_point=True),
    Step("extract", "PDF text with pdfminer.six on the executors -> papers table",
         run="paperscope.pipeline.papers:extract", writes=("papers",), task=True, entry_point=True),
    Step("affiliations", "first-page author block -> affiliations table (institution, country, rule)",
         run="paperscope.pipeline.affiliations:affiliations",
         builds=("paperscope.pipeline.affiliations:headers_frame", "paperscope.pipeline.affiliations:affiliations_frame",
                 "paperscope.pipeline.affiliations:authors_frame"),
         reads=("papers", "reviews"), writes=("headers", "affiliations", "authors"),
         config=("affiliations.ror_dump", "affiliations.fuzzy_threshold", "affiliations.china_policy",
                 "affiliations.count_former", "sources.precedence", "sources.reconcile"),
         data=("*.tsv", "*.tsv.gz", "*.txt"), task=True, entry_point=True),
    Step("mentions", "model and architecture mentions -> mentions table",
         run="paperscope.pipeline.mentions:mentions", builds=("paperscope.pipeline.mentions:find_mentions",),
         reads=("papers",), writes=("mentions",),
         config=("mentions.timeout_seconds", "mentions.furniture", "mentions.sections", "mentions.use"),
         config_files=("mentions.terms_file",), data=("terms.yaml",), task=True,
         entry_point=True),
    Step("validate", "Great Expectations gate on papers/affiliations/mentions; Data Docs + summary",
         run="paperscope.pipeline.flow:validate_and_report", builds=("paperscope.quality.gate:run_gate",),
         reads=("papers", "affiliations", "authors", "mentions"),
         config=("quality", "aggregates"), data=("expectations/*.json",), task=True, entry_point=True),
    Step("aggregate", "gate, then collaboration and mention aggregates (gold tables) and the report",
         run="paperscope.pipeline.flow:gate_then_aggregate", builds=("paperscope.pipeline.aggregate:gold_frames",),
         reads=("papers", "affiliations", "authors", "mentions"),
         writes=("collaboration", "term_groups", "rules", "paper_rules", "institution_pairs", "country_fractions",
                 "track_rules"),
         after=("validate",),
         config=("affiliations.china_policy", "mentions.scope", "aggregates"), config_files=("mentions.terms_file",),
         data=("terms.yaml",), task=True, entry_point=True),
    Step("metadata", "conference metadata (--source FILE) instead of PDFs -> papers, affiliations, gate, aggregates",
         run="paperscope.pipeline.metadata:run_metadata", writes=("papers", "affiliations", "authors", "mentions"),
         entry_point=True),
    Step("check", "check the config and the input paths without starting Spark", spark=False, job_file=False),
    Step("sources", "a conference-year's papers, authors and stated affiliations from its program data or OpenReview "
                    "(no Spark; see `paperscope sources --help`)",
         tool="paperscope.sources.program.command:main", spark=False, job_file=False),
    Step("download", "fetch PDFs from a proceedings index or a URL list (no Spark; see `paperscope download --help`)",
         tool="paperscope.sources.download.cli:main", spark=False),
    Step("match", "affiliation strings on stdin -> one JSON line each (no Spark; see `paperscope match --help`)",
         tool="paperscope.cli.tools:match_main", spark=False, job_file=False),
    Step("header", "PDFs -> title, authors, affiliations, countries as JSON lines (no Spark)",
         tool="paperscope.cli.tools:header_main", spark=False, job_file=False),
    Step("review", "a filled review sheet -> reviews table; list or withdraw corrections (see `paperscope review --help`)",
         tool="paperscope.report.review.cli:main", spark=False, job_file=False),
)

_STEPS = {s.name: s for s in STEPS}
_TABLES = {t.name: t for t in TABLES}


def step(name: str) -> Step:
    return _STEPS[name]


def table(name: str) -> Table:
    return _TABLES[name]


def tools() -> list[Step]:
    """Commands with their own argument parser, dispatched before the pipeline's flags."""
    return [s for s in STEPS if s.tool]


def spark_jobs() -> list[str]:
    """What ./spark-submit.sh accepts as JOB."""
    return [s.name for s in STEPS if s.spark]


def console_scripts() -> dict[str, str]:
    """Console script name -> "module:function", as [project.scripts] in pyproject.toml."""
    scripts = {PACKAGE: "paperscope.cli.commands:main"}
    scripts.update({f"{PACKAGE}-{s.name}": f"paperscope.cli.entrypoints:{s.name}" for s in STEPS if s.entry_point})
    scripts.update({f"{PACKAGE}-{s.name}": s.tool for s in STEPS if s.tool and s.tool.startswith("paperscope.cli.tools")})
    return scripts


def writers(name: str) -> list[str]:
    """The steps that write table `name` as Databricks tasks (metadata is an alternative source)."""
    return [s.name for s in STEPS if s.task and name in s.writes]


def task_dependencies() -> dict[str, list[str]]:
    """Per Databricks task: the tasks it waits for, the fewest that keep every order.

    A task waits for the writers of the tables it reads and for its `after` steps; a
    dependency already implied through another one is left out (aggregate waits for
    validate, which waits for affiliations and mentions, which wait for extract).
    """
    tasks = [s for s in STEPS if s.task]
    direct = {s.name: {w for t in s.reads for w in writers(t) if w != s.name} | set(s.after) for s in tasks}

    def reach(name: str, seen: set) -> set:
        for dep in direct[name]:
            if dep not in seen:
                seen.add(dep)
                reach(dep, seen)
        return seen

    return {name: sorted(d for d in deps if not any(d in reach(o, set()) for o in deps if o != d))
            for name, deps in direct.items()}


def data_files(name: str) -> list:
    """The packaged data files (Traversables) matching the step's data globs, by name."""
    root = resources.files(PACKAGE) / "data"
    found = {}

    def walk(folder, prefix: str):
        for entry in folder.iterdir():
            rel = f"{prefix}{entry.name}"
            if entry.is_dir():
                walk(entry, rel + "/")
            elif any(fnmatch.fnmatchcase(rel, g) for g in step(name).data):
                found[rel] = entry

    walk(root, "")
    return [found[k] for k in sorted(found)]


def setting(cfg, dotted: str):
    """The value of a dotted config key, e.g. setting(cfg, "affiliations.china_policy")."""
    return cfg.value(dotted)


def code_digest(name: str) -> str:
    """Digest of the code step `name` runs to build its output (Step.builds, followed through calls)."""
    return codedigest.digest(*step(name).builds)


def fingerprint(cfg, name: str) -> str:
    """What step `name`'s output depends on besides the tables it reads: the code it runs
    (derived), its packaged data, the settings it declares and the files they name."""
    from paperscope import __version__

    s = step(name)
    h = hashlib.sha256()
    parts: list[str | bytes] = [__version__, code_digest(name)]
    parts += [json.dumps([key, setting(cfg, key)], sort_keys=True, default=str) for key in s.config]
    for key in s.config_files:
        path = setting(cfg, key)
        parts += [key, Path(path).read_bytes() if path else b""]
    for f in data_files(name):
        parts += [f.name, f.read_bytes()]
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]
