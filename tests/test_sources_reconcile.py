"""Reconciliation: each author's country from the PDF (first pages generated for some of the
fixture's papers and read back by the header parse), the conference program and the
profile history, one chosen by precedence; and the agreement per counting rule with the
papers the sources disagree on."""
from __future__ import annotations

import pandas as pd
import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_pdfs import page_of
from fixtures.sources_world import DB, MAIN, make_world
from paperscope.counting import agreement
from paperscope.counting.authors import header_rows
from paperscope.sources.program import reconcile
from paperscope.sources.program.base import Affiliation, Author, Paper
from paperscope.sources.program.cache import ResponseCache
from paperscope.sources.program.openreview import OpenReviewSource
from paperscope.sources.program.virtual import VirtualSource
from support import sources_settings

RULES = ("any_author", "distinct_authors", "first_last", "fractional")


@pytest.fixture(scope="module")
def gazetteer():
    from paperscope.paper.matcher import default_gazetteer

    return default_gazetteer()


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    world = make_world(250, 800, seed=11)
    tmp = tmp_path_factory.mktemp("reconcile")
    with LoopbackOpenReview(world) as srv:
        cfg = sources_settings(rate_per_s=0, backoff_s=0.01, retries=2, timeout_s=10, openreview_api=srv.url)
        profile = OpenReviewSource([MAIN, DB], cfg, ResponseCache(tmp / "or"), env={}).collect("neurips", 2025).papers
        virtual = VirtualSource(cfg, ResponseCache(tmp / "v"), url=srv.program_url).collect("neurips", 2025).papers
    return world, profile, virtual, tmp


@pytest.fixture(scope="module")
def pdfs(collected, gazetteer):
    """First pages for 12 papers whose every author has a profile entry for the year: the
    first author's affiliation changed on every second, left out (no marker) on the tenth;
    the eleventh has no forum id (matched on its title) -> (authors, papers, flipped, unplaced)."""
    from paperscope.cli.tools import header_record

    world, profile, virtual, tmp = collected
    chosen = [p for p in profile if len(p.authors) <= 6 and all(
        any(f.provenance == "profile" and f.held == "covering" and f.country in ("US", "CN", "CH", "CA", "DE", "JP")
            for f in a.affiliations) for a in p.authors)][:12]
    rows, papers = [], []
    flipped = {f"pdf-{p.id}" for k, p in enumerate(chosen) if k % 2 == 0}
    unplaced = {f"pdf-{chosen[9].id}"}
    for k, p in enumerate(chosen):
        page = page_of(p, tmp / f"{p.id}.pdf", flip_first=f"pdf-{p.id}" in flipped, unplace_first=k == 9)
        got = header_record(page, gazetteer)
        assert got["status"] == "ok" and len(got["authors"]) == len(p.authors), got
        strings = [{"raw": s["text"], "source": s["source"], "matches": [{"country": c} for c in s["countries"]]}
                   for s in got["affiliations"]]
        rows += header_rows(f"pdf-{p.id}", 2025, got["authors"], strings)
        papers.append({"paper_id": f"pdf-{p.id}", "year": 2025, "title": got["title"],
                       "source_id": None if k == 10 else p.id})
    return pd.DataFrame(rows), pd.DataFrame(papers), flipped, unplaced


def _resolvers(gazetteer):
    def countries(raw):
        return sorted({m.country for m in gazetteer.match(raw) if m.country})

    return countries, gazetteer.match


def test_every_source_country_per_author_and_the_one_chosen(collected, pdfs, gazetteer):
    world, profile, virtual, _ = collected
    authors, papers, flipped, unplaced = pdfs
    got = reconcile.reconcile(authors, papers, profile + virtual, ("pdf", "submission", "virtual", "profile"),
                              *_resolvers(gazetteer))
    a = pd.DataFrame(got.authors)
    assert len(a) == len(authors) and got.stats["papers_not_listed"] == 0
    assert got.stats["matched_by_title"] == 2 and got.stats["authors_unaligned"] == 0  # the eleventh, in both lists
    assert all(set(d) == {"pdf", "virtual", "profile"} for d in a["countries_by_source"])
    placed = a[a["countries_by_source"].map(lambda d: bool(d["pdf"]))]
    assert (placed["chosen_source"] == "pdf").all()
    assert (placed["countries"] == placed["countries_by_source"].map(lambda d: d["pdf"])).all()
    # The author the PDF does not place takes the program's country, and that string becomes
    # an affiliation row of its own (source virtual), so the paper-level counts see it.
    (lone,) = a[~a["countries_by_source"].map(lambda d: bool(d["pdf"]))].itertuples(index=False)
    assert lone.paper_id in unplaced and lone.chosen_source == "virtual" and lone.countries
    assert lone.countries == lone.countries_by_source["virtual"] and lone.affiliation_countries
    extra = pd.DataFrame(got.affiliations)
    assert set(extra["paper_id"]) == unplaced and set(extra["source"]) == {"virtual"}
    # The first authors whose printed affiliation was changed: the PDF says otherwise than the profile.
    first = a[a["paper_id"].isin(flipped) & (a["position"] == 1)]
    assert (first["countries_by_source"].map(lambda d: d["pdf"] != d["profile"])).all()
    tracks = {p.id: p.track for p in profile}
    assert {(r.paper_id, r.track) for r in a.itertuples()} == {(r.paper_id, tracks[r.paper_id[4:]]) for r in a.itertuples()}


