"""The steps of the pipeline and the tables they read and write, each said once.

Everything else that names a step or a table comes from here or is checked against it
by a test (tests/test_registry.py): the CLI's subcommands, the console scripts, the
spark-submit jobs, the Databricks tasks and their order, the quality gate's tables and
suites, and what a step's incremental fingerprint covers.

The code a step's output depends on is derived, not listed: the step function's own
source, and every module of the package that it reaches through imports, transitively
(module-level and function-level imports alike). Listing files by hand let a change to
`transforms.affiliation_rows` leave the affiliations fingerprint as it was, so a stale
table was aggregated as fresh. The sources are read through importlib.resources, which
also works when the package is imported from a zipped wheel under spark-submit.

Importing this module is cheap and starts no Spark: the CLI reads it before any JVM.
"""
from __future__ import annotations

import ast
import functools
import hashlib
import importlib
from dataclasses import dataclass
from importlib import resources

PACKAGE = "paperscope"


@dataclass(frozen=True)
class Table:
    """A Delta table: its key (warehouse.tables.<name> gives its folder), columns, gate suite."""

    name: str
    layer: str  # bronze, silver or gold
    doc: str
    schema: str | None = None  # the StructType's name in schemas.py; None: the transform's own columns
    suite: str | None = None  # data/expectations/<suite>.json, run by the quality gate
    partition_by: tuple[str, ...] = ("year",)

    def struct(self):
        """The table's StructType (imports pyspark)."""
        from paperscope.storage import schemas

        return getattr(schemas, self.schema) if self.schema else None


@dataclass(frozen=True)
class Step:
    """A command of `paperscope`: a pipeline step (Spark) or a tool (no Spark)."""

    name: str
    help: str
    # "module:function" called with a pipeline.Run; returns an exit code (None means 0).
    # None: a tool with its own argument parser (tool) or a check done by the CLI itself.
    run: str | None = None
    # "module:function" that computes what the step writes (or, for the gate, decides),
    # when it is not `run` itself: the root of the step's derived code (code_modules).
    builds: str | None = None
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

    @property
    def code(self) -> str:
        return self.builds or self.run

    def function(self):
        """The step's function, imported now (pipeline imports pyspark)."""
        module, _, attr = self.run.partition(":")
        return getattr(importlib.import_module(module), attr)


TABLES: tuple[Table, ...] = (
    Table("papers", "bronze", "one row per PDF: text, pages, extraction status", "PAPERS", "papers"),
    Table("headers", "silver", "one row per paper: its author block as read, matches per affiliation", "HEADERS"),
    Table("affiliations", "silver", "one row per (paper, affiliation string, match): institution, country, rule",
          "AFFILIATIONS", "affiliations"),
    Table("authors", "silver", "one row per (paper, author position): name, affiliation indices, countries, source",
          "AUTHORS", "authors"),
    Table("mentions", "silver", "one row per (paper, term) found: counts in the full text and the body",
          "MENTIONS", "mentions"),
    Table("collaboration", "gold", "per year: papers with US / Chinese / both authors"),
    Table("term_groups", "gold", "per (year, term): papers mentioning it, by author-country group"),
    Table("rules", "gold", "per (year, counting rule, china policy, dual strings): papers, with_us, with_cn, with_both, share"),
    Table("institution_pairs", "gold", "per (year, US institution, Chinese institution): papers together, headline rule"),
    Table("country_fractions", "gold", "per (year, country): fractional count (Nature Index FC)"),
    # Appended by `paperscope review import`, never replaced by a run; checked on import, not by the gate.
    Table("reviews", "silver", "one row per reviewer judgement: a paper's flags or an affiliation string's country",
          "REVIEWS", partition_by=()),
)

