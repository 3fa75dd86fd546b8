"""Page one's characters through PDFium, as pdfminer would have boxed them (the pdfium header engine).

pdfminer spends most of page one tokenising the content stream in Python; PDFium parses
it in C. Each character PDFium finds becomes the tuple ``(text, x0, y0, x1, y1)`` that
pdfminer's LTChar would have: the box (0, descent + rise) to (advance, descent + rise +
font size) in text space, mapped by the character's matrix and the page's rotation and
MediaBox origin. Text drawn inside a form XObject goes into a Figure as pdfminer nests
it in an LTFigure, and everything comes in content-stream order. paper.pdf.grouping then
runs pdfminer's layout analysis on the tuples.

What cannot be the same (docs/performance.md, "Page one: the header engines"): PDFium
keeps positions as 32-bit floats; it names a glyph without a Unicode mapping by its code
where pdfminer writes "(cid:N)"; it spells a ligature out; it leaves out text objects
of zero width (a lone space comes back here as one space); and where a font's
Unicode-to-code lookup fails, advances come from the glyphs' boxes. bench/header_engines.py
compares the header reader's answers with the reference's paper by paper.
"""
from __future__ import annotations

import ctypes
import functools

from pdfminer.fontmetrics import FONT_METRICS
from pdfminer.utils import apply_matrix_rect, mult_matrix

from paperscope.paper.pdf import body
from paperscope.paper.pdf.grouping import Figure

_TEXT, _FORM = 1, 5
# PDFium's mark for a hyphen it treats as a soft line-end break.
_SOFT_HYPHEN = 0xFFFE


class _Api:
    """The few PDFium calls made once per character, typed to take and return plain integers.

    pypdfium2's bindings return page-object handles as ctypes pointers, and turning those
    into comparable addresses costs more than the call; these prototypes of the same
    library functions skip that.
    """

    def __init__(self, raw):
        def proto(name, restype, *argtypes):
            address = ctypes.cast(getattr(raw, name), ctypes.c_void_p).value
            return ctypes.CFUNCTYPE(restype, *argtypes)(address)

        vp, i32 = ctypes.c_void_p, ctypes.c_int
        # Called for every character, untyped: a third of the cost of a typed call. Their
        # arguments must be what C takes as they are: the text page as a c_void_p, the
        # index a Python int (an int), the out-parameters as byref()s.
        self.text_object = proto("FPDFText_GetTextObject", vp)
        self.is_generated = proto("FPDFText_IsGenerated", i32)
        self.origin = proto("FPDFText_GetCharOrigin", i32)
        self.unicode = proto("FPDFText_GetUnicode", ctypes.c_uint)
        self.is_hyphen = proto("FPDFText_IsHyphen", i32, vp, i32)
        self.page_objects = proto("FPDFPage_CountObjects", i32, vp)
        self.page_object = proto("FPDFPage_GetObject", vp, vp, i32)
        self.form_objects = proto("FPDFFormObj_CountObjects", i32, vp)
        self.form_object = proto("FPDFFormObj_GetObject", vp, vp, ctypes.c_ulong)
        self.object_type = proto("FPDFPageObj_GetType", i32, vp)
        f32 = ctypes.POINTER(ctypes.c_float)
        self.bounds = proto("FPDFPageObj_GetBounds", i32, vp, f32, f32, f32, f32)
        self.font = proto("FPDFTextObj_GetFont", vp, vp)
        self.font_name = proto("FPDFFont_GetBaseFontName", ctypes.c_size_t, vp, ctypes.c_char_p, ctypes.c_size_t)
        self.descent = proto("FPDFFont_GetDescent", i32, vp, ctypes.c_float, f32)
        self.glyph_width = proto("FPDFFont_GetGlyphWidth", i32, vp, ctypes.c_uint32, ctypes.c_float, f32)


@functools.cache
def _api() -> _Api:
    return _Api(body.pdfium.raw)


