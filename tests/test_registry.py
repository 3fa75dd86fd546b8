"""The step and table registry against everything that repeats it: CLI, console scripts,
spark-submit.sh, jobs/, the Databricks bundle, the config and the gate; and the
fingerprints it derives. No Spark starts here."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from paperscope.core import registry

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
    from paperscope.quality import gate as quality
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
    assert quality.SUITES == ("papers_per_year", "papers", "affiliations", "authors", "mentions", "rule_consistency")
    assert quality.GATE_TABLES == registry.step("validate").reads


def test_every_setting_of_the_step_sections_is_declared_by_a_step():
    """A new affiliations.* or mentions.* key must be named by the step it changes (in
    Step.config or Step.config_files), or its change would leave a stale table skipped."""
    from paperscope.core.config import load_config

    cfg = load_config(None)
    declared = {key for s in registry.STEPS for key in (*s.config, *s.config_files)}
    for section in ("affiliations", "mentions"):
        for key in type(getattr(cfg, section)).model_fields:
            assert f"{section}.{key}" in declared or section in declared, f"{section}.{key}"


def test_derived_code_of_a_step_reaches_what_shapes_it():
    affiliations = registry.code_modules(registry.step("affiliations").code)
    assert {"paperscope.pipeline.transforms", "paperscope.storage.schemas", "paperscope.storage.executor"} <= set(affiliations)
    assert "paperscope.report.writer" not in affiliations
    assert "paperscope.quality.gate" in registry.code_modules(registry.step("validate").code)


def _fingerprint_with(tmp_path: Path, module: str, old: str, new: str, step: str) -> str:
    """The step's fingerprint computed by a copy of the package with one edit."""
    copy = tmp_path / "lib"
    shutil.copytree(LIB / "paperscope", copy / "paperscope", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "paperscope" / module
    text = target.read_text()
    assert old in text
    target.write_text(text.replace(old, new, 1))
    code = ("from paperscope.core.config import load_config; from paperscope import incremental; "
            f"print(incremental.fingerprint(load_config(None), {step!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(copy), "PATH": ""},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.strip()


def test_changing_affiliation_rows_changes_the_affiliations_fingerprint(tmp_path):
    """Bug: the fingerprint hashed a hand-written list of files without transforms.py, so
    a changed affiliation_rows left the affiliations step skipped and its table stale."""
    from paperscope.core.config import load_config
    from paperscope.pipeline.papers import fingerprint

    before = fingerprint(load_config(None), "affiliations")
    after = _fingerprint_with(tmp_path, "transforms.py", 'F.lit("none")).alias("method")',
                              'F.lit("unmatched")).alias("method")', "affiliations")
    assert after != before


def test_changing_the_report_leaves_the_affiliations_fingerprint(tmp_path):
    from paperscope.core.config import load_config
    from paperscope.pipeline.papers import fingerprint

    before = fingerprint(load_config(None), "affiliations")
    assert _fingerprint_with(tmp_path, "report.py", '"""', '"""Edited. ', "affiliations") == before


def test_no_import_cycle_among_the_package_modules():
    """Imports anywhere in a module count, deferred ones too: a cycle hidden in a function
    still ties the two modules together."""
    graph = {m: registry.imports(m) for m in registry.modules()}
    assert len(graph) > 10
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]):
        state[node] = 1
        for dep in sorted(graph[node]):
            if state.get(dep) == 1 and dep in path:
                cycles.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []
