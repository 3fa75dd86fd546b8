"""A conference-year reproduced from its own sources, end to end against the loopback server:
`paperscope sources openreview` and `sources virtual` (the paper lists; the second run of
one makes no request), `paperscope download` of the list's PDFs (first pages the fixture
draws from the profiles, the first author's affiliation flipped on every third paper),
then the pipeline: the authors table holds every source's countries and the chosen ones,
agg_rules and the per-track table are written, and the report compares the sources per rule.
"""
from __future__ import annotations

import csv
import json
from urllib.parse import urlparse

import pytest

from fixtures.openreview_api import LoopbackOpenReview
from fixtures.sources_pdfs import page_of
from fixtures.sources_world import DB, MAIN, make_world
from paperscope.cli.commands import main
from paperscope.sources.program import output

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def reproduced(spark, base_cfg, tmp_path_factory):
    """The three commands on a generated year: (world, cfg, run, exit code, requests of the re-run)."""
    from paperscope.pipeline.flow import run_all
    from paperscope.pipeline.run import Run

    tmp = tmp_path_factory.mktemp("sources-e2e")
    wh, corpus = tmp / "warehouse", tmp / "corpus"
    world = make_world(14, 50, seed=23, db_share=0.3)
    with LoopbackOpenReview(world) as srv:
        common = ["--warehouse", str(wh), "--rate", "0", "--set", f"sources.openreview_site={srv.url}"]
        listing = ["sources", "openreview", "--venue", MAIN, "--venue", DB, "--api", srv.url, *common]
        assert main(listing) == 0
        assert main(["sources", "virtual", "--conference", "neurips", "--year", "2025", "--url", srv.program_url,
                     *common]) == 0
        listed = output.read(output.paths(wh / "sources", "openreview", "neurips", 2025)["papers"])
        for k, paper in enumerate(listed):
            page = page_of(paper, tmp / f"{paper.id}.pdf", flip_first=k % 3 == 0)
            srv.pdfs[urlparse(paper.pdf_url).path] = page.read_bytes()
        asked = len(srv.log)
        assert main(listing) == 0
        again = len(srv.log) - asked
        download = output.paths(wh / "sources", "openreview", "neurips", 2025)["download"]
        assert main(["download", "--urls", str(download), "--corpus", str(corpus), "--rate", "200"]) == 0
    cfg = base_cfg.with_values({"input.manifest": str(corpus / "manifest.csv"), "input.years": [2025],
                                "warehouse.path": str(wh), "reports.path": str(tmp / "reports")})
    run = Run(spark, cfg)
    return world, cfg, run, run_all(run), again


def _table(spark, cfg, name):
    from paperscope.storage import tables

    return tables.read_years(spark, cfg, name, [2025]).toPandas()


def test_a_second_listing_is_read_from_the_cache(reproduced):
    *_, again = reproduced
    assert again == 0


def test_the_downloaded_year_passes_the_gate_with_every_pdf(reproduced, spark):
    world, cfg, run, code, _ = reproduced
    assert code == 0
    papers = _table(spark, cfg, "papers")
    assert len(papers) == len(world.notes) and set(papers["status"]) == {"ok"}
    assert set(papers["source_id"]) == {n["id"] for n in world.notes}  # the forum id, from the download list


def test_the_authors_table_holds_each_source_and_the_chosen_country(reproduced, spark):
    world, cfg, *_ = reproduced
    authors = _table(spark, cfg, "authors")
    by = authors["countries_by_source"].map(dict)
    assert by.map(lambda d: {"pdf", "profile", "virtual"} <= set(d)).all()
    from_pdf = by.map(lambda d: bool(d["pdf"]))
    assert from_pdf.sum() > len(authors) / 2 and (authors.loc[from_pdf, "chosen_source"] == "pdf").all()
    rest = authors[~from_pdf & by.map(lambda d: bool(d["virtual"]))]
    assert len(rest) and (rest["chosen_source"] == "virtual").all()  # sources.precedence: pdf, submission, virtual
    assert all(sorted(c) == sorted(d[s]) for c, d, s in zip(rest["countries"], by[rest.index], rest["chosen_source"]))
    assert set(authors["track"]) == {"main", "datasets_benchmarks"}
    chosen_rows = _table(spark, cfg, "affiliations").query("source == 'virtual'")
    assert set(chosen_rows["paper_id"]) == set(rest["paper_id"])  # the strings chosen from the program count too


def test_agg_rules_and_the_rules_per_track_are_written(reproduced, spark):
    world, cfg, run, *_ = reproduced
    rules = _table(spark, cfg, "rules")
    assert set(rules["rule"]) == set(cfg.aggregates.rules) and set(rules["papers"]) == {len(world.notes)}
    by_track = _table(spark, cfg, "track_rules")
    papers = by_track.drop_duplicates("track").set_index("track")["papers"]
    assert dict(papers) == {t: sum(v == t for v in world.tracks.values()) for t in ("main", "datasets_benchmarks")}


def test_the_report_shows_the_agreement_per_rule_and_lists_the_disagreements(reproduced):
    world, cfg, run, *_ = reproduced
    record = json.loads((run.run_dir / "run.json").read_text("utf-8"))
    agreement = record["sources"]["agreement"]
    assert {r["rule"] for r in agreement} == set(cfg.aggregates.rules)
    assert {(r["source"], r["against"]) for r in agreement} >= {("pdf", "chosen"), ("profile", "chosen"),
                                                               ("virtual", "chosen"), ("pdf", "profile")}
    assert record["sources"]["paper_lists"]["files"]
    with open(run.run_dir / "sources_disagreements.csv", encoding="utf-8") as fh:
        split = list(csv.DictReader(fh))
    headline = [r for r in split if r["rule"] == cfg.aggregates.headline_rule]
    assert headline and all(r["title"] for r in split)
    page = (run.run_dir / "index.html").read_text("utf-8")
    assert '<section id="sources">' in page and "Per track, as the paper lists name them" in page
    assert page.index('id="rules"') < page.index('id="sources"') < page.index('id="gate"')
    summary = (run.run_dir / "summary.md").read_text("utf-8")
    assert "## Sources compared" in summary and "| 2025 | datasets_benchmarks |" in summary
    with open(run.run_dir / "review_sample.csv", encoding="utf-8") as fh:
        drawn = {r["paper_id"] for r in csv.DictReader(fh) if r["stratum"] == "sources"}
    assert drawn and drawn <= {r["paper_id"] for r in headline}