def _objects(api: _Api, handle: int, count, get, figure_path: tuple, out: dict, forms: list) -> None:
    """Text objects in content order -> (order, figure path); form objects recorded as figures."""
    for index in range(count(handle)):
        obj = get(handle, index)
        kind = api.object_type(obj)
        if kind == _TEXT:
            out[obj] = (len(out), figure_path)
        elif kind == _FORM:
            path = figure_path + (len(forms),)
            forms.append(obj)
            _objects(api, obj, api.form_objects, api.form_object, path, out, forms)


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


def _font_metrics(api: _Api, font: int, cache: dict[int, float]) -> float:
    """The font's descent per unit of size, as pdfminer takes it: the built-in metrics of a
    standard font named so (pdfminer ignores the PDF's own then), else the descriptor's."""
    if font not in cache:
        name = ctypes.create_string_buffer(128)
        api.font_name(font, name, len(name))
        metrics = FONT_METRICS.get(name.value.decode("latin-1"))
        if metrics is not None:
            value = float(metrics[0].get("Descent", 0)) / 1000
        else:
            got = ctypes.c_float()
            value = got.value if api.descent(font, 1.0, ctypes.byref(got)) else 0.0
        cache[font] = min(value, -value)
    return cache[font]


def _glyph(raw, api: _Api, textpage, i: int, code: int, font: int, m: tuple, scale: float, size: float,
           x: float, rect, tight: list, width) -> tuple[float | None, float, float | None]:
    """What PDFium tells of a glyph's advance, per unit of font size: (the advance where its
    loose box shows it, else None; the loose box's extent along the baseline; the font's
    width for the character's Unicode value, else None).

    PDFium's loose box runs from the origin to the end of the advance it reads for the
    character code, widened to the ink where a glyph overhangs it (an italic 'f'); where
    the font's metrics are unusable it is the ink's box alone. So where it ends right of the
    ink it ends at the advance. FPDFFont_GetGlyphWidth maps a Unicode value back to a code,
    which fails quietly for some fonts (every glyph then gets one default width).
    """
    unit = scale * (size or 1.0)
    raw.FPDFText_GetLooseCharBox(textpage, i, rect)
    raw.FPDFText_GetCharBox(textpage, i, *tight)  # left, right, bottom, top
    upright = m[1] == 0 and m[0] > 0
    known = (rect.right - x) / unit if upright and rect.right > tight[1].value + 1e-3 else None
    extent = (abs(rect.right - rect.left) if upright else abs(rect.top - rect.bottom)) / unit
    by_unicode = None
    if code >= 0x20 and api.glyph_width(font, code, 1.0, ctypes.byref(width)) and width.value > 0:
        by_unicode = width.value
    return known, extent, by_unicode


def _advances(glyphs: dict[tuple[int, int], tuple]) -> dict[tuple[int, int], float]:
    """Each glyph's advance: as its loose box shows it; else the font's width for its Unicode
    value where that lookup gave the shown advance for every glyph of the font that shows
    one (and fits in the box); else the loose box's extent."""
    trusted: dict[int, bool] = {}
    for (font, _), (known, _, by_unicode) in glyphs.items():
        if known is not None and by_unicode is not None:
            trusted[font] = trusted.get(font, True) and abs(by_unicode - known) < 1e-3
    out = {}
    for (font, code), (known, extent, by_unicode) in glyphs.items():
        if known is not None:
            out[(font, code)] = known
        elif by_unicode is not None and trusted.get(font, True) and by_unicode <= extent + 1e-3:
            out[(font, code)] = by_unicode
        else:
            out[(font, code)] = extent
    return out


