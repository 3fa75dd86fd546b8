"""HTTP for the downloader: one opener, one pace across threads, retries with backoff and deadlines.

Only http(s) is fetched, and redirects to any other scheme are refused. A 5xx, a timeout,
a connection error or a body that is cut short or is not a PDF is retried with
exponential backoff (a Retry-After header is honoured up to download.retry_after_max_s).
Three bounds hold for every item read from the network (an index page, a paper page, a
PDF): download.timeout_s for a silent server (the connection, and each wait for the
next bytes), download.file_deadline_s for the item in all, tries and waits included,
however the server sends (a status line or headers sent a byte at a time too: a watchdog
closes the socket), and a low-speed cut as curl's --speed-limit/--speed-time (a transfer
slower than download.speed_limit_bps over download.speed_time_s is abandoned).
"""
from __future__ import annotations

import email.utils
import http.client
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import urljoin, urlparse

from tenacity import RetryCallState, Retrying, stop_never, wait_exponential

from paperscope.sources.download.papers import Options

log = logging.getLogger(__name__)

SCHEMES = ("http", "https")


class DownloadError(Exception):
    """A fetch that failed; retryable says whether trying again may help."""

    def __init__(self, message: str, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)


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


def _read_capped(resp, cap: int, deadline: float, speed: tuple[float, float] = (0.0, 0.0)) -> bytes:
    """The body in chunks, stopping one byte past cap; a short body is left for the caller
    to compare with Content-Length. read1 returns what one socket read gave, so a server
    that trickles is checked against the deadline and the speed after every few bytes,
    not every 64 KiB. speed is (bytes/s, seconds): the low-speed cut (0 bytes/s: none)."""
    parts, total = [], 0
    read = getattr(resp, "read1", resp.read)
    limit, window = speed
    since, at_since = time.monotonic(), 0
    while total <= cap:
        now = time.monotonic()
        if now > deadline:
            raise DeadlineHit(f"{total} bytes received")
        if limit > 0 and now - since >= window:
            rate = (total - at_since) / (now - since)
            if rate < limit:
                raise TooSlow(f"{rate:.0f} bytes/s over the last {now - since:.0f} s, under download.speed_limit_bps "
                              f"({limit:g}) for download.speed_time_s ({window:g} s); {total} bytes received")
            since, at_since = now, total
        chunk = read(min(1 << 16, cap + 1 - total))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return b"".join(parts)


class DeadlineHit(Exception):
    """The item's overall deadline passed while it was still coming."""


class TooSlow(Exception):
    """The transfer ran under the low-speed limit for the whole window."""


class _Watchdog:
    """Closes a request's socket when the item's deadline passes, so a server that sends
    its status line or headers a byte at a time (inside urllib, where no loop of ours can
    look at the clock) is cut off too."""

    def __init__(self, deadline: float):
        self.sock: socket.socket | None = None
        self.fired = False
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()


def _watched(connection: type, watchdog_of) -> type:
    """A connection class that hands its socket to the request's watchdog once connected."""

    class Watched(connection):
        def connect(self):
            super().connect()
            dog = watchdog_of()
            if dog is not None:
                dog.sock = self.sock
                if dog.fired:
                    dog._fire()

    return Watched


class _WatchedHTTP(urllib.request.HTTPHandler):
    def __init__(self, watchdog_of):
        super().__init__()
        self._connection = _watched(http.client.HTTPConnection, watchdog_of)

    def http_open(self, req):
        return self.do_open(self._connection, req)


class _WatchedHTTPS(urllib.request.HTTPSHandler):
    def __init__(self, watchdog_of):
        super().__init__()
        self._connection = _watched(http.client.HTTPSConnection, watchdog_of)

    def https_open(self, req):
        return self.do_open(self._connection, req, context=self._context)


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


class _GaveUp(DownloadError):
    """A retryable failure not retried: the server's Retry-After or the file's deadline says no."""


def _tries(n: int) -> str:
    return f" (after {n} tries)" if n > 1 else ""


