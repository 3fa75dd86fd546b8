"""Page furniture: running heads and footers, taken out before anything is counted.

A running head repeats the title (or a short title) on every page, so a title word such
as "Transformer" would count once per page, and a venue line ("Published as a
conference paper at ...") would split sections. Furniture is found as lines that recur
near the top or bottom of many body pages; page numbers in them ("Page 3", "12") are
ignored when lines are compared, and lines that are only a page number go too (a
number alone before a line could pass for a heading's). Page one is left as it is: its
title is a mention.

The thresholds are mentions.furniture.* in the config (settings: its Furniture section).
"""
from __future__ import annotations

import re

_NUMBERS = re.compile(r"^(?:page\s+)?\d+(?:\s+of\s+\d+)?$|^\d+\s+|\s+\d+(?:\s+of\s+\d+)?$", re.I)
_SPACE = re.compile(r"\s+")
_LETTER = re.compile(r"[^\W\d_]")


def _key(line: str) -> str:
    """The line as compared across pages: page numbers out ("#" when that is all it is)."""
    line = _SPACE.sub(" ", line).strip()
    key = _NUMBERS.sub("", line).lower()
    return key if key or not line else "#"


def _edges(lines: list[str], n: int) -> list[int]:
    """Indices of the first and last n non-empty lines."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:n] + filled[-n:]))


def furniture(pages: list[list[str]], settings) -> set[str]:
    """The keys of lines that recur at the edges of the body pages (pages[1:])."""
    body = pages[1:]
    seen: dict[str, int] = {}
    for lines in body:
        for key in {_key(lines[i]) for i in _edges(lines, settings.edge_lines)}:
            if key == "#" or _LETTER.search(key):
                seen[key] = seen.get(key, 0) + 1
    need = max(settings.min_pages, settings.min_share * len(body))
    return {k for k, n in seen.items() if n >= need}


def strip_furniture(text: str, settings) -> str:
    """text (pages split by form feeds) without its running heads and footers."""
    pages = [page.split("\n") for page in text.split("\f")]
    if len(pages) - 1 < settings.min_pages:
        return text
    found = furniture(pages, settings)
    if not found:
        return text
    out = [pages[0]]
    for lines in pages[1:]:
        drop = {i for i in _edges(lines, settings.edge_lines) if _key(lines[i]) in found}
        out.append([line for i, line in enumerate(lines) if i not in drop])
    return "\f".join("\n".join(lines) for lines in out)


# ---------------------------------------------------------------------------------------
# A sentence that runs on to the next page
# ---------------------------------------------------------------------------------------

# A footnote ("1https://...", "5σ is the sigmoid", "∗Equal contribution"): a number or a
# symbol glued to a capitalised word, a URL or a letter outside ASCII; a page number; a
# copyright or DOI line.
_NOTE = re.compile(r"^(?:\d{1,2}|[*∗†‡§¶])\s?(?:[A-Z][a-z]|https?:|[^\x00-\x7f\s\d])|^\d{1,4}$|©|\bDOI\b|^doi:")
_ENDS = re.compile(r"[.!?][\"”’')\]]*$")
_GOES_ON = re.compile(r"\s*[a-z]")


def page_notes(text: str, settings) -> list[tuple[int, int]]:
    """Where a sentence runs on from one page to the next, the span between its halves: the
    page's notes at its foot (footnotes, a venue or copyright line, a page number) and the
    form feed. (start, end) offsets, in order.

    A sentence runs on when the next page starts in lower case and the page's last line of
    running text does not end a sentence. That line must be the end of its block: right
    below it a blank line or a note; the lines between it and the page end are notes, blank
    lines, or lines ending a sentence below a blank line or a note (the rest of a note, a
    venue line on page one), at most settings.note_lines of them. Anything else (a page
    that ends with a paragraph, a figure's words on the next page) is left as it is.
    """
    out = []
    page_start = 0
    feed = text.find("\f")
    while feed >= 0:
        if _GOES_ON.match(text, feed + 1):
            span = _run_on(text, page_start, feed, settings.note_lines)
            if span:
                out.append(span)
        page_start = feed + 1
        feed = text.find("\f", page_start)
    return out


def _run_on(text: str, page_start: int, feed: int, most: int) -> tuple[int, int] | None:
    lines = text[page_start:feed].split("\n")
    starts = [page_start]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    below = None  # what is right below the line read: "blank", "note" or "text"
    apart = False  # a blank line or a note seen below
    skipped = 0
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i].strip()
        if not line:
            below, apart = "blank", True
            continue
        if skipped > most:
            return None
        if _NOTE.search(line):
            below, apart, skipped = "note", True, skipped + 1
            continue
        if _ENDS.search(line):
            if not apart:
                return None
            below, skipped = "text", skipped + 1
            continue
        if below is None:
            return None  # the last line goes on: nothing between the halves
        if below == "text":
            return None
        end = starts[i] + len(lines[i])
        return end, feed + 1
    return None


def join_pages(text: str, settings) -> str:
    """text with the notes between the halves of a sentence that runs on to the next page
    (page_notes) made spaces: the same length and offsets, for reading a sentence."""
    return blank(text, page_notes(text, settings))


def blank(text: str, spans: list[tuple[int, int]]) -> str:
    """text with the (start, end) spans, in order, made spaces."""
    if not spans:
        return text
    out, at = [], 0
    for start, end in spans:
        out += [text[at:start], " " * (end - start)]
        at = end
    out.append(text[at:])
    return "".join(out)
