"""Bad input survives: every file of a corpus of broken, hostile and odd PDFs gets exactly
one papers row whose status names the problem, the run completes, and the report counts
the failures by kind. The corpus is generated here (reportlab and hand-written bytes)."""
from __future__ import annotations

import io
import json
import os
import re
import time
import zlib
from pathlib import Path

import pytest

from paperscope.paper.pdf.extract import extract
from paperscope.paper.pdf.limits import (
    CORRUPT,
    EMPTY,
    ENCRYPTED,
    NO_TEXT,
    NOT_PDF,
    OK,
    TIMEOUT,
    TOO_LARGE,
    TOO_MANY_PAGES,
    TRUNCATED,
    UNREADABLE,
    Limits,
)
from paperscope.paper.pdf.sandbox import Sandbox, extract_isolated

# file name -> the status its papers row must carry (limits as in LIMITS below)
EXPECTED = {
    "empty.pdf": EMPTY,
    "truncated.pdf": TRUNCATED,
    # Every xref offset points to the wrong place: pdfminer finds no pages, PDFium rebuilds
    # the table and reads it (body_fallback says so).
    "broken_xref.pdf": OK,
    "garbage_body.pdf": CORRUPT,
    "encrypted_password.pdf": ENCRYPTED,
    "encrypted_empty_password.pdf": OK,  # an empty user password opens it
    "html_page.pdf": NOT_PDF,
    "scanned.pdf": NO_TEXT,
    "many_pages.pdf": TOO_MANY_PAGES,
    "slow.pdf": TIMEOUT,
    "big.pdf": TOO_LARGE,
    "dangling_link.pdf": UNREADABLE,
    "fifo.pdf": UNREADABLE,
    "good.pdf": OK,
}
LIMITS = {"timeout_seconds": 3, "max_bytes": 300_000, "page_limit": 200}


