"""The ``virtual`` source: a conference's program data, the JSON behind its virtual site.

``https://<conf>.cc/static/virtual/data/<conf>-<year>-orals-posters.json`` (NeurIPS,
ICML, ICLR) is a page of a Django REST listing: ``count``, ``next``, ``previous`` and
``results``, one event per oral or poster. Fields read (docs/sources.md says how each
was checked): ``id``, ``uid``, ``name`` (the title), ``authors[]`` with ``fullname``,
``institution`` and ``id``, ``decision`` ("Accept (poster)"), ``eventtype``/``event_type``
(Poster, Oral), ``sourceurl`` (the OpenReview group: which track), ``paper_url`` (the
OpenReview forum) and ``paper_pdf_url`` where a year has it.

An oral paper is listed twice (its oral and its poster event): the events of one paper
(same forum id, else same uid, else same title) become one paper, with the strongest
decision. Events that are not accepted papers (a decision of reject or withdrawn, an
event type that is no oral, spotlight or poster) are counted and left out.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlparse

from paperscope.core.settings import Settings
from paperscope.sources.metadata.formats import title_key
from paperscope.sources.program.base import (
    Affiliation,
    Author,
    Collected,
    Paper,
    SchemaError,
    SourceError,
    check_fields,
)
from paperscope.sources.program.cache import ResponseCache
from paperscope.sources.program.notes import track_of

log = logging.getLogger(__name__)

_RANK = {"oral": 3, "spotlight": 2, "poster": 1}
_PAPER_EVENTS = ("oral", "spotlight", "poster")
_REFUSED = ("reject", "withdraw", "desk")


def forum_id(url: str | None) -> str | None:
    """The id of an OpenReview forum or PDF link (…/forum?id=X, …/pdf?id=X), else None."""
    if not isinstance(url, str) or "openreview" not in url:
        return None
    ids = parse_qs(urlparse(url).query).get("id")
    return ids[0] if ids and re.fullmatch(r"[A-Za-z0-9_-]{5,}", ids[0]) else None


def _group(url: str | None) -> str | None:
    if not isinstance(url, str):
        return None
    ids = parse_qs(urlparse(url).query).get("id")
    return ids[0] if ids else None


def _decision(event: dict) -> str | None:
    text = " ".join(str(event.get(k) or "") for k in ("decision", "eventtype", "event_type")).casefold()
    found = [d for d in _PAPER_EVENTS if d in text]
    return max(found, key=_RANK.get) if found else None


def _track(event: dict) -> str | None:
    group = _group(event.get("sourceurl"))
    label = " ".join(str(event.get(k) or "") for k in ("event_type", "session", "topic"))
    if group:
        return track_of(group, label)
    return track_of(None, label)


def _text(event: dict, key: str) -> str | None:
    v = event.get(key)
    return " ".join(v.split()) if isinstance(v, str) and v.strip() else None


def parse_events(events: list, conference: str, year: int, max_bad_share: float = 0.2,
                 site: str = "https://openreview.net") -> tuple[list[Paper], dict]:
    """Program events -> one Paper per accepted paper, and the counts (skipped by reason);
    site: where the forum and PDF links of an event's OpenReview forum id point."""
    site = site.rstrip("/")
    stats: Counter = Counter()
    missing: dict[str, list[str]] = {}
    papers: dict[str, Paper] = {}
    by_title: dict[str, str] = {}
    with_institution = authors_seen = 0
    for n, event in enumerate(events, 1):
        where = f"event {event.get('id', n)}" if isinstance(event, dict) else f"result {n}"
        if not isinstance(event, dict):
            missing.setdefault("event object", []).append(where)
            continue
        decision = str(event.get("decision") or "").casefold()
        if decision.startswith(_REFUSED) or event.get("visible") is False:
            stats["skipped_not_accepted"] += 1
            continue
        kind = _decision(event)
        if kind is None:
            stats["skipped_not_a_paper"] += 1
            continue
        title = _text(event, "name")
        if title is None:
            missing.setdefault("name", []).append(where)
            continue
        authors_in = event.get("authors")
        if not isinstance(authors_in, list) or not all(isinstance(a, dict) for a in authors_in):
            missing.setdefault("authors", []).append(where)
            continue
        authors = []
        for pos, a in enumerate(authors_in, 1):
            name = _text(a, "fullname")
            if name is None:
                missing.setdefault("authors[].fullname", []).append(where)
            inst = _text(a, "institution")
            authors_seen += 1
            with_institution += "institution" in a
            authors.append(Author(pos, name or "", [f"virtual:{a['id']}"] if a.get("id") is not None else [],
                                  affiliations=[Affiliation("virtual", inst)] if inst else [],
                                  note=None if inst else "no institution listed"))
        forum = forum_id(event.get("paper_url")) or forum_id(event.get("paper_pdf_url"))
        key = forum or (f"uid:{event['uid']}" if event.get("uid") else None) or f"title:{title_key(title)}"
        key = by_title.get(title_key(title), key) if not forum else key
        pid = forum or f"virtual:{event.get('uid') or event.get('id') or title_key(title)}"
        pdf = _text(event, "paper_pdf_url") or (f"{site}/pdf?id={forum}" if forum else None)
        paper = Paper("virtual", conference, year, pid, title, authors, track=_track(event), decision=kind,
                      venue=_text(event, "decision") or _text(event, "eventtype"),
                      forum_url=f"{site}/forum?id={forum}" if forum else _text(event, "paper_url"),
                      pdf_url=pdf, source_ids=[f"event:{event.get('id')}"] if event.get("id") is not None else [])
        if key in papers:
            stats["duplicate_events"] += 1
            kept = papers[key]
            kept.source_ids += [s for s in paper.source_ids if s not in kept.source_ids]
            if _RANK.get(kind, 0) > _RANK.get(kept.decision, 0):
                kept.decision, kept.venue = paper.decision, paper.venue
            kept.track = kept.track or paper.track
            kept.pdf_url = kept.pdf_url or paper.pdf_url
            continue
        papers[key] = paper
        by_title.setdefault(title_key(title), key)
    total = len(events)
    if authors_seen and not with_institution:
        missing["authors[].institution"] = ["every author"] * total
    check_fields(missing, total, "program JSON events", max_bad_share)
    stats["malformed_events"] = sum(len(v) for k, v in missing.items() if k != "authors[].fullname")
    stats.update({"events": total, "papers": len(papers)})
    return list(papers.values()), dict(stats)


