"""Fetch conference PDFs into <corpus>/<year>/, politely, resumably, with a manifest.

Input is a proceedings index page (the NeurIPS layout: a year page linking one page per
paper, each paper page linking its PDF) or a CSV of URLs (url, year[, paper_id, title]).
Only http(s) is fetched, and redirects to any other scheme are refused. Requests share
one pace (download.rate_per_s) across download.concurrency threads; a 5xx, a timeout, a
connection error or a body that is cut short or is not a PDF is retried with exponential
backoff (a Retry-After header is honoured up to download.retry_after_max_s), and each
file has an overall deadline (download.file_deadline_s) however slowly the server sends.
A file already on disk with the size and sha256 the manifest recorded (or, for a file the
manifest does not know, the size the server announces) is skipped. Two papers whose URLs
end in the same file name get distinct names (the name plus a hash of the URL).

The manifest (path, year, paper_id, title, status, error, url, bytes, sha256, page_url)
lists every paper, fetched or not, and is a valid paperscope input manifest: a failed
download keeps its intended path, so the quality gate reports it as lost.
"""
from __future__ import annotations

import csv
import email.utils
import hashlib
import http.client
import logging
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlparse

from paperscope import __version__
from paperscope.core import escape
from paperscope.core.policy import year_in_name

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")
MANIFEST_COLUMNS = ["path", "year", "paper_id", "title", "status", "error", "url", "bytes", "sha256", "page_url"]
FETCHED, PRESENT, FAILED = "fetched", "present", "failed"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class DownloadError(Exception):
    """A fetch that failed; retryable says whether trying again may help."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)


@dataclass
class Item:
    """One paper to fetch."""
    url: str | None
    year: int | None
    paper_id: str | None = None
    title: str | None = None
    page_url: str | None = None
    error: str | None = None  # set when the paper could not even be located
    name: str | None = None  # the file name, when target_name's would collide with another paper's

    @property
    def key(self) -> str:
        """Where the paper comes from: its page, else its URL (as the manifest's rows are keyed)."""
        return self.page_url or self.url or ""


@dataclass
class Options:
    """A download run: the download.* settings (from_config) plus the command line's --limit."""
    corpus: str
    concurrency: int
    rate_per_s: float
    retries: int
    backoff_s: float
    backoff_max_s: float
    timeout_s: float
    max_bytes: int
    contact: str | None
    manifest: str | None
    paper_link: str
    pdf_link: str
    file_deadline_s: float = 600.0
    retry_after_max_s: float = 120.0
    limit: int = 0
    progress_every: int = 25

    @classmethod
    def from_config(cls, cfg, **overrides) -> "Options":
        """Options from validated settings (config.Settings); overrides that are not None win."""
        d = cfg.download
        values = {"corpus": d.corpus or cfg.input.corpus, "concurrency": d.concurrency, "rate_per_s": d.rate_per_s,
                  "retries": d.retries, "backoff_s": d.backoff_s, "backoff_max_s": d.backoff_max_s,
                  "timeout_s": d.timeout_s, "max_bytes": d.max_bytes, "contact": d.contact, "manifest": d.manifest,
                  "paper_link": d.paper_link, "pdf_link": d.pdf_link, "file_deadline_s": d.file_deadline_s,
                  "retry_after_max_s": d.retry_after_max_s}
        return cls(**{**values, **{k: v for k, v in overrides.items() if v is not None}})

    @property
    def user_agent(self) -> str:
        return f"paperscope/{__version__}" + (f" (+{self.contact})" if self.contact else "")

    @property
    def manifest_path(self) -> Path:
        return Path(self.manifest) if self.manifest else Path(self.corpus) / "manifest.csv"


@dataclass
class Result:
    item: Item
    path: str
    status: str
    error: str | None = None
    bytes: int | None = None
    sha256: str | None = None

    def row(self) -> dict:
        return {"path": self.path, "year": self.item.year, "paper_id": self.item.paper_id, "title": self.item.title,
                "status": self.status, "error": self.error, "url": self.item.url, "bytes": self.bytes,
                "sha256": self.sha256, "page_url": self.item.page_url}


# --------------------------------------------------------------------------------------
# HTTP: one opener, one pace, retries
# --------------------------------------------------------------------------------------


def check_scheme(url: str) -> None:
    scheme = urlparse(url).scheme.lower()
    if scheme not in SCHEMES:
        raise DownloadError(f"refused: only http(s) URLs are fetched, not {scheme or 'no scheme'!r}: {url}", False)


class _HttpOnlyRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to http(s) (urllib alone would also follow ftp)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        target = urljoin(req.full_url, newurl)
        if urlparse(target).scheme.lower() not in SCHEMES:
            raise DownloadError(f"refused redirect from {req.full_url} to a non-http(s) URL: {target}", False)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _read_capped(resp, cap: int, deadline: float | None = None) -> bytes:
    """The body in chunks, stopping one byte past cap; a short body is left for the caller
    to compare with Content-Length. read1 returns what one socket read gave, so a server
    that trickles is checked against the deadline after every few bytes, not every 64 KiB."""
    parts, total = [], 0
    read = getattr(resp, "read1", resp.read)
    while total <= cap:
        if deadline is not None and time.monotonic() > deadline:
            raise DeadlineHit(f"{total} bytes received")
        chunk = read(min(1 << 16, cap + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


class DeadlineHit(Exception):
    """The file's overall deadline passed while its body was still coming."""


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a Retry-After header asks to wait: delta-seconds or an HTTP date; None if
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class _Pace:
    """At most rate_per_s requests per second across all threads."""

    def __init__(self, rate_per_s: float):
        self.interval = 1.0 / rate_per_s
        self.next = 0.0
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = time.monotonic()
            slot = max(now, self.next)
            self.next = slot + self.interval
        if slot > now:
            time.sleep(slot - now)


class Client:
    def __init__(self, opts: Options):
        self.opts = opts
        self.pace = _Pace(opts.rate_per_s)
        self.opener = urllib.request.build_opener(_HttpOnlyRedirects())

    def _once(self, url: str, method: str = "GET", expect_pdf: bool = False,
              deadline: float | None = None) -> tuple[bytes, dict]:
        check_scheme(url)
        self.pace.wait()
        req = urllib.request.Request(url, method=method, headers={"User-Agent": self.opts.user_agent})
        timeout = self.opts.timeout_s
        if deadline is not None:
            timeout = max(0.05, min(timeout, deadline - time.monotonic()))
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                headers = {k.lower(): v for k, v in resp.headers.items()}
                if method == "HEAD":
                    return b"", headers
                declared = headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.opts.max_bytes:
                    raise DownloadError(f"{declared} bytes is over download.max_bytes", False)
                body = _read_capped(resp, self.opts.max_bytes, deadline)
        except DownloadError:
            raise
        except DeadlineHit as exc:
            raise DownloadError(f"gave up after download.file_deadline_s ({self.opts.file_deadline_s:g} s): {exc}",
                                False) from None
        except urllib.error.HTTPError as exc:
            wait = retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            raise DownloadError(f"HTTP {exc.code} {exc.reason}", exc.code >= 500 or exc.code in (408, 429),
                                wait) from None
        except http.client.IncompleteRead as exc:
            raise DownloadError(f"truncated body: got {len(exc.partial)} bytes, expected {exc.expected} more", True) from None
        except (socket.timeout, TimeoutError):
            raise DownloadError(f"timed out after {self.opts.timeout_s:g} s", True) from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, DownloadError):
                raise reason from None
            timeout = isinstance(reason, (socket.timeout, TimeoutError))
            raise DownloadError(f"timed out after {self.opts.timeout_s:g} s" if timeout else f"connection error: {reason}",
                                True) from None
        except (ConnectionError, http.client.HTTPException, OSError) as exc:
            raise DownloadError(f"connection error: {exc}", True) from None
        if len(body) > self.opts.max_bytes:
            raise DownloadError("body is over download.max_bytes", False)
        if declared and declared.isdigit() and len(body) != int(declared):
            raise DownloadError(f"truncated body: {len(body)} of {declared} bytes", True)
        if expect_pdf and not body.startswith(b"%PDF"):
            raise DownloadError(f"not a PDF (starts with {body[:8]!r}, {len(body)} bytes)", True)
        return body, headers

    def get(self, url: str, expect_pdf: bool = False, method: str = "GET",
            deadline: float | None = None) -> tuple[bytes, dict]:
        """The body, retried with exponential backoff while the failure is retryable.

        A Retry-After the server sends replaces the backoff when longer; one over
        download.retry_after_max_s, or past the file's deadline, ends the retries.
        """
        delay = self.opts.backoff_s
        for attempt in range(self.opts.retries + 1):
            try:
                return self._once(url, method, expect_pdf, deadline)
            except DownloadError as exc:
                tries = f" (after {attempt + 1} tries)" if attempt else ""
                if not exc.retryable or attempt == self.opts.retries:
                    raise DownloadError(f"{exc}{tries}", exc.retryable) from None
                wait = delay
                if exc.retry_after is not None:
                    if exc.retry_after > self.opts.retry_after_max_s:
                        raise DownloadError(f"{exc}{tries}: the server asks to retry after {exc.retry_after:.0f} s, "
                                            f"over download.retry_after_max_s ({self.opts.retry_after_max_s:g} s)",
                                            False) from None
                    wait = max(wait, exc.retry_after)
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise DownloadError(f"{exc}{tries}; a retry in {wait:.0f} s would pass download.file_deadline_s "
                                        f"({self.opts.file_deadline_s:g} s)", False) from None
                log.info("%s: %s; retry %d of %d in %.1f s", url, exc, attempt + 1, self.opts.retries, wait)
                time.sleep(wait)
                delay = min(delay * 2, self.opts.backoff_max_s)
        raise AssertionError("unreachable")


# --------------------------------------------------------------------------------------
# Proceedings pages
# --------------------------------------------------------------------------------------


class _Links(HTMLParser):
    """Every <a href> with its text, and <meta name=citation_pdf_url>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.meta_pdf: str | None = None
        self._href: str | None = None
        self._title: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self._href, self._title, self._text = a["href"], a.get("title"), []
        elif tag == "meta" and (a.get("name") or "").lower() == "citation_pdf_url" and a.get("content"):
            self.meta_pdf = a["content"]

    def handle_data(self, data):
        if self._href is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "a" and self._href is not None:
            self.links.append((self._href, " ".join((self._title or " ".join(self._text)).split())))
            self._href = None


def paper_pages(html: str, base_url: str, pattern: str) -> list[tuple[str, str]]:
    """(absolute paper-page URL, title) for each paper linked from a proceedings index page."""
    parser = _Links()
    parser.feed(html)
    rx = re.compile(pattern)
    out: dict[str, str] = {}
    for href, text in parser.links:
        url = urljoin(base_url, href)
        if rx.search(urlparse(url).path):
            out.setdefault(url, text)
    return list(out.items())


def pdf_link(html: str, base_url: str, pattern: str) -> str | None:
    """The paper's PDF on its page: a link matching the pattern, else citation_pdf_url,
    else the first .pdf link that is not a supplement."""
    parser = _Links()
    parser.feed(html)
    rx = re.compile(pattern)
    links = [urljoin(base_url, href) for href, _ in parser.links]
    for url in links:
        if rx.search(urlparse(url).path):
            return url
    if parser.meta_pdf:
        return urljoin(base_url, parser.meta_pdf)
    for url in links:
        path = urlparse(url).path.lower()
        if path.endswith(".pdf") and "supplement" not in path:
            return url
    return None


def from_index(client: Client, index_url: str, year: int | None) -> list[Item]:
    """Items of a proceedings year page; a paper page without a PDF link is a failed item."""
    year = year or _year_in(index_url)
    if year is None:
        raise ValueError(f"no year in {index_url}: pass --year")
    body, _ = client.get(index_url)
    pages = paper_pages(body.decode("utf-8", "replace"), index_url, client.opts.paper_link)
    if client.opts.limit:
        pages = pages[:client.opts.limit]
    log.info("%s: %d paper pages", index_url, len(pages))

    def locate(page: tuple[str, str]) -> Item:
        url, title = page
        item = Item(None, year, paper_id=_stem(url), title=title or None, page_url=url)
        try:
            html, _ = client.get(url)
        except DownloadError as exc:
            item.error = f"paper page: {exc}"
            return item
        item.url = pdf_link(html.decode("utf-8", "replace"), url, client.opts.pdf_link)
        if item.url is None:
            item.error = "paper page links no PDF"
        else:
            item.paper_id = _stem(item.url) or item.paper_id
        return item

    with ThreadPoolExecutor(client.opts.concurrency) as pool:
        return list(pool.map(locate, pages))


def from_csv(path: str, year: int | None = None, limit: int = 0) -> list[Item]:
    """Items of a CSV with columns url, year[, paper_id, title]."""
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if "url" not in (reader.fieldnames or []):
            raise ValueError(f"{path} needs a 'url' column (url, year[, paper_id, title])")
        items = []
        for n, row in enumerate(reader, 2):
            raw_year = (row.get("year") or "").strip() or (str(year) if year else "")
            item = Item((row.get("url") or "").strip() or None, int(raw_year) if raw_year.isdigit() else None,
                        (row.get("paper_id") or "").strip() or None, (row.get("title") or "").strip() or None)
            if not item.url:
                item.error = f"line {n}: no url"
            elif item.year is None:
                item.error = f"line {n}: no year (column year, or --year)"
            items.append(item)
    return items[:limit] if limit else items


def _year_in(url: str) -> int | None:
    return year_in_name(urlparse(url).path)


def _stem(url: str) -> str:
    name = Path(urlparse(url).path).name
    return name.rsplit(".", 1)[0] if "." in name else name


def _base_name(item: Item) -> str:
    base = item.paper_id or (_stem(item.url) if item.url else "") or _url_hash(item)
    return _UNSAFE.sub("_", base).strip("._")[:150] or _url_hash(item)


def _url_hash(item: Item, n: int = 16) -> str:
    return hashlib.sha1(item.key.encode()).hexdigest()[:n]


def target_name(item: Item) -> str:
    """File name under <corpus>/<year>/: the paper id, else the URL's file name, else a hash;
    the name assign_names gave when that one is taken by another paper."""
    return item.name or _base_name(item) + ".pdf"


def assign_names(opts: Options, items: list[Item], previous: dict[str, dict]) -> None:
    """Give each paper a file of its own.

    Two URLs ending in the same file name (or the same paper id) would be written to one
    path, one paper silently lost and both then marked present. The paper whose file is at
    the path already (fetched or present in the manifest), else the first in the input's order, keeps the plain
    name; each other one gets `<name>-<8 hex of its URL's sha1>.pdf`, stable across runs.
    """
    owners = {row["path"]: _row_key(row) for row in previous.values() if row.get("status") in (FETCHED, PRESENT)}
    groups: dict[str, list[Item]] = {}
    for item in items:
        if item.url and not item.error:
            groups.setdefault(str(dest_path(opts, item)), []).append(item)
    for dest, group in groups.items():
        keys = list(dict.fromkeys(i.key for i in group))
        owner = owners.get(dest)
        if len(keys) == 1 and owner in (None, keys[0]):
            continue
        keeper = owner if owner in keys else (None if owner else keys[0])
        renamed = []
        for item in group:
            if item.key != keeper:
                item.name = f"{_base_name(item)}-{_url_hash(item, 8)}.pdf"
                renamed.append(f"{item.key} -> {item.name}")
        log.warning("papers would share the file %s; renamed: %s", dest, "; ".join(renamed))


# --------------------------------------------------------------------------------------
# Fetching files, resume, manifest
# --------------------------------------------------------------------------------------


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_manifest(path: Path) -> dict[str, dict]:
    """Previous manifest rows by file path (empty if there is none)."""
    if not path.is_file():
        return {}
    with open(path, newline="", encoding="utf-8") as fh:
        rows = ({k: escape.csv_unescape(v) for k, v in row.items()} for row in csv.DictReader(fh))
        return {row["path"]: row for row in rows if row.get("path")}


def write_manifest(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".part")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=MANIFEST_COLUMNS, extrasaction="ignore")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: "" if row.get(k) is None else escape.csv_cell(row[k]) for k in MANIFEST_COLUMNS})
    os.replace(tmp, path)


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


def dest_path(opts: Options, item: Item) -> Path:
    """<corpus>/<year>/<name>.pdf, absolute so the manifest works from any directory."""
    return (Path(opts.corpus) / str(item.year if item.year is not None else "unknown") / target_name(item)).absolute()


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


def _row_key(row: dict) -> str:
    return row.get("page_url") or row.get("url") or row["path"]


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
        items = from_csv(csv_path, year, opts.limit)
    return fetch_all(client, items)


# --------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------

EPILOG = """\
Examples:
  paperscope download --index https://papers.nips.cc/paper_files/paper/2024 --corpus data/neurips --contact https://example.org/me
  paperscope download --urls urls.csv --corpus data/neurips --concurrency 2 --rate 0.5
  ./spark-submit.sh extract -- --manifest data/neurips/manifest.csv   # then read what was fetched

The manifest (<corpus>/manifest.csv unless --manifest) lists every paper with its status
(fetched, present, failed) and error; it is a paperscope input manifest as it stands.
Config keys: download.* in lib/paperscope/data/defaults.yaml; flags override them.
Exit codes: 0 every paper is on disk, 1 some failed (see the manifest), 2 bad input or config.
"""


def parser():
    import argparse

    p = argparse.ArgumentParser(prog="paperscope download", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Fetch conference PDFs into <corpus>/<year>/ with a manifest of what was fetched and what failed.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--index", help="proceedings year page (NeurIPS layout: links to paper pages, each linking its PDF)")
    src.add_argument("--urls", help="CSV with columns url, year[, paper_id, title]")
    p.add_argument("--year", type=int, help="year of the papers (default: the CSV's year column, or the year in the index URL)")
    p.add_argument("--corpus", help="corpus root; files go to <corpus>/<year>/ (default download.corpus, else input.corpus)")
    p.add_argument("--manifest", help="manifest CSV to write/merge (default <corpus>/manifest.csv)")
    p.add_argument("--concurrency", type=int, help="parallel downloads (default download.concurrency)")
    p.add_argument("--rate", type=float, dest="rate_per_s", help="requests per second across all threads (default download.rate_per_s)")
    p.add_argument("--retries", type=int, help="retries per request on 5xx, timeouts and truncated bodies")
    p.add_argument("--timeout", type=float, dest="timeout_s", help="seconds per request")
    p.add_argument("--contact", help="URL or e-mail put in the User-Agent so site owners can reach you")
    p.add_argument("--limit", type=int, help="only the first N papers (a trial run)")
    p.add_argument("--conf-file", help="YAML config (download.* keys)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="override any config key")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def main(argv: list[str] | None = None) -> int:
    import sys

    from paperscope.core.config import ConfigError, load_config

    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        cfg = load_config(args.conf_file, args.sets, download__corpus=args.corpus, download__manifest=args.manifest,
                          download__concurrency=args.concurrency, download__rate_per_s=args.rate_per_s,
                          download__retries=args.retries, download__timeout_s=args.timeout_s,
                          download__contact=args.contact)
        opts = Options.from_config(cfg, limit=args.limit)
        if args.urls and not os.path.isfile(args.urls):
            raise ValueError(f"URL list not found: {args.urls}")
        results = run(opts, index=args.index, csv_path=args.urls, year=args.year)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"paperscope download: error: {exc}", file=sys.stderr)
        return 2
    except DownloadError as exc:
        print(f"paperscope download: error: {args.index or args.urls}: {exc}", file=sys.stderr)
        return 2
    failed = sum(r.status == FAILED for r in results)
    print(f"paperscope download: {len(results)} papers, {sum(r.status == FETCHED for r in results)} fetched, "
          f"{sum(r.status == PRESENT for r in results)} already present, {failed} failed; manifest {opts.manifest_path}")
    return 1 if failed else 0
