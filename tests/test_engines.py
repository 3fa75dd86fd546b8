"""The two body engines (issue 16): pdfium and pdfminer give the same mention counts, PDFium's
line-end hyphen mark is joined, each engine falls back to the other and the row says so,
and the limits hold for both. Generated PDFs only; no Spark."""
from __future__ import annotations

import io
import re
import time

import pytest

from paperscope.core.config import load_config
from paperscope.paper import mentions
from paperscope.paper.pdf import body
from paperscope.paper.pdf import extract as reader
from paperscope.paper.pdf.body import ENGINES, EngineFailed, clean, open_document, page_texts
from paperscope.paper.pdf.extract import extract
from paperscope.paper.pdf.limits import CORRUPT, OK, TIMEOUT, TOO_LARGE, TOO_MANY_PAGES, Limits
from paperscope.paper.pdf.sandbox import extract_isolated
from paperscope.pipeline.extract import _EXTRACTED, _extract_one
from paperscope.storage import schemas

PAGES = [
    ["A Study of Models", "Ada Lovelace, University of Cambridge"],
    ["We fine-tune Sentence-", "BERT and a Trans-", "former on the subop-", "timal data.",
     "GPT-4 and Llama 2 beat ViT-B/16 here; BERT twice: BERT."],
    ["Mamba is a state space model. Qwen2 and Mistral 7B are compared with GPT-3.5.",
     "A diffusion model and a Vision Transformer (ViT) close the study."],
    ["References", "J. Devlin. BERT: Pre-training of deep bidirectional transformers.",
     "H. Touvron. LLaMA: Open and efficient foundation language models."],
]


def _paper(pages=PAGES, font="Times-Roman") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    for lines in pages:
        c.setFont(font, 10)
        for i, line in enumerate(lines):
            c.drawString(72, 720 - 12 * i, line)
        c.showPage()
    c.save()
    return buf.getvalue()


def _broken_xref(data: bytes) -> bytes:
    """Every xref offset wrong: pdfminer finds no pages, PDFium rebuilds the table."""
    start = data.rindex(b"\nxref")
    return data[:start] + re.sub(rb"\d{10} 00000 n", b"0000000001 00000 n", data[start:])


def _limits(engine: str, **kw) -> Limits:
    return Limits.from_config(body_engine=engine, **kw)


@pytest.fixture(scope="module")
def terms():
    return mentions.load_terms()


@pytest.mark.parametrize("engine", ENGINES)
def test_each_engine_reads_the_body_and_says_so(engine):
    got = extract(_paper(), _limits(engine))
    assert (got.status, got.n_pages, got.body_engine, got.body_fallback) == (OK, 4, engine, None)
    assert "Ada Lovelace" in got.header_text and got.title
    assert got.full_text.count("\f") == 3


def test_both_engines_give_the_same_mention_counts(terms):
    counts = {e: sorted(mentions.count_terms(extract(_paper(), _limits(e)).full_text, terms)) for e in ENGINES}
    assert counts["pdfium"] == counts["pdfminer"]
    got = {term: (full, in_body) for term, full, in_body in counts["pdfium"]}
    # "Sentence-\nBERT" is joined into one word by both; the references count in full only.
    assert got["BERT"] == (3, 2) and got["Llama"] == (2, 1) and got["Transformer"] == (3, 2)
    assert {"GPT", "ViT", "Mamba", "Qwen", "Mistral"} <= set(got) and len(got) >= 9


def test_pdfium_line_end_hyphen_mark_is_a_hyphen_and_line_break(terms):
    raw = "We use Sentence\ufffeBERT on the subop\ufffetimal set.\r\nNext line\r"
    assert clean(raw) == "We use Sentence-\nBERT on the subop-\ntimal set.\nNext line\n"
    assert "SentenceBERT" in mentions.normalise(clean(raw))
    # Unjoined, the mark reads as a word boundary and "BERT" would count: a presence flip.
    assert [t for t, _, _ in mentions.count_terms(raw, terms)] == ["BERT"]
    assert mentions.count_terms(clean(raw), terms) == []


def test_pdfium_marks_the_hyphen_in_a_real_pdf():
    document = open_document(_paper())
    try:
        assert "Sentence\ufffeBERT" in document[1].get_textpage().get_text_range()
        assert "Sentence-\nBERT" in page_texts(document, 1, 2)[0]
    finally:
        document.close()


def test_pdfium_that_cannot_open_falls_back_to_pdfminer(monkeypatch):
    def refuse(_data):
        raise EngineFailed("PdfiumError: Failed to load document (test)")

    monkeypatch.setattr(body, "open_document", refuse)
    got = extract(_paper(), _limits("pdfium"))
    assert (got.status, got.n_pages, got.body_engine) == (OK, 4, "pdfminer")
    assert got.body_fallback == "pdfium failed: PdfiumError: Failed to load document (test)"
    assert got.error is None


