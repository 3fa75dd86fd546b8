"""pdfminer's layout analysis (characters -> lines -> boxes -> reading order) on plain tuples.

``LTPage.analyze`` with ``LAParams(all_texts=True)`` builds an object per character, line
and box and calls a method for every comparison; on page one that costs more than
reading the page's characters from PDFium. This is the same algorithm, step for step
(LTLayoutContainer.group_objects, group_textlines, group_textboxes, the boxes_flow
ordering, LTTextLineHorizontal's word spaces), on tuples, for horizontal text
(detect_vertical is off in LAParams' defaults, as here). A character is
``(text, x0, y0, x1, y1)``; its size is its height, as LTChar's. tests/test_header_engines.py
holds it to pdfminer's own analysis.

The one place it can differ: where two pairs of boxes are exactly as far apart, pdfminer
merges first the pair whose objects happen to lie lower in memory (its heap breaks ties by
``id()``); here the pair made first.
"""
from __future__ import annotations

import heapq

from paperscope.paper.header.page import line_text

LINE_OVERLAP, CHAR_MARGIN, LINE_MARGIN, WORD_MARGIN, BOXES_FLOW = 0.5, 2.0, 0.5, 0.1, 0.5
_INF = (1 << 31) - 1
_GRID = 50


class Figure:
    """Text drawn inside a form XObject: analysed on its own, as pdfminer's LTFigure."""
    __slots__ = ("bbox", "items")

    def __init__(self, bbox: tuple):
        self.bbox = bbox
        self.items: list = []


class _Line:
    __slots__ = ("x0", "y0", "x1", "y1", "items", "last_x1", "_text")

    def __init__(self):
        self.x0, self.y0, self.x1, self.y1 = _INF, _INF, -_INF, -_INF
        self.items: list = []  # characters, and None for a space pdfminer puts (LTAnno)
        self.last_x1 = _INF

    def add(self, ch: tuple) -> None:
        """LTTextLineHorizontal.add: a space where the gap exceeds word_margin x the glyph."""
        _, x0, y0, x1, y1 = ch
        if self.last_x1 < x0 - WORD_MARGIN * max(x1 - x0, y1 - y0):
            self.items.append(None)
        self.last_x1 = x1
        self.items.append(ch)

    def text(self) -> str:
        """The glyphs' text with pdfminer's word spaces (LTTextLine.get_text without the line end)."""
        return self._text

    def seal(self) -> _Line:
        """The line's box (the union of its glyphs', as LTExpandableContainer.add makes it) and text."""
        _, xs0, ys0, xs1, ys1 = zip(*(ch for ch in self.items if ch is not None))
        self.x0, self.y0, self.x1, self.y1 = min(xs0), min(ys0), max(xs1), max(ys1)
        self._text = "".join(" " if ch is None else ch[0] for ch in self.items)
        return self


class _Box:
    __slots__ = ("x0", "y0", "x1", "y1", "items", "index")

    def __init__(self, items=()):
        self.x0, self.y0, self.x1, self.y1 = _INF, _INF, -_INF, -_INF
        self.items: list = []
        self.index = -1
        for item in items:
            self.add(item)

    def add(self, item) -> None:
        self.items.append(item)
        self.x0, self.y0 = min(self.x0, item.x0), min(self.y0, item.y0)
        self.x1, self.y1 = max(self.x1, item.x1), max(self.y1, item.y1)


class _Group(_Box):
    __slots__ = ()


