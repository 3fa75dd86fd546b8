"""The openreview source against a loopback server that answers as OpenReview API v2 does,
with the real openreview-py client pointed at it: paging, profile batches, the year's
history entries, retries (429 with Retry-After, a cut connection, broken JSON), a renamed
field, an unknown venue, credentials from the environment only, and re-runs from cache."""
from __future__ import annotations

import json
import logging
import time

import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_world import DB, MAIN, make_world
from paperscope.sources.program import notes, profiles
from paperscope.sources.program.base import SchemaError, SourceError, VenueNotFound
from paperscope.sources.program.cache import ResponseCache
from paperscope.sources.program.openreview import OpenReviewSource, credentials
from support import sources_settings

PAGE, BATCH = 100, 300


@pytest.fixture(scope="module")
def world():
    return make_world(400, 1200)


@pytest.fixture(scope="module")
def clean_requests(world, tmp_path_factory):
    """Requests per path of a run without faults."""
    with LoopbackOpenReview(world) as srv:
        _source(srv, tmp_path_factory.mktemp("clean")).collect("neurips", 2025)
        return {path: len(srv.requests(path)) for path in ("/notes", "/profiles/search", "/groups")}


def _source(srv, cache_dir, env=None, **kw) -> OpenReviewSource:
    cfg = sources_settings(**{"openreview_api": srv.url, "rate_per_s": 0, "backoff_s": 0.01, "backoff_max_s": 0.05,
                              "retries": 3, "page_size": PAGE, "profile_batch": BATCH, "timeout_s": 10, **kw})
    return OpenReviewSource([MAIN, DB], cfg, ResponseCache(cache_dir), env=env or {})


def _by_id(papers):
    return {p.id: p for p in papers}


