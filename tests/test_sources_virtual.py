"""The virtual source: a conference's program JSON (orals and posters) from a loopback
server or a file: one paper per forum, tracks from the OpenReview group, paging on
`next`, the polite client's retries, a renamed field named, re-runs from cache."""
from __future__ import annotations

import json
import re
import time

import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_world import DB, MAIN, make_world
from paperscope.sources.program.base import SchemaError, SourceError
from paperscope.sources.program.cache import ResponseCache
from paperscope.sources.program.virtual import VirtualSource, forum_id, parse_events
from support import sources_settings


@pytest.fixture(scope="module")
def world():
    return make_world(300, 900)


def _settings(**kw):
    return sources_settings(**{"rate_per_s": 0, "backoff_s": 0.01, "backoff_max_s": 0.05, "retries": 3, "timeout_s": 10,
                               **kw})


def test_one_paper_per_forum_with_tracks_decisions_and_institutions(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        got = VirtualSource(_settings(), ResponseCache(tmp_path / "c"), url=srv.program_url).collect("neurips", 2025)
    papers = {p.id: p for p in got.papers}
    assert set(papers) == {n["id"] for n in world.notes}
    orals = [n["id"] for n in world.notes if n["content"]["venue"]["value"].endswith("oral")]
    assert got.stats["duplicate_events"] == len(orals) and all(papers[i].decision == "oral" for i in orals)
    assert len(papers[orals[0]].source_ids) == 2
    assert got.stats["skipped_not_accepted"] == 1  # the hidden event
    assert all(papers[i].track == t for i, t in world.tracks.items())
    p = papers[world.notes[0]["id"]]
    assert p.pdf_url == f"https://openreview.net/pdf?id={p.id}" and p.forum_url.endswith(p.id)
    affs = [f for a in p.authors for f in a.affiliations]
    assert affs and all(f.provenance == "virtual" and f.country is None for f in affs)
    assert [a.name for a in p.authors] == world.notes[0]["content"]["authors"]["value"]


@pytest.mark.slow
def test_pages_follow_next_and_a_rerun_reads_the_cache(world, tmp_path):
    with LoopbackOpenReview(world, program_page_size=100) as srv:
        first = VirtualSource(_settings(), ResponseCache(tmp_path / "c"), url=srv.program_url).collect("neurips", 2025)
        pages = len(srv.log)
        again = VirtualSource(_settings(), ResponseCache(tmp_path / "c"), url=srv.program_url).collect("neurips", 2025)
        assert len(srv.log) == pages
    assert pages == -(-len(world.events) // 100)
    assert first.stats["requests"] == pages and again.stats["requests"] == 0
    assert [p.to_json() for p in again.papers] == [p.to_json() for p in first.papers]


def test_a_file_is_read_without_any_request(world, tmp_path):
    path = tmp_path / "neurips-2025-orals-posters.json"
    path.write_text(json.dumps({"count": len(world.events), "next": None, "results": world.events}), "utf-8")
    got = VirtualSource(_settings(), file=str(path)).collect("neurips", 2025)
    assert len(got.papers) == len(world.notes) and got.stats["requests"] == 0


@pytest.mark.slow
def test_429_with_retry_after_and_broken_json_are_retried(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("429", srv.program_path, nth=1, arg=1)
        srv.add_fault("truncate", srv.program_path, nth=2)
        started = time.monotonic()
        got = VirtualSource(_settings(), ResponseCache(tmp_path / "c"), url=srv.program_url).collect("neurips", 2025)
        assert len(srv.log) == 3
    assert time.monotonic() - started >= 1.0 and len(got.papers) == len(world.notes)


@pytest.mark.slow
def test_a_dropped_connection_is_retried(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("drop", srv.program_path, nth=1)
        got = VirtualSource(_settings(), ResponseCache(tmp_path / "c"), url=srv.program_url).collect("neurips", 2025)
        assert len(srv.log) == 2
    assert len(got.papers) == len(world.notes)


def test_an_unreachable_program_is_one_line(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        with pytest.raises(SourceError, match="HTTP 404"):
            VirtualSource(_settings(), url=srv.url + "/static/virtual/data/neurips-2031-orals-posters.json")\
                .collect("neurips", 2031)


@pytest.mark.parametrize("rename,field", [({"name": "title"}, "'name'"), ({"institution": "affiliation"},
                                                                          "'authors[].institution'")])
def test_a_renamed_field_is_named(world, rename, field):
    events = []
    for e in world.events:
        e = {rename.get(k, k): v for k, v in e.items()}
        e["authors"] = [{rename.get(k, k): v for k, v in a.items()} for a in e.get("authors", [])]
        events.append(e)
    with pytest.raises(SchemaError, match=re.escape(f"field {field} is missing")):
        parse_events(events, "neurips", 2025)


def test_results_renamed_is_named(world, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"count": 3, "papers": world.events[:3]}), "utf-8")
    with pytest.raises(SchemaError, match="no 'results' list.*count, papers"):
        VirtualSource(_settings(), file=str(path)).collect("neurips", 2025)


def test_a_program_that_lists_fewer_events_than_it_declares_is_counted(world, tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"count": 2891, "next": None, "results": world.events[:200]}), "utf-8")
    got = VirtualSource(_settings(), file=str(path)).collect("eccv", 2026)
    assert got.stats["events_short_of_count"] == 2891 - 200


def test_events_without_a_forum_merge_on_title_and_skip_what_is_no_paper():
    events = [{"id": 1, "uid": "u1", "name": "Paper  One", "decision": "Accept (oral)", "eventtype": "Oral",
               "authors": [{"fullname": "Zoë Müller", "institution": "ETH Zürich"}]},
              {"id": 2, "uid": "u1", "name": "Paper One", "decision": "Accept (oral)", "eventtype": "Poster",
               "authors": [{"fullname": "Zoë Müller", "institution": "ETH Zürich"}]},
              {"id": 3, "name": "Keynote", "eventtype": "Invited Talk", "authors": []},
              {"id": 4, "name": "Nope", "decision": "Reject", "eventtype": "Poster", "authors": []},
              {"id": 5, "name": "Two", "decision": "Accept (poster)", "eventtype": "Poster",
               "sourceurl": f"https://openreview.net/group?id={DB}", "paper_pdf_url": "https://x.org/2.pdf",
               "authors": [{"fullname": "A", "institution": ""}]}]
    papers, stats = parse_events(events, "icml", 2026)
    assert [(p.id, p.title, p.decision, p.track) for p in papers] == [
        ("virtual:u1", "Paper One", "oral", None), ("virtual:5", "Two", "poster", "datasets_benchmarks")]
    assert papers[1].pdf_url == "https://x.org/2.pdf" and papers[1].authors[0].note == "no institution listed"
    assert stats["skipped_not_a_paper"] == 1 and stats["skipped_not_accepted"] == 1
    assert forum_id("https://openreview.net/forum?id=7HVADbW8fh") == "7HVADbW8fh"
    assert forum_id(f"https://openreview.net/group?id={MAIN}") is None
