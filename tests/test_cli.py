"""The command line as a user meets it: help, one-line errors, and ./spark-submit.sh itself."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAPERSCOPE = [sys.executable, "-m", "paperscope.cli.commands"]


def _run(cmd, **kw):
    return subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


def test_help_lists_steps_and_config():
    out = _run([*PAPERSCOPE, "--help"])
    assert out.returncode == 0
    for word in ("extract", "affiliations", "mentions", "validate", "aggregate", "--set", "Exit codes"):
        assert word in out.stdout


def test_missing_corpus_is_one_line_before_spark(tmp_path):
    out = _run([*PAPERSCOPE, "run", "--corpus", str(tmp_path / "nope")])
    assert out.returncode == 2
    assert out.stderr.strip().count("\n") == 0
    assert "corpus folder not found" in out.stderr


def test_malformed_config_is_one_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("quality: [1, 2\n")
    out = _run([*PAPERSCOPE, "check", "--conf-file", str(bad)])
    assert out.returncode == 2
    assert "not valid YAML" in out.stderr and out.stderr.strip().count("\n") == 0


def test_check_accepts_the_sample():
    out = _run([*PAPERSCOPE, "check", "--conf-file", "conf/local.yaml"])
    assert out.returncode == 0, out.stderr


def test_spark_submit_help_and_bad_job():
    out = _run(["./spark-submit.sh", "--help"])
    assert out.returncode == 0 and "--conf-file" in out.stdout and "-- JOB ARGS" in out.stdout
    out = _run(["./spark-submit.sh", "frobnicate"])
    assert out.returncode == 2 and "unknown job" in out.stderr


def test_spark_submit_runs_the_sample_with_the_shipped_wheel(tmp_path):
    """The README's run command, on one year to keep it short, with its own JVM."""
    env = {**os.environ, "PYSPARK_PYTHON": str(REPO / ".venv" / "bin" / "python")}
    out = _run(["./spark-submit.sh", "--master", "local[2]", "--conf", "spark.ui.enabled=false", "run", "--",
                "--years", "2024", "--warehouse", str(tmp_path / "wh"), "--reports", str(tmp_path / "rep")],
               env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "report:" in out.stdout and "tables:" in out.stdout
    [run_json] = [p for p in (tmp_path / "rep").glob("*/run.json") if p.parent.name != "latest"]
    record = json.loads(run_json.read_text())
    assert record["status"] == "passed"
    assert [r["year"] for r in record["collaboration"]] == [2024]
    assert (tmp_path / "wh" / "papers" / "_delta_log").is_dir()


def test_spark_submit_without_java_is_one_line():
    out = _run(["./spark-submit.sh"], env={**os.environ, "JAVA_HOME": "/nonexistent-java"})
    assert out.returncode == 2
    assert "Java 17" in out.stderr and out.stderr.strip().count("\n") == 0


def test_spark_submit_with_unfetchable_delta_jar_is_one_line(tmp_path):
    conf = tmp_path / "c.yaml"
    conf.write_text(f"delta:\n  jar_cache: {tmp_path / 'jars'}\n  maven_repository: http://127.0.0.1:9/maven2\n")
    out = _run(["./spark-submit.sh", "--conf-file", str(conf)])
    assert out.returncode == 2
    assert "Delta jar" in out.stderr and "could not be fetched" in out.stderr
    assert out.stderr.strip().count("\n") == 0


def test_bad_terms_file_and_bad_suite_folder_stop_before_spark(tmp_path):
    terms = tmp_path / "terms.yaml"
    terms.write_text("terms:\n  - {name: Broken, kind: method, origin: {organisation: X, country: null},\n"
                     "     case_sensitive: false, variants: ['(unclosed']}\n")
    out = _run([*PAPERSCOPE, "run", "--set", f"mentions.terms_file={terms}"])
    assert out.returncode == 2 and "term #1 (Broken): bad regex in variants[0]" in out.stderr
    out = _run([*PAPERSCOPE, "check", "--set", f"quality.expectations_dir={tmp_path}"])
    assert out.returncode == 2 and "expectation suite file not found" in out.stderr
    assert out.stderr.strip().count("\n") == 0


@pytest.mark.parametrize("setting, message", [
    ("extract.timeout_seconds=soon", "paperscope: error: config --set: extract.timeout_seconds must be a number"),
    ("extract.page_limit=-3", "extract.page_limit must be >= 0 (got -3)"),
    ("extract.reextract=maybe", "extract.reextract must be true or false"),
    ("quality.engine=excel", "quality.engine must be one of 'pandas' or 'spark'"),
    ("input.glob=[a]", "input.glob must be a string"),
    ("download.pdf_link=([", "download.pdf_link must be a valid regex"),
])
def test_bad_extract_limits_are_one_line_before_spark(setting, message):
    out = _run([*PAPERSCOPE, "run", "--set", setting])
    assert out.returncode == 2, out.stderr
    assert message in out.stderr and out.stderr.strip().count("\n") == 0


def test_missing_manifest_is_one_line(tmp_path):
    out = _run([*PAPERSCOPE, "run", "--manifest", str(tmp_path / "none.csv")])
    assert out.returncode == 2
    assert "manifest not found" in out.stderr and out.stderr.strip().count("\n") == 0


@pytest.mark.deploy
def test_plain_command_uses_its_own_python_for_workers(tmp_path):
    """`.venv/bin/paperscope STEP` with no PYSPARK_PYTHON, and a `python3` on PATH that has no
    paperscope: the local workers must run the command's own interpreter, not PATH's."""
    bare = tmp_path / "bin"
    bare.mkdir()
    (bare / "python3").symlink_to(getattr(sys, "_base_executable", None) or "/usr/bin/python3")
    probe = subprocess.run([str(bare / "python3"), "-c", "import paperscope"], capture_output=True)
    assert probe.returncode != 0, "the stand-in python3 must lack paperscope for this test to mean anything"
    env = {k: v for k, v in os.environ.items() if k not in ("PYSPARK_PYTHON", "PYSPARK_DRIVER_PYTHON")}
    env["PATH"] = f"{bare}{os.pathsep}{env.get('PATH', '')}"
    out = _run([str(REPO / ".venv" / "bin" / "paperscope"), "extract", "--conf-file", "conf/local.yaml",
                "--years", "2024", "--master", "local[1]", "--warehouse", str(tmp_path / "wh"),
                "--reports", str(tmp_path / "rep"), "--set", "spark.conf={spark.ui.enabled: 'false'}",
                "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"], env=env, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "ModuleNotFoundError" not in out.stderr
    assert (tmp_path / "wh" / "papers" / "_delta_log").is_dir()


def test_a_failed_write_is_one_line_and_the_stack_is_in_the_log(tmp_path):
    """A Spark task that fails while Delta writes (a file where a year's folder goes) makes
    the JVM log its stack frames: they go to the run's log file, the console keeps
    paperscope's lines and the one line that names the failure and the file."""
    blocker = tmp_path / "wh" / "papers" / "year=2024"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("a file where the year's folder goes")
    out = _run([*PAPERSCOPE, "extract", "--conf-file", "conf/local.yaml", "--years", "2024", "--master", "local[1]",
                "--warehouse", str(tmp_path / "wh"), "--reports", str(tmp_path / "rep"),
                "--set", "spark.conf={spark.ui.enabled: 'false'}",
                "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"], timeout=600)
    assert out.returncode == 4, out.stderr[-3000:]
    [line] = [x for x in out.stderr.splitlines() if x.startswith("paperscope: error: ")]
    assert "year=2024" in line or "papers" in line, line
    logs = list((tmp_path / "rep" / "logs").glob("*-extract.log"))
    assert len(logs) == 1 and line.endswith(f"(the stack: {logs[0]})"), line
    assert "\tat " not in out.stderr and "Traceback" not in out.stderr, out.stderr[-3000:]
    assert len(out.stderr.splitlines()) < 30, out.stderr
    text = logs[0].read_text(encoding="utf-8")
    assert "\tat org.apache." in text and "(JVM)" in text  # the JVM's own log, stack frames included
    assert "stopped: " in text and "Traceback" in text