def _lone_spaces(raw, api: _Api, order: dict, objects: dict, forms: list, ctm: tuple, descents: dict,
                 glyphs: dict) -> list[list]:
    """The text objects PDFium's text page leaves out, put back as the space pdfminer reads there.

    PDFium skips a text object whose box has no width: a space drawn on its own (a template
    that draws ' ' between names), or an empty string. pdfminer keeps the space glyph, and
    its box weighs in grouping lines. Each such object comes back as one space of the
    font's width for U+0020 at the object's origin; an object whose font has no such width
    stays out.
    """
    out = []
    edges = [ctypes.c_float() for _ in range(4)]
    size_out, width = ctypes.c_float(), ctypes.c_float()
    for obj, (seq, path) in order.items():
        if obj in objects:
            continue
        api.bounds(obj, *(ctypes.byref(v) for v in edges))
        if edges[2].value - edges[0].value >= 0.01:
            continue  # ink PDFium did not read as text: nothing to say what it reads
        handle = ctypes.cast(obj, raw.FPDF_PAGEOBJECT)
        matrix = raw.FS_MATRIX()
        if not raw.FPDFPageObj_GetMatrix(handle, matrix) or not raw.FPDFTextObj_GetFontSize(handle, size_out):
            continue
        m = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
        for form in reversed(path):
            outer = raw.FS_MATRIX()
            raw.FPDFPageObj_GetMatrix(ctypes.cast(forms[form], raw.FPDF_PAGEOBJECT), outer)
            m = mult_matrix(m, (outer.a, outer.b, outer.c, outer.d, outer.e, outer.f))
        font = api.font(obj)
        if not font or not api.glyph_width(font, 0x20, 1.0, ctypes.byref(width)) or width.value <= 0:
            continue
        glyphs.setdefault((font, 0x20), (None, width.value, width.value))
        m4 = mult_matrix(m[:4] + (0, 0), ctm)[:4]
        info = (m4, _font_metrics(api, font, descents), size_out.value, font,
                (m4[0] * m4[0] + m4[1] * m4[1]) ** 0.5 or 1.0, seq, path)
        out.append([seq, -1, " ", m[4], m[5], info, (font, 0x20), None])
    return out


def page_chars(document, index: int = 0) -> tuple[float, float, list]:
    """Page ``index`` of an open PdfDocument: its width, height and characters (grouping.analyse's
    input: ``(text, x0, y0, x1, y1)`` in pdfminer's coordinates, and Figures, in content order)."""
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return _chars(page, textpage, body.pdfium.raw, _api())
        finally:
            textpage.close()
    finally:
        page.close()


def _box(matrix: tuple, adv: float, descent: float, fontsize: float) -> tuple:
    """LTChar's box for a horizontal font: (0, descent) to (adv, descent + size) by the matrix."""
    a, b, c, d, e, f = matrix
    low, high = descent * fontsize, descent * fontsize + fontsize
    if b == 0 and c == 0:  # no rotation or skew: nearly every glyph of a paper
        x0, x1, y0, y1 = e, a * adv + e, d * low + f, d * high + f
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        return x0, y0, x1, y1
    return apply_matrix_rect(matrix, (0, low, adv, high))


