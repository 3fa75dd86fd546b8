"""Page one as lines with geometry: where the author block ends and what the footnotes say.

pdf.extract stores each line of page one as [x0, y0, x1, y1, font size, box, text]
(``layout_json``); this module reads that back and classifies the lines by position and
type size, so that the author block is read in the order it is printed and the
first-page footnotes (ICML, IEEE, Springer) can be read as affiliations too:

- the arXiv margin stamp (one character per line at the page edge) is dropped;
- the block is everything above the abstract heading (also run-in "Abstract—"), or,
  without one, above the first line of running prose, figure caption, or section heading;
  text boxes are read top to bottom, left to right, so a 2x2 author grid is whole;
- footnotes are the smaller-type lines at the foot of a column with no body text below
  them, split into notes; venue, copyright, funding, contact and internship sentences are
  dropped, and IEEE's "X and Y are with ..." is cut down to what they are with.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

# Spacing accents that TeX draws as separate glyphs -> the combining mark they stand for.
_ACCENTS = {"´": "\u0301", "`": "\u0300", "¨": "\u0308", "ˆ": "\u0302", "˜": "\u0303",
            "¸": "\u0327", "ˇ": "\u030c", "˘": "\u0306", "˚": "\u030a", "˙": "\u0307"}
_ACCENT_BEFORE = re.compile(rf"\s?([{''.join(_ACCENTS)}])\s?([A-Za-z\u0131])")
_ACCENT_AFTER = re.compile(rf"([A-Za-z])\s?([{''.join(_ACCENTS)}])")
# Put between a superscript marker and a digit that begins the name after it.
MARK_END = "\u2063"
# Superscript letters that index affiliations (Elsevier "Shijie Li a,b") become modifier
# letters, which the header grammar reads as markers; they pass NFKC as private-use code points.
_LETTER_MARKS = "abcdefgh"
SUPERSCRIPT_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰ"
_PUA = 0xE000
_MODIFIER = {_PUA + i: c for i, c in enumerate(SUPERSCRIPT_LETTERS)}
_SPACE_GAP = 0.12           # a gap wider than this share of the type size is a space
_MARGIN = 0.07              # lines wholly within this share of the page width from an edge
_FOOT_REGION = 0.45         # footnotes sit in the lower part of the page
_ABSTRACT = re.compile(r"^\s*(?:a\s?b\s?s\s?t\s?r\s?a\s?c\s?t|summary)\b", re.I)
_CAPTION = re.compile(r"^\s*(?:figure|fig\.|table)\s*\d", re.I)
_SECTION = re.compile(r"^\s*(?:\d+\.?|[IVX]+\.)?\s*(?:introduction|keywords|index terms|key words)\b", re.I)
# A footnote's mark: a symbol or bullet, a number or letter before a capital, a superscript letter.
_FOOT_START = re.compile(r"^\s*(?:\(cid:\d+\)|[•∗*†‡§¶⋆♠♣♦♥#]|\d{1,2}(?=\s*[A-Z])|"
                         r"[a-h](?=\s*[A-Z][a-z])|[ᵃᵇᶜᵈᵉᶠᵍʰ])")
# Footnote sentences that are not affiliations (the labels' rules: venues, publishers,
# funding, contact details, "work done during an internship at X", contribution notes).
FOOT_NOISE = re.compile(
    r"correspond|proceedings|conference|symposium|workshop|copyright|©|\(c\)|licen[cs]|e-?mail|manuscript|"
    r"received|revised|accepted|published|publication|supported|grant|funded|funding|intern\b|internship|"
    r"\bwork (?:was |is )?(?:done|conducted|performed|carried)|during (?:his|her|their|an?)\b|"
    r"equal(?:ly)? contribut|contributed equally|project lead|homepage|https?://|www\.|preprint|arxiv|"
    r"\bdoi\b|digital object|permission|all rights|recommended|associate editor|this paper|this work|"
    r"\bPMLR\b|@|\b(?:now|currently|previously|formerly)\s+(?:at|with|in)\b|\bformerly\b", re.I)
# IEEE: "K. He and J. Sun are with Microsoft Research, ..." -> "Microsoft Research, ...".
_ARE_WITH = re.compile(r"^.{0,120}?\b(?:is|are|was|were)\s+(?:also\s+)*(?:with|at|from)\s+"
                       r"(?:the\s+)?", re.I)
_ALSO_WITH = re.compile(r",?\s*(?:and|;)\s+(?:is\s+|are\s+)?(?:also\s+)?(?:with|at)\s+(?:the\s+)?", re.I)
_SENTENCE = re.compile(r"(?<=[A-Za-z\)\]]{2})(?<!Inc)(?<!Ltd)(?<!Corp)(?<!Co)(?<!Univ)(?<!Dept)(?<!Inst)(?<!Lab)"
                       r"\.\s+(?=[A-Z(])|;\s+")


_LINK_WORDS = {"of", "and", "for", "the", "at", "in", "on", "de", "di", "la", "le", "du", "des", "del", "der",
               "und", "für", "y", "e", "a", "an", "da", "do", "dos", "van", "von"}


def _running_text(sentence: str) -> bool:
    """A content footnote ('We use the Qwen model from Alibaba'): lower-case words beyond the
    few that link the parts of a name; an affiliation is capitalised words and places."""
    words = re.findall(r"[^\W\d_][\w'’-]*", _ADDRESS.sub(" ", sentence))
    lower = [w for w in words if w.islower() and w not in _LINK_WORDS]  # not 'iFLYTEK', 'eBay'
    return len(lower) >= 2


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


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line]


def line_text(chars: list[tuple], size: float) -> str:
    """One line's text from its glyphs (text, x0, x1, y0, size); x0 None is a space pdfminer put.

    Spaces are put back where the gap between glyphs says so (LaTeX output often has none),
    separately drawn accents are composed with their letter, and ligatures and compatibility
    forms are folded (NFKC).
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
        if prev_x1 is not None and out and not out[-1].isspace() and not text.isspace() \
                and x0 - prev_x1 > _SPACE_GAP * max(ch_size, size, 1.0) and text not in _ACCENTS:
            out.append(" ")
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


