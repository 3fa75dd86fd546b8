"""Conference metadata as a source: both layouts parsed from generated fixtures, the counting
rules, and a real run (Spark, Delta, GX gate) compared paper by paper with the PDF run of
the sample corpus, whose titles and affiliations the metadata fixture copies."""
from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from paperscope.counting.flags import paper_flags
from paperscope.pipeline.aggregate import aggregate
from paperscope.pipeline.metadata import metadata, run_metadata
from paperscope.pipeline.run import Run
from paperscope.sources.metadata.formats import paper_id, parse_text
from paperscope.sources.metadata.rows import check_source, read_file, to_rows
from paperscope.storage import tables


def _nips_line(title, *affs, names=None):
    names = names or [f"Author {i}" for i in range(len(affs))]
    return json.dumps({"title": title, "authors": [{"name": n, "affiliation": a, "no": str(i)}
                                                     for i, (n, a) in enumerate(zip(names, affs))]})


def test_nips_json_decoding_and_bad_lines(tmp_path):
    lines = [
        _nips_line("Schr\\xf6dinger Bridges", "Universit\\xe9 de Montr\\xe9al", "None", "",
                   names=["Lennart B\\xfcrger", "X", "Y"]),
        _nips_line("Texas &amp;amp;amp; Friends", "Texas A&amp;amp;amp;amp;M University", "Peking University",
                   "Peking University"),
        "{not json",
        json.dumps([1, 2]),
        json.dumps({"title": "", "authors": []}),
        # same normalised title and authors as line 2: a duplicate
        _nips_line("texas & friends!", "Texas A&M University", "Peking University", "Peking University"),
        "",
        _nips_line("No Affiliations", "None"),
        _nips_line("Texas & Friends", "Stanford University", names=["Someone Else"]),  # same title, other paper
    ]
    path = tmp_path / "conf2024.json"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    read = read_file(str(path))
    assert read.stats["format"] == "nips-json" and read.stats["year"] == 2024
    assert read.stats["records"] == 8  # the blank line is not a record
    assert (read.stats["metadata"], read.stats["malformed"], read.stats["duplicate"]) == (4, 3, 1)
    assert read.stats["same_title_other_authors"] == 1
    papers = {p["path"].rsplit("#", 1)[1]: p for p in read.papers}
    assert papers["L1"]["title"] == "Schrödinger Bridges" and papers["L1"]["status"] == "metadata"
    assert papers["L1"]["paper_id"] == paper_id(2024, "schrodinger bridges")
    assert "not valid JSON" in papers["L3"]["error"] and papers["L3"]["status"] == "malformed"
    assert "JSON object" in papers["L4"]["error"] and "no title" in papers["L5"]["error"]
    assert papers["L6"]["status"] == "duplicate" and "line 2" in papers["L6"]["error"]
    assert papers["L9"]["status"] == "metadata" and papers["L9"]["paper_id"] != papers["L2"]["paper_id"]
    assert len({p["paper_id"] for p in read.papers}) == len(read.papers)
    raws = {(a["paper_id"], a["raw"]) for a in read.affiliations}
    pid2 = papers["L2"]["paper_id"]
    assert (papers["L1"]["paper_id"], "Université de Montréal") in raws
    assert (pid2, "Texas A&M University") in raws
    assert sum(1 for p, r in raws if p == pid2 and r == "Peking University") == 1  # one row per distinct string
    assert all(a["source"] == "metadata" for a in read.affiliations)
    assert not any(a["paper_id"] == papers["L8"]["paper_id"] for a in read.affiliations)
    assert read.stats["papers_without_affiliation"] == 1
    assert {a["country"] for a in read.affiliations if a["raw"] == "Peking University"} == {"CN"}


def test_paperlists_layout_and_country_cross_check(tmp_path):
    records = [
        {"id": "abc", "title": "Joint Paper", "author": "A;B;C",
         "aff": "Stanford University;Tsinghua University+Microsoft Research;",
         "aff_country_unique": "United States;China;Canada",
         # C has no affiliation; Tsinghua is claimed as Canada: a disagreement to report
         "aff_country_unique_index": "0;2+0;"},
        {"id": "def", "title": "Mismatch", "author": "A;B", "aff": "Stanford University"},
        {"id": "ghi", "title": "No Aff Field", "author": "A"},
    ]
    path = tmp_path / "iclr.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    read = read_file(str(path), year=2025)
    assert read.stats["format"] == "paperlists" and read.stats["year"] == 2025
    assert (read.stats["metadata"], read.stats["malformed"]) == (1, 2)
    bad = {p["source_id"]: p["error"] for p in read.papers if p["status"] == "malformed"}
    assert "2 authors but 1 affiliation groups" in bad["def"] and "no 'aff'" in bad["ghi"]
    ok = next(p for p in read.papers if p["status"] == "metadata")
    assert ok["source_id"] == "abc"
    raws = sorted({a["raw"] for a in read.affiliations})
    assert raws == ["Microsoft Research", "Stanford University", "Tsinghua University"]
    check = read.stats["country_cross_check"]
    assert check["agree"] == 2 and check["disagree"] == 1
    assert check["disagreements"][0]["raw"] == "Tsinghua University"
    # the claimed countries are only a cross-check: Tsinghua stays CN
    assert {a["country"] for a in read.affiliations if a["raw"] == "Tsinghua University"} == {"CN"}