class _Plane:
    """pdfminer.utils.Plane: objects on a 50-point grid clipped to the container's box."""

    def __init__(self, bbox: tuple):
        self.x0, self.y0, self.x1, self.y1 = bbox
        self.grid: dict[tuple[int, int], list] = {}
        self.seq: list = []
        self.objs: set = set()

    def _range(self, x0, y0, x1, y1):
        if x1 <= self.x0 or self.x1 <= x0 or y1 <= self.y0 or self.y1 <= y0:
            return ()
        x0, y0, x1, y1 = max(self.x0, x0), max(self.y0, y0), min(self.x1, x1), min(self.y1, y1)
        xs = range(int(x0) // _GRID, int(x1 + _GRID) // _GRID)
        return [(gx, gy) for gy in range(int(y0) // _GRID, int(y1 + _GRID) // _GRID) for gx in xs]

    def add(self, obj) -> None:
        for k in self._range(obj.x0, obj.y0, obj.x1, obj.y1):
            self.grid.setdefault(k, []).append(obj)
        self.seq.append(obj)
        self.objs.add(obj)

    def remove(self, obj) -> None:
        for k in self._range(obj.x0, obj.y0, obj.x1, obj.y1):
            cell = self.grid.get(k)
            if cell is not None and obj in cell:
                cell.remove(obj)
        self.objs.remove(obj)

    def __iter__(self):
        return (obj for obj in self.seq if obj in self.objs)

    def find(self, x0, y0, x1, y1) -> list:
        done, out = set(), []
        for k in self._range(x0, y0, x1, y1):
            for obj in self.grid.get(k, ()):
                if obj in done:
                    continue
                done.add(obj)
                if obj.x1 <= x0 or x1 <= obj.x0 or obj.y1 <= y0 or y1 <= obj.y0:
                    continue
                out.append(obj)
        return out


def _group_chars(chars: list[tuple]) -> list[_Line]:
    """LTLayoutContainer.group_objects for horizontal lines (with _Line.add inlined: it runs per glyph)."""
    lines: list[_Line] = []
    obj0 = None
    line = None
    items = None
    last_x1 = _INF
    for obj1 in chars:
        if obj0 is not None:
            _, ax0, ay0, ax1, ay1 = obj0
            _, bx0, by0, bx1, by1 = obj1
            halign = False
            if by0 <= ay1 and ay0 <= by1:
                voverlap = min(abs(ay0 - by1), abs(ay1 - by0))
                if min(ay1 - ay0, by1 - by0) * LINE_OVERLAP < voverlap:
                    hdistance = 0 if (bx0 <= ax1 and ax0 <= bx1) else min(abs(ax0 - bx1), abs(ax1 - bx0))
                    halign = hdistance < max(ax1 - ax0, bx1 - bx0) * CHAR_MARGIN
            if halign and line is not None:
                if last_x1 < bx0 - WORD_MARGIN * max(bx1 - bx0, by1 - by0):
                    items.append(None)
                last_x1 = bx1
                items.append(obj1)
            elif line is not None:
                lines.append(line.seal())
                line = None
            else:
                line = _Line()
                line.add(obj0)
                items, last_x1 = line.items, obj0[3]
                if halign:
                    line.add(obj1)
                    last_x1 = obj1[3]
                else:
                    lines.append(line.seal())
                    line = None
        obj0 = obj1
    if line is None:
        line = _Line()
        line.add(obj0)
    lines.append(line.seal())
    return lines


def _neighbors(line: _Line, plane: _Plane) -> list[_Line]:
    """LTTextLineHorizontal.find_neighbors: same height, and left, right or centre aligned."""
    height = line.y1 - line.y0
    d = LINE_MARGIN * height
    centre = (line.x0 + line.x1) / 2
    return [obj for obj in plane.find(line.x0, line.y0 - d, line.x1, line.y1 + d)
            if abs((obj.y1 - obj.y0) - height) <= d
            and (abs(obj.x0 - line.x0) <= d or abs(obj.x1 - line.x1) <= d
                 or abs((obj.x0 + obj.x1) / 2 - centre) <= d)]


def _group_lines(lines: list[_Line], bbox: tuple) -> list[_Box]:
    """LTLayoutContainer.group_textlines."""
    plane = _Plane(bbox)
    for line in lines:
        plane.add(line)
    boxes: dict[_Line, _Box] = {}
    for line in lines:
        members = [line]
        for other in _neighbors(line, plane):
            members.append(other)
            if other in boxes:
                members.extend(boxes.pop(other).items)
        box = _Box()
        for obj in dict.fromkeys(members):
            box.add(obj)
            boxes[obj] = box
    out, done = [], set()
    for line in lines:
        box = boxes.get(line)
        if box is None or box in done:
            continue
        done.add(box)
        if box.x1 - box.x0 > 0 and box.y1 - box.y0 > 0:
            out.append(box)
    return out


def _dist(a, b) -> float:
    x0, y0, x1, y1 = min(a.x0, b.x0), min(a.y0, b.y0), max(a.x1, b.x1), max(a.y1, b.y1)
    return (x1 - x0) * (y1 - y0) - (a.x1 - a.x0) * (a.y1 - a.y0) - (b.x1 - b.x0) * (b.y1 - b.y0)


def _group_boxes(boxes: list[_Box], bbox: tuple) -> list:
    """LTLayoutContainer.group_textboxes: the closest pair merged first, unless another box lies between."""
    plane = _Plane(bbox)
    serial = {id(box): n for n, box in enumerate(boxes)}
    dists = []
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            dists.append((False, _dist(a, b), serial[id(a)], serial[id(b)], a, b))
    heapq.heapify(dists)
    for box in boxes:
        plane.add(box)
    done = set()
    while dists:
        skip, d, id1, id2, obj1, obj2 = heapq.heappop(dists)
        if id1 in done or id2 in done:
            continue
        if not skip:
            between = plane.find(min(obj1.x0, obj2.x0), min(obj1.y0, obj2.y0),
                                 max(obj1.x1, obj2.x1), max(obj1.y1, obj2.y1))
            if any(o is not obj1 and o is not obj2 for o in between):
                heapq.heappush(dists, (True, d, id1, id2, obj1, obj2))
                continue
        group = _Group((obj1, obj2))
        serial[id(group)] = len(serial)
        plane.remove(obj1)
        plane.remove(obj2)
        done.update((id1, id2))
        for other in plane:
            heapq.heappush(dists, (False, _dist(group, other), serial[id(group)], serial[id(other)], group, other))
        plane.add(group)
    return list(plane)


def _order(obj, counter: list[int]) -> None:
    """LTTextGroupLRTB.analyze and IndexAssigner: children by boxes_flow, boxes numbered in that order."""
    if isinstance(obj, _Group):
        obj.items.sort(key=lambda o: (1 - BOXES_FLOW) * o.x0 - (1 + BOXES_FLOW) * (o.y0 + o.y1))
        for child in obj.items:
            _order(child, counter)
    else:
        obj.items.sort(key=lambda ln: -ln.y1)
        obj.index = counter[0]
        counter[0] += 1


def analyse(items: list, bbox: tuple) -> list:
    """LTLayoutContainer.analyze: the text boxes in reading order, then the figures, each analysed.

    items: characters and Figures in content order (each Figure's items are replaced by
    their analysis); bbox: the container's (the page's).
    """
    chars = [it for it in items if type(it) is tuple]
    figures = [it for it in items if type(it) is not tuple]
    for figure in figures:
        figure.items = analyse(figure.items, figure.bbox)
    if not chars:
        return figures
    lines = [ln for ln in _group_chars(chars)
             if ln.x1 - ln.x0 > 0 and ln.y1 - ln.y0 > 0 and not ln.text().isspace()]
    boxes = _group_lines(lines, bbox)
    counter = [0]
    for top in _group_boxes(boxes, bbox):
        _order(top, counter)
    boxes.sort(key=lambda box: box.index)
    return boxes + figures


def _line_size(line: _Line) -> float:
    """layout._line_size: the commonest type size (to 0.1) among the line's visible glyphs."""
    sizes = [round(ch[4] - ch[2], 1) for ch in line.items if ch is not None and ch[0].strip()]
    return max(set(sizes), key=sizes.count) if sizes else 0.0


def page_text(analysed: list, geometry: list | None = None, figure: int = 0) -> tuple[str, list]:
    """paper.pdf.layout._layout_text on the analysed tuples: the same text, lines and geometry."""
    parts, lines = [], []
    for element in analysed:
        if isinstance(element, Figure):
            text, inner = page_text(element.items, geometry, 1)
            if text.strip():
                parts.append(text)
                lines.extend(inner)
            continue
        parts.append("".join(ln.text() + "\n" for ln in element.items))
        box = len(geometry) if geometry is not None else 0
        for line in element.items:
            text = line.text().strip()
            if text:
                size = _line_size(line)
                lines.append((size, line.y1, text))
                if geometry is not None:
                    glyphs = [(" ", None, None, None, 0) if ch is None else (ch[0], ch[1], ch[3], ch[2], ch[4] - ch[2])
                              for ch in line.items]
                    geometry.append([round(line.x0, 1), round(line.y0, 1), round(line.x1, 1), round(line.y1, 1),
                                     size, box, line_text(glyphs, size) if glyphs else text, figure])
    return "\n".join(parts), lines
