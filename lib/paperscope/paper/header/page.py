"""Page one as lines with geometry: where the author block ends and what the footnotes say.

pdf.extract stores each line of page one as [x0, y0, x1, y1, font size, box, text]
(``layout_json``); this module reads that back and classifies the lines by position and
type size, so that the author block is read in the order it is printed and the
first-page footnotes (ICML, IEEE, Springer) can be read as affiliations too:

- the arXiv margin stamp (one character per line at the page edge) is dropped;
- the block is everything above the abstract heading (also run-in "Abstract—"), or,
  without one, above the first line of running prose, figure caption, or section heading
  (in each half of a two-column page, where that half's text starts);
- text boxes are read top to bottom, left to right, so a 2x2 author grid is whole, and the
  pieces of one printed line that pdfminer cut apart are joined;
- footnotes are the smaller-type lines at the foot of a column with no body text below
  them, split into notes (notes.py reads them).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace

from paperscope.paper.header.markers import MARK_END, SUPERSCRIPT_LETTERS

# Spacing accents that TeX draws as separate glyphs -> the combining mark they stand for.
_ACCENTS = {"´": "\u0301", "`": "\u0300", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303",
            "¸": "\u0327", "ˇ": "\u030c", "˘": "\u0306", "˚": "\u030a", "˙": "\u0307"}
_ACCENT_BEFORE = re.compile(rf"\s?([{''.join(_ACCENTS)}])\s?([A-Za-z\u0131])")
_ACCENT_AFTER = re.compile(rf"([A-Za-z])\s?([{''.join(_ACCENTS)}])")
# Superscript letters that index affiliations (Elsevier "Shijie Li a,b") become modifier
# letters, which the header grammar reads as markers; they pass NFKC as private-use code points.
_LETTER_MARKS = "abcdefgh"
_PUA = 0xE000
_MODIFIER = {_PUA + i: c for i, c in enumerate(SUPERSCRIPT_LETTERS)}
_SPACE_GAP = 0.12           # a gap wider than this share of the type size is a space
_TAB_GAP = 0.5              # and one this wide separates fields (author names set apart), a tab
_MARGIN = 0.07              # lines wholly within this share of the page width from an edge
_FOOT_REGION = 0.45         # footnotes sit in the lower part of the page
_ABSTRACT = re.compile(r"^\s*(?:a\s?b\s?s\s?t\s?r\s?a\s?c\s?t|summary)\b", re.I)
_CAPTION = re.compile(r"^\s*(?:figure|fig\.|table)\s*\d", re.I)
_SECTION = re.compile(r"^\s*(?:\d+\.?|[IVX]+\.)?\s*(?:introduction|keywords|index terms|key words)\b", re.I)
# A footnote's mark: a symbol or bullet, a number or letter before a capital, a superscript letter.
_FOOT_START = re.compile(r"^\s*(?:\(cid:\d+\)|[•∗*†‡§¶⋆♠♣♦♥#]|\d{1,2}(?=\s*[A-Z])|"
                         r"[a-h](?=\s*[A-Z][a-z])|[ᵃᵇᶜᵈᵉᶠᵍʰ])")
# Notes that name authors without a mark: IEEE's "X is with", ACM's "Authors' addresses:".
_NAMING = re.compile(r"^.{0,160}?\b(?:is|are)\s+(?:also\s+)?(?:with|at)\b|^\s*(?:the\s+)?authors?['’`]?\s*"
                     r"(?:e-?mail\s+)?address|^\s*(?:author\s+)?affiliations?\s*:", re.I)


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    box: int
    text: str
    figure: int = 0
    cell: int | None = None  # the author-grid cell it is read in (block)


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]


def line_text(chars: list[tuple], size: float) -> str:
    """One line's text from its glyphs (text, x0, x1, y0, size); x0 None is a space pdfminer put.

    Spaces are put back where the gap between glyphs says so (LaTeX output often has none);
    a gap of half an em or more becomes a tab, since templates set author names apart by such
    gaps alone ("Kaixin Ma   Hongming Zhang"). Separately drawn accents are composed with their
    letter, and ligatures and compatibility forms are folded (NFKC).
    """
    out: list[str] = []
    prev_x1 = None
    base = _baseline(chars, size)
    prev_sup = False
    for text, x0, x1, y0, ch_size in chars:
        if x0 is None:
            if out and not out[-1].isspace():
                out.append(" ")
            continue
        sup = ch_size < 0.8 * size and y0 > base + 0.15 * size
        gap = x0 - prev_x1 if prev_x1 is not None else 0.0
        if out and out[-1] == " " and not text.isspace() and gap > _TAB_GAP * max(ch_size, size, 1.0):
            out[-1] = "\t"
        elif prev_x1 is not None and out and not out[-1].isspace() and not text.isspace() \
                and gap > _SPACE_GAP * max(ch_size, size, 1.0) and text not in _ACCENTS:
            out.append("\t" if gap > _TAB_GAP * max(ch_size, size, 1.0) else " ")
        elif prev_sup and not sup and text.isdigit():
            out.append(MARK_END)  # '³4Paradigm': the superscript 3 is the marker, 4 is the name
        out.append(chr(_PUA + _LETTER_MARKS.index(text)) if sup and text in _LETTER_MARKS else text)
        prev_x1 = x1 if text not in _ACCENTS else prev_x1
        prev_sup = sup and text.isdigit()
    return normalise("".join(out).strip()).translate(_MODIFIER)


def _baseline(chars: list[tuple], size: float) -> float:
    """The lowest common glyph bottom among full-size glyphs (superscripts sit above it)."""
    bottoms = sorted(round(c[3], 1) for c in chars if c[1] is not None and c[4] >= 0.8 * size)
    return bottoms[len(bottoms) // 2] if bottoms else 0.0


def normalise(text: str) -> str:
    """Accents composed ("Universit´e" -> "Université"), ligatures expanded, NFKC."""
    if any(a in text for a in _ACCENTS):
        text = _ACCENT_BEFORE.sub(lambda m: m.group(2) + _ACCENTS[m.group(1)], text)
        text = _ACCENT_AFTER.sub(lambda m: m.group(1) + _ACCENTS[m.group(2)], text)
    return unicodedata.normalize("NFKC", text)


def layout_json(width: float, height: float, lines: list[list]) -> str:
    """The stored form (papers.header_layout): compact JSON, one list per line."""
    return json.dumps({"w": round(width, 1), "h": round(height, 1), "lines": lines},
                      ensure_ascii=False, separators=(",", ":"))


def load(layout: str | dict | Page) -> Page:
    if isinstance(layout, Page):
        return layout
    data = json.loads(layout) if isinstance(layout, str) else layout
    lines = [Line(*row) for row in data["lines"]]
    # Text inside included graphics (a teaser figure's labels: model names, logos) is no
    # author block, unless the publisher put most of the page in one (then it is the page).
    if sum(ln.figure for ln in lines) < 0.5 * len(lines):
        lines = [ln for ln in lines if not ln.figure]
    return Page(data["w"], data["h"], lines)


def _body_size(lines: list[Line], height: float) -> float:
    """The running text's type size: the commonest (by characters) in the lower half of the page.

    The upper half is left out because a long abstract in smaller type can outweigh it there.
    """
    weight: dict[float, int] = {}
    for ln in [ln for ln in lines if ln.y1 < height / 2] or lines:
        weight[ln.size] = weight.get(ln.size, 0) + len(ln.text)
    return max(weight, key=weight.get) if weight else 0.0


def _is_prose(ln: Line, body: float) -> bool:
    """A line of running text: body type, several words, mostly lower-case words."""
    text = _ADDRESS.sub(" ", ln.text)
    words = re.findall(r"[A-Za-z][\w'-]*", text)
    if len(words) < 7 or ln.size > body + 1.5:
        return False
    return sum(w[0].islower() for w in words) >= 0.55 * len(words)


_ADDRESS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+")


def _in_margin(ln: Line, page: Page) -> bool:
    """The arXiv stamp and other marginalia: lines in the outer margin, or one or two glyphs near it."""
    margin = _MARGIN * page.width * (1.8 if len(ln.text.strip()) <= 2 else 1)
    return ln.x1 < margin or ln.x0 > page.width - margin


def _top_down(lines: list[Line], is_names=None) -> list[Line]:
    """Reading order of the block: rows top to bottom, left to right within a row.

    Boxes that sit side by side with another box of several lines, their tops level and
    their first line a name, are the cells of an author grid (ACM 2x2, 3xN): such a box is
    read whole where its top is, so that one author's name, place and e-mail stay together
    and do not interleave with the next cell. Boxes of names only (two rows of names set in
    columns) are no cells: they are read row by row, as the names are printed.
    """
    boxes: dict[int, list[Line]] = {}
    for ln in lines:
        boxes.setdefault(ln.box, []).append(ln)
    extent = {b: (min(ln.x0 for ln in ls), max(ln.x1 for ln in ls), min(ln.y0 for ln in ls),
                  max(ln.y1 for ln in ls)) for b, ls in boxes.items() if len(ls) >= 2}
    if is_names is not None:
        extent = {b: e for b, e in extent.items() if _cell_like(sorted(boxes[b], key=lambda ln: -ln.y1), is_names)}
    cells = set()
    for a, (ax0, ax1, ay0, ay1) in extent.items():
        for b, (bx0, bx1, by0, by1) in extent.items():
            overlap = min(ay1, by1) - max(ay0, by0)
            level = abs(ay1 - by1) <= _LEVEL * max(ln.size for ln in boxes[a])
            if a != b and (ax1 <= bx0 or bx1 <= ax0) and overlap > 0.5 * min(ay1 - ay0, by1 - by0) and level:
                cells.add(a)
    anchor = {id(ln): (extent[ln.box][3], extent[ln.box][0]) if ln.box in cells else (ln.y1, ln.x0)
              for ln in lines}
    rows: dict[float, int] = {}
    row, first = -1, None
    for y in sorted({a[0] for a in anchor.values()}, reverse=True):
        if first is None or first - y > 3:
            row, first = row + 1, y
        rows[y] = row
    for ln in lines:
        ln.cell = ln.box if ln.box in cells else None
    return sorted(lines, key=lambda ln: (rows[anchor[id(ln)][0]], anchor[id(ln)][1], -ln.y1, ln.x0))


def _cell_like(box: list[Line], is_names) -> bool:
    """A grid cell starts with a name and holds more than names (a place, an e-mail)."""
    return is_names(box[0].text) and not all(is_names(ln.text) for ln in box)


_LEVEL = 0.6                # side-by-side cells have their tops level within this share of the type size
_TRAILING_MARK = 0.6         # a mark this close (ems) after a line is its superscript
_LEADING_MARK = 2.0          # one up to this far before a line leads it ('¹  Shanghai Jiao Tong University')
_MARKS_ONLY = re.compile(r"^[\s\d,*∗⋆†‡§¶#♠♣♦♥✉±∓]{1,8}$|^(?:\(cid:\d+\)\s*)+$")


def _marks_attached(lines: list[Line]) -> list[Line]:
    """Superscript marks that pdfminer set as lines of their own, put back on the line they
    mark: after a name ('Jingfeng Yang' + '∗'), or before an affiliation ('1' + 'Shanghai ...')."""
    marks = [ln for ln in lines if _MARKS_ONLY.match(ln.text) and len(ln.text.strip()) <= 8]
    if not marks:
        return lines
    rest = [ln for ln in lines if not any(ln is m for m in marks)]
    for mark in marks:
        after = [ln for ln in rest if 0 <= mark.x0 - ln.x1 + 0.5 < _TRAILING_MARK * ln.size and _beside(mark, ln)]
        before = [ln for ln in rest if 0 <= ln.x0 - mark.x1 + 0.5 < _LEADING_MARK * ln.size and _beside(mark, ln)]
        if after:
            host = min(after, key=lambda ln: mark.x0 - ln.x1)
            host.text, host.x1 = host.text + mark.text.strip(), mark.x1
        elif before:
            host = min(before, key=lambda ln: ln.x0 - mark.x1)
            host.text, host.x0 = mark.text.strip() + host.text, mark.x0
        else:
            rest.append(mark)
    return rest


def _beside(mark: Line, ln: Line) -> bool:
    """A mark's glyphs sit within the line's height, or raised above its top by up to half its size."""
    return ln.y0 - 1 <= mark.y0 <= ln.y1 and mark.y1 <= ln.y1 + 0.6 * ln.size


_FRAGMENT_GAP = 2.0         # ', Name' drawn apart joins the line on its left within this many ems
_COMMA_LED = re.compile(r"^[*∗⋆†‡§¶#\d]{0,3}\s*[,;]")


def _fragments_joined(lines: list[Line]) -> list[Line]:
    """Pieces of one printed line that pdfminer cut apart, joined: ', Lingchen Sun1,2' after
    'Rongyuan Wu1,2'."""
    out: list[Line] = []
    for ln in lines:
        prev = out[-1] if out else None
        text = ln.text.strip()
        if prev is not None and prev.cell == ln.cell and _same_line(prev, ln) and _COMMA_LED.match(text) \
                and -0.5 <= ln.x0 - prev.x1 < _FRAGMENT_GAP * max(prev.size, ln.size, 1.0):
            out[-1] = Line(prev.x0, min(prev.y0, ln.y0), ln.x1, max(prev.y1, ln.y1), max(prev.size, ln.size),
                           prev.box, prev.text + text, prev.figure, prev.cell)
            continue
        out.append(ln)
    return out


def _same_line(a: Line, b: Line) -> bool:
    overlap = min(a.y1, b.y1) - max(a.y0, b.y0)
    return overlap > 0.5 * min(a.y1 - a.y0, b.y1 - b.y0) and b.x0 >= a.x1 - 0.5


def _cuts(lines: list[Line], body: float, title: str | None) -> list[Line]:
    """Lines where the author block ends: the abstract heading, a caption, a section heading,
    or a line of a running-text paragraph (two prose lines in one box; a one-line banner is none)."""
    title_words = " ".join((title or "").split())
    prose: dict[int, int] = {}
    for ln in lines:
        if _is_prose(ln, body) and " ".join(ln.text.split()) not in title_words:
            prose[ln.box] = prose.get(ln.box, 0) + 1
    out = []
    for ln in lines:
        text = ln.text.strip()
        if _ABSTRACT.match(text) or _CAPTION.match(text) or (_SECTION.match(text) and len(text) < 40) or (
                prose.get(ln.box, 0) >= 2 and _is_prose(ln, body)):
            out.append(ln)
    return out


def block(page: Page, title: str | None = None, is_names=None) -> list[Line]:
    """The author block in reading order: the lines above where it ends (see _cuts).

    Where the title sits in one column and the other column's text starts beside it (IEEE
    journals), the block ends where that column's own text starts: the authors and the
    abstract are below the other column's first line. ``is_names`` (a line's text -> is it a
    line of author names) tells grid cells from columns of names (_top_down).
    """
    lines = [replace(ln) for ln in page.lines if not _in_margin(ln, page) and ln.text.strip()]
    body = _body_size(lines, page.height)
    cuts = _cuts(lines, body, title)
    if not cuts:
        kept = [ln for ln in lines if ln.y0 > page.height / 2]
    else:
        top = max(c.y1 for c in cuts)
        side = _title_side(page, [ln for ln in lines if ln.y1 > top and len(ln.text.strip()) > 3])
        own = max((c.y1 for c in cuts if _side(page, c) in (side, None)), default=top)
        kept = [ln for ln in lines if ln.y0 > (own if side and _side(page, ln) == side else top) - 0.5]
    if is_names is not None:
        _title_boxes_split(kept, is_names)
    return _fragments_joined(_top_down(_marks_attached(kept), is_names))


def _title_boxes_split(lines: list[Line], is_names) -> None:
    """A box that pdfminer made of the title and the grid cell under it (the middle column's
    name, e-mail and place) becomes two: the title's lines, and the cell from its name on."""
    boxes: dict[int, list[Line]] = {}
    for ln in lines:
        boxes.setdefault(ln.box, []).append(ln)
    fresh = max(boxes, default=0) + 1
    for box in boxes.values():
        box.sort(key=lambda ln: -ln.y1)
        k = next((i for i, ln in enumerate(box) if i and ln.size < box[0].size - 1 and is_names(ln.text)), None)
        if k is not None and all(ln.size > 1.3 * box[k].size and not is_names(ln.text) for ln in box[:k]):
            for ln in box[:k]:
                ln.box = fresh
            fresh += 1