def test_collects_every_paper_with_the_profile_countries_of_the_paper_year(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        got = _source(srv, tmp_path / "cache").collect("neurips", 2025)
    papers = _by_id(got.papers)
    assert set(papers) == {n["id"] for n in world.notes}
    assert {p.track for p in papers.values()} == {"main", "datasets_benchmarks"}
    assert all(papers[i].track == t for i, t in world.tracks.items())
    for nid, expected in world.truth.items():
        for author, want in zip(papers[nid].authors, expected):
            held = {f.country for f in author.affiliations if f.provenance == "profile" and f.country}
            if want is None:
                assert author.profile_id is None and author.note and not author.affiliations
            else:
                assert held == want, (nid, author)
    assert got.stats["notes"] == len(world.notes) and got.stats["two_or_more_positions"] > 0
    assert got.stats["no_profile"] > 0 and got.stats["no_profile_email"] > 0


@pytest.mark.slow
def test_notes_page_on_the_id_cursor_and_profiles_come_in_batches(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        _source(srv, tmp_path / "cache").collect("neurips", 2025)
        pages = srv.requests("/notes")
        batches = srv.requests("/profiles/search")
    main = [r["query"] for r in pages if r["query"]["content.venueid"] == MAIN]
    n_main = sum(1 for n in world.notes if n["content"]["venueid"]["value"] == MAIN)
    assert len(main) == -(-n_main // PAGE)  # no extra request for an empty page: the count says when to stop
    assert main[0] == {"content.venueid": MAIN, "limit": str(PAGE), "sort": "id", "count": "true"}
    ids = sorted(n["id"] for n in world.notes if n["content"]["venueid"]["value"] == MAIN)
    assert [q.get("after") for q in main[1:]] == [ids[k * PAGE - 1] for k in range(1, len(main))]
    assert all(r["method"] == "POST" and 0 < r["ids"] <= BATCH for r in batches)
    assert len(batches) == -(-sum(r["ids"] for r in batches) // BATCH)


@pytest.mark.slow
def test_offset_paging_gives_the_same_papers(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        after = _source(srv, tmp_path / "a").collect("neurips", 2025)
        n = len(srv.log)
        offset = _source(srv, tmp_path / "b", paging="offset").collect("neurips", 2025)
        offsets = [r["query"].get("offset") for r in srv.log[n:]
                   if r["path"] == "/notes" and r["query"]["content.venueid"] == MAIN]
    assert offsets[:3] == [None, str(PAGE), str(2 * PAGE)]
    assert [p.to_json() for p in offset.papers] == [p.to_json() for p in after.papers]


@pytest.mark.slow
def test_a_rerun_reads_the_cache_and_makes_no_request(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        first = _source(srv, tmp_path / "cache").collect("neurips", 2025)
        n = len(srv.log)
        started = time.monotonic()
        again = _source(srv, tmp_path / "cache").collect("neurips", 2025)
        assert len(srv.log) == n
    assert again.stats["requests"] == 0 and again.stats["cached_responses"] > 0
    assert [p.to_json() for p in again.papers] == [p.to_json() for p in first.papers]
    assert time.monotonic() - started < 10


@pytest.mark.slow
def test_an_interrupted_run_resumes_where_it_stopped(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("500", "/profiles/search", nth=2, repeat=10)
        with pytest.raises(SourceError, match="profiles"):
            _source(srv, tmp_path / "cache").collect("neurips", 2025)
        before = {(r["path"], json.dumps(r["query"], sort_keys=True)) for r in srv.log if r["path"] == "/notes"}
        srv.faults.clear()
        n = len(srv.log)
        got = _source(srv, tmp_path / "cache").collect("neurips", 2025)
        resumed = srv.log[n:]
    assert len(got.papers) == len(world.notes)
    assert not [r for r in resumed if r["path"] in ("/notes", "/groups")]  # pages already kept are not asked again
    assert len([r for r in resumed if r["path"] == "/profiles/search"]) >= 1
    assert before  # the first run had paged through the notes before the profiles failed


@pytest.mark.slow
def test_429_waits_for_retry_after_on_notes_and_on_the_profile_search_post(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("429", "/notes", nth=2, arg=1)
        srv.add_fault("429", "/profiles/search", nth=1, arg=1)
        started = time.monotonic()
        got = _source(srv, tmp_path / "cache").collect("neurips", 2025)
        took = time.monotonic() - started
        asked_twice = [r["query"].get("after") for r in srv.requests("/notes")]
    assert len(got.papers) == len(world.notes)
    assert took >= 2.0  # one second each, as the server asked
    assert asked_twice[1] == asked_twice[2]  # the refused page was asked again


def test_a_retry_after_over_the_limit_stops_with_the_reason(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("429", "/notes", nth=1, arg=600)
        with pytest.raises(SourceError, match=r"600 s \(Retry-After\).*retry_after_max_s"):
            _source(srv, tmp_path / "cache", retry_after_max_s=5).collect("neurips", 2025)


@pytest.mark.parametrize("kind,path", [("drop", "/notes"), pytest.param("truncate", "/notes", marks=pytest.mark.slow),
                                       pytest.param("drop", "/profiles/search", marks=pytest.mark.slow),
                                       pytest.param("truncate", "/profiles/search", marks=pytest.mark.slow),
                                       pytest.param("500", "/notes", marks=pytest.mark.slow)])
def test_a_cut_connection_or_broken_json_is_retried(world, tmp_path, kind, path, clean_requests):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault(kind, path, nth=2)
        got = _source(srv, tmp_path / "cache").collect("neurips", 2025)
        asked = len(srv.requests(path))
    assert len(got.papers) == len(world.notes)
    assert asked == clean_requests[path] + 1


@pytest.mark.slow
def test_broken_json_every_time_ends_with_the_request_named(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        srv.add_fault("truncate", "/profiles/search", nth=1, repeat=50)
        with pytest.raises(SourceError, match=r"profiles 1-300 .*broken JSON after 4 tries"):
            _source(srv, tmp_path / "cache").collect("neurips", 2025)
    assert not list((tmp_path / "cache").glob("profiles/*.json"))  # nothing broken was kept


def test_a_renamed_field_is_named(world, tmp_path):
    with LoopbackOpenReview(world, rename_content={"title": "paper_title"}) as srv:
        with pytest.raises(SchemaError, match=r"field 'title' is missing in 400 of 400"):
            _source(srv, tmp_path / "cache").collect("neurips", 2025)


def test_an_unknown_venue_is_a_clear_error(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        src = _source(srv, tmp_path / "cache")
        src.venues = ["NeurIPS.cc/2052/Conference"]
        with pytest.raises(VenueNotFound, match=r"no venue 'NeurIPS.cc/2052/Conference'.*NotFoundError"):
            src.collect("neurips", 2052)
        assert not srv.requests("/notes")


@pytest.mark.slow
def test_credentials_come_from_the_environment_and_are_never_logged_or_kept(world, tmp_path, caplog):
    user, password = world.credentials
    with LoopbackOpenReview(world, require_auth=True) as srv:
        with pytest.raises(SourceError, match="OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD"):
            _source(srv, tmp_path / "anon").collect("neurips", 2025)
        with pytest.raises(SourceError, match="login failed"):
            _source(srv, tmp_path / "bad", env={"OPENREVIEW_USERNAME": user, "OPENREVIEW_PASSWORD": "wrong"})\
                .collect("neurips", 2025)
        caplog.set_level(logging.DEBUG)
        got = _source(srv, tmp_path / "cache", env={"OPENREVIEW_USERNAME": user, "OPENREVIEW_PASSWORD": password})\
            .collect("neurips", 2025)
        logins = srv.requests("/login")
        later = [r for r in srv.log if r["path"] in ("/notes", "/profiles/search")]
    assert len(got.papers) == len(world.notes)
    assert logins and all(r["auth"] for r in later[-3:])
    kept = "".join(p.read_text("utf-8") for p in (tmp_path / "cache").rglob("*.json"))
    assert password not in caplog.text and password not in kept and "token" not in kept.lower()


def test_credentials_are_read_from_the_environment_only():
    assert credentials({}) == {}
    assert credentials({"OPENREVIEW_USERNAME": "u", "OPENREVIEW_PASSWORD": "p"}) == {"username": "u", "password": "p"}
    assert credentials({"OPENREVIEW_TOKEN": "t", "OPENREVIEW_USERNAME": "u"}) == {"token": "t"}
    from paperscope.sources.program.command import parser

    with pytest.raises(SystemExit):
        parser().parse_args(["openreview", "--venue", MAIN, "--password", "x"])


@pytest.mark.slow
def test_one_person_with_two_ids_and_two_people_with_one_name(world, tmp_path):
    with LoopbackOpenReview(world) as srv:
        got = _source(srv, tmp_path / "cache").collect("neurips", 2025)
    seen = {}
    for p in got.papers:
        for a in p.authors:
            for i in a.ids:
                if i.startswith(("~Jane_Doe", "~John_Smith")):
                    seen[i] = a.profile_id
    assert seen.get("~Jane_Doe1", "~Jane_Doe1") == "~Jane_Doe1" and seen.get("~Jane_Doe2", "~Jane_Doe1") == "~Jane_Doe1"
    assert "~Jane_Doe2" in seen or "~Jane_Doe1" in seen
    assert seen.get("~John_Smith1") in (None, "~John_Smith1") and seen.get("~John_Smith2") in (None, "~John_Smith2")
    names = {a.name for p in got.papers for a in p.authors}
    assert {"Zoë Müller", "José Álvarez", "王 伟"} & names


# -- the pure parts ----------------------------------------------------------------------------

def _profile(*history):
    return {"id": "~A_B1", "content": {"names": [{"username": "~A_B1"}, {"username": "~A_B2"}], "history": list(history)}}


def _h(name, start, end, country="United States", position="Researcher"):
    inst = {"name": name, "domain": "x.edu"}
    if country is not None:
        inst["country"] = country
    return {"position": position, "start": start, "end": end, "institution": inst}


def test_the_entry_held_in_the_year_not_today():
    p = _profile(_h("Old U", 2015, 2020, "China"), _h("Then U", 2020, 2025, "CN"), _h("Now U", 2026, None))
    assert [(a.name, a.country, a.held) for a in profiles.held(p, 2025)] == [("Then U", "CN", "covering")]
    assert [a.name for a in profiles.held(p, 2027)] == ["Now U"]


def test_two_positions_at_once_both_count_and_a_missing_country_stays_unread():
    p = _profile(_h("Uni", "2018", None, None, "Professor"), _h("Lab", 2024, "", "USA", "Research Scientist"))
    got = profiles.held(p, 2025)
    assert [(a.name, a.country, a.country_stated, a.position) for a in got] == [
        ("Uni", None, None, "Professor"), ("Lab", "US", "USA", "Research Scientist")]


def test_no_entry_for_the_year_takes_the_nearest_when_allowed():
    before = _profile(_h("A", 2010, 2015), _h("B", 2016, 2022))
    after = _profile(_h("C", 2027, None))
    assert [(a.name, a.held) for a in profiles.held(before, 2025)] == [("B", "before")]
    assert [(a.name, a.held) for a in profiles.held(after, 2025)] == [("C", "after")]
    assert profiles.held(before, 2025, fallback=False) == []
    assert profiles.held(_profile(), 2025) == []
    undated = _profile({"position": "Researcher", "institution": {"name": "D", "country": "Japan"}}, {"junk": 1})
    assert [(a.name, a.country, a.held) for a in profiles.held(undated, 2025)] == [("D", "JP", "undated")]
    assert profiles.entries(undated)[1] == 1
    assert set(profiles.index([before])) == {"~A_B1", "~A_B2"}


def _note(**content):
    base = {"title": {"value": "A  Title"}, "venueid": {"value": MAIN}, "venue": {"value": "NeurIPS 2025 spotlight"},
            "authors": {"value": ["Ann", "Bo"]}, "authorids": {"value": ["~Ann_A1", "bo@x.org"]},
            "pdf": {"value": "/pdf/abc.pdf"}}
    return {"id": "noteid01", "number": 7, "content": {**base, **content}}


def test_a_note_becomes_a_paper():
    p = notes.parse_note(_note(), "neurips", 2025, "https://openreview.net")
    assert (p.id, p.title, p.track, p.decision) == ("noteid01", "A Title", "main", "spotlight")
    assert p.pdf_url == "https://openreview.net/pdf/abc.pdf" and p.forum_url == "https://openreview.net/forum?id=noteid01"
    assert [(a.position, a.name, a.ids) for a in p.authors] == [(1, "Ann", ["~Ann_A1"]), (2, "Bo", ["bo@x.org"])]
    db = notes.parse_note(_note(venueid={"value": DB}, venue={"value": "NeurIPS 2025 Datasets and Benchmarks Track oral"}),
                          "neurips", 2025, "https://openreview.net")
    assert (db.track, db.decision) == ("datasets_benchmarks", "oral")


def test_the_unified_author_schema_gives_submission_institutions():
    authors = [{"fullname": "Ann", "username": "~Ann_A1",
                "institutions": [{"name": "Tsinghua University", "domain": "tsinghua.edu.cn", "country": "China"}]},
               {"fullname": "Bo", "username": "~Bo_B1"}]
    p = notes.parse_note(_note(authors={"value": authors}, authorids=None), "neurips", 2025, "https://openreview.net")
    assert p.authors[0].affiliations[0].provenance == "submission" and p.authors[0].affiliations[0].country == "CN"
    assert p.authors[1].ids == ["~Bo_B1"] and p.authors[1].affiliations == []


@pytest.mark.parametrize("content,field", [({"title": "plain"}, "title"), ({"authorids": {"value": ["~Ann_A1"]}}, "authorids"),
                                           ({"authors": {"value": "Ann"}}, "authors")])
def test_a_note_that_cannot_be_read_names_its_field(content, field):
    with pytest.raises(notes.NoteError) as err:
        notes.parse_note(_note(**content), "neurips", 2025, "https://openreview.net")
    assert err.value.field == field and field in str(err.value)
