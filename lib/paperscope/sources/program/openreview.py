"""The ``openreview`` source: accepted papers of a venue and their authors' profiles, via
the official client (openreview-py, API v2).

Requests, as the client makes them (openreview/api/client.py, read for this):
- ``GET /groups?id=<venue>``: the venue exists (get_group); a 404 is VenueNotFound;
- ``GET /notes?content.venueid=<venue>&limit=&sort=id&count=true`` then ``&after=<last id>``
  (get_notes, as its own get_all_notes pages), or ``&offset=`` with paging "offset";
- ``POST /profiles/search {"ids": [...]}`` (search_profiles): up to 1000 profiles a request;
- ``POST /login`` only with credentials in the environment (the client's constructor).

Politeness: the client's own retry policy (urllib3 Retry on 429/5xx, honouring
Retry-After) is replaced by one built from the sources.* settings that also retries the POST of
the profile search (a read), logs instead of printing, stops when Retry-After asks for
longer than retry_after_max_s, and puts a timeout on every request (the client sets
none). A connection cut mid-body or a body that is not JSON is retried here, with the
same backoff. Requests are paced to rate_per_s. Every response body is kept in the
cache (sources.cache) before it is parsed, so a re-run starts no client and makes no
request; an interrupted run resumes at the first page or batch it lacks.

Credentials come from the environment only (OPENREVIEW_USERNAME and OPENREVIEW_PASSWORD,
or OPENREVIEW_TOKEN), never from the command line, and are never logged or cached.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import Counter
from collections.abc import Callable, Mapping

from paperscope.core.progress import format_progress
from paperscope.core.settings import Settings, Sources
from paperscope.sources.program import notes as notes_mod
from paperscope.sources.program import profiles as profiles_mod
from paperscope.sources.program.base import Collected, Paper, SchemaError, SourceError, VenueNotFound, check_fields
from paperscope.sources.program.cache import ResponseCache

log = logging.getLogger(__name__)

ENV_USERNAME, ENV_PASSWORD, ENV_TOKEN = "OPENREVIEW_USERNAME", "OPENREVIEW_PASSWORD", "OPENREVIEW_TOKEN"
MAX_BATCH = 1000  # the client's search_profiles splits larger id lists itself: one request per batch here


def credentials(env: Mapping[str, str] | None = None) -> dict:
    """username/password or token from the environment; {} for anonymous read access."""
    env = os.environ if env is None else env
    if env.get(ENV_TOKEN):
        return {"token": env[ENV_TOKEN]}
    if env.get(ENV_USERNAME) or env.get(ENV_PASSWORD):
        return {"username": env.get(ENV_USERNAME), "password": env.get(ENV_PASSWORD)}
    return {}


class RetryAfterTooLong(Exception):
    """The server asked to wait longer than retry_after_max_s."""

    def __init__(self, seconds: float, url: str | None):
        super().__init__(seconds, url)
        self.seconds = seconds
        self.url = url


def _retry_class(cap_s: float):
    """A urllib3 Retry that logs, caps Retry-After, and retries POST (the profile search is a read)."""
    from urllib3.util.retry import Retry

    class PoliteRetry(Retry):
        retry_after_max_s = cap_s

        def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
            what = f"HTTP {response.status}" if response is not None else f"{type(error).__name__}"
            log.info("openreview: %s %s: %s; retrying", method, url, what)
            return super().increment(method, url, response, error, _pool, _stacktrace)

        def sleep_for_retry(self, response=None):
            wait = self.get_retry_after(response) if response is not None else None
            if wait is not None and wait > self.retry_after_max_s:
                raise RetryAfterTooLong(wait, getattr(response, "url", None))
            return super().sleep_for_retry(response)

    return PoliteRetry


def _adapter(settings: Sources):
    from requests.adapters import HTTPAdapter

    retry = _retry_class(settings.retry_after_max_s)(
        total=settings.retries, connect=settings.retries, read=settings.retries, status=settings.retries,
        backoff_factor=settings.backoff_s, backoff_max=settings.backoff_max_s,
        status_forcelist=[429, 500, 502, 503, 504], allowed_methods=frozenset(["GET", "POST"]),
        raise_on_status=False, respect_retry_after_header=True)

    class TimeoutAdapter(HTTPAdapter):
        def send(self, request, **kwargs):
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = settings.timeout_s
            return super().send(request, **kwargs)

    return TimeoutAdapter(max_retries=retry)


def make_client(settings: Sources, env: Mapping[str, str] | None = None):
    """An OpenReviewClient for settings.openreview_api with the settings' retry policy;
    logged in when the environment has credentials (one POST /login), else anonymous."""
    import openreview

    creds = credentials(env)
    try:
        client = openreview.api.OpenReviewClient(baseurl=settings.openreview_api, **creds)
    except openreview.OpenReviewException as exc:
        raise SourceError(f"OpenReview login failed ({ENV_USERNAME}/{ENV_PASSWORD} or {ENV_TOKEN} from the "
                          f"environment): {_message(exc)}") from None
    adapter = _adapter(settings)
    client.session.mount("http://", adapter)
    client.session.mount("https://", adapter)
    return client


def _message(exc: Exception) -> str:
    """The server's error as one line: name, status and message (OpenReviewException's dict)."""
    arg = exc.args[0] if exc.args else exc
    if isinstance(arg, dict):
        parts = [str(arg.get("name") or "Error")]
        if arg.get("status"):
            parts.append(f"HTTP {arg['status']}")
        return " ".join(parts) + (f": {arg.get('message')}" if arg.get("message") else "")
    if isinstance(arg, list):
        return "; ".join(map(str, arg))
    return str(arg)


class _Calls:
    """The client's calls, paced and retried, each returning the raw body it received."""

    def __init__(self, settings: Sources, factory: Callable[[], object]):
        self.settings = settings
        self.factory = factory
        self.client = None
        self.requests = 0
        self.last = 0.0
        self.body: bytes | None = None

    def _ensure(self):
        if self.client is None:
            self.client = self.factory()
            self.client.session.hooks["response"].append(self._keep)

    def _keep(self, response, *args, **kwargs):
        self.requests += 1
        self.body = response.content if response.ok else None

    def _pace(self) -> None:
        if self.settings.rate_per_s > 0:
            wait = self.last + 1.0 / self.settings.rate_per_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
        self.last = time.monotonic()

    def call(self, what: str, fn: Callable[[object], object]) -> bytes:
        """fn(client)'s raw JSON body; transient failures retried, others as one-line SourceError."""
        import openreview
        import requests

        self._ensure()
        delay = self.settings.backoff_s
        for attempt in range(self.settings.retries + 1):
            self._pace()
            self.body = None
            try:
                fn(self.client)
                if self.body is None:
                    raise SourceError(f"openreview: {what}: no response body")
                json.loads(self.body)
                return self.body
            except RetryAfterTooLong as exc:
                raise SourceError(f"openreview: {what}: the server asks to wait {exc.seconds:.0f} s "
                                  f"(Retry-After), over sources.retry_after_max_s "
                                  f"({self.settings.retry_after_max_s:g} s); try again later") from None
            except openreview.OpenReviewException as exc:
                raise self._refused(what, exc) from None
            except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ConnectionError,
                    requests.exceptions.Timeout, ValueError) as exc:
                kind = "broken JSON" if isinstance(exc, ValueError) else type(exc).__name__
                if attempt == self.settings.retries:
                    raise SourceError(f"openreview: {what}: {kind} after {attempt + 1} tries: {exc}") from None
                log.info("openreview: %s: %s; retry %d of %d in %.1f s", what, kind, attempt + 1,
                         self.settings.retries, delay)
                time.sleep(delay)
                delay = min(delay * 2, self.settings.backoff_max_s)
        raise AssertionError("unreachable")

    @staticmethod
    def _refused(what: str, exc: Exception) -> SourceError:
        arg = exc.args[0] if exc.args else {}
        name = arg.get("name") if isinstance(arg, dict) else None
        status = arg.get("status") if isinstance(arg, dict) else None
        if name in ("ChallengeRequiredError", "ForbiddenError") or status == 403:
            return SourceError(f"openreview: {what}: refused ({_message(exc)}). Anonymous access was not "
                               f"enough: set {ENV_USERNAME} and {ENV_PASSWORD} (or {ENV_TOKEN}) in the "
                               f"environment, never on the command line")
        if status == 429 or name == "RateLimitError":
            return SourceError(f"openreview: {what}: still rate limited after the retries ({_message(exc)}); "
                               f"lower sources.rate_per_s or try again later")
        return SourceError(f"openreview: {what}: {_message(exc)}")


