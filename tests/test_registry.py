"""The step and table registry against everything that repeats it: CLI, console scripts,
spark-submit.sh, jobs/, the Databricks bundle, the config and the gate; and the
fingerprints it derives. No Spark starts here."""
from __future__ import annotations

import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml

from paperscope.core import codedigest, registry
from support import settings

pytestmark = pytest.mark.unit

REPO = Path(__file__).resolve().parents[1]
LIB = REPO / "lib"


def test_cli_subcommands_are_the_registry_steps():
    from paperscope.cli.commands import parser

    [sub] = [a for a in parser()._actions if a.dest == "step"]
    assert list(sub.choices) == [s.name for s in registry.STEPS]


def test_console_scripts_and_entry_points_follow_the_registry():
    from paperscope.cli import entrypoints

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == registry.console_scripts()
    for target in scripts.values():
        module, _, func = target.partition(":")
        assert callable(getattr(__import__(module, fromlist=[func]), func)), target
    assert {n for n in dir(entrypoints) if callable(getattr(entrypoints, n)) and not n.startswith("_")} >= {
        s.name for s in registry.STEPS if s.entry_point}


def test_spark_submit_accepts_exactly_the_spark_jobs():
    """jobs/metadata.py existed while spark-submit.sh refused `metadata`."""
    text = (REPO / "spark-submit.sh").read_text()
    [jobs] = re.findall(r'^JOBS="([^"]*)"', text, re.M)
    assert jobs.split() == registry.spark_jobs()


def test_jobs_folder_has_one_file_per_job():
    files = {p.stem for p in (REPO / "jobs").glob("*.py")}
    assert files == {s.name for s in registry.STEPS if s.job_file}
    for s in registry.STEPS:
        if s.job_file and s.spark:
            text = (REPO / "jobs" / f"{s.name}.py").read_text()
            assert f'main(["{s.name}", *sys.argv[1:]])' in text, s.name


def _bundle() -> dict:
    root = yaml.safe_load((REPO / "databricks.yml").read_text())
    for pattern in root.get("include", []):
        for path in sorted(REPO.glob(pattern)):
            part = yaml.safe_load(path.read_text())
            for kind, items in part.get("resources", {}).items():
                root.setdefault("resources", {}).setdefault(kind, {}).update(items)
    return root


def test_databricks_tasks_follow_the_registry():
    [job] = _bundle()["resources"]["jobs"].values()
    tasks = {t["task_key"]: t for t in job["tasks"]}
    assert list(tasks) == [s.name for s in registry.STEPS if s.task]
    for name, deps in registry.task_dependencies().items():
        assert sorted(d["task_key"] for d in tasks[name].get("depends_on", [])) == deps, name
        assert tasks[name]["python_wheel_task"]["entry_point"] == f"paperscope-{name}"
    assert registry.task_dependencies()["mentions"] == ["extract"]


def test_tables_have_config_schema_and_suite():
    from paperscope.core.config import load_config
    from paperscope.quality.suites import GATE_TABLES, SUITES
    from paperscope.storage import schemas

    cfg = load_config(None)
    assert set(cfg.warehouse.tables) <= {t.name for t in registry.TABLES}
    folder = LIB / "paperscope" / "data" / "expectations"
    for t in registry.TABLES:
        if t.schema and t.partition_by:
            assert getattr(schemas, t.schema).fieldNames()[:2] == ["paper_id", "year"], t.name
        if t.suite:
            assert (folder / f"{t.suite}.json").is_file(), t.name
        assert set(t.partition_by) <= {"year"}
    for s in registry.STEPS:
        assert set(s.reads) | set(s.writes) <= {t.name for t in registry.TABLES}, s.name
        for key in (*s.config, *s.config_files):
            registry.setting(cfg, key)  # a KeyError names a key the config does not have
    assert SUITES == ("papers_per_year", "papers", "affiliations", "authors", "mentions", "rule_consistency")
    assert GATE_TABLES == registry.step("validate").reads


def test_every_setting_of_the_step_sections_is_declared_by_a_step():
    """A new affiliations.* or mentions.* key must be named by the step it changes (in
    Step.config or Step.config_files), or its change would leave a stale table skipped."""
    from paperscope.core.config import load_config

    cfg = load_config(None)
    declared = {key for s in registry.STEPS for key in (*s.config, *s.config_files)}
    for section in ("affiliations", "mentions"):
        for key in type(getattr(cfg, section)).model_fields:
            assert f"{section}.{key}" in declared or section in declared, f"{section}.{key}"


STEPS = [s.name for s in registry.STEPS if s.builds]


