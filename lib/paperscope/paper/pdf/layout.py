"""Page one with pdfminer's full layout: its lines with positions and type sizes, and the title.

The header reader (paper.header) needs characters with their font size and box, grouped
in lines; the title is the largest type in the top half of the page.
"""
from __future__ import annotations

import re

from pdfminer.layout import LTChar, LTFigure, LTTextBox, LTTextLine


def _line_size(line: LTTextLine) -> float:
    sizes = [round(ch.size, 1) for ch in line if isinstance(ch, LTChar) and ch.get_text().strip()]
    return max(set(sizes), key=sizes.count) if sizes else 0.0


def _title(lines: list[tuple[float, float, str]], page_height: float) -> str | None:
    """The title is the largest type in the top half of page one (several lines allowed)."""
    candidates = [(size, y, text) for size, y, text in lines
                  if y > page_height / 2 and len(text) >= 4 and re.search(r"[A-Za-z]{3}", text)]
    if not candidates:
        return None
    top = max(size for size, _, _ in candidates)
    picked, last = [], None
    for size, y, text in sorted(candidates, key=lambda c: -c[1]):
        if size < top - 0.5:
            continue
        if last is not None and last - y > 1.8 * size:
            break  # a block of the same type further down (authors set as large as the title)
        picked.append(text)
        last = y
    title = " ".join(" ".join(picked).split())
    return title[:500] or None


def _layout_text(layout, geometry: list | None = None, figure: int = 0) -> tuple[str, list[tuple[float, float, str]]]:
    """Page text in pdfminer's reading order, and each line's (font size, y, text).

    Text inside form XObjects (LTFigure) counts too: some publishers put the whole page there.
    With ``geometry``, each line is also appended there as header.layout_line() reads it.
    """
    parts, lines = [], []
    for element in layout:
        if isinstance(element, LTTextBox):
            parts.append(element.get_text())
            box = len(geometry) if geometry is not None else 0
            for line in element:
                if isinstance(line, LTTextLine):
                    text = line.get_text().strip()
                    if text:
                        size = _line_size(line)
                        lines.append((size, line.y1, text))
                        if geometry is not None:
                            geometry.append(_geometry(line, size, box, figure))
        elif isinstance(element, LTFigure):
            text, inner = _layout_text(element, geometry, 1)
            if text.strip():
                parts.append(text)
                lines.extend(inner)
    return "\n".join(parts), lines


def _geometry(line: LTTextLine, size: float, box: int, figure: int) -> list:
    """[x0, y0, x1, y1, size, box, text, figure]: the text rebuilt from the glyphs (header.line_text);
    figure is 1 for text drawn inside a form XObject (an included graphic, or a whole page)."""
    from paperscope.paper.header import line_text

    chars = [(ch.get_text(), ch.x0, ch.x1, ch.y0, ch.size) if isinstance(ch, LTChar) else (" ", None, None, None, 0)
             for ch in line if isinstance(ch, LTChar) or ch.get_text() == " "]
    return [round(line.x0, 1), round(line.y0, 1), round(line.x1, 1), round(line.y1, 1), size, box,
            line_text(chars, size) if chars else line.get_text().strip(), figure]

