"""Proceedings pages: the papers an index page links, and the PDF a paper page links.

The NeurIPS layout: a year page linking one page per paper, each paper page linking its PDF.
"""
from __future__ import annotations

import csv
import io
import logging
import re
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from urllib.parse import urljoin, urlparse

from paperscope.core import escape
from paperscope.core.textfile import read_text
from paperscope.sources.download.client import Client, DownloadError
from paperscope.sources.download.papers import Item, _stem, _year_in

log = logging.getLogger(__name__)


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


def from_csv(path: str, year: int | None = None, limit: int = 0, max_field_chars: int | None = None) -> list[Item]:
    """Items of a CSV with columns url, year[, paper_id, title] (core.textfile reads it: a
    byte-order mark is fine); a field over max_field_chars makes its row a failed item. A
    download list of `paperscope sources` among them: its cells, defused for spreadsheets,
    are read back as written."""
    reader = csv.DictReader(io.StringIO(read_text(path, "URL list"), newline=""))
    if "url" not in [h.strip() for h in reader.fieldnames or []]:
        raise ValueError(f"{path} needs a 'url' column (url, year[, paper_id, title])")
    reader.fieldnames = [h.strip() for h in reader.fieldnames]
    items = []
    for n, row in enumerate(reader, 2):
        long = [k for k, v in row.items() if max_field_chars and isinstance(v, str) and len(v) > max_field_chars]
        row = {k: (None if k in long else escape.csv_unescape(v)) for k, v in row.items()}
        raw_year = (row.get("year") or "").strip() or (str(year) if year else "")
        item = Item((row.get("url") or "").strip() or None, int(raw_year) if raw_year.isdigit() else None,
                    (row.get("paper_id") or "").strip() or None, (row.get("title") or "").strip() or None)
        if long:
            item.url = None
            item.error = f"line {n}: {', '.join(long)} over input.max_field_chars ({max_field_chars:,} characters)"
        elif not item.url:
            item.error = f"line {n}: no url"
        elif item.year is None:
            item.error = f"line {n}: no year (column year, or --year)"
        items.append(item)
    return items[:limit] if limit else items

