"""A hostile corpus and a careless user, part two: nothing lost, nothing stale.

Each test is a case of issue 13 ("Data lost or wrong", "Also") that failed before: the
downloader (colliding names, a trickling server, Retry-After), metadata (an array on
the first line of JSON lines, values of the wrong type, a huge record, a half-written
pair of tables), the same PDF at two paths, named flags parsed as YAML, gold tables
from two runs, `.PDF`, files outside year folders and the size that was read. Fixtures
are generated here; the downloader talks to a server on 127.0.0.1.
"""
from __future__ import annotations

import csv
import email.utils
import json
import logging
import os
import re
import time
from http.server import BaseHTTPRequestHandler

import pandas as pd
import pytest

from paperscope.core import escape
from paperscope.core.config import load_config
from paperscope.sources.download.client import retry_after
from paperscope.sources.download.fetch import run
from paperscope.sources.download.papers import Options
from support import settings
from test_download import LocalServer, make_pdf
from test_hostile_failures import _rendered, _terms

# -- downloader -------------------------------------------------------------------------


class Server(LocalServer):
    """PDFs under /a/ and /b/ with one file name, a server that trickles, and 503s with
    Retry-After (seconds, an HTTP date, an hour)."""

    def __init__(self):
        self.hits: dict[str, int] = {}
        self.pdfs = {p: make_pdf(f"Paper at {p}") for p in ("/a/paper.pdf", "/b/paper.pdf", "/c/paper.pdf",
                                                          "/busy.pdf", "/busy-date.pdf", "/busy-long.pdf")}
        srv = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, code, body=b"", headers=None):
                self.send_response(code)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_HEAD(self):
                self.do_GET()

            def do_GET(self):
                path = self.path
                n = srv.hits[f"{self.command} {path}"] = srv.hits.get(f"{self.command} {path}", 0) + 1
                if path == "/trickle.pdf":
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    try:
                        for b in b"%PDF-1.4" + b" " * 992:
                            self.wfile.write(bytes([b]))
                            self.wfile.flush()
                            time.sleep(0.05)
                    except OSError:
                        pass
                    return None
                waits = {"/busy.pdf": "1", "/busy-long.pdf": "3600",
                         "/busy-date.pdf": email.utils.formatdate(time.time() + 2, usegmt=True)}
                if path in waits and n == 1 and self.command == "GET":
                    return self._send(503, b"busy", {"Retry-After": waits[path]})
                if path in srv.pdfs:
                    return self._send(200, srv.pdfs[path], {"Content-Type": "application/pdf"})
                return self._send(404, b"no")

        self._serve(Handler)


@pytest.fixture()
def server():
    with Server() as s:
        yield s


def _opts(tmp_path, **kw):
    base = dict(corpus=str(tmp_path / "corpus"), concurrency=2, rate_per_s=500.0, retries=1, backoff_s=0.01,
                backoff_max_s=0.02, timeout_s=2.0, manifest=str(tmp_path / "manifest.csv"))
    return Options.from_config(load_config(), **{**base, **kw})


def _urls(tmp_path, server, paths, name="urls.csv"):
    f = tmp_path / name
    f.write_text("url,year\n" + "".join(f"{server.base}{p},2024\n" for p in paths), encoding="utf-8")
    return str(f)


