"""The body pages' text through PDFium (pypdfium2), the fast one of the two body engines.

The author block and title need pdfminer's layout analysis (fonts, positions,
superscripts); the body, where mentions are counted, needs only the words in reading
order. PDFium reads a page's text layer much faster than pdfminer without
layout. Its text is brought to the contract of pdfminer's stream reader, so that the
mentions counter sees the same text from either engine: lines end with "\\n", and a word
PDFium marks as hyphenated across a line end (U+FFFE, "subop\\ufffetimal", the line break
itself dropped) comes back as a hyphen and a line break ("subop-\\ntimal"), which
mentions.normalise joins exactly as it joins pdfminer's.

Only this module imports pypdfium2. It is imported with paperscope.paper.pdf.extract, so the
forked extraction children and Spark's warm worker daemon share the loaded library.
"""
from __future__ import annotations

import logging
from typing import get_args

from paperscope.core.settings import BodyEngine

try:
    import pypdfium2 as pdfium
except ImportError:  # an engine that is missing reads as one that failed: pdfminer takes over
    pdfium = None

log = logging.getLogger(__name__)

ENGINES = get_args(BodyEngine)
PDFIUM, PDFMINER = ENGINES
# PDFium's mark for a hyphen it treats as a soft line-end break.
_SOFT_HYPHEN_BREAK = "\ufffe"


class EngineFailed(Exception):
    """The engine could not read the document (or one of its pages); the other one is tried."""


def clean(text: str) -> str:
    """PDFium's page text in pdfminer's conventions: "\\n" line ends, line-end hyphens kept."""
    return (text.replace("\r\n", "\n").replace("\r", "\n")
            .replace(_SOFT_HYPHEN_BREAK, "-\n").replace("\x00", ""))


def open_document(data: bytes):
    """A PdfDocument over the bytes (the caller closes it); EngineFailed if PDFium cannot open them."""
    if pdfium is None:
        raise EngineFailed("pypdfium2 is not installed")
    try:
        return pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise EngineFailed(f"PdfiumError: {exc}") from None


def page_texts(document, first: int, stop: int) -> list[str]:
    """The cleaned text of pages [first, stop) of an open document."""
    texts = []
    for index in range(first, stop):
        try:
            page = document[index]
        except pdfium.PdfiumError as exc:
            raise EngineFailed(f"page {index + 1}: PdfiumError: {exc}") from None
        try:
            textpage = page.get_textpage()
            try:
                texts.append(clean(textpage.get_text_range()))
            finally:
                textpage.close()
        except pdfium.PdfiumError as exc:
            raise EngineFailed(f"page {index + 1}: PdfiumError: {exc}") from None
        finally:
            page.close()
    return texts
