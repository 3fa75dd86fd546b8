"""Mentions read from generated PDFs through pdf.extract, as the pipeline reads them
(issue 27): page one by pdfminer, the body pages by PDFium, with a running head on every
body page, sections, a results table, a citation, a formula and the references."""
from __future__ import annotations

import io

import pytest
from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from paperscope.paper.pdf.extract import extract
from paperscope.paper.mentions import analyse, count_terms, load_terms

TITLE = "Sparse Transformers for Speech Recognition"
FILLER = ("the recogniser reads short clips and we report the word error rate on each test set "
          "together with the decoding time per clip and the memory it needs on one device")


@pytest.fixture(scope="module")
def terms():
    return load_terms()


def _draw(pages: list[list[str]], running_head: str | None) -> bytes:
    """One page per list of lines; the body pages get the running head and a page number."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for number, lines in enumerate(pages, 1):
        if number > 1 and running_head:
            c.setFont("Times-Italic", 9)
            c.drawString(72, 750, running_head)
        y = 720
        for line in lines:
            c.setFont("Times-Bold" if line[:1].isdigit() and len(line) < 40 else "Times-Roman", 10)
            c.drawString(72, y, line)
            y -= 14
        if number > 1:
            c.setFont("Times-Roman", 9)
            c.drawString(300, 40, str(number))
        c.showPage()
    c.save()
    return buf.getvalue()


def _filler(n: int) -> list[str]:
    words = FILLER.split()
    return [" ".join(words[(i * 5) % len(words):] + words[:(i * 5) % len(words)])[:90] for i in range(n)]


def _read(data: bytes) -> str:
    got = extract(data)
    assert got.status == "ok"
    return got.full_text


@pytest.fixture(scope="module")
def paper_text():
    pages = [
        [TITLE, "Anna Li and Bo Wang", "Abstract", "We recognise speech with a sparse model.", *_filler(3),
         "1 Introduction", "Large language models such as GPT-4 (OpenAI, 2023) changed how text is read.",
         *_filler(4)],
        ["2 Related Work", "Encoders such as BERT (Devlin et al., 2019) and RoBERTa [4] read text well.",
         *_filler(6)],
        ["3 Method", "We fine-tune Llama-2-7B on the transcripts with a sparse attention mask.",
         "The update of each layer is W = Ui Σi ViT x, a low-rank product.", *_filler(6)],
        ["4 Experiments", *_filler(3), "Table 1: Word error rate on three test sets.", "Model Clean Other Noisy",
         "Qwen2.5-7B 7.1 12.3 20.4", "Ours 6.2 10.9 18.8", *_filler(3)],
        ["5 Conclusion", "The sparse model reads speech faster.", *_filler(4), "References",
         "[1] H. Touvron et al. LLaMA: Open and efficient foundation language models. 2023.",
         "[2] J. Devlin et al. BERT: Pre-training of deep bidirectional transformers. 2019."],
    ]
    return _read(_draw(pages, TITLE))


def test_the_running_head_is_counted_once_in_the_title_not_on_every_page(paper_text, terms):
    assert paper_text.count("Sparse Transformers") >= 5  # on page one and at the top of the body pages
    found = {t: (full, body) for t, full, body in count_terms(paper_text, terms)}
    assert found["Transformer"] == (2, 1)  # the title; the other in the references


def test_each_term_has_its_use_and_section(paper_text, terms):
    got = {m.term: m for m in analyse(paper_text, terms)}
    assert set(got) == {"Transformer", "GPT", "BERT", "Llama", "Qwen"}  # no ViT: Σi ViT is a formula
    assert (got["Transformer"].use, got["Transformer"].why) == ("used", "title")
    assert (got["GPT"].use, got["GPT"].sections) == ("cited", {"introduction": 1})
    assert (got["BERT"].use, got["BERT"].sections, got["BERT"].count_full) == ("cited", {"related": 2}, 3)
    assert (got["Llama"].use, got["Llama"].why, got["Llama"].sections) == ("used", "first-person verb", {"method": 1})
    assert "We fine-tune Llama-2-7B" in got["Llama"].evidence and got["Llama"].count_full == 2
    assert (got["Qwen"].use, got["Qwen"].sections, got["Qwen"].count_table) == ("used", {"experiments": 1}, 1)


def test_fused_lower_case_and_symbol_variants_in_a_pdf(terms):
    pages = [
        ["Code Generation with Small Models", "Anna Li", "Abstract", "We generate code.", *_filler(3),
         "1 Introduction", "TinyLlama and MiniGPT-4 are other models.", *_filler(4)],
        ["2 Experiments", "We start from CodeLlama-7B and grade each answer with gpt-4o-mini.",
         "The score is s = ViT x for the projection V.", *_filler(6)],
    ]
    got = {m.term: m for m in analyse(_read(_draw(pages, None)), terms)}
    assert set(got) == {"Llama", "GPT"}
    assert got["Llama"].use == got["GPT"].use == "used"
    assert got["Llama"].sections == got["GPT"].sections == {"experiments": 1}


def _draw_with_feet(pages: list[tuple[list[str], list[str]]]) -> bytes:
    """Pages of (running lines from the top, lines at the foot in a small font)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter, invariant=1)
    for lines, feet in pages:
        y = 720
        for line in lines:
            c.setFont("Times-Bold" if line[:1].isdigit() and len(line) < 40 else "Times-Roman", 10)
            c.drawString(72, y, line)
            y -= 14
        y = 40 + 10 * len(feet)
        for foot in feet:
            c.setFont("Times-Roman", 7)
            c.drawString(72, y, foot)
            y -= 10
        c.showPage()
    c.save()
    return buf.getvalue()


def test_a_sentence_cut_by_a_page_end_and_its_notes_is_read_whole(terms):
    """Page one ends in the middle of a sentence above the venue line (read by pdfminer),
    page two in the middle of another above a footnote (read by PDFium)."""
    pages = [
        (["Answer Checking with Small Models", "Anna Li", "Abstract", "We check answers.", *_filler(3),
          "1 Introduction", *_filler(3), "In the first stage of this work we"],
         ["38th Conference on Neural Information Processing Systems (NeurIPS 2024)."]),
        (["prompt GPT-4 for candidate answers, and the answers are kept.", *_filler(4), "2 Related Work",
          *_filler(3), "Unlike earlier checkers, in the second stage we"],
         ["3The prompts are listed in the appendix."]),
        (["fine-tune Qwen with the kept answers.", *_filler(3), "3 Method", *_filler(3), "References",
          "[1] A. Author. A paper. 2020."], []),
    ]
    got = {m.term: m for m in analyse(_read(_draw_with_feet(pages)), terms)}
    assert (got["GPT"].use, got["GPT"].why, got["GPT"].evidence_section) == ("used", "first-person verb", "introduction")
    assert "this work we prompt GPT-4 for candidate answers" in got["GPT"].evidence
    assert (got["Qwen"].use, got["Qwen"].why, got["Qwen"].evidence_section) == ("used", "first-person verb", "related")
    assert "in the second stage we fine-tune Qwen" in got["Qwen"].evidence
