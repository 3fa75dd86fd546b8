"""Quiet failures (issue 25): the stack goes to the run's log file, the console keeps one line.

The console and the file are checked in a fresh interpreter (pytest's own logging set-up
would hide what a user sees); the JVM side, a real Spark task failure during a Delta
write, is test_cli.py::test_a_failed_write_is_one_line_and_the_stack_is_in_the_log.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from paperscope.cli import runlog

pytestmark = pytest.mark.unit


def test_the_log_file_is_under_the_reports_folder_or_where_spark_submit_chose(tmp_path, monkeypatch):
    monkeypatch.delenv(runlog.ENV, raising=False)
    path = runlog.log_path(str(tmp_path / "r"), "extract", now=0)
    assert path == tmp_path / "r" / "logs" / "19700101T000000Z-extract.log"
    assert runlog.log_path(f"file:{tmp_path}/r", "run", now=0).parent == tmp_path / "r" / "logs"
    assert runlog.log_path("dbfs:/reports", "run") is None  # Databricks' driver log keeps everything
    monkeypatch.setenv(runlog.ENV, str(tmp_path / "chosen.log"))
    assert runlog.log_path("dbfs:/reports", "run") == tmp_path / "chosen.log"


@pytest.mark.parametrize("name", ["plain", "with space", 'a "quoted" one', "back\\slash", "hash #1 %41"])
def test_the_jvm_options_keep_a_path_whole(tmp_path, name):
    path = tmp_path / name / "x.log"
    options = shlex.split(runlog.java_options(path))  # as Spark's launcher splits them
    assert f"-Dpaperscope.log.file={path}" in options and "-Dpaperscope.log.console=off" in options
    assert options[0] == f"-Dlog4j2.configurationFile=file:{runlog.log4j_config()}"
    assert Path(runlog.log4j_config()).is_file()


SCRIPT = textwrap.dedent("""
    import logging, sys
    from paperscope.cli.runlog import RunLog
    log = logging.getLogger("paperscope.test")
    with RunLog(logging.INFO) as logs:
        log.info("before the file")
        path = logs.to_file(sys.argv[1], "run")
        log.debug("a detail for the file")
        log.info("progress line")
        try:
            try:
                raise KeyError("deep cause")
            except KeyError as cause:
                raise RuntimeError("outer failure") from cause
        except RuntimeError as exc:
            log.warning("a warning with its traceback", exc_info=exc)
            print("paperscope: error: " + logs.with_path("the one line", exc), file=sys.stderr)
    log.info("after the command: no file, no console of ours")
    print(path)
""")


def test_the_console_keeps_one_line_and_the_file_has_the_stack(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "reports")], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    path = Path(out.stdout.strip())
    err = out.stderr.splitlines()
    assert [line.split(": ", 1)[-1] for line in err[:3]] == ["before the file", "progress line",
                                                              "a warning with its traceback"]
    assert err[3] == f"paperscope: error: the one line (the stack: {path})"
    assert len(err) == 4 and "Traceback" not in out.stderr and "a detail" not in out.stderr
    text = path.read_text(encoding="utf-8")
    assert "a detail for the file" in text and "progress line" in text and "before the file" not in text
    assert text.count("Traceback") == 4  # the warning's and the failure's, each with its cause
    assert "KeyError: 'deep cause'" in text and "stopped: the one line" in text
    assert "after the command" not in text


def test_no_reports_folder_on_disk_keeps_the_traces_on_the_console(tmp_path):
    script = SCRIPT.replace("sys.argv[1]", "'dbfs:/reports'")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "None"
    assert "Traceback" in out.stderr and "paperscope: error: the one line\n" in out.stderr
