"""Generated first pages for the author-tie tests: reportlab draws the lines the way a
template sets them (names with superscript marks, affiliation lines, footnotes, running
text below), pdf.extract stores page one with its geometry, header.parse reads it."""
from __future__ import annotations

import io

from reportlab.lib.pagesizes import letter
from reportlab.pdfgen import canvas

from paperscope.paper.pdf.extract import extract
from paperscope.paper.header import parse

PROSE = ("we study how models learn from noisy labels and show that the method improves the accuracy "
         "of the network on several benchmark data sets while the training time stays the same for all of them")
FONT = "Times-Roman"


def page(draw) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    draw(c)
    c.showPage()
    c.save()
    return buf.getvalue()


def text(c, x, y, s, size=10.0, font=FONT) -> float:
    """Draw ``s`` at (x, y); the x where it ends."""
    c.setFont(font, size)
    c.drawString(x, y, s)
    return x + c.stringWidth(s, font, size)


def marked(c, x, y, parts, size=10.0, gap=None) -> float:
    """Names (or affiliations) each followed by superscript marks: [('Alice Smith', '1,2'), ...],
    a string part drawn as it is (', ', ' and '). ``gap`` sets names apart by a gap alone."""
    for k, part in enumerate(parts):
        if isinstance(part, str):
            x = text(c, x, y, part, size)
            continue
        name, marks = part
        x = text(c, x, y, name, size)
        if marks:
            x = text(c, x + 0.3, y + 0.4 * size, marks, 0.7 * size)
        if gap is not None and k < len(parts) - 1:
            x += gap
    return x


def sup_lead(c, x, y, mark, s, size=9.0) -> float:
    """An affiliation led by a superscript mark: '¹University of Toronto'."""
    x = text(c, x, y + 0.4 * size, mark, 0.7 * size)
    return text(c, x + 0.3, y, s, size)


def prose(c, x, y_top, y_bottom, width_chars=52, size=10.0):
    """A column of running text (body type) from y_top down to y_bottom."""
    tokens = PROSE.split()
    y, k = y_top, 0
    while y >= y_bottom:
        line, n = [], 0
        while n < width_chars:
            w = tokens[k % len(tokens)]
            line.append(w)
            n += len(w) + 1
            k += 1
        text(c, x, y, " ".join(line), size)
        y -= size * 1.2


def abstract_and_body(c, top=600):
    """An 'Abstract' heading at ``top`` and a page of running text under it."""
    text(c, 280, top, "Abstract", 12)
    prose(c, 90, top - 20, 60, 90)


def two_columns_with_footnotes(c, notes, top=600, size=8.0):
    """ICML/IEEE: the abstract and body in two columns, ``notes`` at the foot of the left one."""
    text(c, 150, top + 20, "Abstract", 12)
    prose(c, 75, top, 330, 44)
    prose(c, 55, 310, 60 + 11 * len(notes), 48)
    prose(c, 310, top, 70, 48)
    y = 40 + 10 * len(notes)
    for note in notes:
        text(c, 55, y, note, size)
        y -= 10


def read(draw):
    got = extract(page(draw), max_pages=1)
    assert got.status == "ok" and got.header_layout
    return parse(got.header_text, got.title, layout=got.header_layout)


def authors(header) -> list[tuple[str, list[str], str]]:
    """(name, countries of the author's own affiliations, tie) per author, in order."""
    out = []
    for a in header.authors:
        codes = sorted({m.country for i in a.affiliations for m in header.affiliations[i].matches if m.country})
        out.append((a.name, codes, a.tie))
    return out
