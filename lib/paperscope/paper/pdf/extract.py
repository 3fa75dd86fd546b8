"""Text out of one PDF: the header pages with pdfminer.six's layout analysis, the rest cheaply.

Plain Python on the bytes of one paper, so it runs unchanged on a Spark executor, in a
test, or from the command line. It never raises for bad input: the result carries a
status that names the problem and the error message.

pdfminer's layout analysis (characters -> lines -> boxes -> reading order) costs about a
quarter of its time on real papers; it only matters for the author block and title, so
it runs on the first ``layout_pages`` pages. Page one's characters come from
``header_engine``: pdfminer's full layout objects (the reference), pdfminer's parse kept
as tuples (pdfminer-lean, the same rows) or PDFium (pdfium); the same analysis groups
them (paper.pdf.grouping for the last two). The other pages (the body) are read by
``body_engine``: PDFium (paper.pdf.body, the fast one) or pdfminer in
content-stream order, with spaces and line breaks put back from the character positions.
When one engine cannot read a PDF the other one does, and the row says so
(``body_engine``, ``body_fallback``); a PDF that pdfminer cannot open at all is read
whole by PDFium (header text without layout, no title).

``Sandbox`` runs ``extract`` in a forked child with a wall-time limit, so a
pdfminer call that hangs (or a file that blocks on read, like a FIFO) is killed and
recorded instead of hanging the Spark task; the child's memory is capped too
(``max_memory_bytes``), and every Flate stream pdfminer inflates stops at
``max_stream_bytes``, so a decompression bomb (a 2 MB file whose stream inflates to
gigabytes) is a ``too_large`` row naming the limit, not a 4 GB process.
"""
from __future__ import annotations

import io
import itertools
import logging
import os
import stat
import time
from dataclasses import dataclass, replace

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException

from paperscope.paper.pdf import body, grouping, pdfium_page, pdfminer_page
from paperscope.paper.pdf.layout import _layout_text, _title
from paperscope.paper.pdf.limits import (_ZLIB, CORRUPT, EMPTY, ENCRYPTED, ERROR, NO_TEXT, NOT_PDF, OK, TOO_LARGE,
                                         TOO_MANY_PAGES, TRUNCATED, UNREADABLE, LimitHit, Limits, _memory_hit)
from paperscope.paper.pdf.stream import _StreamText

log = logging.getLogger(__name__)

# The header engines other than the reference (extract.header_engine).
PDFIUM_HEADER, LEAN_HEADER = "pdfium", "pdfminer-lean"


@dataclass
class Extracted:
    n_pages: int | None = None
    title: str | None = None
    header_text: str | None = None
    # Page one's lines with their geometry (header.layout_json), for the author-block reader.
    header_layout: str | None = None
    full_text: str | None = None
    status: str = OK
    error: str | None = None
    extract_seconds: float = 0.0
    # The engine that read the pages after the layout pages (None: there were none), and
    # why it is not extract.body_engine ("pdfium failed: ...") when the other one failed.
    body_engine: str | None = None
    body_fallback: str | None = None


def _check_header(data: bytes) -> Extracted | None:
    if not data:
        return Extracted(status=EMPTY, error="file is empty (0 bytes)")
    if b"%PDF-" not in data[:1024]:
        head = data[:64].decode("latin-1", "replace").strip().replace("\n", " ")
        return Extracted(status=NOT_PDF, error=f"no %PDF- header; starts with {head[:40]!r}")
    return None


def _truncated(data: bytes) -> bool:
    """A complete PDF ends with %%EOF (allowing some trailing bytes)."""
    return b"%%EOF" not in data[-2048:]


def _ignore(*_args, **_kwargs) -> None:
    return None


def _quiet_pdfminer_debug() -> None:
    """Make pdfminer's debug calls no-ops while its debug logging is off.

    The parser calls log.debug for nearly every token (millions per paper); even when
    nothing is logged each call costs a method call and a level check, a measurable share
    of the extraction. Turning debug logging on for "pdfminer" brings the calls back.
    """
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if name.startswith("pdfminer.") and isinstance(logger, logging.Logger):
            if logger.isEnabledFor(logging.DEBUG):
                logger.__dict__.pop("debug", None)
            else:
                logger.debug = _ignore


