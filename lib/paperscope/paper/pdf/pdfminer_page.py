"""Page one through pdfminer, its characters kept as tuples (the lean pdfminer header engine).

pdfminer's PDFPageAggregator makes an LTChar per glyph, an LTCurve per path and an LTImage
per image, and LTPage.analyze then groups them with a method call per comparison. The
header reader needs only the characters' text and boxes. This device keeps each glyph
as ``(text, x0, y0, x1, y1)``, computed exactly as LTChar computes its box, drops paths
and images, and nests text drawn in form XObjects as pdfminer's LTFigure does;
paper.pdf.grouping then runs pdfminer's own analysis on the tuples. The result is the
full-layout reference's, character for character (tests/test_header_engines.py).

A vertical font (CJK set top to bottom) makes LTChar's size its width, which the tuples
do not carry: a page with one is read by the reference path instead (VerticalFont).
"""
from __future__ import annotations

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.utils import apply_matrix_rect, mult_matrix

from paperscope.paper.pdf.grouping import Figure


class VerticalFont(Exception):
    """The page uses a vertical font: the lean device cannot give pdfminer's sizes."""


class LeanPage(PDFTextDevice):
    """A PDF device that keeps page one's glyphs as tuples, in content order, and nothing else."""

    def __init__(self, manager):
        super().__init__(manager)
        self.width = self.height = 0.0
        self.items: list = []
        self._stack: list[list] = []

    def begin_page(self, page, ctm) -> None:
        x0, y0, x1, y1 = apply_matrix_rect(ctm, page.mediabox)
        self.width, self.height = abs(x0 - x1), abs(y0 - y1)
        self.items, self._stack = [], []

    def begin_figure(self, name, bbox, matrix) -> None:
        """PDFLayoutAnalyzer.begin_figure: the figure's box is its BBox by its matrix and the CTM."""
        x, y, w, h = bbox
        figure = Figure(apply_matrix_rect(mult_matrix(matrix, self.ctm), (x, y, x + w, y + h)))
        self._stack.append((self.items, figure))
        self.items = figure.items

    def end_figure(self, name) -> None:
        parent, figure = self._stack.pop()
        self.items = parent
        parent.append(figure)

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        """PDFLayoutAnalyzer.render_char and LTChar.__init__, for a horizontal font."""
        if font.is_vertical():
            raise VerticalFont(getattr(font, "fontname", "?"))
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"
        adv = font.char_width(cid) * fontsize * scaling
        descent = font.get_descent() * fontsize
        a, b, c, d, e, f = matrix
        if b == 0 and c == 0:  # no rotation or skew: the corners' min and max, as apply_matrix_rect
            x0, x1 = a * 0 + e, a * adv + e
            y0, y1 = d * (descent + rise) + f, d * (descent + rise + fontsize) + f
            if x1 < x0:
                x0, x1 = x1, x0
            if y1 < y0:
                y0, y1 = y1, y0
        else:
            x0, y0, x1, y1 = apply_matrix_rect(matrix, (0, descent + rise, adv, descent + rise + fontsize))
        self.items.append((text, x0, y0, x1, y1))
        return adv
