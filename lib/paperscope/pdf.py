"""Text out of one PDF with pdfminer.six: the first page with layout, title and full text.

Plain Python on the bytes of one paper, so it runs unchanged on a Spark executor, in a
test, or from the command line. It never raises for bad input: the result carries a
status that names the problem and the error message.
"""
from __future__ import annotations

import io
import re
import time
from dataclasses import dataclass

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTChar, LTFigure, LTTextBox, LTTextLine
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFSyntaxError
from pdfminer.psparser import PSException

# Status values of a papers row. "ok" is the only one the aggregates use.
OK, EMPTY, NOT_PDF, ENCRYPTED, CORRUPT, NO_TEXT, ERROR = (
    "ok", "empty", "not_pdf", "encrypted", "corrupt", "no_text", "error")


@dataclass
class Extracted:
    n_pages: int | None = None
    title: str | None = None
    header_text: str | None = None
    full_text: str | None = None
    status: str = OK
    error: str | None = None
    extract_seconds: float = 0.0


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
    picked = [text for size, y, text in sorted(candidates, key=lambda c: -c[1]) if size >= top - 0.5]
    title = " ".join(" ".join(picked).split())
    return title[:500] or None


def _layout_text(layout) -> tuple[str, list[tuple[float, float, str]]]:
    """Page text in pdfminer's reading order, and each line's (font size, y, text).

    Text inside form XObjects (LTFigure) counts too: some publishers put the whole page there.
    """
    parts, lines = [], []
    for element in layout:
        if isinstance(element, LTTextBox):
            parts.append(element.get_text())
            for line in element:
                if isinstance(line, LTTextLine):
                    text = line.get_text().strip()
                    if text:
                        lines.append((_line_size(line), line.y1, text))
        elif isinstance(element, LTFigure):
            text, inner = _layout_text(element)
            if text.strip():
                parts.append(text)
                lines.extend(inner)
    return "\n".join(parts), lines


def extract(data: bytes, max_pages: int = 0, header_chars: int = 20000) -> Extracted:
    """Extract one PDF's text. max_pages=0 reads every page."""
    start = time.perf_counter()
    result = Extracted()
    try:
        if not data:
            result.status, result.error = EMPTY, "file is empty (0 bytes)"
        elif b"%PDF-" not in data[:1024]:
            head = data[:64].decode("latin-1", "replace").strip().replace("\n", " ")
            result.status, result.error = NOT_PDF, f"no %PDF- header; starts with {head[:40]!r}"
        else:
            _extract_into(result, data, max_pages, header_chars)
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        result.status, result.error = ENCRYPTED, f"encrypted PDF: {type(exc).__name__} {exc}".strip()
    except (PDFSyntaxError, PSException) as exc:
        result.status, result.error = CORRUPT, f"unreadable PDF structure: {type(exc).__name__}: {exc}"
    except Exception as exc:  # noqa: BLE001 - a bad paper must become a row, never a failed task
        result.status, result.error = ERROR, f"{type(exc).__name__}: {exc}"[:2000]
    result.extract_seconds = round(time.perf_counter() - start, 4)
    return result


def _extract_into(result: Extracted, data: bytes, max_pages: int, header_chars: int) -> None:
    manager = PDFResourceManager(caching=True)
    device = PDFPageAggregator(manager, laparams=LAParams(all_texts=True))
    interpreter = PDFPageInterpreter(manager, device)
    texts: list[str] = []
    pages = PDFPage.get_pages(io.BytesIO(data), maxpages=max_pages or 0, check_extractable=False)
    n_pages = 0
    for page_no, page in enumerate(pages):
        n_pages += 1
        interpreter.process_page(page)
        layout = device.get_result()
        text, lines = _layout_text(layout)
        if page_no == 0:
            result.header_text = text[:header_chars]
            result.title = _title(lines, layout.height)
        texts.append(text)
    result.n_pages = n_pages
    result.full_text = "\n\f".join(texts)
    if n_pages == 0:
        result.status, result.error = CORRUPT, "no pages found"
    elif not result.full_text.strip():
        result.status, result.error = NO_TEXT, "no text layer (scanned or image-only PDF?)"
