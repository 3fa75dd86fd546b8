"""Page one's characters through PDFium, as pdfminer's layout objects (the fast header engine).

pdfminer spends most of page one tokenising the content stream in Python; PDFium parses
it in C. Each character PDFium found is turned into the ``LTChar`` pdfminer would have
made of it, by pdfminer's own formula: the box is (0, descent + rise) to
(advance, descent + rise + font size) in text space, mapped by the character's matrix
(text matrix x CTM, moved to the character's origin) and the page's rotation and
MediaBox origin, and the size is that box's height. Text drawn inside a form XObject
goes into an ``LTFigure`` as pdfminer nests it, in content-stream order. pdfminer's own
layout analysis (``LTPage.analyze``) then groups the characters into lines and boxes,
so paper.pdf.layout reads the result exactly as it reads pdfminer's.

What cannot be the same: PDFium takes glyph advances from the embedded font where
pdfminer reads the PDF's /Widths (positions along a line drift by hundredths of a
point), and it maps a few glyphs to Unicode differently. The bench
(bench/header_engines.py) compares the header reader's answers paper by paper.
"""
from __future__ import annotations

import ctypes

from pdfminer.fontmetrics import FONT_METRICS
from pdfminer.layout import LTChar, LTComponent, LTFigure, LTPage
from pdfminer.utils import apply_matrix_rect, mult_matrix

from paperscope.paper.pdf import body

_TEXT, _FORM = 1, 5
# PDFium's mark for a hyphen it treats as a soft line-end break.
_SOFT_HYPHEN = 0xFFFE


def _address(pointer) -> int:
    return ctypes.cast(pointer, ctypes.c_void_p).value or 0


def _objects(raw, count, get, figure_path: tuple, out: dict, forms: list) -> None:
    """Text objects in content order -> (order, figure path); form objects recorded as figures."""
    raw_api = body.pdfium.raw
    for index in range(count(raw)):
        obj = get(raw, index)
        kind = raw_api.FPDFPageObj_GetType(obj)
        if kind == _TEXT:
            out[_address(obj)] = (len(out), figure_path)
        elif kind == _FORM:
            path = figure_path + (len(forms),)
            forms.append(obj)
            _objects(obj, raw_api.FPDFFormObj_CountObjects, raw_api.FPDFFormObj_GetObject, path, out, forms)


def _page_ctm(page) -> tuple:
    """pdfminer's page matrix: the MediaBox origin moved to (0, 0), the page's /Rotate applied."""
    x0, y0, x1, y1 = page.get_mediabox()
    rotate = page.get_rotation()
    if rotate == 90:
        return (0, -1, 1, 0, -y0, x1)
    if rotate == 180:
        return (-1, 0, 0, -1, x1, y1)
    if rotate == 270:
        return (0, 1, -1, 0, y1, -x0)
    return (1, 0, 0, 1, -x0, -y0)


def _char(text: str, matrix: tuple, adv: float, descent: float, fontsize: float, fontname: str) -> LTChar:
    """An LTChar as pdfminer's constructor makes it for a horizontal font (see LTChar.__init__)."""
    ch = LTChar.__new__(LTChar)
    ch._text = text
    ch.matrix = matrix
    ch.fontname = fontname
    ch.ncs = ch.graphicstate = None
    ch.adv = adv
    a, b, c, d, _e, _f = matrix
    ch.upright = a * d > 0 and b * c <= 0
    x0, y0, x1, y1 = apply_matrix_rect(matrix, (0, descent * fontsize, adv, descent * fontsize + fontsize))
    if x1 < x0:
        x0, x1 = x1, x0
    if y1 < y0:
        y0, y1 = y1, y0
    LTComponent.__init__(ch, (x0, y0, x1, y1))
    ch.size = ch.height
    return ch


def _descent(raw, font, cache: dict[int, float]) -> float:
    """The font's descent per unit of size, as pdfminer takes it: the built-in metrics of a
    standard font named so (pdfminer ignores the PDF's own then), else the descriptor's."""
    key = _address(font)
    if key not in cache:
        name = ctypes.create_string_buffer(128)
        raw.FPDFFont_GetBaseFontName(font, name, len(name))
        metrics = FONT_METRICS.get(name.value.decode("latin-1"))
        if metrics is not None:
            value = float(metrics[0].get("Descent", 0)) / 1000
        else:
            got = ctypes.c_float()
            value = got.value if raw.FPDFFont_GetDescent(font, ctypes.c_float(1.0), got) else 0.0
        cache[key] = min(value, -value)
    return cache[key]