STEPS: tuple[Step, ...] = (
    Step("run", "the whole pipeline: extract, affiliations, mentions, validate, aggregate (default)",
         run="paperscope.pipeline.steps:run_all", entry_point=True),
    Step("extract", "PDF text with pdfminer.six on the executors -> papers table",
         run="paperscope.pipeline.steps:extract", writes=("papers",), task=True, entry_point=True),
    Step("affiliations", "first-page author block -> affiliations table (institution, country, rule)",
         run="paperscope.pipeline.steps:affiliations", reads=("papers", "reviews"), writes=("headers", "affiliations", "authors"),
         config=("affiliations.ror_dump", "affiliations.fuzzy_threshold"),
         data=("*.tsv", "*.tsv.gz", "*.txt"), task=True, entry_point=True),
    Step("mentions", "model and architecture mentions -> mentions table",
         run="paperscope.pipeline.steps:mentions", reads=("papers",), writes=("mentions",),
         config=("mentions.timeout_seconds",), config_files=("mentions.terms_file",), data=("terms.yaml",), task=True,
         entry_point=True),
    Step("validate", "Great Expectations gate on papers/affiliations/mentions; Data Docs + summary",
         run="paperscope.pipeline.steps:validate_and_report", builds="paperscope.pipeline.steps:validate", reads=("papers", "affiliations", "authors", "mentions"),
         config=("quality", "aggregates"), data=("expectations/*.json",), task=True, entry_point=True),
    Step("aggregate", "gate, then collaboration and mention aggregates (gold tables) and the report",
         run="paperscope.pipeline.steps:gate_then_aggregate", builds="paperscope.pipeline.steps:aggregate", reads=("papers", "affiliations", "authors", "mentions"),
         writes=("collaboration", "term_groups", "rules", "institution_pairs", "country_fractions"), after=("validate",),
         config=("affiliations.china_policy", "mentions.scope", "aggregates"), config_files=("mentions.terms_file",),
         data=("terms.yaml",), task=True, entry_point=True),
    Step("metadata", "conference metadata (--source FILE) instead of PDFs -> papers, affiliations, gate, aggregates",
         run="paperscope.pipeline.steps:run_metadata", writes=("papers", "affiliations", "authors", "mentions"), entry_point=True),
    Step("check", "check the config and the input paths without starting Spark", spark=False, job_file=False),
    Step("download", "fetch PDFs from a proceedings index or a URL list (no Spark; see `paperscope download --help`)",
         tool="paperscope.sources.download:main", spark=False),
    Step("match", "affiliation strings on stdin -> one JSON line each (no Spark; see `paperscope match --help`)",
         tool="paperscope.cli.tools:match_main", spark=False, job_file=False),
    Step("header", "PDFs -> title, authors, affiliations, countries as JSON lines (no Spark)",
         tool="paperscope.cli.tools:header_main", spark=False, job_file=False),
    Step("review", "a filled review sheet -> reviews table; list or withdraw corrections (see `paperscope review --help`)",
         tool="paperscope.report.review:main", spark=False, job_file=False),
)

_STEPS = {s.name: s for s in STEPS}
_TABLES = {t.name: t for t in TABLES}


def step(name: str) -> Step:
    return _STEPS[name]


def table(name: str) -> Table:
    return _TABLES[name]


def pipeline_steps() -> list[Step]:
    """Steps that take the pipeline's flags and run on Spark (CLI subcommands with a Run)."""
    return [s for s in STEPS if s.run]


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


# ---------------------------------------------------------------------------------------
# The package's modules and their imports, read from the sources
# ---------------------------------------------------------------------------------------


def _walk(folder, prefix: str):
    for entry in folder.iterdir():
        if entry.is_dir() and entry.name not in ("data", "__pycache__") and not entry.name.startswith("."):
            if entry.joinpath("__init__.py").is_file():
                yield from _walk(entry, f"{prefix}.{entry.name}")
        elif entry.name.endswith(".py"):
            name = prefix if entry.name == "__init__.py" else f"{prefix}.{entry.name[:-3]}"
            yield name, entry


@functools.cache
def modules() -> dict[str, bytes]:
    """Every module of the package by dotted name, with its source bytes."""
    return {name: entry.read_bytes() for name, entry in _walk(resources.files(PACKAGE), PACKAGE)}


@functools.cache
def _tree(module: str) -> ast.Module:
    return ast.parse(modules()[module], filename=module)


def _absolute(module: str, node: ast.ImportFrom) -> str:
    """The absolute module an ImportFrom names (resolving `from . import x`)."""
    if not node.level:
        return node.module or ""
    parts = module.split(".")
    base = parts if module in _packages() else parts[:-1]
    base = base[:len(base) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


@functools.cache
def _packages() -> frozenset[str]:
    return frozenset(name for name, entry in _walk(resources.files(PACKAGE), PACKAGE) if entry.name == "__init__.py")


def _imported(module: str, node: ast.AST) -> set[str]:
    """Package modules named by the import statements under node."""
    known = modules()
    found: set[str] = set()
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import):
            for alias in sub.names:
                if alias.name in known:
                    found.add(alias.name)
        elif isinstance(sub, ast.ImportFrom):
            # `from pkg import submodule` depends on the submodule; `from pkg import name`
            # on the package's own code.
            base = _absolute(module, sub)
            submodules = {f"{base}.{alias.name}" for alias in sub.names} & set(known)
            found |= submodules
            if base in known and base != PACKAGE and len(submodules) < len(sub.names):
                found.add(base)
    return found


