"""The same PDF at several paths is one paper: copies found by size, then edges, then a full hash.

Only files of equal size are read (on the driver), first their first and last 64 KiB,
and only files equal there too are hashed whole: a corpus without copies reads next to
nothing here, even where many files share a size.
"""
from __future__ import annotations

import hashlib
import logging
import os

from paperscope.core.paths import is_local, local_path
from paperscope.core.settings import Settings
from paperscope.sources.corpus.listing import _local_listing, _size_mtime, read_manifest, year_of

log = logging.getLogger(__name__)


def same_bytes(cfg: Settings, rows: list[dict]) -> dict[str, list[str]]:
    """For each listed file whose bytes another input file also has: every such path, sorted.

    rows: this run's listing (path, size_bytes). With input.years the whole input is
    listed too, so a copy in a year outside the run is seen. Only files of equal size are
    read (on the driver), first their first and last 64 KiB, and only files equal there
    too are hashed whole: a corpus without copies reads next to nothing here, even where
    many files share a size. Local inputs
    only (a remote corpus keeps one row per path and the gate's uniqueness check).
    """
    inp = cfg.input
    source = inp.manifest or inp.corpus
    if not is_local(source) or not rows:
        return {}
    listed = {r["path"]: r["size_bytes"] or 0 for r in rows}
    every: dict[str, int] = dict(listed)
    if inp.years:
        if inp.manifest:
            every.update({r["path"]: _size_mtime(r["path"])[0] for r in read_manifest(local_path(source), None, cfg.input.max_field_chars)[0]})
        else:
            every.update({p: n for p, n in _local_listing(cfg, every_year=True) if year_of(cfg, p) is not None})
    by_size: dict[int, list[str]] = {}
    for path, size in every.items():
        if size > 0 and is_local(path):
            by_size.setdefault(size, []).append(path)
    by_edges: dict[tuple, list[str]] = {}
    for size, paths in by_size.items():
        if len(paths) < 2 or not any(p in listed for p in paths):
            continue
        for path in paths:
            edges = _edges(local_path(path))
            if edges:
                by_edges.setdefault((size, edges), []).append(path)
    by_digest: dict[str, list[str]] = {}
    for paths in by_edges.values():
        if len(paths) < 2:
            continue
        for path in paths:
            digest = _sha256(local_path(path))
            if digest:
                by_digest.setdefault(digest, []).append(path)
    out: dict[str, list[str]] = {}
    for paths in by_digest.values():
        if len(paths) > 1:
            for path in paths:
                out[path] = sorted(paths)
    return out


_EDGE = 1 << 16


def _edges(path: str) -> bytes | None:
    """The first and last 64 KiB of a file (all of a small one); None if unreadable."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_EDGE)
            fh.seek(max(fh.tell(), os.fstat(fh.fileno()).st_size - _EDGE))
            return hashlib.sha256(head + fh.read(_EDGE)).digest()
    except OSError:
        return None


def _sha256(path: str) -> str | None:
    h = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def mark_duplicates(cfg: Settings, rows: list[dict]) -> None:
    """Set row["duplicate_of"]: the first path (sorted) of the same bytes, for every row
    that is not that first path; None for the others. One warning per set of copies.

    The same PDF at two paths is one paper, counted once, in the year of its first path;
    its other paths stay rows (status duplicate) so that no file is lost from the count.
    """
    groups = same_bytes(cfg, rows)
    warned: set[str] = set()
    for row in rows:
        paths = groups.get(row["path"])
        first = paths[0] if paths else None
        row["duplicate_of"] = first if first and first != row["path"] else None
        if first and first not in warned:
            warned.add(first)
            year = _row_year(cfg, first)
            log.warning("the same PDF bytes at %d paths: %s; one paper, counted once in %s (its first path)",
                        len(paths), ", ".join(local_path(p) for p in paths), year or "no year")


def _row_year(cfg: Settings, path: str) -> int | None:
    if cfg.input.manifest:
        rows, _ = read_manifest(local_path(cfg.input.manifest), None, cfg.input.max_field_chars)
        return next((r["year"] for r in rows if r["path"] == path), None)
    return year_of(cfg, path)