@pytest.mark.unit
def test_two_urls_with_one_file_name_keep_both_papers(server, tmp_path):
    opts = _opts(tmp_path)
    first = run(opts, csv_path=_urls(tmp_path, server, ["/a/paper.pdf", "/b/paper.pdf"]))
    by_url = {r.item.url.removeprefix(server.base): r for r in first}
    assert {r.status for r in first} == {"fetched"}
    paths = {u: r.path for u, r in by_url.items()}
    assert len(set(paths.values())) == 2
    assert paths["/a/paper.pdf"].endswith("/2024/paper.pdf")  # the first keeps the plain name
    for url, path in paths.items():
        assert open(path, "rb").read() == server.pdfs[url]
    # a re-run finds each paper's own file; a third URL with the name takes a third file
    again = run(opts, csv_path=_urls(tmp_path, server, ["/b/paper.pdf", "/c/paper.pdf", "/a/paper.pdf"]))
    status = {r.item.url.removeprefix(server.base): (r.status, r.path) for r in again}
    assert status["/a/paper.pdf"] == ("present", paths["/a/paper.pdf"])
    assert status["/b/paper.pdf"] == ("present", paths["/b/paper.pdf"])
    assert status["/c/paper.pdf"][0] == "fetched" and status["/c/paper.pdf"][1] not in paths.values()
    for url, (_, path) in status.items():
        assert open(path, "rb").read() == server.pdfs[url]
    with open(opts.manifest_path, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 3 and len({r["path"] for r in rows}) == 3


@pytest.mark.unit
@pytest.mark.slow
def test_a_server_that_trickles_is_cut_off_at_the_file_deadline(server, tmp_path):
    opts = _opts(tmp_path, file_deadline_s=0.6, retries=3)
    t0 = time.monotonic()
    [res] = run(opts, csv_path=_urls(tmp_path, server, ["/trickle.pdf"]))
    assert time.monotonic() - t0 < 5
    assert res.status == "failed" and "file_deadline_s" in res.error, res.error
    assert server.hits["GET /trickle.pdf"] <= 2  # HEAD is not made (no file), the deadline is not retried
    assert not [p for p in (tmp_path / "corpus").rglob("*") if p.is_file()]  # no file, no .part


@pytest.mark.unit
@pytest.mark.slow
def test_retry_after_is_honoured_and_bounded(server, tmp_path):
    opts = _opts(tmp_path, retry_after_max_s=5.0)
    t0 = time.monotonic()
    [res] = run(opts, csv_path=_urls(tmp_path, server, ["/busy.pdf"]))
    assert res.status == "fetched" and time.monotonic() - t0 >= 0.9
    t0 = time.monotonic()
    [res] = run(opts, csv_path=_urls(tmp_path, server, ["/busy-date.pdf"], "date.csv"))
    assert res.status == "fetched" and time.monotonic() - t0 >= 0.9
    t0 = time.monotonic()
    [res] = run(opts, csv_path=_urls(tmp_path, server, ["/busy-long.pdf"], "long.csv"))
    assert res.status == "failed" and "retry_after_max_s" in res.error and time.monotonic() - t0 < 2
    assert server.hits["GET /busy-long.pdf"] == 1


@pytest.mark.unit
def test_retry_after_values():
    now = 1_700_000_000.0
    assert retry_after("120") == 120.0
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == pytest.approx(30, abs=1)
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert retry_after("soon") is None and retry_after(None) is None


# -- named flags are strings ---------------------------------------------------------------


@pytest.mark.unit
@pytest.mark.parametrize("folder", ["yes", "2024", "[a]", "no #comment", "{x: 1}"])
def test_named_flags_are_strings_not_yaml(tmp_path, monkeypatch, capsys, folder):
    from paperscope.cli import commands as cli

    (tmp_path / folder / "2024").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert cli.main(["check", "--corpus", folder]) == 0, capsys.readouterr().err
    assert f"({folder})" in capsys.readouterr().out
    args = cli.parser().parse_args(["run", "--corpus", folder, "--warehouse", "/data/wh #prod",
                                    "--reports", "null", "--set", "quality.min_ok_share=0.5"])
    cfg = cli._config(args)
    assert (cfg.input.corpus, cfg.warehouse.path, cfg.reports.path) == (folder, "/data/wh #prod", "null")
    assert cfg.quality.min_ok_share == 0.5  # --set values are still YAML


@pytest.mark.unit
def test_metadata_year_flag_is_a_whole_number(capsys):
    from paperscope.cli import commands as cli

    args = cli.parser().parse_args(["metadata", "--source", "x.json", "--year", "2024"])
    assert cli._config(args).metadata.year == 2024
    with pytest.raises(SystemExit) as exc:
        cli.parser().parse_args(["metadata", "--source", "x.json", "--year", "soon"])
    assert exc.value.code == 2 and "invalid int value" in capsys.readouterr().err


# -- metadata ---------------------------------------------------------------------------------


def _nips(title, *affs):
    return json.dumps({"title": title, "authors": [{"name": f"Author {i}", "affiliation": a}
                                                     for i, a in enumerate(affs)]})


@pytest.mark.unit
def test_json_lines_whose_first_line_is_an_array_lose_no_record(tmp_path):
    from paperscope.sources.metadata.formats import parse_text

    lines = [json.dumps([{"title": "In An Array", "authors": []}]), _nips("Second", "MIT"), _nips("Third", "MIT")]
    fmt, records = parse_text("\n".join(lines) + "\n")
    assert fmt == "nips-json" and [r.line for r in records] == [1, 2, 3]
    assert "got an array" in records[0].error
    assert [r.title for r in records[1:]] == ["Second", "Third"] and not any(r.error for r in records[1:])
    # a file that is one array is still read as one
    fmt, records = parse_text(json.dumps([json.loads(_nips("A", "MIT")), json.loads(_nips("B", "MIT"))], indent=1))
    assert [r.title for r in records] == ["A", "B"]
    # a broken array is one line naming where, not a crash
    [bad] = parse_text('[\n{"title": "A"},\n{"title": \n')[1]
    assert "not a valid JSON array" in bad.error


@pytest.mark.unit
def test_values_of_the_wrong_type_are_refused_not_stringified(tmp_path):
    from paperscope.sources.metadata.formats import parse_text
    from paperscope.sources.metadata.rows import read_file

    lines = [
        json.dumps({"title": 12345, "authors": []}),
        json.dumps({"title": ["A", "B"], "authors": []}),
        json.dumps({"title": "Obj Aff", "authors": [{"name": "X", "affiliation": {"name": "MIT"}}]}),
        json.dumps({"title": "Num Name", "authors": [{"name": 7, "affiliation": "MIT"}]}),
        json.dumps({"title": "Two Affs", "authors": [{"name": "X", "affiliation": ["Peking University", "Stanford University"]}]}),
        json.dumps({"title": "Line\u2028Separator", "authors": [{"name": "X", "affiliation": "MIT"}]},
                   ensure_ascii=False),
    ]
    path = tmp_path / "conf2024.json"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = read_file(str(path))
    papers = {p["path"].rsplit("#", 1)[1]: p for p in read.papers}
    assert read.stats["records"] == 6
    assert "'title' must be a string, got a number 12345" in papers["L1"]["error"]
    assert "'title' must be a string, got an array" in papers["L2"]["error"]
    assert "'authors[1].affiliation' must be a string or a list of strings, got an object" in papers["L3"]["error"]
    assert "'authors[1].name' must be a string, got a number" in papers["L4"]["error"]
    assert all(papers[k]["status"] == "malformed" for k in ("L1", "L2", "L3", "L4"))
    # a list of affiliations is two affiliations, never its Python repr
    raws = {a["raw"] for a in read.affiliations if a["paper_id"] == papers["L5"]["paper_id"]}
    assert raws == {"Peking University", "Stanford University"}
    assert papers["L6"]["status"] == "metadata"  # U+2028 inside a string does not split the line
    # paperlists: a list where a ';' string is meant is read as its parts; a number is refused
    records = [{"id": 1, "title": "P", "author": ["A", "B"], "aff": ["Stanford University", "Tsinghua University"]},
               {"id": "x", "title": "Q", "author": "A", "aff": 42}]
    fmt, recs = parse_text(json.dumps(records))
    assert fmt == "paperlists" and recs[0].error is None and recs[0].source_id == "1"
    assert [a.affiliations for a in recs[0].authors] == [["Stanford University"], ["Tsinghua University"]]
    assert "'aff' must be a string or a list of strings, got a number" in recs[1].error and recs[1].source_id == "x"


@pytest.mark.unit
def test_a_huge_record_is_one_malformed_row_not_read(tmp_path):
    from paperscope.sources.metadata.rows import read_file

    huge = _nips("Huge " + "x" * 5000, "MIT")
    path = tmp_path / "conf2024.json"
    path.write_text("\n".join([_nips("Small", "MIT"), huge, _nips("After", "MIT")]) + "\n", encoding="utf-8")
    read = read_file(str(path), max_record_chars=1000)
    papers = {p["path"].rsplit("#", 1)[1]: p for p in read.papers}
    assert papers["L2"]["status"] == "malformed" and "metadata.max_record_chars" in papers["L2"]["error"]
    assert papers["L2"]["title"] is None and len(papers["L2"]["error"]) < 200
    assert papers["L1"]["status"] == papers["L3"]["status"] == "metadata"
    # the same bound holds for an item of a JSON array
    array = tmp_path / "arr2024.json"
    array.write_text(json.dumps([json.loads(_nips("Small", "MIT")), json.loads(huge)]), encoding="utf-8")
    read = read_file(str(array), max_record_chars=1000)
    assert [p["status"] for p in read.papers] == ["metadata", "malformed"]
    assert load_config().metadata.max_record_chars > 0


# -- one corpus through the pipeline: copies, .PDF, files outside year folders, gold as a unit ---


def _paper(path, text: str) -> None:
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path))
    c.drawString(72, 720, text)
    c.drawString(72, 700, "Stanford University, Stanford, CA, USA")
    c.save()