def extract(data: bytes, limits: Limits | None = None, *, max_pages: int | None = None,
            header_chars: int | None = None) -> Extracted:
    """Extract one PDF's text in this process (no wall-time limit; see extract_isolated)."""
    _quiet_pdfminer_debug()
    limits = limits or Limits.from_config()
    changes = {k: v for k, v in (("max_pages", max_pages), ("header_chars", header_chars)) if v is not None}
    if changes:
        limits = replace(limits, **changes)
    start = time.perf_counter()
    _ZLIB.limits = limits
    result = _check_header(data)
    if result is None:
        result = Extracted()
        try:
            if limits.max_bytes and len(data) > limits.max_bytes:
                raise LimitHit(TOO_LARGE, f"{len(data)} bytes > extract.max_bytes={limits.max_bytes}")
            _extract_into(result, data, limits)
            if result.status == CORRUPT:  # pdfminer found no pages; PDFium rebuilds a broken xref
                result = _read_whole_by_pdfium(data, limits, result)
            if result.status == OK and _truncated(data):
                result.status, result.error = TRUNCATED, "no %%EOF at the end: the file is cut short (text may be partial)"
        except LimitHit as exc:
            result = Extracted(status=exc.status, error=str(exc))
        except MemoryError:
            hit = _memory_hit(limits)
            result = Extracted(status=hit.status, error=str(hit))
        except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
            result = Extracted(status=ENCRYPTED, error=f"encrypted PDF: {type(exc).__name__} {exc}".strip())
        except (PDFSyntaxError, PSException) as exc:
            status = TRUNCATED if _truncated(data) else CORRUPT
            result = _read_whole_by_pdfium(data, limits, Extracted(
                status=status, error=f"unreadable PDF structure: {type(exc).__name__}: {exc}"[:2000]))
        except Exception as exc:  # noqa: BLE001 - a bad paper must become a row, never a failed task
            status = TRUNCATED if _truncated(data) else ERROR
            result = _read_whole_by_pdfium(data, limits, Extracted(status=status, error=f"{type(exc).__name__}: {exc}"[:2000]))
    result.extract_seconds = round(time.perf_counter() - start, 4)
    return result


def _page_count(document: PDFDocument) -> int | None:
    try:
        return int(resolve1(resolve1(document.catalog["Pages"])["Count"]))
    except Exception:  # noqa: BLE001 - a broken page tree is found when the pages are read
        return None


def _extract_into(result: Extracted, data: bytes, limits: Limits) -> None:
    if limits.header_engine == PDFIUM_HEADER and limits.body_engine == body.PDFIUM and limits.layout_pages <= 1 \
            and _extract_by_pdfium(result, data, limits):
        return
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    declared = _page_count(document)
    if limits.page_limit and declared and declared > limits.page_limit:
        raise LimitHit(TOO_MANY_PAGES, f"{declared} pages > extract.page_limit={limits.page_limit}")
    manager = PDFResourceManager(caching=True)
    full = PDFPageAggregator(manager, laparams=LAParams(all_texts=True))
    texts: list[str] = []
    n_pages = 0
    pages = PDFPage.create_pages(document)
    shared = _SharedPdfium(data)
    try:
        for page_no, page in enumerate(pages):
            if limits.max_pages and page_no >= limits.max_pages:
                break
            n_pages += 1
            if limits.page_limit and n_pages > limits.page_limit:
                raise LimitHit(TOO_MANY_PAGES, f"more than extract.page_limit={limits.page_limit} pages")
            if page_no < max(1, limits.layout_pages):
                layout = None
                if page_no == 0 and limits.header_engine == PDFIUM_HEADER:
                    layout = _pdfium_layout(shared)
                elif page_no == 0 and limits.header_engine == LEAN_HEADER:
                    layout = _lean_layout(manager, page)
                if layout is None:
                    PDFPageInterpreter(manager, full).process_page(page)
                    layout = full.get_result()
                text = _read_layout(result, layout, page_no, limits)
            else:
                texts.extend(_read_body(result, data, itertools.chain([page], pages), page_no, manager, limits,
                                        shared))
                break
            texts.append(text)
    finally:
        shared.close()
    result.n_pages = len(texts)
    _finish(result, texts)


