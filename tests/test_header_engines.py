"""The header engines (extract.header_engine) against pdfminer's full layout, the reference.

Every first page the header tests generate (test_header_layout, test_header_authors,
test_header_notes: each layout class they make) is extracted by every engine:
pdfminer-lean gives the reference's row byte for byte; pdfium the same header text and
title, the same lines (text, type size, box, figure) at the same place to within float
rounding, and the same answers from the header reader. The tuple grouping
(paper.pdf.grouping) is held to pdfminer's own LTPage.analyze on the same characters.
Nothing here is timed (bench/header_engines.py measures).
"""
from __future__ import annotations

import dataclasses
import inspect
import json
import re

import pypdfium2 as pdfium
import pytest
from pdfminer.layout import LAParams, LTChar, LTFigure, LTPage

import firstpage
import test_header_authors
import test_header_layout
import test_header_notes
from paperscope.cli.tools import header_main
from paperscope.paper.header import parse
from paperscope.paper.matcher import default_gazetteer
from paperscope.paper.pdf import extract as extract_module
from paperscope.paper.pdf import grouping, pdfium_page
from paperscope.paper.pdf import sandbox as sandbox_module
from paperscope.paper.pdf.extract import extract
from paperscope.paper.pdf.layout import _layout_text
from paperscope.paper.pdf.limits import EXTRACTOR, Limits
from support import slow_except

REFERENCE = Limits.from_config(header_engine="pdfminer")
LEAN = Limits.from_config(header_engine="pdfminer-lean")
PDFIUM = Limits.from_config(header_engine="pdfium")
_CLOSE = 0.15  # points: PDFium keeps positions as 32-bit floats, pdfminer as doubles (0.1 rounding may flip)


@pytest.fixture(scope="module")
def gaz():
    return default_gazetteer()


def _as_ltpage(width: float, height: float, items: list) -> LTPage:
    """The same characters as pdfminer's layout objects, for its own analysis."""
    def fill(container, items):
        for item in items:
            if isinstance(item, tuple):
                text, x0, y0, x1, y1 = item
                ch = LTChar.__new__(LTChar)
                ch.__dict__.update(_text=text, x0=x0, y0=y0, x1=x1, y1=y1, width=x1 - x0, height=y1 - y0,
                                   bbox=(x0, y0, x1, y1), size=y1 - y0, matrix=(1, 0, 0, 1, x0, y0), fontname="",
                                   adv=x1 - x0, upright=True, ncs=None, graphicstate=None)
                container.add(ch)
            else:
                x0, y0, x1, y1 = item.bbox
                figure = LTFigure("F", (x0, y0, x1 - x0, y1 - y0), (1, 0, 0, 1, 0, 0))
                fill(figure, item.items)
                container.add(figure)
    page = LTPage(1, (0, 0, width, height))
    fill(page, items)
    return page


def _same_text(ref: str | None, got: str | None) -> bool:
    """Equal, but where pdfminer wrote "(cid:N)" for a glyph it could not name (a bullet drawn
    from a standard font's code 127), PDFium may name it: one character stands there."""
    if ref is None or got is None or "(cid:" not in ref:
        return ref == got
    return re.fullmatch(re.sub(r"\\\(cid:\d+\\\)", ".", re.escape(ref)), got, re.S) is not None


def _row(got) -> tuple:
    return got.status, got.error, got.n_pages, got.title, got.header_text, got.header_layout, got.full_text


def _answers(header) -> tuple:
    return ([(a.name, a.affiliations, a.tie) for a in header.authors], [a.raw for a in header.affiliations],
            header.countries(), header.emails)


def _same_by_both(data: bytes, gaz):
    """Both engines' page one, held equal; the reference's result (the caller's assertions run on it)."""
    ref = extract(data, REFERENCE, max_pages=1)
    lean = extract(data, LEAN, max_pages=1)
    assert _row(lean) == _row(ref)
    got = extract(data, PDFIUM, max_pages=1)
    assert got.status == ref.status
    assert _same_text(ref.header_text, got.header_text) and _same_text(ref.title, got.title)
    a, b = json.loads(ref.header_layout), json.loads(got.header_layout)
    assert (a["w"], a["h"], len(a["lines"])) == (b["w"], b["h"], len(b["lines"]))
    for x, y in zip(a["lines"], b["lines"]):
        assert x[4:6] + x[7:] == y[4:6] + y[7:] and _same_text(x[6], y[6]), (x, y)
        if x[6] == y[6]:  # a glyph pdfminer could not name has no width there either
            assert all(abs(p - q) <= _CLOSE for p, q in zip(x[:4], y[:4])), (x, y)
    assert _answers(parse(got.header_text, got.title, gaz, layout=got.header_layout)) == \
        _answers(parse(ref.header_text, ref.title, gaz, layout=ref.header_layout))
    # The tuple grouping is pdfminer's analysis, step for step, on the same characters.
    document = pdfium.PdfDocument(data)
    try:
        width, height, items = pdfium_page.page_chars(document, 0)
    finally:
        document.close()
    page = _as_ltpage(width, height, items)
    page.analyze(LAParams(all_texts=True))
    theirs: list = []
    ours: list = []
    assert grouping.page_text(grouping.analyse(items, (0, 0, width, height)), ours) == _layout_text(page, theirs)
    assert ours == theirs
    return ref


_MODULES = (test_header_layout, test_header_authors, test_header_notes)
_CASES = [(m, name) for m in _MODULES for name, fn in vars(m).items()
          if name.startswith("test_") and inspect.isfunction(fn)]


