"""Reconciliation: each author's country from the profile history, the conference program
and the PDF (first pages generated for some of the fixture's papers and read back by the
pipeline's header parse), one chosen by precedence, and the agreement per counting rule
with the disagreeing papers listed."""
from __future__ import annotations

import pandas as pd
import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_pdfs import draw_first_page
from fixtures.sources_world import DB, INSTITUTIONS, MAIN, make_world
from paperscope.sources import reconcile
from paperscope.sources.base import Affiliation, Author, Paper
from paperscope.sources.cache import ResponseCache
from paperscope.sources.openreview import OpenReviewSource
from paperscope.sources.settings import Settings
from paperscope.sources.virtual import VirtualSource

PLACE = {"US": "USA", "CN": "China"}
CITY = {i[0]: f"{i[0]}, {PLACE.get(i[3], i[2] or '')}".rstrip(", ") for i in INSTITUTIONS}
FLIP_US, FLIP_CN = "Stanford University, Stanford, CA, USA", "Tsinghua University, Beijing, China"


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    world = make_world(250, 800, seed=11)
    tmp = tmp_path_factory.mktemp("reconcile")
    settings = Settings(rate_per_s=0, backoff_s=0.01, retries=2, timeout_s=10)
    with LoopbackOpenReview(world) as srv:
        ors = OpenReviewSource([MAIN, DB], settings.with_values(openreview_api=srv.url), ResponseCache(tmp / "or"), env={})
        profile = ors.collect("neurips", 2025).papers
        virtual = VirtualSource(settings, ResponseCache(tmp / "v"), url=srv.program_url).collect("neurips", 2025).papers
    return world, profile, virtual, tmp


def _pdfs(world, profile: list[Paper], tmp):
    """First pages for 16 papers whose every author has a profile entry for the year; the
    first author's affiliation changed on every fourth. -> (pdf authors frame, flipped ids)."""
    from paperscope.matcher import default_gazetteer
    from paperscope.resolve import header_record

    gaz = default_gazetteer()
    chosen = [p for p in profile if len(p.authors) <= 6 and all(
        any(f.provenance == "profile" and f.held == "covering" and f.country in ("US", "CN", "CH", "CA", "DE", "JP")
            for f in a.affiliations) for a in p.authors)][:16]
    rows, flipped = [], set()
    for k, p in enumerate(chosen):
        affs, authors = [], []
        for a in p.authors:
            held = [f for f in a.affiliations if f.held == "covering" and f.country]
            texts = [CITY[f.name] for f in held]
            if k % 4 == 0 and a.position == 1:
                texts = [FLIP_US if "CN" in {f.country for f in held} else FLIP_CN]
                flipped.add(p.id)
            for text in texts:
                if text not in affs:
                    affs.append(text)
            authors.append((a.name, [affs.index(t) + 1 for t in texts]))
        got = header_record(draw_first_page(tmp / f"{p.id}.pdf", p.title, authors, affs), gaz)
        assert got["status"] == "ok" and len(got["authors"]) == len(p.authors), got
        for pos, a in enumerate(got["authors"], 1):
            rows.append({"paper_id": f"pdf-{p.id}", "title": got["title"], "source_id": p.id, "position": pos,
                         "n_authors": len(got["authors"]), "name": a["name"], "year": 2025,
                         "affiliation_countries": [got["affiliations"][i]["countries"] for i in a["affiliations"]]})
    df = pd.DataFrame(rows)
    return reconcile.pdf_frame(df[["paper_id", "title", "source_id"]], df), flipped, {p.id for p in chosen}


