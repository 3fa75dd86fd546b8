"""Text out of one PDF: the header pages with pdfminer.six's full layout, the rest cheaply.

Plain Python on the bytes of one paper, so it runs unchanged on a Spark executor, in a
test, or from the command line. It never raises for bad input: the result carries a
status that names the problem and the error message.

pdfminer's layout analysis (characters -> lines -> boxes -> reading order) costs about a
quarter of its time on real papers; it only matters for the author block and title, so
it runs on the first ``layout_pages`` pages. The other pages (the body) are read by
``body_engine``: PDFium (paperscope.paper.body, about ten times faster) or pdfminer in
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
import math
import os
import pickle
import re
import resource
import select
import signal
import stat
import time
import zlib
from dataclasses import dataclass, fields

from pdfminer import pdftypes
from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import LAParams, LTChar, LTFigure, LTTextBox, LTTextLine
from pdfminer.pdfdevice import PDFTextDevice
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser, PDFSyntaxError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException
from pdfminer.utils import apply_matrix_rect

from paperscope.paper import body

log = logging.getLogger(__name__)

# Status values of a papers row. "ok" is the only one the aggregates use.
OK, EMPTY, NOT_PDF, ENCRYPTED, CORRUPT, TRUNCATED, NO_TEXT, ERROR = (
    "ok", "empty", "not_pdf", "encrypted", "corrupt", "truncated", "no_text", "error")
# Limits (extract.* in the config) and files that cannot be read at all.
TOO_LARGE, TOO_MANY_PAGES, TIMEOUT, UNREADABLE = "too_large", "too_many_pages", "timeout", "unreadable"
# The version of what an extracted papers row holds; with the body engine it makes
# papers.extractor (Limits.extractor). Rows with another value (or none: written before
# page one's layout was stored) are extracted again by the next run.
EXTRACTOR = "layout-1"
STATUSES = (OK, EMPTY, NOT_PDF, ENCRYPTED, CORRUPT, TRUNCATED, NO_TEXT, ERROR,
            TOO_LARGE, TOO_MANY_PAGES, TIMEOUT, UNREADABLE)


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


@dataclass(frozen=True)
class Limits:
    """Per-PDF limits (extract.* in the config); 0 means no limit."""
    timeout_seconds: float = 0
    max_bytes: int = 0
    page_limit: int = 0
    max_pages: int = 0  # pages read; the rest is not searched (not a failure)
    max_memory_bytes: int = 0  # memory the extraction child may add to its parent's
    max_stream_bytes: int = 0  # bytes one Flate stream may inflate to
    header_chars: int = 20000
    layout_pages: int = 1
    body_engine: str = body.PDFIUM
    papers_per_child: int = 0  # PDFs one extraction child reads before a fresh one is forked; 0 = no limit

    def __post_init__(self):
        if self.body_engine not in body.ENGINES:
            raise ValueError(f"'extract.body_engine' must be one of {', '.join(body.ENGINES)}, got {self.body_engine!r}")

    @property
    def extractor(self) -> str:
        """What a papers row extracted under these limits records (papers.extractor)."""
        return f"{EXTRACTOR}+{self.body_engine}"

    @classmethod
    def from_config(cls, cfg) -> "Limits":
        """The extract.* settings (config.Settings), which hold every limit."""
        return cls(**{f.name: getattr(cfg.extract, f.name) for f in fields(cls)})


class LimitHit(Exception):
    def __init__(self, status: str, message: str):
        super().__init__(message)
        self.status = status


def _memory_hit(limits: "Limits") -> LimitHit:
    if limits.max_memory_bytes:
        return LimitHit(TOO_LARGE, f"extraction needed more memory than extract.max_memory_bytes="
                                   f"{limits.max_memory_bytes} (a decompression bomb?)")
    return LimitHit(TOO_LARGE, "extraction ran out of memory (a decompression bomb?)")


class _BoundedZlib:
    """What pdfminer.pdftypes sees as `zlib`: decompress() stops at the stream limit.

    pdfminer inflates a FlateDecode stream whole with zlib.decompress; a few kilobytes of
    zeros can inflate to gigabytes. Here the output is bounded (decompressobj with
    max_length) and running out of memory is a LimitHit, not pdfminer's byte-by-byte
    "corrupted stream" retry. Everything else is the real zlib.
    """
    limits: "Limits | None" = None

    def __getattr__(self, name: str):
        return getattr(zlib, name)

    def decompress(self, data: bytes, *args) -> bytes:
        limits = self.limits or Limits()
        try:
            if not limits.max_stream_bytes or args:
                return zlib.decompress(data, *args)
            inflater = zlib.decompressobj()
            out = inflater.decompress(data, limits.max_stream_bytes + 1)
            if len(out) > limits.max_stream_bytes:
                raise LimitHit(TOO_LARGE, f"a stream inflates to over extract.max_stream_bytes="
                                          f"{limits.max_stream_bytes} bytes (a decompression bomb?)")
            if not inflater.eof:
                raise zlib.error("Error -5 while decompressing data: incomplete or truncated stream")
            return out
        except MemoryError:
            raise _memory_hit(limits) from None
        except zlib.error as exc:
            if "insufficient memory" in str(exc):
                raise _memory_hit(limits) from None
            raise


_ZLIB = _BoundedZlib()
pdftypes.zlib = _ZLIB


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


class _StreamText(PDFTextDevice):
    """Text of a page in content-stream order, without pdfminer's layout analysis.

    Characters are joined as the PDF draws them (for typeset papers: column by column,
    line by line); a new line starts when the baseline moves, and a space is put where the
    gap between two characters is wider than a fraction of the font size, since LaTeX
    output often has no space characters at all. Each character is kept as a plain tuple
    and paths and images are ignored: building pdfminer's layout objects (LTChar, LTCurve)
    for every glyph and line of a page costs more than reading its text.
    """

    def __init__(self, manager: PDFResourceManager):
        super().__init__(manager)
        self.chars: list[tuple[str, float, float, float, float]] = []
        self.text = ""

    def begin_page(self, page, ctm) -> None:
        super().begin_page(page, ctm)
        self.chars = []

    def render_char(self, matrix, font, fontsize, scaling, rise, cid, ncs, graphicstate) -> float:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = f"(cid:{cid})"
        adv = font.char_width(cid) * fontsize * scaling
        vertical = font.is_vertical()
        if vertical:
            vx, vy = font.char_disp(cid)
            vx = fontsize * 0.5 if vx is None else vx * fontsize * 0.001
            vy = (1000 - vy) * fontsize * 0.001
            box = (-vx, vy + rise + adv, -vx + fontsize, vy + rise)
        else:
            low = font.get_descent() * fontsize + rise
            box = (0, low, adv, low + fontsize)
        a, b, c, d, e, f = matrix
        if b == 0 and c == 0:  # no rotation or skew: nearly every glyph of a paper
            x0, x1, y0, y1 = a * box[0] + e, a * box[2] + e, d * box[1] + f, d * box[3] + f
        else:
            x0, y0, x1, y1 = apply_matrix_rect(matrix, box)
        if x1 < x0:
            x0, x1 = x1, x0
        if y1 < y0:
            y0, y1 = y1, y0
        self.chars.append((text, x0, x1, y0, (x1 - x0) if vertical else (y1 - y0)))
        return adv

    def end_page(self, page) -> None:
        out: list[str] = []
        prev = None
        for ch in self.chars:
            if prev is not None:
                size = max(prev[4], ch[4], 1.0)
                if abs(ch[3] - prev[3]) > 0.5 * size or ch[1] < prev[1] - size:
                    out.append("\n")
                elif ch[1] - prev[2] > 0.15 * size and not prev[0].isspace() and not ch[0].isspace():
                    out.append(" ")
            out.append(ch[0])
            prev = ch
        self.text = "".join(out)
        self.chars = []


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
    nothing is logged each call costs a method call and a level check, about a twentieth
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
    limits = limits or Limits()
    if max_pages is not None or header_chars is not None:
        limits = Limits(**{**limits.__dict__, **({"max_pages": max_pages} if max_pages is not None else {}),
                           **({"header_chars": header_chars} if header_chars is not None else {})})
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
    document = PDFDocument(PDFParser(io.BytesIO(data)))
    declared = _page_count(document)
    if limits.page_limit and declared and declared > limits.page_limit:
        raise LimitHit(TOO_MANY_PAGES, f"{declared} pages > extract.page_limit={limits.page_limit}")
    manager = PDFResourceManager(caching=True)
    full = PDFPageAggregator(manager, laparams=LAParams(all_texts=True))
    texts: list[str] = []
    n_pages = 0
    pages = PDFPage.create_pages(document)
    for page_no, page in enumerate(pages):
        if limits.max_pages and page_no >= limits.max_pages:
            break
        n_pages += 1
        if limits.page_limit and n_pages > limits.page_limit:
            raise LimitHit(TOO_MANY_PAGES, f"more than extract.page_limit={limits.page_limit} pages")
        if page_no < max(1, limits.layout_pages):
            PDFPageInterpreter(manager, full).process_page(page)
            layout = full.get_result()
            geometry: list | None = [] if page_no == 0 else None
            text, lines = _layout_text(layout, geometry)
            if page_no == 0:
                from paperscope.paper.header import layout_json

                result.header_text = text[:limits.header_chars]
                result.header_layout = layout_json(layout.width, layout.height, geometry)
                result.title = _title(lines, layout.height)
        else:
            texts.extend(_read_body(result, data, itertools.chain([page], pages), page_no, manager, limits))
            break
        texts.append(text)
    result.n_pages = len(texts)
    _finish(result, texts)


def _finish(result: Extracted, texts: list[str]) -> None:
    result.full_text = "\n\f".join(texts)
    if not texts:
        result.status, result.error = CORRUPT, "no pages found"
    elif not result.full_text.strip():
        result.status, result.error = NO_TEXT, "no text layer (scanned or image-only PDF?)"


# ---------------------------------------------------------------------------------------
# The body pages: extract.body_engine, else the other engine
# ---------------------------------------------------------------------------------------


def _read_body(result: Extracted, data: bytes, pages, first: int, manager: PDFResourceManager,
               limits: Limits) -> list[str]:
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
                texts = _pdfium_pages(data, first, limits)
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


def _pdfium_pages(data: bytes, first: int, limits: Limits) -> list[str]:
    """Pages first.. of the PDF by PDFium, under the same page limits as pdfminer."""
    document = body.open_document(data)
    try:
        count = len(document)
        if limits.page_limit and count > limits.page_limit:
            raise LimitHit(TOO_MANY_PAGES, f"{count} pages > extract.page_limit={limits.page_limit}")
        return body.page_texts(document, first, min(count, limits.max_pages) if limits.max_pages else count)
    finally:
        document.close()


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


# ---------------------------------------------------------------------------------------
# Isolation: forked children, killed at the wall-time limit
# ---------------------------------------------------------------------------------------


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


def _data_size() -> int:
    """This process's data segment (VmData), which RLIMIT_DATA is compared with; 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cap_memory(extra: int) -> None:
    """In the forked child: at most `extra` bytes of heap and anonymous memory beyond what
    it was forked with (RLIMIT_DATA, which PDFium's address-space reservations do not
    count against, unlike RLIMIT_AS). An allocation past it fails: a MemoryError in
    Python, a failed malloc in PDFium."""
    if not extra:
        return
    limit = _data_size() + extra
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError) as exc:
        log.debug("cannot cap the extraction's memory: %s", exc)


