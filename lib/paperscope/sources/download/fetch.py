"""Fetching: every paper onto disk with bounded concurrency, merged into the manifest."""
from __future__ import annotations

import hashlib
import logging
import os
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from paperscope.sources.download.client import Client, DownloadError, check_scheme
from paperscope.sources.download.pages import from_csv, from_index
from paperscope.sources.download.papers import (FAILED, FETCHED, PRESENT, Item, Options, Result, _row_key,
                                                assign_names, dest_path, read_manifest, sha256_file, write_manifest)

log = logging.getLogger(__name__)


def _present(client: Client, item: Item, dest: Path, known: dict | None, deadline: float | None = None) -> Result | None:
    """The file on disk if it is the one to fetch (same size and hash as recorded, or same
    size as the server announces), else None."""
    if not dest.is_file():
        return None
    size = dest.stat().st_size
    if known and known.get("sha256") and str(size) == str(known.get("bytes")):
        digest = sha256_file(dest)
        if digest == known["sha256"]:
            return Result(item, str(dest), PRESENT, None, size, digest)
        return None
    try:
        _, headers = client.get(item.url, method="HEAD", deadline=deadline)
    except DownloadError:
        return None
    if headers.get("content-length") == str(size):
        with open(dest, "rb") as fh:
            if fh.read(4) == b"%PDF":
                return Result(item, str(dest), PRESENT, None, size, sha256_file(dest))
    return None


def fetch_one(client: Client, item: Item, known: dict | None = None) -> Result:
    """One paper onto disk, within download.file_deadline_s in all (HEAD, tries and waits)."""
    dest = dest_path(client.opts, item)
    if item.error:
        return Result(item, str(dest), FAILED, item.error)
    deadline = time.monotonic() + client.opts.file_deadline_s
    if known and _row_key(known) != item.key:
        known = None  # the manifest's row for this path is another paper's
    try:
        check_scheme(item.url)
        present = _present(client, item, dest, known, deadline)
        if present:
            return present
        body, _ = client.get(item.url, expect_pdf=True, deadline=deadline)
    except DownloadError as exc:
        return Result(item, str(dest), FAILED, str(exc))
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    tmp.write_bytes(body)
    os.replace(tmp, dest)
    return Result(item, str(dest), FETCHED, None, len(body), hashlib.sha256(body).hexdigest())


def fetch_all(client: Client, items: list[Item]) -> list[Result]:
    """Fetch every item with bounded concurrency, merge into the manifest, log progress."""
    manifest = client.opts.manifest_path
    previous = read_manifest(manifest)
    assign_names(client.opts, items, previous)
    results: list[Result] = []
    counts = {FETCHED: 0, PRESENT: 0, FAILED: 0}
    t0 = time.monotonic()

    with ThreadPoolExecutor(client.opts.concurrency) as pool:
        futures = [pool.submit(fetch_one, client, item, previous.get(str(dest_path(client.opts, item)))) for item in items]
        for n, fut in enumerate(as_completed(futures), 1):
            res = fut.result()
            results.append(res)
            counts[res.status] += 1
            if res.status == FAILED:
                log.warning("failed: %s -> %s", res.item.url or res.item.page_url, res.error)
            if n % client.opts.progress_every == 0 or n == len(items):
                log.info("progress: %d/%d (fetched %d, already present %d, failed %d) in %.0f s",
                         n, len(items), counts[FETCHED], counts[PRESENT], counts[FAILED], time.monotonic() - t0)
    # One row per paper across runs, keyed by where it came from (its file name can change
    # once its paper page is reachable), so an old failure does not outlive a success.
    merged = {_row_key(row): row for row in previous.values()}
    for res in results:
        merged[_row_key(res.row())] = res.row()
    write_manifest(manifest, sorted(merged.values(), key=lambda r: (str(r.get("year")), r["path"])))
    log.info("manifest: %s", manifest)
    return results


def run(opts: Options, index: str | None = None, csv_path: str | None = None, year: int | None = None) -> list[Result]:
    """Download from an index page or a CSV of URLs; returns one Result per paper."""
    client = Client(opts)
    if index:
        check_scheme(index)
        items = from_index(client, index, year)
    else:
        items = from_csv(csv_path, year, opts.limit, opts.max_field_chars)
    return fetch_all(client, items)