def _lean_layout(manager: PDFResourceManager, page) -> tuple[float, float, list] | None:
    """Page one's glyphs from pdfminer as tuples, analysed by grouping: the reference's
    layout without its objects; None for a page with a vertical font (the reference reads it)."""
    device = pdfminer_page.LeanPage(manager)
    try:
        PDFPageInterpreter(manager, device).process_page(page)
    except pdfminer_page.VerticalFont:
        return None
    return device.width, device.height, grouping.analyse(device.items, (0, 0, device.width, device.height))


def _extract_by_pdfium(result: Extracted, data: bytes, limits: Limits) -> bool:
    """The whole PDF by PDFium alone (page one's characters and the body), when both engines
    are PDFium: pdfminer's parse of the document (its cross-reference, object streams and
    page tree) is then not needed. False when PDFium cannot open or read it: the PDF is
    then read as with any other engines, and its row says what failed where."""
    try:
        document = body.open_document(data)
    except body.EngineFailed:
        return False
    try:
        count = len(document)
        if limits.page_limit and count > limits.page_limit:
            raise LimitHit(TOO_MANY_PAGES, f"{count} pages > extract.page_limit={limits.page_limit}")
        stop = min(count, limits.max_pages) if limits.max_pages else count
        if stop < 1:
            return False
        width, height, items = pdfium_page.page_chars(document, 0)
        if not items:
            return False  # nothing to read, or a stream PDFium gave up on: pdfminer says which
        texts = body.page_texts(document, 1, stop)
    except (LimitHit, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer and the fallbacks take over
        log.info("not read by pdfium alone: %s: %s", type(exc).__name__, exc)
        return False
    finally:
        document.close()
    layout = (width, height, grouping.analyse(items, (0, 0, width, height)))
    texts.insert(0, _read_layout(result, layout, 0, limits))
    result.body_engine = body.PDFIUM if stop > 1 else None
    result.n_pages = len(texts)
    _finish(result, texts)
    return True


class _SharedPdfium:
    """One PDFium document for page one and the body, opened when first asked for."""

    def __init__(self, data: bytes):
        self.data, self.document = data, None

    def get(self):
        if self.document is None:
            self.document = body.open_document(self.data)
        return self.document

    def close(self) -> None:
        if self.document is not None:
            self.document.close()
            self.document = None


def _pdfium_layout(shared: _SharedPdfium) -> tuple[float, float, list] | None:
    """Page one's characters from PDFium, analysed as pdfminer analyses its own (grouping); None
    when PDFium cannot read the page (pdfminer then reads it as the reference engine does)."""
    try:
        width, height, items = pdfium_page.page_chars(shared.get(), 0)
    except (LimitHit, MemoryError):
        raise
    except Exception as exc:  # noqa: BLE001 - pdfminer reads page one instead
        log.info("page one read by pdfminer: pdfium failed: %s: %s", type(exc).__name__, exc)
        return None
    if not items:
        return None  # no text, or a stream PDFium gave up on: pdfminer's reading says which (and its limits hold)
    return width, height, grouping.analyse(items, (0, 0, width, height))


def _read_layout(result: Extracted, layout, page_no: int, limits: Limits) -> str:
    """One layout page's text (pdfminer's LTPage, or grouping's (width, height, boxes)); page
    one also gives the header text, layout and title."""
    geometry: list | None = [] if page_no == 0 else None
    if isinstance(layout, tuple):
        width, height, analysed = layout
        text, lines = grouping.page_text(analysed, geometry)
    else:
        width, height = layout.width, layout.height
        text, lines = _layout_text(layout, geometry)
    if page_no == 0:
        from paperscope.paper.header import layout_json

        result.header_text = text[:limits.header_chars]
        result.header_layout = layout_json(width, height, geometry)
        result.title = _title(lines, height)
    return text


def _finish(result: Extracted, texts: list[str]) -> None:
    result.full_text = "\n\f".join(texts)
    if not texts:
        result.status, result.error = CORRUPT, "no pages found"
    elif not result.full_text.strip():
        result.status, result.error = NO_TEXT, "no text layer (scanned or image-only PDF?)"


def _read_body(result: Extracted, data: bytes, pages, first: int, manager: PDFResourceManager,
               limits: Limits, shared: _SharedPdfium | None = None) -> list[str]:
    """Text of pages first, first + 1, ... by limits.body_engine; by the other engine if it fails.

    pages: pdfminer's pages from page ``first`` on. A limit hit by either engine is final.
    When both fail, pdfminer's error is raised, so the row's status is what it always was.
    """
    order = [limits.body_engine] + [e for e in body.ENGINES if e != limits.body_engine]
    failures: list[str] = []
    pdfminer_error: Exception | None = None
    for engine in order:
        try:
            if engine == body.PDFIUM:
                texts = _pdfium_pages(data, first, limits, shared)
            else:
                texts = _pdfminer_pages(pages, first, manager, limits)
        except LimitHit:
            raise
        except body.EngineFailed as exc:
            failures.append(f"{engine} failed: {exc}")
        except Exception as exc:  # noqa: BLE001 - the other engine may still read the PDF
            pdfminer_error = exc if engine == body.PDFMINER else pdfminer_error
            failures.append(f"{engine} failed: {type(exc).__name__}: {exc}")
        else:
            result.body_engine = engine
            result.body_fallback = "; ".join(failures)[:2000] or None
            if failures:
                log.info("body read by %s: %s", engine, result.body_fallback)
            return texts
    raise pdfminer_error or body.EngineFailed("; ".join(failures))


def _pdfminer_pages(pages, first: int, manager: PDFResourceManager, limits: Limits) -> list[str]:
    cheap = _StreamText(manager)
    texts = []
    for page_no, page in enumerate(pages, first):
        if limits.max_pages and page_no >= limits.max_pages:
            break
        if limits.page_limit and page_no >= limits.page_limit:
            raise LimitHit(TOO_MANY_PAGES, f"more than extract.page_limit={limits.page_limit} pages")
        PDFPageInterpreter(manager, cheap).process_page(page)
        texts.append(cheap.text)
    return texts


def _pdfium_pages(data: bytes, first: int, limits: Limits, shared: _SharedPdfium | None = None) -> list[str]:
    """Pages first.. of the PDF by PDFium, under the same page limits as pdfminer."""
    shared = shared or _SharedPdfium(data)
    try:
        document = shared.get()
        count = len(document)
        if limits.page_limit and count > limits.page_limit:
            raise LimitHit(TOO_MANY_PAGES, f"{count} pages > extract.page_limit={limits.page_limit}")
        return body.page_texts(document, first, min(count, limits.max_pages) if limits.max_pages else count)
    finally:
        shared.close()


def _read_whole_by_pdfium(data: bytes, limits: Limits, failed: Extracted) -> Extracted:
    """The PDF read whole by PDFium when pdfminer cannot read it, else pdfminer's failure.

    The header text is then PDFium's first page, without layout: no title is guessed.
    """
    try:
        texts = _pdfium_pages(data, 0, limits)
    except LimitHit as exc:
        return Extracted(status=exc.status, error=str(exc))
    except Exception as exc:  # noqa: BLE001 - called while handling a failure: never raise from here
        reason = str(exc) if isinstance(exc, body.EngineFailed) else f"{type(exc).__name__}: {exc}"
        failed.error = f"{failed.error} (pdfium failed too: {reason})"[:2000]
        return failed
    result = Extracted(n_pages=len(texts), body_engine=body.PDFIUM,
                       body_fallback=f"pdfminer failed: {failed.error}"[:2000])
    result.header_text = texts[0][:limits.header_chars] if texts else None
    _finish(result, texts)
    if result.status == OK and _truncated(data):
        result.status, result.error = TRUNCATED, "no %%EOF at the end: the file is cut short (text may be partial)"
    log.info("read by pdfium: %s", result.body_fallback)
    return result


def read_local(path: str, limits: Limits) -> bytes:
    """The bytes of a local file, refusing what is not a regular file or over max_bytes."""
    st = os.stat(path)  # follows links: a dangling one raises FileNotFoundError
    if not stat.S_ISREG(st.st_mode):
        kind = "directory" if stat.S_ISDIR(st.st_mode) else "FIFO" if stat.S_ISFIFO(st.st_mode) else "special file"
        raise LimitHit(UNREADABLE, f"not a regular file ({kind}): {path}")
    if limits.max_bytes and st.st_size > limits.max_bytes:
        raise LimitHit(TOO_LARGE, f"{st.st_size} bytes > extract.max_bytes={limits.max_bytes}")
    with open(path, "rb") as fh:
        return fh.read()