class OpenReviewSource:
    """Accepted papers of one or more venues (main track, Datasets & Benchmarks, ...)."""
    name = "openreview"

    def __init__(self, venues: list[str], cfg: Settings, cache: ResponseCache | None = None,
                 client_factory: Callable[[], object] | None = None, env: Mapping[str, str] | None = None):
        if not venues:
            raise SourceError("openreview: name a venue id, e.g. --venue NeurIPS.cc/2025/Conference")
        self.venues = list(venues)
        self.settings = cfg.sources
        self.cache = cache or ResponseCache(None)
        self.calls = _Calls(self.settings, client_factory or (lambda: make_client(self.settings, env)))
        self.stats: Counter = Counter()

    # -- IO ------------------------------------------------------------------------------

    def _fetch(self, kind: str, request: dict, what: str, fn: Callable[[object], object]) -> bytes:
        body = self.cache.get(kind, request)
        if body is not None:
            self.stats["cached_responses"] += 1
            return body
        body = self.calls.call(what, fn)
        self.cache.put(kind, request, body)
        return body

    def _check_venue(self, venue: str) -> None:
        import openreview

        def get(client):
            try:
                client.get_group(venue)
            except openreview.OpenReviewException as exc:
                arg = exc.args[0] if exc.args else {}
                if isinstance(arg, dict) and (arg.get("status") == 404 or arg.get("name") == "NotFoundError"):
                    raise VenueNotFound(f"openreview: there is no venue {venue!r} (GET /groups answered "
                                        f"{_message(exc)}); venue ids look like NeurIPS.cc/2025/Conference") from None
                raise
            except IndexError:
                raise VenueNotFound(f"openreview: there is no venue {venue!r} (no group with that id)") from None

        body = self._fetch("group", {"api": self.settings.openreview_api, "id": venue}, f"venue {venue}", get)
        groups = json.loads(body).get("groups")
        if not groups:
            raise VenueNotFound(f"openreview: there is no venue {venue!r} (no group with that id)")

    def _notes(self, venue: str) -> list[dict]:
        size, paging = min(max(1, self.settings.page_size), 1000), self.settings.paging
        out: list[dict] = []
        count: int | None = None
        cursor: str | None = None
        started = time.monotonic()
        for page in range(1, 1_000_000):
            request = {"api": self.settings.openreview_api, "venueid": venue, "limit": size, "sort": "id", "paging": paging,
                       "after": cursor if paging == "after" else None,
                       "offset": len(out) if paging == "offset" and page > 1 else None}
            first = page == 1

            def get(client, request=request, first=first):
                return client.get_notes(content={"venueid": venue}, limit=size, sort="id", after=request["after"],
                                        offset=request["offset"], with_count=True if first else None)

            doc = json.loads(self._fetch("notes", request, f"notes of {venue}, page {page}", get))
            if not isinstance(doc, dict) or not isinstance(doc.get("notes"), list):
                raise SchemaError(f"openreview: GET /notes answered without a 'notes' list "
                                  f"(keys: {', '.join(sorted(doc)) if isinstance(doc, dict) else type(doc).__name__})")
            batch = doc["notes"]
            if first and isinstance(doc.get("count"), int):
                count = doc["count"]
            out.extend(batch)
            log.info("%s", format_progress(f"openreview {venue} notes", len(out), count or len(out),
                                           time.monotonic() - started, "notes"))
            if not batch or (count is not None and len(out) >= count):
                break
            last = batch[-1].get("id") if isinstance(batch[-1], dict) else None
            if paging == "after" and not isinstance(last, str):
                raise SchemaError("openreview: a note without an 'id' ends a page: cannot page on")
            cursor = last
        if count is not None and len(out) < count:
            log.warning("openreview %s: the server counts %d notes, %d were listed", venue, count, len(out))
            self.stats["notes_short_of_count"] += count - len(out)
        return out

    def _profiles(self, ids: list[str]) -> dict[str, dict]:
        """id -> profile for the ids that have one; cached batches first, then new batches."""
        asked: set[str] = set()
        found: list[dict] = []
        api = self.settings.openreview_api
        for request, body in self.cache.entries("profiles"):
            if request.get("api") != api:
                continue
            asked.update(request.get("ids", []))
            found.extend(json.loads(body).get("profiles") or [])
            self.stats["cached_responses"] += 1
        known = profiles_mod.index(found)
        todo = [i for i in ids if i not in asked and i not in known]
        self.stats["profile_ids_cached"] = len(ids) - len(todo)
        size = min(max(1, self.settings.profile_batch), MAX_BATCH)
        started = time.monotonic()
        for k in range(0, len(todo), size):
            batch = todo[k:k + size]
            body = self.calls.call(f"profiles {k + 1}-{k + len(batch)} of {len(todo)}",
                                   lambda client, batch=batch: client.search_profiles(ids=batch))
            doc = json.loads(body)
            if not isinstance(doc, dict) or not isinstance(doc.get("profiles"), list):
                raise SchemaError("openreview: POST /profiles/search answered without a 'profiles' list")
            self.cache.put("profiles", {"api": api, "ids": batch}, body)
            found.extend(doc["profiles"])
            log.info("%s", format_progress("openreview profiles", k + len(batch), len(todo),
                                           time.monotonic() - started, "ids"))
        return profiles_mod.index(found)

    # -- the plug-in -----------------------------------------------------------------------

    def collect(self, conference: str, year: int) -> Collected:
        site = self.settings.openreview_site
        papers: list[Paper] = []
        missing: dict[str, list[str]] = {}
        total = 0
        for venue in self.venues:
            self._check_venue(venue)
            raw = self._notes(venue)
            if not raw:
                log.warning("openreview %s: no accepted papers listed (decisions not public yet?)", venue)
            total += len(raw)
            for note in raw:
                try:
                    papers.append(notes_mod.parse_note(note, conference, year, site))
                except notes_mod.NoteError as exc:
                    missing.setdefault(exc.field or "note", []).append(str(note.get("id") if isinstance(note, dict)
                                                                           else "?"))
                    self.stats["malformed_notes"] += 1
                    log.warning("openreview %s: %s", venue, exc)
        check_fields(missing, total, "openreview notes", self.settings.max_bad_share)
        ids = sorted({i for p in papers for a in p.authors for i in a.ids if i.startswith("~")})
        by_id = self._profiles(ids)
        self._attach(papers, by_id, year)
        self.stats.update({"venues": len(self.venues), "notes": total, "papers": len(papers),
                           "profile_ids": len(ids), "profiles_found": len({id(p) for p in by_id.values()}),
                           "requests": self.calls.requests})
        return Collected(papers, dict(self.stats))

    def _attach(self, papers: list[Paper], by_id: dict[str, dict], year: int) -> None:
        """Each author's profile (first id that has one) and the history entries held in year."""
        for paper in papers:
            for author in paper.authors:
                profile = next((by_id[i] for i in author.ids if i in by_id), None)
                if profile is None:
                    kind = "no_profile_email" if any("@" in i for i in author.ids) else "no_profile"
                    self.stats[kind] += 1
                    if not author.affiliations:
                        author.note = ("an e-mail, no profile id" if kind == "no_profile_email"
                                       else "no profile" if author.ids else "no id")
                    continue
                author.profile_id = profile.get("id")
                held = profiles_mod.held(profile, year, self.settings.history_fallback)
                _, bad = profiles_mod.entries(profile)
                self.stats["history_entries_unreadable"] += bad
                if not held:
                    self.stats["profile_without_entry"] += 1
                    if not author.affiliations:
                        author.note = f"profile {author.profile_id} has no history entry for {year}"
                    continue
                self.stats[f"held_{held[0].held}"] += 1
                self.stats["two_or_more_positions"] += len(held) > 1
                author.affiliations.extend(held)
