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