@contextmanager
def _edited(changes: dict[str, tuple[str, str]]):
    """The package's sources as codedigest reads them, with one text edit per module."""
    files = dict(codedigest._files())
    for module, (old, new) in changes.items():
        source, package = files[module]
        assert old.encode() in source, (module, old)
        files[module] = (source.replace(old.encode(), new.encode(), 1), package)
    caches = (codedigest.reach,)  # parse and text are cached by the source itself
    original = codedigest._files
    for c in caches:
        c.cache_clear()
    codedigest._files = lambda: files
    try:
        yield
    finally:
        codedigest._files = original
        for c in caches:
            c.cache_clear()


def _digests() -> dict[str, str]:
    return {name: registry.code_digest(name) for name in STEPS}


def _comment_edit(source: str) -> tuple[str, str]:
    """A change of form only: a comment line, a docstring word, a blank line and a reflow."""
    first = source.splitlines()[0]
    if first.startswith('"""'):
        return first, first.replace('"""', '"""Edited. ', 1) + "\n# a comment that changes nothing\n"
    return first, "# a comment that changes nothing\n\n" + first


@pytest.mark.slow  # every module of the package, edited and digested
def test_a_comment_or_docstring_in_any_module_changes_no_step_and_no_stamp():
    """Generated over every module of the package at once: form is not behaviour (a
    digest is a function of each module's normalised tree, so all at once implies each)."""
    from paperscope.cli import rerun

    cfg = settings()
    before, stamp = _digests(), rerun.inputs_state(cfg)["code"]
    edits = {module: _comment_edit(source.decode()) for module, source in codedigest.modules().items() if source.strip()}
    assert len(edits) > 50
    with _edited(edits):
        assert _digests() == before
        assert rerun.inputs_state(cfg)["code"] == stamp


def _slow(*values):
    """An edit of the matrix below that only make test runs (make test-fast keeps the first two)."""
    return pytest.param(*values, marks=pytest.mark.slow)


@pytest.mark.parametrize("module, old, new, changed", [
    # A matcher rule re-runs the affiliations step (and, through its tables, what reads them).
    ("paperscope.paper.matcher.rules", '_UNIT_WORDS = {"ai", ', '_UNIT_WORDS = {"ai", "lab", ', {"affiliations"}),
    ("paperscope.paper.header.page", "def ", "def _unused(): return 1\n\n\ndef ", set()),
    _slow("paperscope.pipeline.affiliations", 'UNMATCHED = "', 'UNMATCHED = "unmatched: ', {"affiliations"}),
    # The terms' reader is the mentions step's, and the aggregate's term descriptions.
    _slow("paperscope.paper.mentions.count", "def count_terms(",
          "def _spare():\n    return 0\n\n\ndef count_terms(", set()),
    # A metadata parser is no part of the PDF pipeline.
    _slow("paperscope.sources.metadata.formats", '"none", "null"', '"none", "nil", "null"', set()),
    _slow("paperscope.report.writer", "def write(", "def _spare():\n    return 0\n\n\ndef write(", set()),
    _slow("paperscope.counting.flags", 'DUPLICATE = "duplicate"', 'DUPLICATE = "copy"', {"aggregate"}),
    _slow("paperscope.counting.rules", "_EPS = 1e-9", "_EPS = 1e-6", {"aggregate"}),
])
def test_a_code_change_re_runs_exactly_the_steps_that_run_it(module, old, new, changed):
    before = _digests()
    with _edited({module: (old, new)}):
        after = _digests()
    assert {name for name in STEPS if after[name] != before[name]} == changed


def test_the_gazetteer_cache_follows_the_matcher_code_not_its_comments():
    from paperscope.paper.matcher import sources

    key = sources.cache_key()
    with _edited({"paperscope.paper.matcher.text": _comment_edit(codedigest.modules()["paperscope.paper.matcher.text"]
                                                                   .decode())}):
        assert sources.cache_key() == key
    with _edited({"paperscope.paper.matcher.text": ('_STOP = {"the", ', '_STOP = {"the", "von", ')}):
        assert sources.cache_key() != key


def test_a_module_used_as_a_value_counts_whole():
    """A module passed around (not only its attributes) may run any of its functions."""
    reach = codedigest.reach("paperscope.pipeline.affiliations:headers_frame")
    assert ("paperscope.paper.header", "parse") in reach
    assert any(module == "paperscope.paper.matcher.index" for module, _ in reach)
    assert not any(module.startswith("paperscope.report") for module, _ in reach)


def test_the_layers_hold(repo):
    """import-linter's contracts in pyproject.toml (the layers of the package)."""
    out = subprocess.run([str(Path(sys.executable).parent / "lint-imports"), "--no-cache"], cwd=repo,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]