def _reportlab(pages: int = 1, text: str = "Robust extraction of text", **canvas_kw) -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1, **canvas_kw)
    for i in range(pages):
        c.setFont("Helvetica", 11)
        c.drawString(72, 720, f"{text} page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


def _hand_pdf(objects: list[bytes]) -> bytes:
    """A minimal PDF from numbered object bodies, with a correct xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _slow_pdf(rows: int = 400) -> bytes:
    """One page whose compressed content stream draws 240,000 one-letter texts: a few
    kB on disk (the rows repeat), tens of seconds of pdfminer."""
    row = b"(x) Tj 1 0 Td " * 600 + b"-600 -1 Td "
    stream = b"BT /F1 1 Tf 0 790 Td " + row * rows + b"ET"
    packed = zlib.compress(stream, 9)
    return _hand_pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(packed) + packed + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


def _scanned_pdf() -> bytes:
    """A page that is only an image, as a scanner makes it: no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    # 8x8 grey PGM -> reportlab reads it through PIL when present; a raw inline image otherwise.
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    try:
        from PIL import Image

        img = Image.new("L", (64, 64), 128)
        c.drawImage(ImageReader(img), 72, 500, 200, 200)
    except ImportError:
        c.rect(72, 500, 200, 200, fill=1)
    c.showPage()
    c.save()
    return buf.getvalue()


def build_bad_corpus(root: Path) -> dict[str, str]:
    """Write the fixture corpus under root/2024 and return EXPECTED."""
    from reportlab.lib.pdfencrypt import StandardEncryption

    folder = root / "2024"
    folder.mkdir(parents=True)
    good = _reportlab(pages=2)
    files = {
        "empty.pdf": b"",
        "truncated.pdf": _reportlab(pages=3)[:900],
        "garbage_body.pdf": b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n%%EOF\n",
        "encrypted_password.pdf": _reportlab(encrypt=StandardEncryption("secret", canPrint=0)),
        "encrypted_empty_password.pdf": _reportlab(encrypt=StandardEncryption("", ownerPassword="owner")),
        "html_page.pdf": b"<!DOCTYPE html><html><body><h1>404 Not Found</h1></body></html>\n",
        "scanned.pdf": _scanned_pdf(),
        "many_pages.pdf": _reportlab(pages=300, text="p"),
        "slow.pdf": _slow_pdf(),
        "big.pdf": good + b"%" + b"0" * 400_000 + b"\n%%EOF\n",
        "good.pdf": good,
    }
    # Broken xref: every offset in the table points to the wrong place.
    start = good.rindex(b"\nxref")
    files["broken_xref.pdf"] = good[:start] + re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", good[start:])
    for name, data in files.items():
        (folder / name).write_bytes(data)
    # Unreadable even for root: a link to nothing and a FIFO (a read would block forever).
    os.symlink(root / "no-such-file.pdf", folder / "dangling_link.pdf")
    os.mkfifo(folder / "fifo.pdf")
    return dict(EXPECTED)


@pytest.fixture(scope="module")
def bad_run(spark, base_cfg, tmp_path_factory):
    from paperscope.pipeline.flow import run_all
    from paperscope.pipeline.run import Run

    tmp = tmp_path_factory.mktemp("bad")
    expected = build_bad_corpus(tmp / "corpus")
    cfg = base_cfg.with_values({"input.corpus": str(tmp / "corpus"), "warehouse.path": str(tmp / "warehouse"),
                                "reports.path": str(tmp / "reports"),
                                **{f"extract.{k}": v for k, v in LIMITS.items()},
                                "quality.min_ok_share": 0.0})  # most of this corpus is meant to fail
    run = Run(spark, cfg)
    code = run_all(run)
    return code, run, cfg, expected


def test_every_bad_file_is_one_row_with_its_status(bad_run, spark):
    from paperscope.storage import tables

    code, _, cfg, expected = bad_run
    assert code == 0
    rows = (spark.read.format("delta").load(tables.table_path(cfg, "papers"))
            .select("path", "status", "error", "body_engine", "body_fallback").collect())
    got = {r["path"].rsplit("/", 1)[-1]: r for r in rows}
    assert len(rows) == len(expected) == len(got)
    assert {name: r["status"] for name, r in got.items()} == expected
    for name, r in got.items():
        assert (r["error"] is None) == (r["status"] == OK), name
    assert "extract.timeout_seconds=3" in got["slow.pdf"]["error"]
    assert "extract.page_limit=200" in got["many_pages.pdf"]["error"]
    assert "extract.max_bytes=300000" in got["big.pdf"]["error"]
    assert "FIFO" in got["fifo.pdf"]["error"]
    engines = {name: (r["body_engine"], r["body_fallback"]) for name, r in got.items()}
    assert engines["good.pdf"] == ("pdfium", None)
    assert engines["broken_xref.pdf"] == ("pdfium", "pdfminer failed: no pages found")
    assert engines["empty.pdf"] == engines["encrypted_empty_password.pdf"] == (None, None)  # no body page read


def test_report_counts_failures_by_kind(bad_run):
    _, run, _, expected = bad_run
    record = json.loads((run.run_dir / "run.json").read_text())
    assert record["status"] == "passed"
    summary = (run.run_dir / "summary.md").read_text(encoding="utf-8")
    for status in set(expected.values()):
        assert status in summary, status
    gate = {(o["suite"], o["expectation"]): o["success"] for o in record["gate"]}
    assert gate[("papers_per_year", "expect_column_pair_values_to_be_equal")]


def test_encrypted_with_empty_password_is_read():
    from reportlab.lib.pdfencrypt import StandardEncryption

    got = extract(_reportlab(text="Hidden words", encrypt=StandardEncryption("", ownerPassword="o")))
    assert got.status == OK and "Hidden words" in got.full_text


@pytest.mark.slow
def test_hung_extraction_is_killed_at_the_limit():
    got = extract_isolated(_slow_pdf(), Limits.from_config(timeout_seconds=1))
    assert got.status == TIMEOUT and "extract.timeout_seconds=1" in got.error
    assert got.extract_seconds < 10


def test_isolated_extraction_gives_the_same_text(repo):
    data = (repo / "sample/corpus/2024/neurips2024_01.pdf").read_bytes()
    alone, isolated = extract(data), extract_isolated(data, Limits.from_config(timeout_seconds=60))
    assert isolated.status == OK
    assert (isolated.full_text, isolated.header_text, isolated.title) == (alone.full_text, alone.header_text, alone.title)


def test_one_child_reads_many_pdfs_with_the_same_rows(repo):
    """The sandbox keeps one forked child for a run's PDFs; each row is what extract() gives."""
    files = sorted((repo / "sample/corpus").rglob("*.pdf"))[:3]
    child = Sandbox(Limits.from_config(timeout_seconds=60))
    try:
        pids = []
        for f in files:
            data = f.read_bytes()
            got, alone = child.extract(data), extract(data)
            pids.append(child.pid)
            assert (got.status, got.full_text, got.header_layout) == (OK, alone.full_text, alone.header_layout)
        assert pids[0] != os.getpid() and len(set(pids)) == 1
    finally:
        child.close()
    assert child.pid is None


@pytest.mark.slow
def test_a_child_past_the_limit_is_replaced_for_the_next_pdf():
    child = Sandbox(Limits.from_config(timeout_seconds=1))
    try:
        first = child.extract(_reportlab(text="Before the hang"))
        hung_pid = child.pid
        assert first.status == OK and hung_pid is not None
        assert child.extract(_slow_pdf()).status == TIMEOUT
        assert child.pid is None  # killed and reaped
        after = child.extract(_reportlab(text="After the hang"))
        assert after.status == OK and "After the hang" in after.full_text and child.pid != hung_pid
    finally:
        child.close()


def test_a_child_that_died_between_pdfs_is_replaced():
    import signal

    child = Sandbox(Limits.from_config(timeout_seconds=60))
    try:
        child.extract(_reportlab())
        os.kill(child.pid, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while Path(f"/proc/{child.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline
            time.sleep(0.01)
        got = child.extract(_reportlab(text="Read by a fresh child"))
        assert got.status == OK and "Read by a fresh child" in got.full_text
    finally:
        child.close()


@pytest.mark.e2e
def test_a_hung_child_whose_parent_died_ends_itself(tmp_path):
    """A killed Spark worker cannot kill its extraction child; the child's own alarm does."""
    import subprocess
    import sys

    script = (
        "import os, sys, time\n"
        "from paperscope.paper.pdf import sandbox\n"
        "from paperscope.paper.pdf.limits import Limits\n"
        "sandbox.extract = lambda *a, **k: time.sleep(600)\n"
        "child = sandbox.Sandbox(Limits.from_config(timeout_seconds=0.5))\n"
        "child._start()\n"
        "sandbox._write_message(child.requests, b'%PDF-1.4')\n"
        "print(child.pid, flush=True)\n"
        "os._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.strip())
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not Path(f"/proc/{pid}").exists(), "the orphaned child still runs"


def test_a_child_ends_after_papers_per_child():
    child = Sandbox(Limits.from_config(timeout_seconds=60, papers_per_child=2))
    try:
        child.extract(_reportlab())
        first = child.pid
        child.extract(_reportlab())
        assert child.pid is None  # it ended itself after its second PDF
        assert child.extract(_reportlab()).status == OK and child.pid not in (None, first)
    finally:
        child.close()


def test_papers_per_child_is_a_setting():
    from paperscope.core.config import load_config

    assert Limits.from_config(load_config()).papers_per_child == load_config().extract.papers_per_child > 0
    assert Limits.from_config(load_config(sets=["extract.papers_per_child=7"])).papers_per_child == 7


def test_pages_after_the_header_keep_word_spacing(repo):
    """Page two on is read without layout analysis; LaTeX output has no space characters,
    so spaces come from character gaps. The real ACL paper shows it."""
    got = extract((repo / "sample/corpus/2020/acl-2020.acl-main.447.pdf").read_bytes())
    later = got.full_text.split("\f", 1)[1]
    words = later.split()
    assert len(words) > 1000
    assert sum(len(w) > 25 for w in words) / len(words) < 0.01


def test_spread_puts_big_files_on_different_tasks():
    from paperscope.sources.corpus.tasks import spread

    sizes = [50_000_000, 40_000_000, 1_000, 2_000, 3_000, 30_000_000, 500]
    slots = spread(sizes, 3)
    assert len({slots[0], slots[1], slots[5]}) == 3
    loads = [sum(s for s, t in zip(sizes, slots) if t == k) for k in range(3)]
    assert max(loads) == 50_000_000