def page_layout(document, index: int = 0) -> LTPage:
    """Page ``index`` of an open PdfDocument as pdfminer's LTPage, not yet analysed."""
    raw = body.pdfium.raw
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return _layout(page, textpage, raw)
        finally:
            textpage.close()
    finally:
        page.close()


def _layout(page, textpage, raw) -> LTPage:
    ctm = _page_ctm(page)
    x0, y0, x1, y1 = apply_matrix_rect(ctm, page.get_mediabox())
    layout = LTPage(1, (0, 0, abs(x0 - x1), abs(y0 - y1)))
    order: dict[int, tuple[int, tuple]] = {}
    forms: list = []
    _objects(page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, (), order, forms)
    figures: dict[tuple, LTFigure] = {}

    def container(path: tuple):
        if not path:
            return layout
        if path not in figures:
            parent = container(path[:-1])
            left, bottom, right, top = (ctypes.c_float() for _ in range(4))
            raw.FPDFPageObj_GetBounds(forms[path[-1]], left, bottom, right, top)
            box = apply_matrix_rect(ctm, (left.value, bottom.value, right.value, top.value))
            figures[path] = LTFigure(f"Fm{path[-1]}", box, (1, 0, 0, 1, 0, 0))
            parent.add(figures[path])
        return figures[path]

    tp = textpage.raw
    rect, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    ox, oy = ctypes.c_double(), ctypes.c_double()
    descents: dict[int, float] = {}
    left, right, bottom, top = (ctypes.c_double() for _ in range(4))
    one, width = ctypes.c_float(1.0), ctypes.c_float()
    fonts: dict[int, tuple] = {}
    chars: list[tuple] = []
    last = None
    for i in range(textpage.count_chars()):
        if raw.FPDFText_IsGenerated(tp, i):
            continue
        obj = raw.FPDFText_GetTextObject(tp, i)
        key = _address(obj)
        if key not in order:
            continue
        code = raw.FPDFText_GetUnicode(tp, i)
        if code == _SOFT_HYPHEN or raw.FPDFText_IsHyphen(tp, i) == 1:
            text = "-"  # a hyphen PDFium marked as a line-end break (0x02); pdfminer keeps the glyph
        elif code < 0x20:
            text = f"(cid:{code})"  # no Unicode for the glyph: PDFium gives its code, pdfminer this
        else:
            text = chr(code)
        if key not in fonts:
            raw.FPDFText_GetMatrix(tp, i, matrix)
            font = raw.FPDFTextObj_GetFont(obj)
            size = raw.FPDFText_GetFontSize(tp, i)
            m = mult_matrix((matrix.a, matrix.b, matrix.c, matrix.d, 0, 0), ctm)
            fonts[key] = (m[:4], _descent(raw, font, descents), size, font)
        (a, b, c, d), desc, size, _font = fonts[key]
        raw.FPDFText_GetCharOrigin(tp, i, ox, oy)
        raw.FPDFText_GetLooseCharBox(tp, i, rect)
        here = (key, ox.value, oy.value, rect.left, rect.right)
        if chars and here == last:
            # One glyph that maps to several characters (a ligature PDFium spells out, 'fi'):
            # pdfminer makes one LTChar of it, as wide as the glyph.
            prev = chars[-1]
            chars[-1] = prev[:2] + (prev[2] + text, prev[3], abs(rect.right - rect.left) / ((a * a + b * b) ** 0.5 or 1.0)) + prev[5:]
            continue
        last = here
        # The advance in text space: PDFium's loose box spans it along the baseline of
        # horizontal text; for rotated text (a margin stamp) the tight box's longer side.
        if code >= 0x20 and raw.FPDFFont_GetGlyphWidth(fonts[key][3], code, one, width) and width.value > 0:
            adv = width.value * size  # the font's advance (/Widths) for the character, as pdfminer reads it
        elif abs(b) < 1e-6 and a:
            adv = abs(rect.right - rect.left) / abs(a)
        else:
            raw.FPDFText_GetCharBox(tp, i, left, right, bottom, top)
            adv = max(right.value - left.value, top.value - bottom.value) / ((a * a + b * b) ** 0.5 or 1.0)
        ex, ey = ox.value, oy.value
        origin = (ex * ctm[0] + ey * ctm[2] + ctm[4], ex * ctm[1] + ey * ctm[3] + ctm[5])
        chars.append((order[key], i, text, (a, b, c, d) + origin, adv, desc, size))
    chars.sort(key=lambda ch: (ch[0][0], ch[1]))
    for (_, path), _i, text, m, adv, desc, size in chars:
        container(path).add(_char(text, m, adv, desc, size, ""))
    return layout