@pytest.fixture(scope="module")
def hostile_corpus(tmp_path_factory):
    """2024: a.pdf, b.PDF and a copy of a.pdf in a subfolder; 2025: another copy of a.pdf
    and c.pdf; stray.pdf at the root and misc/other.pdf in no year folder. Also in 2024,
    for the injection and slow-term checks of test_hostile_failures.py (one run serves
    both, to keep the suite short): a formula title in a file name with a backquote and a
    Markdown link, and a title starting with '@'."""
    import shutil

    root = tmp_path_factory.mktemp("hostile") / "corpus"
    _paper(root / "2024" / "a.pdf", "Paper A on transformers")
    _paper(root / "2024" / "b.PDF", "Paper B in capitals")
    _paper(root / "2025" / "c.pdf", "Paper C")
    (root / "2024" / "sub").mkdir()
    shutil.copy(root / "2024" / "a.pdf", root / "2024" / "sub" / "a-copy.pdf")
    shutil.copy(root / "2024" / "a.pdf", root / "2025" / "a-again.pdf")
    _paper(root / "stray.pdf", "Not in a year")
    _paper(root / "misc" / "other.pdf", "Not in a year either")
    _injection_paper(root / "2024" / ODD_NAME, FORMULA_TITLE, "We use fine models. b " + "a" * 48 + "!")
    _injection_paper(root / "2024" / "plain.pdf", "@SUM(1+1) A Plain Title", "Nothing slow here, a fine paper.")
    return root