def imports(module: str) -> set[str]:
    """The package modules `module` imports, at its top level or inside its functions
    (imports deferred for start-up time still shape its results)."""
    return _imported(module, _tree(module)) - {module}


def closure(roots: set[str]) -> set[str]:
    """roots and every package module they import, transitively."""
    seen: set[str] = set()
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(imports(name))
    return seen


def _definitions(module: str) -> dict[str, ast.AST]:
    """Top-level functions, classes and assignments of `module` by the names they bind."""
    defs: dict[str, ast.AST] = {}
    for node in _tree(module).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defs[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for n in ast.walk(target):
                    if isinstance(n, ast.Name):
                        defs[n.id] = node
    return defs


def _module_names(module: str) -> dict[str, str]:
    """Top-level names of `module` bound to package modules or their attributes -> module."""
    bound: dict[str, str] = {}
    known = modules()
    for node in _tree(module).body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    bound[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(module, node)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if full in known:
                    bound[alias.asname or alias.name] = full
                elif base in known:
                    bound[alias.asname or alias.name] = base
    return bound


@functools.cache
def _reach(target: str) -> tuple[tuple[ast.AST, ...], frozenset[str]]:
    """For "module:function": the definitions of its module it uses (itself included,
    transitively), and the package modules those use - through names imported at the top
    of the module or by imports inside them."""
    module, _, func = target.partition(":")
    defs, bound = _definitions(module), _module_names(module)
    if func not in defs:
        raise LookupError(f"{target} not found")
    seen: dict[str, ast.AST] = {}
    roots: set[str] = set()
    todo = [func]
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        node = seen[name] = defs[name]
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        roots |= {bound[n] for n in used if n in bound} | _imported(module, node)
        todo.extend(n for n in used if n in defs)
    roots.discard(module)
    unique = {id(n): n for n in seen.values()}
    return tuple(sorted(unique.values(), key=lambda n: n.lineno)), frozenset(roots)


@functools.cache
def code_modules(target: str) -> tuple[str, ...]:
    """The package modules whose code shapes what "module:function" computes (derived).

    The function's own module counts through the definitions the function uses (the
    pipeline module holds every step); every other module the function reaches counts
    whole, with all it imports, transitively.
    """
    return tuple(sorted(closure(set(_reach(target)[1]))))


def _digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()[:16]


def code_digest(target: str) -> str:
    """Digest of the code behind "module:function" (or a step's name): the definitions of
    its own module that it uses, and the modules it reaches (code_modules)."""
    if ":" not in target:
        target = step(target).code
    module = target.partition(":")[0]
    source = modules()[module].decode("utf-8")
    parts = [ast.get_source_segment(source, node) or "" for node in _reach(target)[0]]
    for mod in code_modules(target):
        parts += [mod, modules()[mod]]
    return _digest(*parts)


def modules_digest(*roots: str) -> str:
    """Digest of modules and all they import from the package, for caches keyed on code
    (the matcher's index cache, say) instead of a hand-written list of files."""
    return _digest(*(part for mod in sorted(closure(set(roots))) for part in (mod, modules()[mod])))


def data_files(name: str) -> list:
    """The packaged data files (Traversables) matching the step's data globs, by name."""
    import fnmatch

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


def setting(cfg: dict, dotted: str):
    """The value of a dotted config key, e.g. setting(cfg, "affiliations.china_policy")."""
    return cfg.value(dotted)


def fingerprint(cfg: dict, name: str) -> str:
    """What step `name`'s output depends on besides the tables it reads: its code (derived),
    its packaged data, the settings it declares and the files they name."""
    import json
    from pathlib import Path

    from paperscope import __version__

    s = step(name)
    parts: list[str | bytes] = [__version__, code_digest(s.code)]
    parts += [json.dumps([key, setting(cfg, key)], sort_keys=True, default=str) for key in s.config]
    for key in s.config_files:
        path = setting(cfg, key)
        parts += [key, Path(path).read_bytes() if path else b""]
    for f in data_files(name):
        parts += [f.name, f.read_bytes()]
    return _digest(*parts)