def _top_down(lines: list[Line]) -> list[Line]:
    """Reading order of the block: rows top to bottom, left to right within a row.

    Boxes that sit side by side with another box of several lines are the cells of an
    author grid (ACM 2x2, 3xN): such a box is read whole where its top is, so that one
    author's name, place and e-mail stay together and do not interleave with the next cell.
    """
    boxes: dict[int, list[Line]] = {}
    for ln in lines:
        boxes.setdefault(ln.box, []).append(ln)
    extent = {b: (min(ln.x0 for ln in ls), max(ln.x1 for ln in ls), min(ln.y0 for ln in ls),
                  max(ln.y1 for ln in ls)) for b, ls in boxes.items() if len(ls) >= 2}
    cells = set()
    for a, (ax0, ax1, ay0, ay1) in extent.items():
        for b, (bx0, bx1, by0, by1) in extent.items():
            overlap = min(ay1, by1) - max(ay0, by0)
            if a != b and (ax1 <= bx0 or bx1 <= ax0) and overlap > 0.5 * min(ay1 - ay0, by1 - by0):
                cells.add(a)
    anchor = {id(ln): (extent[ln.box][3], extent[ln.box][0]) if ln.box in cells else (ln.y1, ln.x0)
              for ln in lines}
    rows: dict[float, int] = {}
    row, first = -1, None
    for y in sorted({a[0] for a in anchor.values()}, reverse=True):
        if first is None or first - y > 3:
            row, first = row + 1, y
        rows[y] = row
    return sorted(lines, key=lambda ln: (rows[anchor[id(ln)][0]], anchor[id(ln)][1], -ln.y1, ln.x0))


def block_lines(page: Page, title: str | None = None) -> list[str]:
    """The author block: lines above the abstract (or the first prose/caption/heading line)."""
    lines = [ln for ln in page.lines if not _in_margin(ln, page) and ln.text.strip()]
    body = _body_size(lines, page.height)
    title_words = " ".join((title or "").split())
    # Running text is a paragraph: two prose lines in one box (a one-line banner is not).
    prose: dict[int, int] = {}
    for ln in lines:
        if _is_prose(ln, body) and " ".join(ln.text.split()) not in title_words:
            prose[ln.box] = prose.get(ln.box, 0) + 1
    cut = None
    for ln in sorted(lines, key=lambda ln: -ln.y1):
        text = ln.text.strip()
        if _ABSTRACT.match(text) or _CAPTION.match(text) or (_SECTION.match(text) and len(text) < 40) or (
                prose.get(ln.box, 0) >= 2 and _is_prose(ln, body)):
            cut = ln.y1
            break
    kept = [ln for ln in lines if cut is None or ln.y0 > cut - 0.5]
    if cut is None:
        kept = [ln for ln in kept if ln.y0 > page.height / 2]
    return [ln.text for ln in _top_down(kept)]


def footnotes(page: Page) -> list[str]:
    """First-page footnote sentences that may name affiliations, noise dropped."""
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
    out: list[str] = []
    for note in notes:
        if not (_FOOT_START.match(note) or _ARE_WITH.match(note)):
            continue  # a footnote names its authors' places after a mark or as "X is with"; figure text does neither
        note = re.sub(r"\((?:[^()]*@[^()]*|e-?mail[^()]*)\)", " ", note, flags=re.I)
        for sentence in _SENTENCE.split(note):
            sentence = sentence.strip(" .;")
            if not sentence:
                continue
            sentence = re.sub(r"^\s*(?:\(cid:\d+\)|[•∗*⋆])\s*", "", sentence)
            head = _ARE_WITH.match(sentence)
            if head:
                sentence = sentence[head.end():]
            if FOOT_NOISE.search(sentence) or _running_text(sentence):
                continue
            out.extend(p.strip(" .,") for p in _ALSO_WITH.split(sentence) if p.strip(" .,"))
    return out