ODD_NAME = "paper `x` [y](http__e).pdf"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","x") [click](http://evil.example)'


def _injection_paper(path, title: str, body: str) -> None:
    from reportlab.pdfgen import canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    c = canvas.Canvas(str(path))
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 720, title)
    c.setFont("Helvetica", 10)
    c.drawString(72, 690, "Jane Doe, Peking University, Beijing, China")
    c.drawString(72, 676, "John Roe, Stanford University, Stanford, CA, USA")
    c.drawString(72, 600, body)
    c.showPage()
    c.drawString(72, 720, body)
    c.save()


def _hostile_cfg(base_cfg, root, tmp, **changes):
    return base_cfg.with_values({"input.corpus": str(root), "warehouse.path": str(tmp / "warehouse"),
                                 "reports.path": str(tmp / "reports"), **changes})


@pytest.mark.e2e
def test_copies_capitals_and_stray_files_then_gold_as_one_unit(spark, base_cfg, hostile_corpus, tmp_path, monkeypatch,
                                                              caplog):
    from paperscope.pipeline.aggregate import GOLD, aggregate
    from paperscope.pipeline.flow import run_all
    from paperscope.pipeline.papers import extract
    from paperscope.pipeline.run import Run
    from paperscope.storage import tables

    root = hostile_corpus
    terms = tmp_path / "terms.yaml"
    terms.write_text(_terms(r"(?:x?a|a)+b") + "- {name: Fine, kind: method, origin: {organisation: Y, "
                     "country: null}, case_sensitive: true, variants: ['fine']}\n", encoding="utf-8")
    cfg = _hostile_cfg(base_cfg, root, tmp_path, **{"mentions.terms_file": str(terms), "mentions.timeout_seconds": 1})
    run = Run(spark, cfg)
    with caplog.at_level(logging.WARNING, logger="paperscope.pipeline.steps"):
        assert run_all(run) == 0
    _assert_inert_outputs(run, caplog, root / "2024" / ODD_NAME)
    papers = {corpus_path(r.path): r for r in tables.read_years(spark, cfg, "papers", None).collect()}
    a, copy, again = str(root / "2024" / "a.pdf"), str(root / "2024" / "sub" / "a-copy.pdf"), str(root / "2025" / "a-again.pdf")
    injected = {str(root / "2024" / ODD_NAME), str(root / "2024" / "plain.pdf")}
    # .PDF is found; every file in a year folder is a row; stray files are named, not rows
    assert set(papers) == {a, str(root / "2024" / "b.PDF"), copy, again, str(root / "2025" / "c.pdf")} | injected
    assert run.outside == [str(root / "misc" / "other.pdf"), str(root / "stray.pdf")]
    summary = (run.run_dir / "summary.md").read_text(encoding="utf-8")
    assert "outside the year folders" in summary and "stray.pdf" in summary and "other.pdf" in summary
    # the same bytes at three paths: one paper, at its first path, counted once in 2024
    assert papers[a].status == "ok" and papers[a].year == 2024
    for dup in (copy, again):
        assert papers[dup].status == "duplicate" and a in papers[dup].error
    assert papers[again].year == 2025
    collab = {r.year: r.papers for r in tables.read_years(spark, cfg, "collaboration", None).collect()}
    assert collab == {2024: 2 + len(injected), 2025: 1}
    # size_bytes is the size read
    assert all(r.size_bytes == os.path.getsize(p) for p, r in papers.items())
    # an unchanged re-run extracts nothing and writes nothing (the copies' rows are stable)
    again_run = Run(spark, cfg)
    extract(again_run)
    assert again_run.papers_refresh.extracted == 0 and not again_run.papers_refresh.written

    # With --years 2025 the copy of a 2024 paper is still a copy: 2025 counts c.pdf only
    only = _hostile_cfg(base_cfg, root, tmp_path / "y2025", **{"input.years": [2025]})
    extract(Run(spark, only))
    rows = {corpus_path(r.path): r.status for r in tables.read_years(spark, only, "papers", None).collect()}
    assert rows == {again: "duplicate", str(root / "2025" / "c.pdf"): "ok"}

    # Gold as one unit: a run that stops after the first gold table leaves the last
    # complete set as what is read; the next run writes the whole set again.
    gold = list(GOLD)
    complete = tables.unit_versions(spark, cfg, gold)
    assert complete == {n: tables.version(spark, cfg, n) for n in gold}
    other = cfg.with_values({"affiliations.china_policy": "greater"})
    real = tables.write_years

    def crash_after_first(df, c, name, *args, **kw):
        if name == gold[1]:
            raise RuntimeError("killed between gold writes")
        return real(df, c, name, *args, **kw)

    monkeypatch.setattr(tables, "write_years", crash_after_first)
    with pytest.raises(RuntimeError, match="killed between gold writes"):
        aggregate(Run(spark, other))
    monkeypatch.setattr(tables, "write_years", real)
    assert tables.version(spark, cfg, gold[0]) == complete[gold[0]] + 1  # the first table moved on
    assert "stopped before the rest of its set" in tables.half_written(spark, cfg, gold)
    assert tables.unit_versions(spark, cfg, gold) == complete
    old = tables.read_unit(spark, cfg, gold[0], gold, None).collect()
    assert old == spark.read.format("delta").option("versionAsOf", complete[gold[0]]).load(
        tables.table_path(cfg, gold[0])).collect()
    rerun = Run(spark, other)
    aggregate(rerun)
    assert tables.half_written(spark, cfg, gold) is None
    assert tables.unit_versions(spark, cfg, gold) == {n: tables.version(spark, cfg, n) for n in gold}
    assert all(tables.last_metadata(spark, cfg, n)["unit"]["run_id"] == rerun.run_id for n in gold)


