"""bench/scale.py's own arithmetic (issue 26): the fit, the ratios, the fixed-cost
breakdown from a run's timings, and the matcher change it makes. Nothing is timed."""
from __future__ import annotations

import importlib.util
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scale():
    sys.path.insert(0, str(REPO / "bench"))
    try:
        spec = importlib.util.spec_from_file_location("bench_scale", REPO / "bench" / "scale.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(REPO / "bench"))


def test_fit_recovers_a_line_and_says_nan_for_one_size(scale):
    a, b = scale.fit([100, 1000, 5000], [20 + 0.05 * n for n in (100, 1000, 5000)])
    assert a == pytest.approx(20) and b == pytest.approx(0.05)
    a, b = scale.fit([100], [40.0])
    assert math.isnan(a) and b == pytest.approx(0.4)


def test_ratio_and_share(scale):
    assert scale.ratio([500.0, 550.0, 600.0]) == pytest.approx(1.2)
    assert math.isnan(scale.ratio([]))
    assert scale.share(30.0, 120.0) == pytest.approx(25.0)
    assert math.isnan(scale.share(1.0, 0.0))


def test_breakdown_groups_parts_and_splits_the_rest_of_the_wall(scale):
    steps = {"extract": 10.0, "affiliations": 4.0, "aggregate": 5.0}
    parts = [("spark start (and the suites checked beside it)", 8.0), ("extract: corpus listed", 0.5),
             ("extract: PDFs read (the extraction job)", 6.0), ("write papers", 2.0), ("write headers", 2.5),
             ("write rules", 1.0), ("gold: silver columns to the driver", 1.5), ("report: table reads", 2.0),
             ("report: written (pages, charts, exports)", 1.0), ("re-run stamp", 0.1)]
    got = dict(scale.breakdown(50.0, steps, parts))
    assert got["Spark start"] == 8.0 and got["table writes"] == 5.5 and got["extraction job"] == 6.0
    assert got["extract: listing and stored keys"] == 0.5 and got["gold: inputs to the driver"] == 1.5
    # inside the steps: 0.5 + 6 + 5.5 + 1.5 = 13.5 of their 19 s
    assert got["other in the steps"] == pytest.approx(5.5)
    # outside: 50 - 19 (steps) - 8 - 2 - 1 - 0.1
    assert got["Python start, preflight, JVM exit"] == pytest.approx(19.9)
    # every second of the wall is counted once
    assert sum(got.values()) == pytest.approx(50.0)
    assert scale.writes_line(parts) == "papers 2.0, headers 2.5, rules 1.0"


def test_breakdown_never_goes_negative(scale):
    got = dict(scale.breakdown(1.0, {"extract": 0.1}, [("write papers", 0.5)]))
    assert got["other in the steps"] == 0.0 and got["Python start, preflight, JVM exit"] >= 0.0


def test_parts_made_at_once_count_once(scale):
    """Writes from driver threads overlap: the group counts the time they cover."""
    parts = [("write rules", 2.0, 10.0), ("write collaboration", 2.0, 10.5), ("write country_fractions", 0.5, 12.5),
             ("gold: frames just written to pandas", 1.0, 13.0)]
    assert scale.covered(parts[:3]) == pytest.approx(3.0)
    got = dict(scale.breakdown(20.0, {"aggregate": 5.0}, parts))
    assert got["table writes"] == pytest.approx(3.0)
    assert got["other in the steps"] == pytest.approx(1.0)
    assert scale.covered([("a", 1.0), ("b", 2.0)]) == pytest.approx(3.0)  # no starts: one after another


def _digests(lib: Path) -> list[str]:
    code = ("from paperscope.core import registry; "
            "print(registry.code_digest('extract')); print(registry.code_digest('affiliations'))")
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(lib)},
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def test_matcher_change_changes_the_affiliations_digest_not_extracts(scale, tmp_path):
    """The bench's matcher change is a change of the code the affiliations step runs (so
    it re-runs) and of nothing extract runs (so no PDF is read again)."""
    copy = scale.matcher_changed_copy(tmp_path / "lib")
    assert "bench/scale.py: a matcher change" in (copy / scale.MATCHER[0]).read_text()
    (extract_before, affiliations_before), (extract_after, affiliations_after) = _digests(REPO / "lib"), _digests(copy)
    assert extract_after == extract_before
    assert affiliations_after != affiliations_before
