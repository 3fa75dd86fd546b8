"""Papers to fetch, where they go, and the manifest of what was fetched and what failed.

A file already on disk with the size and sha256 the manifest recorded (or, for a file the
manifest does not know, the size the server announces) is skipped. Two papers whose URLs
end in the same file name get distinct names (the name plus a hash of the URL). The
manifest lists every paper, fetched or not, and is a valid paperscope input manifest: a
failed download keeps its intended path, so the quality gate reports it as lost.
"""
from __future__ import annotations

import csv
import hashlib
import logging
import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlparse

from paperscope import __version__
from paperscope.core import escape
from paperscope.core.policy import year_in_name

log = logging.getLogger(__name__)

MANIFEST_COLUMNS = ["path", "year", "paper_id", "title", "status", "error", "url", "bytes", "sha256", "page_url"]
FETCHED, PRESENT, FAILED = "fetched", "present", "failed"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


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
    file_deadline_s: float
    speed_limit_bps: float
    speed_time_s: float
    retry_after_max_s: float
    progress_every: int
    max_field_chars: int  # input.max_field_chars: the longest field of a URL list row
    limit: int = 0  # the command line's --limit: only the first N papers

    @classmethod
    def from_config(cls, cfg, **overrides) -> Options:
        """Options from validated settings (config.Settings); overrides that are not None win."""
        d = cfg.download
        values = {f.name: getattr(d, f.name) for f in fields(cls) if f.name in type(d).model_fields}
        values.update(corpus=d.corpus or cfg.input.corpus, max_field_chars=cfg.input.max_field_chars)
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


def dest_path(opts: Options, item: Item) -> Path:
    """<corpus>/<year>/<name>.pdf, absolute so the manifest works from any directory."""
    return (Path(opts.corpus) / str(item.year if item.year is not None else "unknown") / target_name(item)).absolute()


def _row_key(row: dict) -> str:
    return row.get("page_url") or row.get("url") or row["path"]

