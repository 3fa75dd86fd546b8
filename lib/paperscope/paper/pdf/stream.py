"""Text of a page in content-stream order, without pdfminer's layout analysis (the cheap body reader)."""
from __future__ import annotations

from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFResourceManager
from pdfminer.utils import apply_matrix_rect


class _StreamText(PDFTextDevice):
    """Text of a page in content-stream order, without pdfminer's layout analysis.

    Characters are joined as the PDF draws them (for typeset papers: column by column,
    line by line); a new line starts when the baseline moves, and a space is put where the
    gap between two characters is wider than a fraction of the font size, since LaTeX
    output often has no space characters at all. Each character is kept as a plain tuple
    and paths and images are ignored: building pdfminer's layout objects (LTChar, LTCurve)
    for every glyph and line of a page costs more than reading its text.
    """

    def __init__(self, manager: PDFResourceManager):
        super().__init__(manager)
        self.chars: list[tuple[str, float, float, float, float]] = []
        self.text = ""

    def begin_page(self, page, ctm) -> None:
        super().begin_page(page, ctm)
        self.chars = []

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"
        adv = font.char_width(cid) * fontsize * scaling
        vertical = font.is_vertical()
        if vertical:
            vx, vy = font.char_disp(cid)
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            box = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
        else:
            low = font.get_descent() * fontsize + rise
            box = (0, low, adv, low + fontsize)
        a, b, c, d, e, f = matrix
        if b == 0 and c == 0:  # no rotation or skew: nearly every glyph of a paper
            x0, x1, y0, y1 = a * box[0] + e, a * box[2] + e, d * box[1] + f, d * box[3] + f
        else:
            x0, y0, x1, y1 = apply_matrix_rect(matrix, box)
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        self.chars.append((text, x0, x1, y0, (x1 - x0) if vertical else (y1 - y0)))
        return adv

    def end_page(self, page) -> None:
        out: list[str] = []
        prev = None
        for ch in self.chars:
            if prev is not None:
                size = max(prev[4], ch[4], 1.0)
                if abs(ch[3] - prev[3]) > 0.5 * size or ch[1] < prev[1] - size:
                    out.append("\n")
                elif ch[1] - prev[2] > 0.15 * size and not prev[0].isspace() and not ch[0].isspace():
                    out.append(" ")
            out.append(ch[0])
            prev = ch
        self.text = "".join(out)
        self.chars = []