class Client:
    def __init__(self, opts: Options):
        self.opts = opts
        self.pace = _Pace(opts.rate_per_s)
        self._local = threading.local()  # this thread's request watchdog

        def watchdog_of():
            return getattr(self._local, "dog", None)

        self.opener = urllib.request.build_opener(_HttpOnlyRedirects(), _WatchedHTTP(watchdog_of),
                                                  _WatchedHTTPS(watchdog_of))

    def _deadline_passed(self, received: str) -> DownloadError:
        return DownloadError(f"gave up after download.file_deadline_s ({self.opts.file_deadline_s:g} s): {received}",
                             False)

    def _once(self, url: str, method: str, expect_pdf: bool, deadline: float) -> tuple[bytes, dict]:
        check_scheme(url)
        self.pace.wait()
        req = urllib.request.Request(url, method=method, headers={"User-Agent": self.opts.user_agent})
        timeout = max(0.05, min(self.opts.timeout_s, deadline - time.monotonic()))
        dog = self._local.dog = _Watchdog(deadline)
        try:
            with dog, self.opener.open(req, timeout=timeout) as resp:
                headers = {k.lower(): v for k, v in resp.headers.items()}
                if method == "HEAD":
                    return b"", headers
                declared = headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > self.opts.max_bytes:
                    raise DownloadError(f"{declared} bytes is over download.max_bytes", False)
                body = _read_capped(resp, self.opts.max_bytes, deadline,
                                    (self.opts.speed_limit_bps, self.opts.speed_time_s))
        except DownloadError:
            raise
        except DeadlineHit as exc:
            raise self._deadline_passed(str(exc)) from None
        except TooSlow as exc:
            raise DownloadError(f"too slow: {exc}", True) from None
        except Exception as exc:
            if dog.fired:
                raise self._deadline_passed("the server was still sending its answer") from None
            raise self._failure(exc) from None
        finally:
            self._local.dog = None
        if dog.fired:
            raise self._deadline_passed(f"{len(body)} bytes received")
        if len(body) > self.opts.max_bytes:
            raise DownloadError("body is over download.max_bytes", False)
        if declared and declared.isdigit() and len(body) != int(declared):
            raise DownloadError(f"truncated body: {len(body)} of {declared} bytes", True)
        if expect_pdf and not body.startswith(b"%PDF"):
            raise DownloadError(f"not a PDF (starts with {body[:8]!r}, {len(body)} bytes)", True)
        return body, headers

    def _failure(self, exc: Exception) -> Exception:
        """What a failed request was, in one line, and whether trying again may help; an
        exception that is not about the network is returned as it is."""
        timed_out = f"timed out after download.timeout_s ({self.opts.timeout_s:g} s) without a byte"
        if isinstance(exc, urllib.error.HTTPError):
            wait = retry_after(exc.headers.get("Retry-After")) if exc.headers else None
            return DownloadError(f"HTTP {exc.code} {exc.reason}", exc.code >= 500 or exc.code in (408, 429), wait)
        if isinstance(exc, http.client.IncompleteRead):
            return DownloadError(f"truncated body: got {len(exc.partial)} bytes, expected {exc.expected} more", True)
        if isinstance(exc, (socket.timeout, TimeoutError)):
            return DownloadError(timed_out, True)
        if isinstance(exc, urllib.error.URLError):
            reason = exc.reason
            if isinstance(reason, DownloadError):
                return reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                return DownloadError(timed_out, True)
            return DownloadError(f"connection error: {reason}", True)
        if isinstance(exc, (ConnectionError, http.client.HTTPException, OSError)):
            return DownloadError(f"connection error: {exc}", True)
        return exc

    def get(self, url: str, expect_pdf: bool = False, method: str = "GET",
            deadline: float | None = None) -> tuple[bytes, dict]:
        """The body, retried with exponential backoff (tenacity) while the failure is retryable.

        deadline (time.monotonic()) bounds the item in all; none given, the item gets
        download.file_deadline_s from now (an index or paper page is an item as a PDF is).

        A Retry-After the server sends replaces the backoff when longer; one over
        download.retry_after_max_s, or a wait that would pass the file's deadline, ends the
        retries with a line that says so.
        """
        if deadline is None:
            deadline = time.monotonic() + self.opts.file_deadline_s
        backoff = wait_exponential(multiplier=self.opts.backoff_s, max=self.opts.backoff_max_s)

        def wait(state: RetryCallState) -> float:
            exc = state.outcome.exception()
            return max(backoff(state), exc.retry_after or 0.0)

        def retry(state: RetryCallState) -> bool:
            exc = state.outcome.exception()
            if not isinstance(exc, DownloadError) or not exc.retryable or state.attempt_number > self.opts.retries:
                return False
            tries = _tries(state.attempt_number)
            if exc.retry_after is not None and exc.retry_after > self.opts.retry_after_max_s:
                raise _GaveUp(f"{exc}{tries}: the server asks to retry after {exc.retry_after:.0f} s, over "
                              f"download.retry_after_max_s ({self.opts.retry_after_max_s:g} s)", False)
            pause = wait(state)
            if time.monotonic() + pause > deadline:
                raise _GaveUp(f"{exc}{tries}; a retry in {pause:.0f} s would pass download.file_deadline_s "
                              f"({self.opts.file_deadline_s:g} s)", False)
            log.info("%s: %s; retry %d of %d in %.1f s", url, exc, state.attempt_number, self.opts.retries, pause)
            return True

        attempts = Retrying(retry=retry, wait=wait, stop=stop_never, reraise=True)
        try:
            return attempts(self._once, url, method, expect_pdf, deadline)
        except _GaveUp as exc:
            raise DownloadError(str(exc), False) from None
        except DownloadError as exc:
            raise DownloadError(f"{exc}{_tries(attempts.statistics.get('attempt_number', 1))}", exc.retryable) from None