def _assert_inert_outputs(run, caplog, odd_name) -> None:
    """The slow term stopped at the limit and named; every CSV and .md the run wrote is inert."""
    late = [r.getMessage() for r in caplog.records if "mentions.timeout_seconds" in r.getMessage()]
    assert len(late) == 1 and "'Slow'" in late[0] and str(odd_name) in late[0]
    stored = run.read("mentions").toPandas()
    assert (stored["count_full"] >= 0).all() and "Slow" not in set(stored["term"])

    written = sorted(run.run_dir.glob("*.csv"))
    assert {"audit.csv", "review_sample.csv"} <= {p.name for p in written}
    for path in written:
        with open(path, newline="", encoding="utf-8") as fh:
            cells = [c for row in csv.reader(fh) for c in row]
        assert not any(c.startswith(escape.FORMULA_START) for c in cells), path.name
    audit = pd.read_csv(run.run_dir / "audit.csv", dtype=str, keep_default_na=False)
    assert {escape.csv_unescape(t) for t in audit["title"]} >= {FORMULA_TITLE}

    for path in sorted(run.run_dir.glob("*.md")):
        rendered = _rendered(path.read_text(encoding="utf-8"))
        assert "evil.example" not in " ".join(re.findall(r'<a [^>]*href="([^"]*)"', rendered)), path.name
        images = re.findall(r"<img ([^>]*)>", rendered)
        sources = [re.search(r'src="([^"]*)"', i).group(1) for i in images]
        assert all(re.fullmatch(r"[a-z_]+\.png", src) and (run.run_dir / src).is_file() for src in sources), sources


def corpus_path(path: str) -> str:
    from paperscope.core.paths import local_path

    return local_path(path)