def _chars(page, textpage, raw, api: _Api) -> tuple[float, float, list]:
    ctm = _page_ctm(page)
    x0, y0, x1, y1 = apply_matrix_rect(ctm, page.get_mediabox())
    page_width, page_height = abs(x0 - x1), abs(y0 - y1)
    top: list = []
    order: dict[int, tuple[int, tuple]] = {}
    forms: list[int] = []
    _objects(api, ctypes.cast(page.raw, ctypes.c_void_p).value, api.page_objects, api.page_object, (), order, forms)
    figures: dict[tuple, Figure] = {}

    def container(path: tuple) -> list:
        if not path:
            return top
        if path not in figures:
            parent = container(path[:-1])
            edges = [ctypes.c_float() for _ in range(4)]
            api.bounds(forms[path[-1]], *(ctypes.byref(v) for v in edges))
            figures[path] = Figure(apply_matrix_rect(ctm, tuple(v.value for v in edges)))
            parent.append(figures[path])
        return figures[path].items
    tp = ctypes.c_void_p(ctypes.cast(textpage.raw, ctypes.c_void_p).value)
    rect, matrix = raw.FS_RECTF(), raw.FS_MATRIX()
    ox, oy, width = ctypes.c_double(), ctypes.c_double(), ctypes.c_float()
    ox_ref, oy_ref = ctypes.byref(ox), ctypes.byref(oy)
    tight = [ctypes.c_double() for _ in range(4)]
    descents: dict[int, float] = {}
    glyphs: dict[tuple[int, int], tuple] = {}
    measured: dict[tuple[int, int], int] = {}  # the character each glyph was measured on
    objects: dict[int, tuple] = {}
    # [object's place in content order, char index, text, x, y (page space), object, glyph, ligature's advance]
    chars: list[list] = []
    last_obj = last_x = last_y = None
    text_object, unicode, origin, is_generated = api.text_object, api.unicode, api.origin, api.is_generated
    for i in range(textpage.count_chars()):
        code = unicode(tp, i)
        if (code <= 0x20 or code == _SOFT_HYPHEN) and is_generated(tp, i):
            continue  # a space or line break PDFium inferred; pdfminer puts its own
        obj = text_object(tp, i)
        info = objects.get(obj)
        if info is None:
            if obj not in order:
                continue
            raw.FPDFText_GetMatrix(textpage.raw, i, matrix)
            font = api.font(obj)
            m = mult_matrix((matrix.a, matrix.b, matrix.c, matrix.d, 0, 0), ctm)[:4]
            size = raw.FPDFText_GetFontSize(textpage.raw, i)
            seq, path = order[obj]
            info = objects[obj] = (m, _font_metrics(api, font, descents), size, font,
                                   (m[0] * m[0] + m[1] * m[1]) ** 0.5 or 1.0, seq, path)
        origin(tp, i, ox_ref, oy_ref)
        ex, ey = ox.value, oy.value
        if ex == last_x and ey == last_y and obj == last_obj:
            # One glyph that maps to several characters (a ligature PDFium spells out, 'fi'):
            # pdfminer makes one LTChar of it, as wide as the glyph.
            raw.FPDFText_GetLooseCharBox(textpage.raw, i, rect)
            prev = chars[-1]
            prev[2] += chr(code)
            prev[7] = abs(rect.right - rect.left) / info[4]
            if measured.get(prev[6]) == prev[1]:
                glyphs.pop(prev[6], None)  # measured on the ligature: measure the letter where it stands alone
            continue
        last_obj, last_x, last_y = obj, ex, ey
        if code >= 0x20 and code != _SOFT_HYPHEN:
            text = chr(code)
        elif code == _SOFT_HYPHEN or (code == 2 and api.is_hyphen(tp, i) == 1):
            text = "-"  # a hyphen PDFium marked as a line-end break; pdfminer keeps the glyph
        else:
            text = f"(cid:{code})"  # no Unicode for the glyph: PDFium gives its code, pdfminer this
        key = (info[3], code)
        if key not in glyphs:
            measured[key] = i
            m, _, size, font, scale = info[:5]
            glyphs[key] = _glyph(raw, api, textpage.raw, i, code, font, m, scale, size, ex, rect, tight, width)
        chars.append([info[5], i, text, ex, ey, info, key, None])
    chars.extend(_lone_spaces(raw, api, order, objects, forms, ctm, descents, glyphs))
    if any(chars[k][0] > chars[k + 1][0] for k in range(len(chars) - 1)):
        chars.sort(key=lambda ch: (ch[0], ch[1]))  # PDFium moved some text objects: content order back
    advances = _advances(glyphs)
    ca, cb, cc, cd, ce, cf = ctm
    plain = ctm == (1, 0, 0, 1, 0, 0)
    for _seq, _i, text, ex, ey, (m, desc, size, _f, _s, _q, path), key, merged in chars:
        adv = merged if merged is not None else advances[key] * size
        a, b, c, d = m
        if plain and b == 0 and c == 0:  # no rotation or skew: nearly every glyph of a paper
            low = desc * size
            x0, x1, y0, y1 = ex, a * adv + ex, d * low + ey, d * (low + size) + ey
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
            box = (text, x0, y0, x1, y1)
        else:
            box = (text, *_box(m + (ex * ca + ey * cc + ce, ex * cb + ey * cd + cf), adv, desc, size))
        (container(path) if path else top).append(box)
    return page_width, page_height, top