def _side(page: Page, ln: Line) -> str | None:
    """'left' or 'right' for a line within one half of the page, None for one across the middle."""
    half, mid = page.width / 2, 0.05 * page.width
    return "left" if ln.x1 <= half + mid else "right" if ln.x0 >= half - mid else None


def _title_side(page: Page, above: list[Line]) -> str | None:
    """The half that holds the whole block above the first cut, when the other half's text starts
    beside the title (an IEEE journal's two columns from the top of the page)."""
    sides = {_side(page, ln) for ln in above}
    return sides.pop() if len(sides) == 1 and None not in sides else None


def block_lines(page: Page, title: str | None = None) -> list[str]:
    """The author block's lines as text (see block)."""
    from paperscope.paper.header.names import is_name_line

    return [ln.text for ln in block(page, title, is_name_line)]


def footnotes(page: Page) -> list[str]:
    """First-page footnotes (notes.read sorts their sentences): the smaller type at the foot
    of a column with no body text below it, one string per note."""
    lines = [ln for ln in page.lines if not _in_margin(ln, page) and ln.text.strip()]
    body = _body_size(lines, page.height)
    low = page.height * _FOOT_REGION
    small = [ln for ln in lines if ln.size < body - 0.3 and ln.y1 < low and not ln.text.strip().isdigit()]
    foot = [ln for ln in small if not any(
        o.y1 < ln.y0 and abs(o.size - body) < 0.3 and o.x0 < ln.x1 and ln.x0 < o.x1 and len(o.text) > 3
        and not o.text.strip().isdigit() for o in lines)]
    half = page.width / 2
    foot.sort(key=lambda ln: (ln.x0 >= half and ln.x1 > half + 0.1 * page.width, -round(ln.y0 / 3), ln.x0))
    notes: list[str] = []
    prev = None
    for ln in foot:
        text = ln.text.strip()
        new = prev is None or _FOOT_START.match(text) or prev.y0 - ln.y1 > 1.2 * ln.size or \
            (ln.x0 >= half) != (prev.x0 >= half)
        if new:
            notes.append(text)
        elif notes[-1].endswith("-") and text[:1].islower():
            notes[-1] = notes[-1][:-1] + text
        else:
            notes[-1] = f"{notes[-1]} {text}"
        prev = ln
    # A footnote names its authors' places after a mark or by naming them; figure text does neither.
    out = [note for note in notes if _FOOT_START.match(note) or _NAMING.match(note)]
    if not any(_ADDRESSES.match(note) for note in out):
        out.extend(_addresses(lines))
    return out


_ADDRESSES = re.compile(r"^\s*(?:the\s+)?authors?['’`]?\s*(?:e-?mail\s+)?(?:current\s+)?address", re.I)


def _addresses(lines: list[Line]) -> list[str]:
    """An ACM journal's 'Authors' addresses:' paragraph set in body type (not found as a footnote)."""
    for ln in lines:
        if _ADDRESSES.match(ln.text):
            rest = sorted((o for o in lines if o.box == ln.box and o.y1 <= ln.y1), key=lambda o: -o.y1)
            text = ""
            for o in rest:
                if text.endswith(".") and o.text[:1].isupper():
                    break  # the paragraph ended ('... yangdy@sdju.edu.cn.' / 'Permission to make ...')
                text = text[:-1] + o.text if text.endswith("-") and o.text[:1].islower() else f"{text} {o.text}"
            return [text.strip()]
    return []