@pytest.mark.e2e  # three metadata steps (about 20 s): kept out of the fast lane
def test_metadata_tables_half_written_are_refused_then_repaired(spark, base_cfg, tmp_path, monkeypatch):
    from paperscope.core.errors import InputError
    from paperscope.pipeline.gate import validate
    from paperscope.pipeline.metadata import metadata
    from paperscope.pipeline.run import Run, registry
    from paperscope.storage import tables

    source = tmp_path / "conf2024.json"
    source.write_text("\n".join([_nips("One", "Stanford University"), _nips("Two", "Peking University")]) + "\n",
                      encoding="utf-8")
    cfg = base_cfg.with_values({"metadata.source": str(source), "warehouse.path": str(tmp_path / "wh"),
                                "reports.path": str(tmp_path / "reports")})
    names = list(registry.step("metadata").writes)
    metadata(Run(spark, cfg))
    assert tables.half_written(spark, cfg, names) is None
    real = tables.write_years

    def killed(df, c, name, *args, **kw):
        if name == "affiliations":
            raise RuntimeError("killed between papers and affiliations")
        return real(df, c, name, *args, **kw)

    monkeypatch.setattr(tables, "write_years", killed)
    stopped = Run(spark, cfg)
    with pytest.raises(RuntimeError):
        metadata(stopped)
    monkeypatch.setattr(tables, "write_years", real)
    problem = tables.half_written(spark, cfg, names)
    assert stopped.run_id in problem and "papers" in problem
    run = Run(spark, cfg)
    run.discovered = [(2024, 2)]
    with pytest.raises(InputError, match="stopped before the rest of its set"):
        validate(run)
    metadata(Run(spark, cfg))  # the next run writes the whole set again
    assert tables.half_written(spark, cfg, names) is None


# -- also: the glob's case, the size read ----------------------------------------------------


@pytest.mark.unit
def test_glob_ignores_case_in_both_listings(tmp_path):
    from paperscope.sources.corpus.listing import _local_listing, nocase_glob

    for name in ("a.pdf", "b.PDF", "c.Pdf", "d.txt"):
        _paper(tmp_path / "corpus" / "2024" / name, name)
    cfg = settings({"input.corpus": str(tmp_path / "corpus")})
    names = sorted(os.path.basename(p) for p, _ in _local_listing(cfg))
    assert names == ["a.pdf", "b.PDF", "c.Pdf"]
    assert nocase_glob("*.pdf") == "*.[pP][dD][fF]"
    assert nocase_glob("paper-[0-9]*.pdf") == "[pP][aA][pP][eE][rR]-[0-9]*.[pP][dD][fF]"


@pytest.mark.unit
def test_size_bytes_is_the_size_read(tmp_path):
    import logging

    from paperscope.paper.pdf.limits import Limits
    from paperscope.pipeline.extract import _extract_one

    path = tmp_path / "2024" / "grown.pdf"
    _paper(path, "A file that grew after it was listed")
    rec = {"path": "file:" + str(path), "year": 2024, "size_bytes": 10, "local_path": str(path),
           "title_hint": None, "source_id": None}
    row = _extract_one(rec, Limits.from_config(), frozenset(), logging.getLogger("test"))
    assert row["status"] == "ok" and row["size_bytes"] == path.stat().st_size


@pytest.mark.parametrize("size", [100, 70_000, 300_000])
def test_same_size_files_are_copies_only_when_every_byte_agrees(tmp_path, size):
    """Copies are told by their whole bytes; files that share a size, or even their first and
    last 64 KiB (what the driver reads first), stay distinct papers."""
    from paperscope.sources.corpus.duplicates import same_bytes
    from paperscope.sources.corpus.listing import local_files

    rng = __import__("random").Random(size)
    base = bytes(rng.getrandbits(8) for _ in range(size))
    middle = bytearray(base)
    middle[size // 2] ^= 1
    files = {"2024/a.pdf": base, "2024/b.pdf": base, "2025/c.pdf": bytes(middle),
             "2025/d.pdf": bytes(reversed(base)), "2025/e.pdf": base + b"x"}
    for rel, data in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(data)
    cfg = load_config(sets=[f"input.corpus={tmp_path}"])
    groups = same_bytes(cfg, local_files(cfg))
    a, b = (f"file:{tmp_path / r}" for r in ("2024/a.pdf", "2024/b.pdf"))
    assert groups == {a: [a, b], b: [a, b]}