def results_of(doc, where: str) -> tuple[list, str | None, int | None]:
    """(events, next page URL, declared count) of one page of the program JSON."""
    if isinstance(doc, list):
        return doc, None, None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        keys = ", ".join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__
        raise SchemaError(f"{where}: no 'results' list in the program JSON (found: {keys}); was it renamed?")
    count = doc.get("count") if isinstance(doc.get("count"), int) else None
    nxt = doc.get("next") if isinstance(doc.get("next"), str) and doc.get("next") else None
    return doc["results"], nxt, count


def polite_get(cfg: Settings) -> Callable[[str], bytes]:
    """GET through paperscope download's client (pace, retries, Retry-After, size cap), with
    the sources.* politeness and the download.* User-Agent contact and size cap."""
    from paperscope.sources.download.client import Client, DownloadError
    from paperscope.sources.download.papers import Options

    s = cfg.sources
    opts = Options.from_config(cfg, corpus="", concurrency=1, rate_per_s=s.rate_per_s or 1000.0, retries=s.retries,
                               backoff_s=s.backoff_s, backoff_max_s=s.backoff_max_s, timeout_s=s.timeout_s,
                               retry_after_max_s=s.retry_after_max_s)
    client = Client(opts)

    def get(url: str) -> bytes:
        try:
            return client.get(url, deadline=time.monotonic() + opts.file_deadline_s)[0]
        except DownloadError as exc:
            raise SourceError(f"virtual: {url}: {exc}") from None

    return get


class VirtualSource:
    """A conference's program JSON, from its URL (settings.virtual_url) or a local file."""
    name = "virtual"

    def __init__(self, cfg: Settings, cache: ResponseCache | None = None, url: str | None = None,
                 file: str | None = None, get: Callable[[str], bytes] | None = None):
        self.cfg = cfg
        self.settings = cfg.sources
        self.cache = cache or ResponseCache(None)
        self.url, self.file = url, file
        self.get = get
        self.requests = 0

    def _page(self, url: str) -> object:
        """One page, from the cache or fetched; a body that is not JSON is fetched again."""
        request = {"url": url}
        body = self.cache.get("program", request)
        if body is not None:
            return json.loads(body)
        self.get = self.get or polite_get(self.cfg)
        for attempt in range(self.settings.retries + 1):
            body = self.get(url)
            self.requests += 1
            try:
                doc = json.loads(body)
            except ValueError as exc:
                if attempt == self.settings.retries:
                    raise SourceError(f"virtual: {url}: not valid JSON after {attempt + 1} tries "
                                      f"({exc}; {len(body):,} bytes)") from None
                log.info("virtual: %s: broken JSON (%s); fetching again", url, exc)
                continue
            self.cache.put("program", request, body)
            return doc
        raise AssertionError("unreachable")

    def collect(self, conference: str, year: int) -> Collected:
        conf = conference.lower()
        if self.file:
            try:
                pages = [json.loads(Path(self.file).read_text("utf-8"))]
            except (OSError, ValueError) as exc:
                raise SourceError(f"virtual: cannot read {self.file}: {exc}") from None
            where = self.file
        else:
            url = self.url or self.settings.virtual_url.format(conf=conf, year=year)
            where, pages, seen = url, [], set()
            while url and url not in seen:
                seen.add(url)
                pages.append(self._page(url))
                _, nxt, _ = results_of(pages[-1], where)
                url = urljoin(url, nxt) if nxt else None
                log.info("virtual %s %d: page %d read", conf, year, len(pages))
        events: list = []
        declared = None
        for page in pages:
            got, _, count = results_of(page, where)
            events.extend(got)
            declared = declared if declared is not None else count
        papers, stats = parse_events(events, conf, year, self.settings.max_bad_share, self.settings.openreview_site)
        if declared is not None and len(events) < declared:
            log.warning("virtual %s: the program declares %d events, %d were listed", where, declared, len(events))
            stats["events_short_of_count"] = declared - len(events)
        stats.update({"requests": self.requests, "source": where})
        log.info("virtual %s %d: %d events, %d papers", conf, year, len(events), len(papers))
        return Collected(papers, stats)
