"""Footnote marks: the superscripts that tie an author to an affiliation or to a note.

A mark is a one- or two-digit number, a superscript letter (Elsevier's a, b, c), a Greek
letter, or a symbol: the usual dagger family, and any sign from the Unicode blocks of arrows,
mathematical operators, shapes, dingbats and miscellaneous symbols, since a font's own
glyph for a star or an envelope comes out as whatever code point its encoding names
('⇤' for a star, '✉' for the corresponding author). pdfminer writes glyphs it cannot map as
'(cid:N)'; those are marks too.
"""
from __future__ import annotations

import re

# Put between a superscript marker and a digit that begins the name after it ('³4Paradigm').
MARK_END = "\u2063"
# The superscript letters a-h as page.line_text writes them (Elsevier's 'Shijie Li a,b').
SUPERSCRIPT_LETTERS = "ᵃᵇᶜᵈᵉᶠᵍʰ"
# Symbols as one regex character class: the named ones and the blocks they come from.
SYMBOL_CLASS = ("†‡§¶∗*⋆#⁎±" + "\u2190-\u21ff\u2200-\u2211\u2213-\u22ff\u2300-\u23ff\u25a0-\u27bf"
                "\u2900-\u2bff")
GREEK = "αβγδεζηθικλμνξοπρστυφχψω" + SUPERSCRIPT_LETTERS
MARK = rf"(?:\(cid:\d+\)|[{SYMBOL_CLASS}]|(?<!\d)\d{{1,2}}(?!\d)|[{GREEK}])"
# A mark that leads an affiliation, at the start of a line or after a comma or space:
# '1Korea University', '† Tsinghua University', '1- Language Technologies Institute'.
LEAD = re.compile(rf"(?:^|(?<=[\s,;{{(]))({MARK}(?:\s*,\s*{MARK})*)(?:\s*[-–:)]\s*|\s*)"
                  rf"(?=[A-Z\u00C0-\u024F\u4e00-\u9fff]|{MARK_END}\d)")
# A number glued to a name that starts in lower case, at the start of a line: '6vivo', '2eBay'.
_LEAD_LOWER = re.compile(r"^\s*(\d{1,2})(?!(?:st|nd|rd|th)\b)(?=[a-z][A-Za-z-]{2,})")
MARK_TOKEN = re.compile(rf"^{MARK}$")
# What is left of marks and list punctuation before an affiliation's first letter.
LEADING = re.compile(rf"^[\s\d{SYMBOL_CLASS}{GREEK},;:.()\[\]^-]+")
# Marks glued to the end of a string ('MiniMax1', 'Google∗,2').
TRAILING = re.compile(rf"(?<=[A-Za-z\u00C0-\u024F]){MARK}(?:\s*,\s*{MARK})*$")
# A line that is nothing but marks ('1', '∗', '2,3'): drawn apart from what it marks.
ONLY = re.compile(rf"^\s*{MARK}(?:\s*,?\s*{MARK})*\s*$")
_BRACES = re.compile(r"^\s*\{([^{}]+)\}\s*,?\s*(.*)$")


def marked_pieces(line: str) -> list[tuple[str | None, str]]:
    """'1MoE Lab, SJTU, 2Ant Group' -> [('1', 'MoE Lab, SJTU'), ('2', 'Ant Group')].

    A braced list with a common tail, '{1- LTI, 2- MLD}, CMU, USA', gives each member the
    tail: [('1', 'LTI, CMU, USA'), ('2', 'MLD, CMU, USA')].
    """
    line = line.replace("(cid:", " (cid:")
    braced = _BRACES.match(line)
    if braced and LEAD.search(braced.group(1)):
        tail = braced.group(2).strip(" ,")
        return [(m, f"{t.strip(' ,;')}, {tail}" if tail else t) for m, t in marked_pieces(braced.group(1))]
    cuts = list(LEAD.finditer(line))
    lower = _LEAD_LOWER.match(line)
    if lower and not (cuts and cuts[0].start() <= lower.end()):
        cuts.insert(0, lower)
    if not cuts:
        return [(None, line)]
    pieces = []
    if line[:cuts[0].start()].strip(" ,;\t"):
        pieces.append((None, line[:cuts[0].start()]))
    for k, m in enumerate(cuts):
        end = cuts[k + 1].start() if k + 1 < len(cuts) else len(line)
        pieces.append((re.sub(r"\s", "", m.group(1)), line[m.end():end]))
    return pieces


def split(text: str | None) -> list[str]:
    """'1,2' -> ['1', '2']."""
    return [m for m in re.split(r"\s*,\s*", text or "") if m]


def digits_of(mark: str, known: set[str]) -> list[str]:
    """A run of digits printed without commas ('1567' for 1, 5, 6 and 7) read as single marks
    when each of them numbers an affiliation and the run itself does not."""
    if mark.isdigit() and len(mark) > 1 and mark not in known and all(d in known for d in mark):
        return list(mark)
    return [mark]
