"""A small seeded fuzzing campaign through the extraction pool (the bench, bench/fuzz.py, runs thousands).

Three inputs of every mutation kind (tests/fuzzing.py) over three sample PDFs that differ
in structure (a real paper with an xref stream and object streams, two reportlab files
with classic xref tables): each one is one result with a known status, and no extraction
child is left once the pool is closed. Generation is checked to be deterministic: an input's name gives its
bytes back, which is what makes REGRESSIONS work.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import fuzzing
from paperscope.paper.pdf.limits import STATUSES, Limits
from paperscope.paper.pdf.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[1]
SEED = 25
# Sources of the small campaign: a real paper (an xref stream, object streams) and two reportlab
# files (classic xref tables; one of four pages).
STEMS = ("eacl-2023.eacl-main.121", "neurips2024_01", "neurips2025_04")
# Inputs a campaign (bench/fuzz.py) found to abort, crash or hang the pool, by name; each
# must now give one result with a status. Regenerated from the sample corpus.
REGRESSIONS: list[str] = []


@pytest.fixture(scope="module")
def sources() -> dict[str, bytes]:
    return fuzzing.load_sources(fuzzing.sample_sources(REPO))


def _through_the_pool(datas: list[bytes]) -> list:
    """Each input through one Sandbox, then the Sandbox closed: the results, and the children left."""
    before = fuzzing.children(os.getpid())
    box = Sandbox(Limits.from_config(timeout_seconds=20))
    try:
        results = [box.extract(data) for data in datas]
    finally:
        box.close()
    return results, fuzzing.children(os.getpid()) - before


def test_every_kind_mutates_and_a_name_gives_its_bytes_back(sources):
    picked = {stem: sources[stem] for stem in STEMS}
    first = list(fuzzing.campaign(SEED, 3 * len(fuzzing.KINDS), picked))
    again = list(fuzzing.campaign(SEED, 3 * len(fuzzing.KINDS), picked))
    assert first == again
    assert {m.kind for m in first} == set(fuzzing.KINDS)
    assert {(m.kind, m.source) for m in first} == {(k, s) for k in fuzzing.KINDS for s in STEMS}
    for m in first:
        assert m.name == f"{SEED}-{m.kind}-{fuzzing.parse_name(m.name)[2]}-{m.source}"
        assert m.data != picked[m.source], m.name
        assert fuzzing.regenerate(m.name, sources) == m.data
    other = list(fuzzing.campaign(SEED + 1, 3 * len(fuzzing.KINDS), picked))
    assert sum(a.data != b.data for a, b in zip(first, other)) >= len(first) - 2


def test_a_name_that_is_not_an_input_is_refused(sources):
    with pytest.raises(ValueError, match="unknown kind"):
        fuzzing.regenerate("1-melt-0-neurips2024_01", sources)
    with pytest.raises(KeyError, match="no source"):
        fuzzing.regenerate("1-flip-0-no-such-paper", sources)


def test_offsets_are_kept_right_when_asked():
    data = b"%PDF-1.4\n1 0 obj\n<< >>\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \n" \
           b"trailer\n<< /Size 2 >>\nstartxref\n30\n%%EOF\n"
    moved = fuzzing._splice(data, 0, 0, b"%x\n", True)
    assert b"0000000012 00000 n" in moved and b"startxref\n33\n" in moved
    assert fuzzing._splice(data, 0, 0, b"%x\n", False) == b"%x\n" + data


@pytest.mark.slow
def test_a_seeded_campaign_through_the_pool_is_one_known_status_per_input(sources):
    picked = {stem: sources[stem] for stem in STEMS}
    mutants = list(fuzzing.campaign(SEED, 3 * len(fuzzing.KINDS), picked))
    results, left = _through_the_pool([m.data for m in mutants])
    assert len(results) == len(mutants)
    unknown = {m.name: r.status for m, r in zip(mutants, results) if r.status not in STATUSES}
    assert not unknown
    assert not left, f"extraction children left after close(): {sorted(left)}"


@pytest.mark.skipif(not REGRESSIONS, reason="no input found to break the pool yet")
def test_inputs_a_campaign_found_give_a_status_row(sources):
    results, left = _through_the_pool([fuzzing.regenerate(name, sources) for name in REGRESSIONS])
    assert {name: r.status for name, r in zip(REGRESSIONS, results) if r.status not in STATUSES} == {}
    assert not left