# One page of each module in make test-fast; every page (about 15 s of CPU) in make test.
_FAST = {"test_no_affiliation_line_means_no_countries", "test_one_name_then_its_affiliation_on_each_line",
         "test_the_authors_are_with_one_place"}


@pytest.mark.parametrize("module, name", slow_except(_CASES, lambda case: case[1] in _FAST,
                                                    ids=lambda case: f"{case[0].__name__}::{case[1]}"))
def test_every_generated_first_page_reads_the_same_by_both_engines(module, name, gaz, monkeypatch):
    """Each header test's pages, read by both engines inside the test (it then checks the reference's)."""
    by_pdfium = extract_module._extract_by_pdfium

    def alone(result, data, limits):
        assert by_pdfium(result, data, limits), "PDFium could not read the page: the engine fell back to pdfminer"
        return True

    def both(data, limits=None, **kw):
        return _same_by_both(data, gaz)

    monkeypatch.setattr(extract_module, "_extract_by_pdfium", alone)
    for holder in _MODULES + (firstpage,):
        if hasattr(holder, "extract"):
            monkeypatch.setattr(holder, "extract", both)
    fn = getattr(module, name)
    fn(*([gaz] if inspect.signature(fn).parameters else []))  # a test that makes no page checks nothing here


def test_the_engine_is_a_setting_checked_and_named_in_the_extractor():
    assert REFERENCE.header_engine == "pdfminer" and Limits.from_config().header_engine == "pdfminer-lean"
    # Rows written before the choice existed were read by pdfminer: they stay valid under it,
    # and under pdfminer-lean, whose rows are the same.
    assert REFERENCE.extractor == LEAN.extractor == f"{EXTRACTOR}+{REFERENCE.body_engine}"
    assert PDFIUM.extractor == f"{EXTRACTOR}+header-pdfium+{PDFIUM.body_engine}"
    with pytest.raises(ValueError, match="extract.header_engine"):
        Limits.from_config(header_engine="tesseract")


def _a_first_page() -> bytes:
    def draw(c):
        firstpage.text(c, 150, 700, "A Study of Things", 17)
        firstpage.marked(c, 180, 670, [("Alice Smith", "1"), ", ", ("Bo Chen", "2")])
        firstpage.sup_lead(c, 200, 650, "1", "University of Toronto")
        firstpage.sup_lead(c, 200, 638, "2", "Peking University")
        firstpage.text(c, 280, 610, "Abstract", 12)
        firstpage.prose(c, 72, 590, 400)
    return firstpage.page(draw)


def test_pdfium_failing_on_page_one_leaves_it_to_pdfminer(monkeypatch):
    data = _a_first_page()
    ref = extract(data, REFERENCE)

    def broken(*_args, **_kw):
        raise RuntimeError("test")

    monkeypatch.setattr(pdfium_page, "page_chars", broken)
    got = extract(data, PDFIUM)
    assert (got.status, got.header_layout, got.full_text) == (ref.status, ref.header_layout, ref.full_text)


def test_pdfium_alone_reads_the_body_too_and_says_so():
    data = _a_first_page()
    ref = extract(data, REFERENCE)
    got = extract(data, PDFIUM)
    assert (got.status, got.n_pages, got.body_engine, got.body_fallback) == (ref.status, ref.n_pages, None, None)
    assert got.full_text == ref.full_text


def test_other_engine_settings_read_page_one_by_pdfium_and_the_body_as_set():
    data = _a_first_page()
    limits = dataclasses.replace(PDFIUM, body_engine="pdfminer", layout_pages=1)
    assert extract(data, limits).header_layout == extract(data, PDFIUM).header_layout


def test_the_header_command_reads_the_setting(tmp_path, capsys, monkeypatch):
    path = tmp_path / "p.pdf"
    path.write_bytes(_a_first_page())
    engines = []
    real = sandbox_module.sandbox

    def spy(limits):  # the extraction child is given these limits (it runs in another process)
        engines.append(limits.header_engine)
        return real(limits)

    monkeypatch.setattr(sandbox_module, "sandbox", spy)
    header_main(["--set", "extract.header_engine=pdfium", str(path)])
    header_main([str(path)])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert engines == ["pdfium", "pdfminer-lean"]
    assert out[0]["countries"] == out[1]["countries"] == ["CA", "CN"]


def test_a_page_one_pdfium_finds_no_text_in_is_left_to_pdfminer_and_its_limits():
    """A decompression bomb as page one's content: PDFium reads zeros and no text, pdfminer's
    reading stops at the stream limit, as under the reference engine."""
    from paperscope.paper.pdf.limits import TOO_LARGE
    from test_hostile_failures import _bomb

    got = extract(_bomb(40), dataclasses.replace(PDFIUM, max_stream_bytes=16 << 20))
    assert got.status == TOO_LARGE and "extract.max_stream_bytes=16777216" in got.error


def _vertical_page() -> bytes:
    """A page with a title in a Latin font and a line set top to bottom in a vertical CJK font."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3", isVertical=True))

    def draw(c):
        firstpage.text(c, 150, 700, "A Study of Things", 17)
        firstpage.text(c, 500, 600, "東京大学", 12, font="HeiseiMin-W3")
        firstpage.prose(c, 72, 560, 400)
    return firstpage.page(draw)


def test_a_page_with_a_vertical_font_is_read_by_the_reference_under_pdfminer_lean(monkeypatch):
    data = _vertical_page()
    calls = []
    real = extract_module._lean_layout
    monkeypatch.setattr(extract_module, "_lean_layout", lambda *a: calls.append(real(*a)) or calls[-1])
    assert _row(extract(data, LEAN)) == _row(extract(data, REFERENCE))
    assert calls == [None]
