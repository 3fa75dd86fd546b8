"""End to end on the bundled sample corpus: exact aggregates from the ground truth, real
Delta tables by year, year-scoped re-runs, and a gate that blocks the aggregates."""
from __future__ import annotations

import csv
import json
from collections import defaultdict

import pytest
from pyspark.sql import functions as F

from paperscope.core.config import load_config
from paperscope.core.exitcodes import Exit
from paperscope.pipeline.flow import run_all
from paperscope.pipeline.run import Run
from paperscope.storage import tables
from paperscope.storage.schemas import AFFILIATIONS


def _cfg(base_cfg, repo, tmp, **sets):
    return base_cfg.with_values({"input.corpus": str(repo / "sample" / "corpus"),
                                 "warehouse.path": str(tmp / "warehouse"), "reports.path": str(tmp / "reports"),
                                 **{key.replace("__", "."): value for key, value in sets.items()}})


@pytest.fixture(scope="module")
def truth(repo):
    with open(repo / "sample" / "ground_truth.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_run_passes(sample_run):
    code, run, _ = sample_run
    assert code == 0
    assert (run.run_dir / "summary.md").is_file()


def test_collaboration_matches_ground_truth(sample_run, truth, spark):
    _, _, cfg = sample_run
    want = defaultdict(lambda: defaultdict(int))
    for row in truth:
        y, us, cn = int(row["year"]), row["has_us"] == "1", row["has_cn"] == "1"
        want[y]["papers"] += 1
        want[y]["with_us"] += us
        want[y]["with_cn"] += cn
        want[y]["with_both"] += us and cn
        want[y]["with_neither"] += not us and not cn and row["countries"] != ""
        want[y]["with_unknown"] += row["countries"] == ""
    got = {r["year"]: r.asDict() for r in spark.read.format("delta").load(tables.table_path(cfg, "collaboration")).collect()}
    assert sorted(got) == sorted(want)
    for year, counts in want.items():
        for key, value in counts.items():
            assert got[year][key] == value, (year, key)
        for share in ("us", "cn", "both"):
            assert got[year][f"share_{share}"] == pytest.approx(counts[f"with_{share}"] / counts["papers"], abs=1e-4)


def test_mentions_by_country_group_match_ground_truth(sample_run, truth, spark):
    """Named and used, per year, term and author-country group (agg_mentions), exactly."""
    _, _, cfg = sample_run
    want = defaultdict(lambda: defaultdict(int))
    for row in truth:
        if row["terms_known"] != "1":
            continue
        us, cn = row["has_us"] == "1", row["has_cn"] == "1"
        used = set(filter(None, row["terms_used"].split(";")))
        for term in filter(None, row["terms_body"].split(";")):
            key = (int(row["year"]), term)
            groups = {"papers": True, "with_us": us, "with_cn": cn, "with_both": us and cn,
                      "with_neither": not us and not cn and row["countries"] != "",
                      "with_unknown": row["countries"] == ""}
            for col, hit in groups.items():
                want[key][col] += hit
                want[key][f"{col}_used"] += hit and term in used
    df = spark.read.format("delta").load(tables.table_path(cfg, "term_groups"))
    got = {(r["year"], r["term"]): r.asDict() for r in df.where(F.col("year").isin(2024, 2025)).collect()}
    assert set(got) == set(want)
    for key, counts in want.items():
        for col, value in counts.items():
            assert got[key][col] == value, (key, col)
        assert got[key]["scope"] == "body"
    assert (got[(2025, "Qwen")]["kind"], got[(2025, "Qwen")]["origin"], got[(2025, "Qwen")]["origin_country"]) == (
        "model family", "Alibaba", "CN")


def _counts(cell):
    return {t: int(n) for t, n in (x.split(":") for x in filter(None, cell.split(";")))}


def test_mention_counts_per_paper_match_ground_truth(sample_run, truth, spark):
    """Every term of every generated paper, counted exactly in both scopes (look-alikes
    such as "Claude Martin", "Gemma Hughes", "a llama" and "a black mamba" count nothing)."""
    _, _, cfg = sample_run
    mentions = spark.read.format("delta").load(tables.table_path(cfg, "mentions"))
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers")).select("paper_id", "path")
    got = defaultdict(dict)
    for r in mentions.join(papers, "paper_id").collect():
        got[r["path"].split("sample/corpus/")[-1]][r["term"]] = (r["count_full"], r["count_body"])
    known = [row for row in truth if row["terms_known"] == "1"]
    assert len(known) == 26
    for row in known:
        full, body = _counts(row["counts_full"]), _counts(row["counts_body"])
        assert {t: c[0] for t, c in got[row["file"]].items()} == full, row["file"]
        assert {t: c[1] for t, c in got[row["file"]].items() if c[1]} == body, row["file"]


def test_used_or_cited_per_paper_matches_ground_truth(sample_run, truth, spark):
    """Every body term of every generated paper is used exactly when the truth says so
    (terms_used: a drawn sentence uses it), with its evidence; a term only in the
    bibliography has no use."""
    _, _, cfg = sample_run
    mentions = spark.read.format("delta").load(tables.table_path(cfg, "mentions"))
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers")).select("paper_id", "path")
    got = defaultdict(dict)
    for r in mentions.join(papers, "paper_id").collect():
        got[r["path"].split("sample/corpus/")[-1]][r["term"]] = r
    checked = 0
    for row in (r for r in truth if r["terms_known"] == "1"):
        used = set(filter(None, row["terms_used"].split(";")))
        for term, r in got[row["file"]].items():
            if r["count_body"] == 0:
                assert (r["use"], r["evidence"]) == (None, None), (row["file"], term)
                continue
            assert r["use"] == ("used" if term in used else "cited"), (row["file"], term, r["use_signal"], r["evidence"])
            assert r["evidence"] and sum(r["sections"].values()) == r["count_body"], (row["file"], term)
            checked += 1
    assert checked == sum(len(list(filter(None, r["terms_body"].split(";")))) for r in truth)


def test_a_llama_cited_only_in_the_bibliography_is_not_counted(sample_run, spark):
    _, _, cfg = sample_run
    mentions = spark.read.format("delta").load(tables.table_path(cfg, "mentions"))
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers"))
    row = (mentions.join(papers, "paper_id").where(F.col("path").endswith("2024/neurips2024_02.pdf"))
           .where(F.col("term") == "Llama").first())
    assert (row["count_full"], row["count_body"]) == (1, 0)
    assert "LLaMA: Open and efficient" in row["full_text"].split("References")[-1]


def test_references_only_mentions_are_counted_in_full_scope_only(sample_run, truth, spark):
    _, _, cfg = sample_run
    mentions = spark.read.format("delta").load(tables.table_path(cfg, "mentions"))
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers")).select("paper_id", "path")
    rows = mentions.join(papers, "paper_id").collect()
    by_file = defaultdict(dict)
    for r in rows:
        by_file[r["path"].split("sample/corpus/")[-1]][r["term"]] = (r["count_full"], r["count_body"])
    checked = 0
    for row in truth:
        if row["terms_known"] != "1":
            continue
        only_refs = set(filter(None, row["terms_full"].split(";"))) - set(row["terms_body"].split(";"))
        for term in only_refs:
            full, body = by_file[row["file"]][term]
            assert full > 0 and body == 0, (row["file"], term)
            checked += 1
    assert checked >= 3


def test_tables_are_delta_partitioned_by_year_with_history(sample_run, spark):
    _, _, cfg = sample_run
    for name in cfg.warehouse.tables:
        path = tables.table_path(cfg, name)
        detail = spark.sql(f"DESCRIBE DETAIL delta.`{path}`").collect()[0]
        assert detail["format"] == "delta"
        assert list(detail["partitionColumns"]) == ["year"]
        assert tables.history(spark, path).count() >= 1


def test_every_input_file_is_one_papers_row(sample_run, repo, spark):
    _, _, cfg = sample_run
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers"))
    on_disk = sorted(str(p.relative_to(repo / "sample" / "corpus")) for p in (repo / "sample" / "corpus").rglob("*.pdf"))
    in_table = sorted(r["path"].split("sample/corpus/")[-1] for r in papers.select("path").collect())
    assert in_table == on_disk
    assert papers.where("status != 'ok'").count() == 0


def test_audit_trail_names_string_institution_and_rule(sample_run, spark):
    _, run, cfg = sample_run
    affs = spark.read.format("delta").load(tables.table_path(cfg, "affiliations"))
    assert affs.where("country IS NOT NULL AND (method = 'none' OR evidence IS NULL)").count() == 0
    row = affs.where(F.col("raw").contains("Tsinghua University")).first()
    assert row["country"] == "CN" and row["institution"] == "Tsinghua University"
    audit = (run.run_dir / "audit.csv").read_text(encoding="utf-8")
    assert "Tsinghua University" in audit and "method" in audit.splitlines()[0]


def test_headers_table_keeps_authors_and_affiliation_strings(sample_run, spark):
    _, run, cfg = sample_run
    papers = spark.read.format("delta").load(tables.table_path(cfg, "papers")).where("status = 'ok'")
    headers = spark.read.format("delta").load(tables.table_path(cfg, "headers"))
    assert headers.count() == papers.count()
    row = headers.where(F.array_contains("countries", "CN") & F.array_contains("countries", "US")).first()
    assert row["authors"] and all(a["name"] for a in row["authors"])
    raws = {a["raw"] for a in row["affiliations"]}
    sources = {r["source"] for r in headers.selectExpr("explode(affiliations.source) AS source").collect()}
    assert sources and sources <= {"block", "footnote", "email"}
    affs = spark.read.format("delta").load(tables.table_path(cfg, "affiliations")).where(F.col("paper_id") == row["paper_id"])
    assert raws == {r["raw"] for r in affs.select("raw").collect()}
    header = (run.run_dir / "audit.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:9] == ["paper_id", "year", "title", "raw", "institution", "country", "method", "matched", "score"]


def test_report_has_data_docs_and_summary(sample_run):
    _, run, _ = sample_run
    summary = (run.run_dir / "summary.md").read_text(encoding="utf-8")
    assert "Status: passed" in summary
    assert "involve authors at both US and Chinese institutions" in summary
    assert (run.run_dir / "data_docs" / "index.html").is_file()
    assert (run.run_dir.parent / "latest").resolve() == run.run_dir.resolve()


def test_html_report_of_the_sample_run(sample_run, truth):
    """The PDF titled "On <script>alert(1)</script> ..." is data in the audit page, the charts
    are PNGs embedded and beside the page, and the sentences carry the ground truth's numbers."""
    import base64
    from html.parser import HTMLParser

    _, run, _ = sample_run

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tags, self.text, self.images, self.href = [], [], [], None

        def handle_starttag(self, tag, attrs):
            self.tags.append(tag)
            self.href = dict(attrs).get("href") if tag == "a" else self.href
            if tag == "img":
                self.images.append((dict(attrs)["src"], self.href))

        def handle_data(self, data):
            self.text.append(data)

    page = Page()
    page.feed((run.run_dir / "index.html").read_text(encoding="utf-8"))
    assert "script" not in page.tags
    text = "".join(page.text)
    title = next(r["title"] for r in truth if r["file"] == "2024/neurips2024_10.pdf")
    audit = (run.run_dir / "audit.html").read_text(encoding="utf-8")
    rows = json.loads(audit.split('id="rows-data">', 1)[1].split("</script>", 1)[0])["rows"]
    assert "<script>" in title and title in {c for row in rows for c in row} and "<script>alert" not in audit
    assert len(page.images) == 3  # collaboration, the share under each counting rule, top terms
    for src, href in page.images:
        assert base64.b64decode(src.split(",", 1)[1]).startswith(b"\x89PNG")
        assert (run.run_dir / href).read_bytes().startswith(b"\x89PNG")
    both_2025 = sum(r["year"] == "2025" and r["has_us"] == "1" and r["has_cn"] == "1" for r in truth)
    assert f"2025: {both_2025} of 14 papers" in text
    qwen_us = sum(r["year"] == "2025" and r["has_us"] == "1" and "Qwen" in r["terms_body"].split(";") for r in truth)
    assert f"2025: Qwen is named in {qwen_us} papers with authors from US institutions" in text
    assert (run.run_dir / "review_sample.csv").is_file()
    assert len(open(run.run_dir / "review_sample.csv", encoding="utf-8").read().splitlines()) > 10


def test_rerun_of_one_year_leaves_other_years_untouched(sample_run, spark):
    _, _, cfg = sample_run
    path = tables.table_path(cfg, "papers")

    def files_of(year):
        df = spark.read.format("delta").load(path).where(F.col("year") == year)
        return sorted({r[0] for r in df.select(F.input_file_name()).collect()})

    before_2024, before_2025 = files_of(2024), files_of(2025)
    version_before = tables.history(spark, path).agg(F.max("version")).first()[0]
    # Unchanged files are not extracted again; force it to see a year-scoped rewrite.
    cfg2025 = cfg.with_values({"input.years": [2025], "extract.reextract": True})
    assert run_all(Run(spark, cfg2025)) == 0
    assert files_of(2024) == before_2024
    assert files_of(2025) != before_2025
    last = tables.history(spark, path).orderBy(F.desc("version")).first()
    assert last["version"] == version_before + 1
    assert "2025" in last["operationParameters"]["predicate"] and "2024" not in last["operationParameters"]["predicate"]
    collab = spark.read.format("delta").load(tables.table_path(cfg, "collaboration"))
    assert collab.where("year = 2024").count() == 1 and collab.where("year = 2025").count() == 1


def test_failed_expectation_blocks_aggregates_and_still_writes_data_docs(spark, base_cfg, repo, tmp_path):
    cfg = _cfg(base_cfg, repo, tmp_path, input__years=[2024], quality__expected_papers={2024: 999})
    run = Run(spark, cfg)
    assert run_all(run) == Exit.GATE_FAILED
    assert not tables.exists(spark, tables.table_path(cfg, "collaboration"))
    assert not tables.exists(spark, tables.table_path(cfg, "term_groups"))
    assert tables.exists(spark, tables.table_path(cfg, "papers"))
    assert (run.run_dir / "data_docs" / "index.html").is_file()
    summary = (run.run_dir / "summary.md").read_text(encoding="utf-8")
    assert "Status: failed" in summary and "999" in summary
    page = (run.run_dir / "index.html").read_text(encoding="utf-8")
    assert "No answer: the quality gate did not pass" in page and "999" in page and "<img" not in page


def test_china_policy_greater_counts_hk_and_tw(spark, sample_run, truth):
    _, run, cfg = sample_run
    from paperscope.counting.aggregates import collaboration

    papers = tables.read_years(spark, cfg, "papers", None).select("paper_id", "year", "status").toPandas()
    affs = tables.read_years(spark, cfg, "affiliations", None, AFFILIATIONS).toPandas()
    mainland = dict(zip(*collaboration(papers, affs, "mainland")[["year", "with_cn"]].values.T))
    greater = dict(zip(*collaboration(papers, affs, "greater")[["year", "with_cn"]].values.T))
    want = defaultdict(int)
    for row in truth:
        want[int(row["year"])] += bool(set(row["countries"].split(",")) & {"CN", "HK", "MO", "TW"})
    assert greater == dict(want)
    assert sum(greater.values()) > sum(mainland.values())


def test_pdfs_outside_year_folders_are_named_and_touch_no_year(spark, base_cfg, repo, tmp_path):
    """Files in no <year>/ folder are no paper of any year: named, not read (issue 13);
    a corpus with nothing else is one line naming them. tests/test_hostile_data.py runs
    a corpus with such files beside year folders."""
    import shutil

    from paperscope.core.errors import InputError

    corpus_dir = tmp_path / "corpus"
    (corpus_dir / "misc").mkdir(parents=True)
    shutil.copy(repo / "sample" / "corpus" / "2024" / "neurips2024_01.pdf", corpus_dir / "misc" / "a.pdf")
    cfg = _cfg(base_cfg, repo, tmp_path, input__corpus=str(corpus_dir))
    with pytest.raises(InputError, match=r"only outside <year>/ folders: .*/misc/a\.pdf"):
        run_all(Run(spark, cfg))
    assert tables.version(spark, cfg, "papers") is None


def test_a_corpus_without_pdfs_is_a_clear_input_error(spark, base_cfg, repo, tmp_path):
    from paperscope.core.errors import InputError

    (tmp_path / "corpus" / "2024").mkdir(parents=True)
    (tmp_path / "corpus" / "2024" / "notes.txt").write_text("not a pdf")
    cfg = _cfg(base_cfg, repo, tmp_path, input__corpus=str(tmp_path / "corpus"))
    with pytest.raises(InputError, match="no files matching"):
        run_all(Run(spark, cfg))


def test_repo_configs_load(repo):
    assert load_config(repo / "conf" / "local.yaml").input.corpus == "sample/corpus"
    cluster = load_config(repo / "conf" / "cluster.yaml")
    assert cluster.spark.master is None
    assert cluster.quality.expected_papers == {2024: 4497, 2025: 5290}


def test_manifest_input_with_titles_and_a_lost_file(spark, base_cfg, repo, tmp_path):
    """A manifest names files anywhere; a listed file that is gone counts as discovered,
    so the gate sees it as lost instead of it silently vanishing."""
    from paperscope.paper.pdf.limits import Limits
    from paperscope.pipeline.extract import extract_papers
    from paperscope.quality.gate import run_gate
    from paperscope.sources.corpus.listing import discover, read_files
    from paperscope.storage import schemas

    corpus_dir = repo / "sample" / "corpus"
    manifest = tmp_path / "manifest.csv"
    manifest.write_text(
        "path,year,title,paper_id\n"
        f"{corpus_dir / '2024' / 'neurips2024_01.pdf'},2024,Given Title,openreview:abc\n"
        f"{corpus_dir / '2025' / 'neurips2025_02.pdf'},2025,,\n"
        f"{tmp_path / 'gone.pdf'},2025,Lost Paper,\n", encoding="utf-8")
    cfg = _cfg(base_cfg, repo, tmp_path, input__manifest=str(manifest))
    discovered = sorted((r["year"], r["files"]) for r in discover(spark, cfg).collect())
    assert discovered == [(2024, 1), (2025, 2)]
    papers = extract_papers(read_files(spark, cfg, with_content=True), Limits.from_config()).drop("reused").collect()
    titles = {r["year"]: r["title"] for r in papers}
    assert titles[2024] == "Given Title"
    assert {r["year"]: r["source_id"] for r in papers} == {2024: "openreview:abc", 2025: None}
    assert titles[2025] == "Linear-Time Sequence Mixing for Genomic Foundation Models"
    gate = run_gate(
        spark, papers=spark.createDataFrame(papers, schemas.PAPERS),
        discovered=spark.createDataFrame(discovered, schemas.DISCOVERED),
        affiliations=spark.createDataFrame([], schemas.AFFILIATIONS),
        mentions=spark.createDataFrame([], schemas.MENTIONS), cfg=cfg, run_dir=tmp_path / "run")
    assert not gate.success
    assert "papers_per_year" in gate.describe_failures() and "2025" in gate.describe_failures()


def _rows(repo, name):
    with open(repo / "sample" / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_authors_table_matches_per_author_ground_truth(sample_run, repo, spark):
    """Every generated paper's authors, in order, with the countries the generator gave them."""
    _, _, cfg = sample_run
    papers = {r["paper_id"]: r["path"] for r in
              spark.read.format("delta").load(tables.table_path(cfg, "papers")).select("paper_id", "path").collect()}
    got = {}
    for r in spark.read.format("delta").load(tables.table_path(cfg, "authors")).collect():
        file = papers[r["paper_id"]].split("corpus/")[-1]
        got[(file, r["position"])] = (r["n_authors"], ",".join(r["countries"]), r["source"])
    for row in _rows(repo, "authors_truth.csv"):
        if row["countries"]:  # the anonymous paper's author line is not an author
            assert got[(row["file"], int(row["position"]))][:2] == (int(row["n_authors"]), row["countries"]), row


def test_every_counting_rule_matches_ground_truth(sample_run, repo, spark):
    _, _, cfg = sample_run
    got = {(r["year"], r["rule"], r["china_policy"], r["dual_strings"]): (r["papers"], r["with_both"]) for r in
           spark.read.format("delta").load(tables.table_path(cfg, "rules")).collect()}
    want = _rows(repo, "rules_truth.csv")
    assert len(got) == 2 * len(want)
    for row in want:
        for dual in (True, False):  # the sample has no string naming both countries
            key = (int(row["year"]), row["rule"], row["china_policy"], dual)
            assert got[key] == (int(row["papers"]), pytest.approx(float(row["with_both"]), abs=1e-6)), key


def test_institution_pairs_and_the_rules_in_the_report(sample_run, spark):
    _, run, cfg = sample_run
    pairs = {(r["year"], r["us_institution"], r["cn_institution"]): r["papers"] for r in
             spark.read.format("delta").load(tables.table_path(cfg, "institution_pairs")).collect()}
    assert sum(pairs.values()) >= 3 and {y for y, _, _ in pairs} == {2024, 2025}
    fractions = spark.read.format("delta").load(tables.table_path(cfg, "country_fractions")).toPandas()
    assert fractions.groupby("year")["fractional_count"].sum().round(6).to_dict()[2024] == 11  # 12 minus the anonymous
    summary = (run.run_dir / "summary.md").read_text()
    assert "first_last" in summary and "Counting rules" in summary
    assert "rule_consistency" in {o["suite"] for o in json.loads((run.run_dir / "run.json").read_text())["gate"]}


def test_every_figure_of_the_sample_lists_exactly_its_papers(sample_run, spark):
    """agg_paper_rules sums to agg_rules, and each per-rule CSV of the report has, per year,
    as many rows as its figure (fractional: weights adding up to it)."""
    import pandas as pd

    _, run, cfg = sample_run
    counts = spark.read.format("delta").load(tables.table_path(cfg, "rules")).toPandas()
    per = spark.read.format("delta").load(tables.table_path(cfg, "paper_rules")).toPandas()
    assert len(per) == 4 * spark.read.format("delta").load(tables.table_path(cfg, "papers")).count()
    for r in counts.itertuples():
        name = f"papers_{r.rule}_{r.china_policy}_{'kept' if r.dual_strings else 'left_out'}.csv"
        rows = pd.read_csv(run.run_dir / name)
        mine = rows[rows["year"] == r.year]
        if r.rule == "fractional":
            assert mine["fractional_weight"].sum() == pytest.approx(r.with_both, abs=1e-5), name
        else:
            assert len(mine) == r.with_both, name
    record = json.loads((run.run_dir / "run.json").read_text())
    assert [a["year"] for a in record["answer"]] == [2020, 2022, 2023, 2024, 2025]
    assert record["answer"][-1]["with_both"] == 5 and record["answer"][0]["small"]


def test_rule_frames_are_counted_once_until_a_table_is_written(sample_run, monkeypatch):
    """The gate and the aggregates share one count of the rules; a table write drops it."""
    from paperscope.pipeline import aggregate
    from paperscope.storage import tables

    _, run, cfg = sample_run
    calls = []
    real = aggregate.gold_frames
    monkeypatch.setattr(aggregate, "gold_frames", lambda *a: calls.append(1) or real(*a))
    monkeypatch.setattr(run, "rule_frames", None)
    first = aggregate.frames(run)
    assert aggregate.frames(run) is first and len(calls) == 1
    tables._forget(cfg, "affiliations")  # what every table write does
    again = aggregate.frames(run)
    assert len(calls) == 2 and again is not first
    assert all(again[k].equals(first[k]) for k in first)