def test_counting_rules():
    papers = pd.DataFrame({"paper_id": ["dual", "two", "hk", "none"]})
    affs = pd.DataFrame([
        ("dual", "Peking University / UC Berkeley", "CN"), ("dual", "Peking University / UC Berkeley", "US"),
        ("two", "Stanford", "US"), ("two", "Tsinghua", "CN"), ("two", "Peking University / UC Berkeley", "CN"),
        ("two", "Peking University / UC Berkeley", "US"),
        ("hk", "MIT", "US"), ("hk", "HKUST", "HK"), ("none", "Somewhere", None),
    ], columns=["paper_id", "raw", "country"])

    def both(policy, dual):
        flags = paper_flags(papers, affs, policy, dual)
        return set(flags.loc[flags["both"], "paper_id"]), set(flags.loc[flags["unknown"], "paper_id"])

    assert both("mainland", True) == ({"dual", "two"}, {"none"})
    assert both("mainland", False) == ({"two"}, {"none"})
    assert both("greater", True) == ({"dual", "two", "hk"}, {"none"})
    assert both("greater", False) == ({"two", "hk"}, {"none"})


@pytest.fixture(scope="module")
def truth(repo):
    """Five 2024 sample papers (US, CN and US-China among them): the metadata side copies them."""
    with open(repo / "sample" / "ground_truth.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["year"] == "2024"][:5]


def test_metadata_authors_rows_keep_each_authors_own_strings():
    _, records = parse_text(_nips_line("T", "Stanford University", "None", "Peking University") + "\n")
    read = to_rows(records, 2024, "x.json", "nips-json")
    got = [(a["position"], a["n_authors"], a["affiliations"], a["countries"], a["source"]) for a in read.authors]
    assert got == [(1, 3, [0], ["US"], "metadata"), (2, 3, [], [], None), (3, 3, [1], ["CN"], "metadata")]


def test_metadata_run_and_agreement_with_pdfs(spark, base_cfg, tmp_path, truth, sample_run):
    # PDF side: the session's run of the sample corpus, whose 2024 papers include those five
    code, _, pdf_cfg = sample_run
    assert code == 0

    # metadata side: the same titles (upper-cased) and affiliation strings; one US-only paper
    # gets a Chinese affiliation too (a disagreement), plus a paper the PDFs lack and a bad line
    changed = next(r for r in truth if r["has_us"] == "1" and r["has_cn"] == "0")
    lines = []
    for r in truth:
        affs = [a.strip() for a in r["affiliations"].split("|") if a.strip()] or ["None"]
        if r is changed:
            affs.append("Peking University")
        lines.append(_nips_line(r["title"].upper(), *affs))
    lines += [_nips_line("A Paper Only In Metadata", "Stanford University", "Tsinghua University"), "{oops"]
    source = tmp_path / "neurips2024.json"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")

    cfg = base_cfg.with_values({
        "warehouse.path": str(tmp_path / "meta_wh"), "reports.path": str(tmp_path / "meta_reports"),
        "metadata.source": str(source), "metadata.format": "auto", "metadata.year": None,
        "metadata.compare_with": pdf_cfg.warehouse.path,
        "quality.min_ok_share": 0.8})  # 6 of 7 records are papers
    check_source(cfg)
    run = Run(spark, cfg)
    assert run_metadata(run) == 0

    collab = spark.read.format("delta").load(tables.table_path(cfg, "collaboration")).collect()
    assert len(collab) == 1 and collab[0]["year"] == 2024
    truth_both = sum(r["has_us"] == "1" and r["has_cn"] == "1" for r in truth)
    assert collab[0]["papers"] == len(truth) + 2  # the malformed line is a row too
    assert collab[0]["with_both"] == truth_both + 2  # the changed paper and the metadata-only one
    statuses = {r["status"]: r["count"] for r in
                spark.read.format("delta").load(tables.table_path(cfg, "papers")).groupBy("status").count().collect()}
    assert statuses == {"metadata": len(truth) + 1, "malformed": 1}
    affs = spark.read.format("delta").load(tables.table_path(cfg, "affiliations"))
    assert {r["source"] for r in affs.select("source").distinct().collect()} == {"metadata"}
    assert spark.read.format("delta").load(tables.table_path(cfg, "mentions")).count() == 0

    agree = json.loads((run.run_dir / "metadata.json").read_text())["agreement"]
    assert agree["matched"] == agree["matched_by_title"] == len(truth)
    assert agree["has_us_agree"] == len(truth) and agree["has_cn_agree"] == len(truth) - 1
    assert agree["both_agree"] == len(truth) - 1
    diff = pd.read_csv(run.run_dir / "agreement_disagreements.csv")
    assert diff["title_pdf"].str.casefold().tolist() == [changed["title"].casefold()]
    assert "PDF headers vs metadata" in (run.run_dir / "metadata.md").read_text()
    authors = spark.read.format("delta").load(tables.table_path(cfg, "authors"))
    assert {r["source"] for r in authors.select("source").distinct().collect()} <= {"metadata", None}
    rules = {(r["rule"], r["china_policy"], r["dual_strings"]): r["with_both"]
             for r in spark.read.format("delta").load(tables.table_path(cfg, "rules")).collect()}
    assert rules[("any_author", "mainland", True)] == truth_both + 2
    assert rules[("first_last", "mainland", True)] <= rules[("distinct_authors", "mainland", True)]
    assert "Counting rules" in (run.run_dir / "metadata.md").read_text()
    assert (run.run_dir / "summary.md").is_file()


@pytest.mark.e2e
def test_metadata_run_applies_the_reviewed_corrections(spark, base_cfg, tmp_path):
    """A metadata run applies the overrides in force as a PDF run does: a string's reviewed
    country in every paper (and its authors), and a paper's flags (its step and the
    aggregates; no gate or report, to stay quick)."""
    from paperscope.counting.overrides import REVIEW_TABLE_COLUMNS
    from paperscope.report.review.cli import spark_io
    from paperscope.report.review.sheet import review_id

    rows = [("Both Sides", ["Stanford University", "Peking University"]), ("Seattle Only", ["Acme Lab, Seattle, WA"]),
            ("Seattle And Beijing", ["Acme Lab, Seattle, WA", "Tsinghua University"]),
            ("Oxford Only", ["University of Oxford"])]
    source = tmp_path / "neurips2024.json"
    source.write_text("".join(_nips_line(t, *a) + "\n" for t, a in rows), encoding="utf-8")
    cfg = base_cfg.with_values({"warehouse.path": str(tmp_path / "wh"), "reports.path": str(tmp_path / "reports"),
                                "metadata.source": str(source), "metadata.format": "auto", "metadata.year": None,
                                "metadata.compare_with": None})
    ids = {t: paper_id(2024, t) for t, _ in rows}
    judged = []
    for pid, raw, fix, us, cn, run_us, run_cn in [
            (ids["Seattle Only"], "Acme Lab, Seattle, WA", "CA", None, None, None, None),  # the string is Canadian
            (ids["Both Sides"], None, None, True, False, True, True),       # no Chinese author after all
            (ids["Oxford Only"], None, None, False, None, False, False)]:   # it has a US author
        row = {k: None for k in REVIEW_TABLE_COLUMNS}
        row.update(reviewer="ana", reviewed_at="2026-11-30T00:00:00+00:00", run_id="r0", corpus=str(source),
                   paper_id=pid, raw=raw, verdict="wrong" if fix else None, corrected_country=fix, us_correct=us,
                   cn_correct=cn, run_us=run_us, run_cn=run_cn)
        judged.append({**row, "review_id": review_id(row)})
    spark_io(cfg, spark)[1](pd.DataFrame(judged, columns=REVIEW_TABLE_COLUMNS))

    check_source(cfg)
    run = Run(spark, cfg)
    metadata(run)
    aggregate(run)  # the gate on reviewed rows: tests/test_review_run.py
    collab = tables.read_years(spark, cfg, "collaboration", None).collect()[0]
    # Without reviews: US 3 (Both, Seattle, Seattle And Beijing), China 2, both 2.
    assert (collab["with_us"], collab["with_cn"], collab["with_both"]) == (2, 1, 0)
    affs = tables.read_years(spark, cfg, "affiliations", None).toPandas()
    acme = affs[affs["raw"] == "Acme Lab, Seattle, WA"]
    assert len(acme) == 2 and set(acme["country"]) == {"CA"} and set(acme["method"]) == {"review"}
    pku = affs[affs["raw"] == "Peking University"].iloc[0]
    assert pku["country"] is None and pku["evidence"].endswith("the paper has no Chinese author (with_cn no)")
    added = affs[affs["source"] == "review"]
    assert added[["paper_id", "country", "method"]].values.tolist() == [[ids["Oxford Only"], "US", "review"]]
    authors = tables.read_years(spark, cfg, "authors", None).toPandas()
    countries = {(r.paper_id, r.position): list(r.countries) for r in authors.itertuples()}
    assert countries[(ids["Seattle Only"], 1)] == ["CA"] and countries[(ids["Both Sides"], 2)] == []
    assert (affs["method"] == "review").sum() == 4
    rules = run.counts["rules"].set_index(["rule", "china_policy", "dual_strings"])["with_both"]
    assert rules[("any_author", "mainland", True)] == 0 and rules[("distinct_authors", "mainland", True)] == 0


def test_metadata_command_errors_are_one_line_before_spark(tmp_path, capsys):
    from paperscope.cli.commands import main

    assert main(["metadata", "--source", str(tmp_path / "nope.json")]) == 2
    assert "metadata file not found" in capsys.readouterr().err
    undated = tmp_path / "papers.json"
    undated.write_text(_nips_line("T", "MIT") + "\n")
    assert main(["metadata", "--source", str(undated)]) == 2
    assert "pass --year" in capsys.readouterr().err
    assert main(["metadata"]) == 2
    assert "--source FILE" in capsys.readouterr().err