def extract_isolated(data: bytes, limits: Limits) -> Extracted:
    """extract() in a forked child of its own that is killed after limits.timeout_seconds.

    The child is forked for this one PDF, so it sees this process exactly as it is now.
    A run's many PDFs go through sandbox(limits), which keeps one child for many. With no
    timeout it runs in this process.
    """
    child = Sandbox(limits, papers=1)
    try:
        return child.extract(data)
    finally:
        child.close()


_SANDBOX: "Sandbox | None" = None


def sandbox(limits: Limits) -> "Sandbox":
    """This process's extraction child for these limits, kept across tasks (a Python worker
    runs many); a child for other limits is closed first."""
    global _SANDBOX
    if _SANDBOX is None or _SANDBOX.limits != limits or _SANDBOX.owner != os.getpid():
        if _SANDBOX is not None and _SANDBOX.owner == os.getpid():
            _SANDBOX.close()
        _SANDBOX = Sandbox(limits)
    return _SANDBOX


_LENGTH = 8


class Sandbox:
    """A forked child that extracts PDFs one after another, each under the wall-time limit.

    A fresh child per PDF costs about a third more CPU than the extraction itself on real
    papers (every page of the parent it touches is copied, and pdfminer's and PDFium's
    caches start cold each time), so one child serves many: the PDF's bytes go down a pipe,
    the pickled result comes back. A child that runs past the limit is killed, one that
    dies gives status "error", and either is replaced by a fresh child at the next PDF.
    The child also ends itself after extract.papers_per_child PDFs, after a PDF that hit
    its memory cap or failed, and when its heap has grown by half of max_memory_bytes, so
    what one PDF leaves behind cannot eat into the next one's memory limit.
    """

    def __init__(self, limits: Limits, papers: int | None = None):
        self.limits = limits
        self.papers = limits.papers_per_child if papers is None else papers
        self.owner = os.getpid()
        self.pid: int | None = None

    def _start(self) -> None:
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into the caller's code
            code = 0
            try:
                os.close(request_w)
                os.close(result_r)
                self._serve(request_r, result_w)
            except BaseException:  # noqa: BLE001 - the parent reports a child without an answer
                code = 1
            finally:
                os._exit(code)
        os.close(request_r)
        os.close(result_w)
        self.pid, self.requests, self.results = pid, request_w, result_r

    def _serve(self, requests: int, results: int) -> None:
        _cap_memory(self.limits.max_memory_bytes)
        # The parent kills a child past the limit; should the parent itself die first (a
        # killed Spark worker), the alarm ends the child a little later all the same.
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        alarm = math.ceil(self.limits.timeout_seconds) + 5
        base, served = _data_size(), 0
        while True:
            data = _read_message(requests)
            if data is None:
                return
            signal.alarm(alarm)
            got = extract(data, self.limits)
            signal.alarm(0)
            served += 1
            grown = _data_size() - base
            more = not ((self.papers and served >= self.papers) or got.status in (TOO_LARGE, ERROR)
                        or (self.limits.max_memory_bytes and grown > self.limits.max_memory_bytes // 2))
            _write_message(results, pickle.dumps((got, more), protocol=pickle.HIGHEST_PROTOCOL))
            if not more:
                return

    def extract(self, data: bytes) -> Extracted:
        """extract(data) in the child, killed at limits.timeout_seconds."""
        if not self.limits.timeout_seconds:
            return extract(data, self.limits)
        start = time.perf_counter()
        if self.pid is not None and os.waitpid(self.pid, os.WNOHANG)[0]:  # died while idle: reaped
            self._close_pipes()
            self.pid = None
        if self.pid is None:
            self._start()
        deadline = start + self.limits.timeout_seconds
        answer, timed_out = None, False
        try:
            try:
                _write_message(self.requests, data)
            except BrokenPipeError:  # the child ended between two PDFs: a fresh one takes this one
                self._end(kill=True)
                self._start()
                _write_message(self.requests, data)
            answer = _read_message(self.results, deadline)
        except TimeoutError:
            timed_out = True
        except OSError:  # the child died while reading the PDF (a broken pipe)
            answer = None
        elapsed = round(time.perf_counter() - start, 4)
        if answer is not None:
            got, more = pickle.loads(answer)
            if not more:
                self.close()
            got.extract_seconds = elapsed
            return got
        wait_status = self._end(kill=True)
        if timed_out:
            return Extracted(status=TIMEOUT, error=f"extraction took over extract.timeout_seconds="
                                                   f"{self.limits.timeout_seconds} s; killed", extract_seconds=elapsed)
        how = (f"killed by signal {os.WTERMSIG(wait_status)}" if os.WIFSIGNALED(wait_status)
               else f"exit code {os.WEXITSTATUS(wait_status)}")
        cap = (f"; extract.max_memory_bytes={self.limits.max_memory_bytes} may have been reached"
               if self.limits.max_memory_bytes else "")
        return Extracted(status=ERROR, error=f"extraction process died without a result ({how}{cap})",
                         extract_seconds=elapsed)

    def _end(self, kill: bool) -> int:
        """Close the pipes and reap the child (killed first if asked); its wait status."""
        if self.pid is None:
            return 0
        self._close_pipes()
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        _, wait_status = os.waitpid(self.pid, 0)
        self.pid = None
        return wait_status

    def _close_pipes(self) -> None:
        for fd in (self.requests, self.results):
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        """End the child: it reads the end of its pipe and exits."""
        if self.pid is not None and self.owner == os.getpid():
            self._end(kill=False)


def _write_message(fd: int, payload: bytes) -> None:
    """The payload's length, then the payload (os.write may write part of it at a time)."""
    for part in (len(payload).to_bytes(_LENGTH, "big"), payload):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def _read_message(fd: int, deadline: float | None = None) -> bytes | None:
    """One length-prefixed message; None at the end of the pipe. TimeoutError past deadline."""
    head = _read_exactly(fd, _LENGTH, deadline)
    if head is None:
        return None
    return _read_exactly(fd, int.from_bytes(head, "big"), deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        if deadline is not None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
        chunk = os.read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)
