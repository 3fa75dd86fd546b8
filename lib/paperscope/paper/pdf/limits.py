"""Per-PDF limits and the statuses of a papers row: what a PDF may cost, and what happened to it.

Every Flate stream pdfminer inflates stops at ``max_stream_bytes`` and the extraction
child's memory is capped (``max_memory_bytes``, paper.pdf.sandbox), so a decompression
bomb (a 2 MB file whose stream inflates to gigabytes) is a ``too_large`` row naming the
limit, not a 4 GB process.
"""
from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass, fields
from typing import get_args

from pdfminer import pdftypes

from paperscope.core.settings import HeaderEngine, Settings
from paperscope.paper.pdf import body

# Status values of a papers row. "ok" is the only one the aggregates use.
OK, EMPTY, NOT_PDF, ENCRYPTED, CORRUPT, TRUNCATED, NO_TEXT, ERROR = (
    "ok", "empty", "not_pdf", "encrypted", "corrupt", "truncated", "no_text", "error")
# Limits (extract.* in the config) and files that cannot be read at all.
TOO_LARGE, TOO_MANY_PAGES, TIMEOUT, UNREADABLE = "too_large", "too_many_pages", "timeout", "unreadable"
# The version of what an extracted papers row holds; with the body engine it makes
# papers.extractor (Limits.extractor). Rows with another value (or none: written before
# page one's layout was stored) are extracted again by the next run.
EXTRACTOR = "layout-2"
# The engines that can read page one (extract.header_engine); pdfminer's full layout is the reference.
HEADER_ENGINES = get_args(HeaderEngine)
HEADER_REFERENCE = "pdfminer"
SAME_ROWS_AS_REFERENCE = (HEADER_REFERENCE, "pdfminer-lean")
STATUSES = (OK, EMPTY, NOT_PDF, ENCRYPTED, CORRUPT, TRUNCATED, NO_TEXT, ERROR,
            TOO_LARGE, TOO_MANY_PAGES, TIMEOUT, UNREADABLE)


@dataclass(frozen=True)
class Limits:
    """Per-PDF limits (extract.* in the config, where every default lives); 0 means no limit."""
    timeout_seconds: float
    max_bytes: int
    page_limit: int
    max_pages: int  # pages read; the rest is not searched (not a failure)
    max_memory_bytes: int  # memory the extraction child may add to its parent's
    max_stream_bytes: int  # bytes one Flate stream may inflate to
    header_chars: int
    layout_pages: int
    body_engine: str
    papers_per_child: int  # PDFs one extraction child reads before a fresh one is forked; 0 = no limit
    header_engine: str  # what reads page one's characters (extract.header_engine)

    def __post_init__(self):
        if self.body_engine not in body.ENGINES:
            raise ValueError(f"'extract.body_engine' must be one of {', '.join(body.ENGINES)}, got {self.body_engine!r}")
        if self.header_engine not in HEADER_ENGINES:
            raise ValueError(f"'extract.header_engine' must be one of {', '.join(HEADER_ENGINES)}, "
                             f"got {self.header_engine!r}")

    @property
    def extractor(self) -> str:
        """What a papers row extracted under these limits records (papers.extractor).

        The header engine is named where its rows differ from the reference's, so that
        rows read by one are extracted again under the other. pdfminer-lean's rows are the
        reference's, character for character (tests/test_header_engines.py), so neither is
        named: rows written before the choice existed (all by pdfminer) stay valid.
        """
        if self.header_engine in SAME_ROWS_AS_REFERENCE:
            return f"{EXTRACTOR}+{self.body_engine}"
        return f"{EXTRACTOR}+header-{self.header_engine}+{self.body_engine}"

    @classmethod
    def from_config(cls, cfg: Settings | None = None, **changes) -> Limits:
        """The extract.* settings (the packaged defaults without cfg), with changes."""
        section = (cfg or _packaged()).extract
        return cls(**{**{f.name: getattr(section, f.name) for f in fields(cls)}, **changes})


@functools.cache
def _packaged() -> Settings:
    from paperscope.core.config import load_config

    return load_config()


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
        limits = self.limits or Limits.from_config()
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
