"""Text from PDFs, file names and metadata made inert in the CSV and Markdown files we write.

A title or an affiliation line is whatever the PDF says: "=HYPERLINK(...)" would run
in a spreadsheet that opens audit.csv, and "[click](http://evil)" would be a live link
in summary.md. Every CSV and Markdown writer goes through the functions here, so there
is one definition of what "neutralised" means.
"""
from __future__ import annotations

import html
import re

import pandas as pd

# A cell starting with one of these is a formula to Excel, LibreOffice and Sheets (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A text cell a spreadsheet would evaluate gets a leading apostrophe; so does one that
    already starts with an apostrophe, so that csv_unescape gives back exactly the text."""
    if isinstance(value, str) and value.startswith(FORMULA_START + ("'",)):
        return "'" + value
    return value


def csv_unescape(value):
    """The text csv_cell was given (a reader of our own CSVs: the review sheet, the manifest)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START + ("'",)):
        return value[1:]
    return value


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of df whose text cells went through csv_cell (before DataFrame.to_csv)."""
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(csv_cell)
    return out


def csv_row(values) -> list:
    """One csv.writer row with each cell through csv_cell."""
    return [csv_cell(v) for v in values]


# Characters that start emphasis, links, images, code, strikethrough or a table cell
# anywhere in a line. An underscore inside a word (too_many_pages) is never emphasis.
_INLINE = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
# At the start of a line (or of a list item's text): a heading, list, quote or ordered list.
_LINE_START = re.compile(r"^(\s*)(?:([#>+-])|(\d+)([.)]))")
# GFM turns bare URLs and www. names into links: break the pattern with an escape.
_AUTOLINK = re.compile(r"(?i)(\w)(://)|\b(www)(\.)")


def md_text(value) -> str:
    """Inline Markdown text that renders as the literal string: HTML-escaped (renderers pass
    raw HTML through), Markdown punctuation backslash-escaped, bare URLs not linked, one line."""
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return ""
    text = " ".join(str(value).splitlines())
    text = html.escape(text, quote=False)
    text = _INLINE.sub(r"\\\1", text)
    text = _AUTOLINK.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"{m.group(3)}\\{m.group(4)}", text)
    return _LINE_START.sub(_line_start, text)


def _line_start(m: re.Match) -> str:
    """'# x' -> '\\# x', '1. x' -> '1\\. x' (only punctuation can be backslash-escaped)."""
    if m.group(2):
        return f"{m.group(1)}\\{m.group(2)}"
    return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"


def md_code(value) -> str:
    """A whole code span (backquotes included) holding the text literally: the fence is one
    backquote longer than the longest run inside, so a backquote cannot close it early."""
    text = " ".join(("" if value is None else str(value)).splitlines())
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or (text.startswith(" ") and text.endswith(" ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def md_fence(text: str, info: str = "") -> str:
    """A fenced code block around text that no line of the text can close."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{text}{'' if text.endswith(chr(10)) else chr(10)}{fence}\n"
