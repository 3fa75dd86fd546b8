"""The docs site: its generated facts, the README draft's marked parts, the strict build.

Each check runs the generator in its own process (docs/gen_reference.py imports the
checkout's lib/, which must not replace the paperscope this test session imported).
"""
from __future__ import annotations

import importlib.util
import json
import os
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


def test_the_readme_draft_is_current_and_keeps_the_exit_code_table():
    done = _gen("--check", "docs/README-draft.md")
    assert done.returncode == 0, done.stdout + done.stderr
    table = subprocess.run([sys.executable, "-c", "from paperscope.core.exitcodes import markdown_table; "
                            "print(markdown_table(), end='')"], cwd=REPO / "lib", capture_output=True, text=True)
    assert table.stdout and table.stdout in (REPO / "docs" / "README-draft.md").read_text(encoding="utf-8")


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs not installed (pip install -e '.[docs]')")
def test_the_site_builds_strictly(tmp_path):
    mkdocs = Path(sys.executable).with_name("mkdocs")
    done = subprocess.run([str(mkdocs), "build", "--strict", "-q", "-d", str(tmp_path / "site")], cwd=REPO,
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reference" / "config.html").is_file()


NIPS = REPO.parent / "shared" / "neurips2024" / "nips2024.json"


@pytest.mark.e2e
@pytest.mark.skipif(not NIPS.is_file(), reason="no shared/neurips2024/nips2024.json beside the repository")
def test_the_neurips_figures_are_those_of_this_code():
    done = subprocess.run([sys.executable, str(REPO / "docs" / "gen_figures.py"), str(NIPS), "--check"], cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