def test_precedence_is_a_setting(collected, pdfs, gazetteer):
    _, profile, virtual, _ = collected
    authors, papers, flipped, _ = pdfs
    got = reconcile.reconcile(authors, papers, profile + virtual, ("profile", "pdf"), *_resolvers(gazetteer))
    a = pd.DataFrame(got.authors)
    has_profile = a["countries_by_source"].map(lambda d: bool(d["profile"]))
    assert has_profile.all() and (a["chosen_source"] == "profile").all()
    assert (a["countries"] == a["countries_by_source"].map(lambda d: d["profile"])).all()
    assert set(pd.DataFrame(got.affiliations)["source"]) == {"profile"}
    alone = reconcile.reconcile(authors, papers, profile, ("virtual",), *_resolvers(gazetteer))
    assert all(r["chosen_source"] is None and r["countries"] == [] for r in alone.authors)  # a source left out never counts


def test_the_agreement_per_rule_and_the_papers_the_sources_disagree_on(collected, pdfs, gazetteer):
    _, profile, virtual, _ = collected
    authors, papers, flipped, unplaced = pdfs
    got = reconcile.reconcile(authors, papers, profile + virtual, ("pdf", "virtual", "profile"),
                              *_resolvers(gazetteer))
    flags = agreement.source_flags(pd.DataFrame(got.authors), RULES, "mainland", min_share=1 / 3, min_authors=2)
    assert set(flags["source"]) == {"pdf", "virtual", "profile", agreement.CHOSEN}
    table = agreement.agreement(flags, RULES).set_index(["rule", "source", "against"])
    assert set(table.index.get_level_values("rule")) == set(RULES)
    assert table.loc[("any_author", "pdf", "chosen"), "papers"] == len(papers)
    split = agreement.disagreements(flags, RULES)
    wide = flags.pivot(index="paper_id", columns="source", values="any_author")
    differ = set(wide.index[wide["pdf"] != wide["profile"]])
    listed = set(split.loc[split["rule"] == "any_author", "paper_id"])
    assert differ & flipped and differ <= listed and differ <= flipped | unplaced
    assert table.loc[("any_author", "pdf", "profile"), "agree_share"] == round(1 - len(differ) / len(papers), 4)


def _paper(pid, title, authors, prov="virtual"):
    return Paper(prov, "neurips", 2025, pid, title,
                 [Author(k, n, affiliations=[Affiliation(prov, c)] if c else []) for k, (n, c) in
                  enumerate(authors, 1)])


def test_authors_match_by_name_when_the_sources_list_different_numbers():
    """And a PDF whose author block gave no author takes the list's authors."""
    listed = [_paper("f1", "A Paper", [("Zoë Müller", "ETH Zurich"), ("Wei Wang", "Peking University"),
                                       ("Ann Lee", "MIT")]),
              _paper("f2", "Unread", [("Bo Li", "Peking University"), ("Cy Ng", None)])]
    rows = header_rows("p1", 2025, [{"name": "Wei Wang", "affiliations": [0]}, {"name": "Zoe Muller", "affiliations": []}],
                       [{"raw": "Stanford University", "source": "block", "matches": [{"country": "US"}]}])
    papers = pd.DataFrame([{"paper_id": "p1", "year": 2025, "title": "A paper!", "source_id": None},
                           {"paper_id": "p2", "year": 2025, "title": "Unreadable", "source_id": "f2"}])
    table = {"ETH Zurich": ["CH"], "Peking University": ["CN"], "MIT": ["US"]}
    got = reconcile.reconcile(pd.DataFrame(rows), papers, listed, ("pdf", "virtual"), lambda s: table.get(s, []),
                              lambda s: [])
    by_pos = {r["position"]: r for r in got.authors if r["paper_id"] == "p1"}
    assert by_pos[1]["countries_by_source"] == {"pdf": ["US"], "virtual": ["CN"]} and by_pos[1]["chosen_source"] == "pdf"
    assert by_pos[2]["countries_by_source"] == {"pdf": [], "virtual": ["CH"]} and by_pos[2]["chosen_source"] == "virtual"
    assert got.stats["authors_unaligned"] == 0 and got.stats["matched_by_title"] == 1
    unread = [r for r in got.authors if r["paper_id"] == "p2"]
    assert [(r["name"], r["n_authors"], r["countries"], r["chosen_source"], r["tie"]) for r in unread] == [
        ("Bo Li", 2, ["CN"], "virtual", "none"), ("Cy Ng", 2, [], None, "none")]
    assert got.stats["authors_from_lists"] == 2 and got.stats["matched_by_id"] == 1