def test_every_source_country_per_author_one_chosen_and_the_agreement_per_rule(collected):
    world, profile, virtual, tmp = collected
    pdf, flipped, with_pdf = _pdfs(world, profile, tmp)
    resolve = reconcile.gazetteer_resolver()
    frames = {"profile": reconcile.author_frame(profile, "profile", resolve),
              "virtual": reconcile.author_frame(virtual, "virtual", resolve), "pdf": pdf}
    got = reconcile.reconcile(frames, precedence=("pdf", "virtual", "profile"))
    a = got.authors
    assert {"countries_profile", "countries_virtual", "countries_pdf", "chosen", "chosen_source"} <= set(a.columns)
    assert got.stats["papers"] == len(world.notes) and got.stats["papers_per_source"]["pdf"] == len(with_pdf)
    assert got.stats["unaligned_authors"] == 0
    on_pdf = a[a["countries_pdf"].notna()]
    assert on_pdf["key"].nunique() == len(with_pdf) and (on_pdf["chosen_source"] == "pdf").all()
    assert (on_pdf["chosen"] == on_pdf["countries_pdf"]).all()
    rest = a[a["countries_pdf"].isna() & a["countries_virtual"].map(bool)]
    assert (rest["chosen_source"] == "virtual").all()

    ag = got.agreement.set_index(["rule", "source_a", "source_b"])
    assert set(got.agreement["rule"]) == set(reconcile.RULES)
    assert ag.loc[("any_author", "pdf", "chosen"), "agree_share"] == 1.0
    assert ag.loc[("any_author", "profile", "pdf"), "papers"] == len(with_pdf)

    # The papers whose printed affiliation was changed: where that changes US-China under
    # any_author, the PDF and the profile disagree and the paper is listed, in its stratum.
    flags = got.flags.pivot(index="key", columns="source", values="any_author")
    keys = a.drop_duplicates("key").set_index("key")
    differ = {k for k in flags.index if pd.notna(flags.at[k, "pdf"]) and flags.at[k, "pdf"] != flags.at[k, "profile"]}
    listed = got.disagreements[got.disagreements["rule"] == "any_author"]
    assert differ and differ <= set(listed["key"]) and set(listed["stratum"]) == {reconcile.STRATUM}
    flipped_keys = {k for k in keys.index if any(k == reconcile.title_key(p.title) for p in profile if p.id in flipped)}
    assert differ <= flipped_keys
    assert "| any_author | pdf |" in reconcile.markdown(got)


def test_precedence_is_a_setting(collected):
    world, profile, virtual, tmp = collected
    resolve = reconcile.gazetteer_resolver()
    frames = {"profile": reconcile.author_frame(profile, "profile", resolve),
              "virtual": reconcile.author_frame(virtual, "virtual", resolve)}
    first = reconcile.reconcile(frames, precedence=("profile", "virtual")).authors
    second = reconcile.reconcile(frames, precedence=("virtual", "profile")).authors
    both = first["countries_profile"].map(bool) & first["countries_virtual"].map(bool)
    assert (first.loc[both, "chosen_source"] == "profile").all() and (second.loc[both, "chosen_source"] == "virtual").all()
    only_profile = first["countries_profile"].map(bool) & ~first["countries_virtual"].map(bool)
    assert only_profile.any() and (second.loc[only_profile, "chosen_source"] == "profile").all()


def _paper(pid, title, authors, prov="virtual"):
    return Paper(prov, "neurips", 2025, pid, title,
                 [Author(k, n, affiliations=[Affiliation(prov, None, country=c)] if c else []) for k, (n, c) in
                  enumerate(authors, 1)])


def test_authors_match_by_name_when_the_sources_list_different_numbers():
    a = [_paper("f1", "A Paper", [("Zoë Müller", "US"), ("Wei Wang", "CN"), ("Ann Lee", "US")])]
    b = [_paper("x", "A paper!", [("Wei Wang", "US"), ("Zoe Muller", "US")], prov="pdf")]
    frames = {"virtual": reconcile.author_frame(a, "virtual", lambda s: []),
              "pdf": reconcile.author_frame(b, "pdf", lambda s: [])}
    got = reconcile.reconcile(frames, precedence=("pdf", "virtual"))
    by_pos = got.authors.set_index("position")
    assert list(by_pos["countries_pdf"]) == [["US"], ["US"], []]
    assert list(by_pos["chosen_source"]) == ["pdf", "pdf", "virtual"]
    assert got.stats["unaligned_authors"] == 1
    d = got.disagreements
    assert set(d["rule"]) >= {"any_author"} and bool(d.iloc[0]["flag_virtual"]) and not d.iloc[0]["flag_pdf"]
