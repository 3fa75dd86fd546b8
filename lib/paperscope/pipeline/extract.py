"""The extract step's transform: input files -> papers rows, each PDF read on the executors.

The per-paper work is plain Python (paper.pdf) run through mapInPandas in bounded Arrow
batches; each PDF is extracted in a forked child under the limits (paper.pdf.sandbox),
so a hung or crashing parser becomes a row, never a failed or hung task.
"""
from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import BooleanType, StructField, StructType

from paperscope.counting.flags import DUPLICATE
from paperscope.paper.pdf.extract import Extracted, read_local
from paperscope.paper.pdf.limits import UNREADABLE, LimitHit
from paperscope.paper.pdf.sandbox import sandbox
from paperscope.storage import schemas


def extract_papers(files: DataFrame, limits, known: frozenset = frozenset(), trusted: dict | None = None) -> DataFrame:
    """Input files -> papers (bronze) rows, plus a "reused" flag.

    files: path, year, size_bytes, title_hint, source_id, and either content (bytes read
    by Spark) or local_path (a path the executor opens itself; None when it cannot). Each
    PDF is extracted in a forked child under limits (paper.pdf.sandbox, one child per Python worker
    for many PDFs), so a hung or crashing pdfminer call becomes a row, never a failed or hung task. A file whose
    (sha256, path, year) is in known is not extracted again: its row comes back with reused=True
    and no text, for the caller to keep the stored row. A file whose (path, year, size_bytes,
    modified_ns) is a key of trusted is not even read: its stored paper_id is taken as is.
    """
    trusted = dict(trusted or {})

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        import logging

        from paperscope.storage.executor import prepare_worker

        prepare_worker()
        log = logging.getLogger("paperscope.extract")
        for batch in batches:
            rows = []
            for rec in batch.to_dict("records"):
                rows.append({**_EMPTY_ROW, **_extract_one(rec, limits, known, log, trusted)})
            yield pd.DataFrame(rows, columns=_EXTRACTED.fieldNames()).astype({"n_pages": "Int32", "year": "Int32", "modified_ns": "Int64"})

    source = "content" if "content" in files.columns else "local_path"
    cols = ["path", "year", "size_bytes", source, "title_hint", "source_id"]
    cols += ["duplicate_of"] if "duplicate_of" in files.columns else []
    if "modified_ns" not in files.columns:
        files = files.withColumn("modified_ns", F.lit(None).cast("long"))
    cols.append("modified_ns")
    return files.select(*cols).mapInPandas(run, _EXTRACTED)


_EXTRACTED = StructType(schemas.PAPERS.fields + [StructField("reused", BooleanType(), False)])


# Every column present (None where unknown): a batch of reused rows has no text at all.
_EMPTY_ROW = dict.fromkeys(_EXTRACTED.fieldNames())


def duplicate_row(rec: dict, limits) -> dict:
    """The row of a path whose bytes are another path's (corpus.mark_duplicates): no text,
    an id of its own (the paper's id stays with its first path), the first path in error."""
    path = rec["path"]
    return {"paper_id": duplicate_id(path), "year": _year(rec), "path": path, "size_bytes": int(rec["size_bytes"] or 0),
            "status": DUPLICATE, "error": f"same bytes as {rec['duplicate_of']}: one paper, counted there",
            "extractor": limits.extractor, "title": None}


def duplicate_id(path: str) -> str:
    return hashlib.sha256(f"{DUPLICATE}\0{path}".encode()).hexdigest()


def trust_key(path: str, year, size, modified_ns) -> tuple:
    """What a re-run compares before reading a file: (path, year, size, mtime in ns)."""
    return (path, None if year is None or pd.isna(year) else int(year), None if size is None or pd.isna(size)
            else int(size), None if modified_ns is None or pd.isna(modified_ns) else int(modified_ns))


def trusted_id(rec: dict, trusted: dict | None, modified) -> str | None:
    """The stored paper_id of a file trusted by (path, year, size, mtime), unless the file's
    duplicate status changed since (a copy whose first path is gone is read again)."""
    stored = (trusted or {}).get(trust_key(rec["path"], rec["year"], rec["size_bytes"], modified))
    if stored is None or (stored == duplicate_id(rec["path"])) != bool(rec.get("duplicate_of")):
        return None
    return stored


def _extract_one(rec: dict, limits, known: frozenset, log, trusted: dict | None = None) -> dict:
    """One file -> one row; reads the bytes (content or local path), hashes, extracts.

    size_bytes is the number of bytes read (the file may have changed since it was listed).
    """
    path = rec["path"]
    modified = rec.get("modified_ns")
    modified = None if modified is None or pd.isna(modified) else int(modified)
    if rec.get("duplicate_of"):
        row = duplicate_row(rec, limits)
        return {**row, "modified_ns": modified, "reused": (row["paper_id"], path, row["year"]) in known}
    stored = trusted_id(rec, trusted, modified)
    if stored is not None:
        return {"paper_id": stored, "year": _year(rec), "path": path, "size_bytes": int(rec["size_bytes"]),
                "modified_ns": modified, "status": "ok", "reused": True}
    if "content" in rec:
        data, got = (bytes(rec["content"]) if rec["content"] is not None else b""), None
    else:
        data, got = read_file(rec["local_path"], path, limits)
    digest = paper_key(path, data, got)
    size = len(data) if data is not None else int(rec["size_bytes"] or 0)
    if (digest, path, _year(rec)) in known:
        return {"paper_id": digest, "year": _year(rec), "path": path, "size_bytes": size,
                "modified_ns": modified, "status": got.status if got else "ok", "reused": True}
    if got is None:
        got = sandbox(limits).extract(data)
    if got.status != "ok":
        log.warning("%s: %s (%s)", path, got.status, got.error)
    hint = rec.get("title_hint")
    return {
        "paper_id": digest,
        "year": _year(rec),
        "path": path,
        "size_bytes": size,
        "n_pages": got.n_pages,
        "title": hint if isinstance(hint, str) and hint else got.title,
        "header_text": got.header_text,
        "header_layout": got.header_layout,
        "extractor": limits.extractor,
        "full_text": got.full_text,
        "status": got.status,
        "error": got.error,
        "extract_seconds": got.extract_seconds,
        "source_id": rec.get("source_id"),
        "body_engine": got.body_engine,
        "body_fallback": got.body_fallback,
        "modified_ns": modified,
        "reused": False,
    }


def read_file(local: str | None, path: str, limits):
    """(bytes, None), or (None, an Extracted saying why the file gives no bytes)."""
    if local is None:
        return None, Extracted(status=UNREADABLE, error=f"no local path for {path}; use a local, file: or dbfs:/ path")
    try:
        return read_local(local, limits), None
    except LimitHit as exc:
        return None, Extracted(status=exc.status, error=str(exc))
    except OSError as exc:
        return None, Extracted(status=UNREADABLE, error=f"cannot read file: {exc.strerror or exc}")


def paper_key(path: str, data: bytes | None, got) -> str:
    """sha256 of the bytes; without bytes, stable per path and problem so a re-run keeps the row."""
    if data is not None:
        return hashlib.sha256(data).hexdigest()
    return hashlib.sha256(f"{got.status}\0{path}".encode()).hexdigest()


def _year(rec: dict):
    return None if pd.isna(rec["year"]) else int(rec["year"])

