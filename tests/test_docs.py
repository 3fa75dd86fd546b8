"""The docs site: its generated facts, the README's marked parts, the strict build.

Each check runs the generator in its own process (docs/gen_reference.py imports the
checkout's lib/, which must not replace the paperscope this test session imported).
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
GEN = REPO / "docs" / "gen_reference.py"


def _gen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(GEN), *args], cwd=REPO, capture_output=True, text=True, timeout=300)


def test_every_generated_block_and_fact_renders():
    done = _gen()
    assert done.returncode == 0, done.stderr
    out = done.stdout
    suites = sorted((REPO / "lib" / "paperscope" / "data" / "expectations").glob("*.json"))
    expected = sum(len(json.loads(p.read_text(encoding="utf-8"))["expectations"]) for p in suites)
    assert f"n_expectations: {expected}\n" in out
    assert "| 5 | `CONFLICT` |" in out and "/work/" not in out and "/tmp/" not in out


def test_the_readme_is_short_current_and_keeps_the_two_commands():
    """The README's generated parts (the run's output, the table count, the exit codes) are
    those of this code; it stays a short page with the two commands, and names no machine's path."""
    done = _gen("--check", "README.md")
    assert done.returncode == 0, done.stdout + done.stderr
    table = subprocess.run([sys.executable, "-c", "from paperscope.core.exitcodes import markdown_table; "
                            "print(markdown_table(), end='')"], cwd=REPO / "lib", capture_output=True, text=True)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table.stdout and table.stdout in readme
    assert len(readme.splitlines()) <= 180
    assert "./spark-submit.sh      # run the whole pipeline on the bundled sample corpus" in readme
    assert "make test              # run the test suite" in readme
    assert not re.search(r"/(?:work|tmp|home|root|Users)/", readme)


def test_no_tracked_text_names_a_build_machines_path():
    """Benchmark output and examples keep relative paths: nothing under /work, /home or /root in any tracked text."""
    files = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True).stdout.split()
    binary = (".gz", ".pdf", ".png", ".woff2", ".zip", ".whl", ".ico", ".gif")
    texts = {f: (REPO / f).read_text("utf-8", errors="replace") for f in files
             if not f.endswith(binary) and (REPO / f).is_file()}
    bad = [f for f, text in texts.items() if re.search(r"(?<![\w.])/(?:work|home|root|Users)/\w", text)]
    assert not bad, bad


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None and not os.environ.get("CI"),
                    reason="mkdocs not installed (pip install -e '.[docs]'; make test installs it)")
@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q", "-d", str(tmp_path / "site")], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reference" / "config.html").is_file()