def test_missing_pypdfium2_falls_back_to_pdfminer(monkeypatch):
    monkeypatch.setattr(body, "pdfium", None)
    got = extract(_paper(), _limits("pdfium"))
    assert (got.status, got.body_engine, got.body_fallback) == (OK, "pdfminer", "pdfium failed: pypdfium2 is not installed")


def test_pdfminer_failing_on_the_body_falls_back_to_pdfium(monkeypatch):
    def choke(*_args):
        raise KeyError("Font")

    monkeypatch.setattr(reader, "_pdfminer_pages", choke)
    got = extract(_paper(), _limits("pdfminer"))
    assert (got.status, got.n_pages, got.body_engine) == (OK, 4, "pdfium")
    assert got.body_fallback == "pdfminer failed: KeyError: 'Font'"
    assert "Sentence-\nBERT" in got.full_text


def test_pdf_pdfminer_cannot_read_is_read_whole_by_pdfium():
    got = extract(_broken_xref(_paper()), _limits("pdfminer"))
    assert (got.status, got.n_pages, got.body_engine, got.error) == (OK, 4, "pdfium", None)
    assert got.body_fallback == "pdfminer failed: no pages found"
    assert got.header_text.startswith("A Study of Models") and got.title is None
    assert "GPT-4" in got.full_text


def test_pdf_neither_engine_reads_keeps_pdfminers_status():
    got = extract(b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage without xref\n%%EOF\n", _limits("pdfium"))
    assert got.status == CORRUPT and got.body_engine is None
    assert "No /Root object" in got.error and "pdfium failed too" in got.error


def test_one_page_pdf_has_no_body_engine():
    got = extract(_paper(PAGES[:1]), _limits("pdfium"))
    assert (got.status, got.n_pages, got.body_engine) == (OK, 1, None)


@pytest.mark.parametrize("engine", ENGINES)
def test_page_limits_hold_for_both_engines(engine):
    many = _paper([[f"page {i}"] for i in range(12)])
    assert extract(many, _limits(engine, page_limit=10)).status == TOO_MANY_PAGES
    got = extract(many, _limits(engine, max_pages=3))
    assert (got.status, got.n_pages, got.body_engine) == (OK, 3, engine)
    assert got.full_text.split("\f")[-1].strip() == "page 2"
    assert extract(many, _limits(engine, max_bytes=len(many) - 1)).status == TOO_LARGE


def test_pdfium_counts_pages_itself_when_pdfminer_cannot():
    """pdfminer finds no pages here, so only PDFium's own count can enforce the limit."""
    broken = _broken_xref(_paper([[f"page {i}"] for i in range(12)]))
    got = extract(broken, _limits("pdfium", page_limit=10))
    assert got.status == TOO_MANY_PAGES and "12 pages > extract.page_limit=10" in got.error
    assert extract(broken, _limits("pdfium", max_pages=2)).n_pages == 2


@pytest.mark.slow
def test_a_hung_pdfium_call_is_killed_at_the_timeout(monkeypatch):
    def hang(*_args):
        time.sleep(60)

    monkeypatch.setattr(body, "page_texts", hang)  # the forked child inherits it
    start = time.perf_counter()
    got = extract_isolated(_paper(), _limits("pdfium", timeout_seconds=1))
    assert got.status == TIMEOUT and "extract.timeout_seconds=1" in got.error
    assert time.perf_counter() - start < 10


def test_isolated_pdfium_gives_the_same_row():
    data = _paper()
    alone, isolated = extract(data, _limits("pdfium")), extract_isolated(data, _limits("pdfium", timeout_seconds=60))
    assert (isolated.full_text, isolated.body_engine, isolated.body_fallback) == (alone.full_text, "pdfium", None)


def test_body_engine_is_configured_and_checked():
    assert Limits.from_config(load_config()).body_engine == "pdfium"
    assert Limits.from_config(load_config(sets=["extract.body_engine=pdfminer"])).body_engine == "pdfminer"
    with pytest.raises(ValueError, match="extract.body_engine"):
        Limits.from_config(load_config(sets=["extract.body_engine=pypdf"]))


def test_papers_row_records_the_engine(tmp_path):
    assert {"body_engine", "body_fallback"} <= set(schemas.PAPERS.fieldNames())
    path = tmp_path / "paper.pdf"
    path.write_bytes(_broken_xref(_paper()))
    rec = {"path": str(path), "year": 2024, "size_bytes": path.stat().st_size, "local_path": str(path),
           "title_hint": None, "source_id": None}
    row = _extract_one(rec, _limits("pdfium", timeout_seconds=60), frozenset(), None)
    assert set(row) <= set(_EXTRACTED.fieldNames())
    assert (row["status"], row["body_engine"], row["body_fallback"]) == ("ok", "pdfium", "pdfminer failed: no pages found")


def test_an_unexpected_pdfium_error_in_the_fallback_still_gives_a_row(monkeypatch):
    def crash(*_args):
        raise RuntimeError("boom")

    monkeypatch.setattr(body, "page_texts", crash)
    got = extract(_broken_xref(_paper()), _limits("pdfium"))
    assert got.status == CORRUPT and got.error == "no pages found (pdfium failed too: RuntimeError: boom)"
