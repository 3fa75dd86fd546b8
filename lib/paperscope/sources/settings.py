"""The sources.* settings, with their defaults: one dataclass until defaults.yaml has the keys.

Every field is meant as a defaults.yaml key under `sources:` with the same name; the
command line (sources.command) overrides some of them. Credentials are not settings:
they come from the environment only (sources.openreview.credentials).
"""
from __future__ import annotations

from dataclasses import dataclass, fields, replace

VIRTUAL_URL = "https://{conf}.cc/static/virtual/data/{conf}-{year}-orals-posters.json"
OPENREVIEW_API = "https://api2.openreview.net"
OPENREVIEW_SITE = "https://openreview.net"


@dataclass(frozen=True)
class Settings:
    # Output and cache folders; None means <warehouse>/sources and <warehouse>/sources_cache.
    out: str | None = None
    cache: str | None = None
    # The program JSON of a conference-year ({conf} lower case, {year}).
    virtual_url: str = VIRTUAL_URL
    # OpenReview API v2 and the site its PDF and forum links are relative to.
    openreview_api: str = OPENREVIEW_API
    openreview_site: str = OPENREVIEW_SITE
    # Notes per page (the API's most is 1000), and how pages follow: "after" (cursor on the
    # note id, as the client's get_all_notes) or "offset".
    page_size: int = 1000
    paging: str = "after"
    # Profile ids per POST /profiles/search (one request per batch; at most 1000).
    profile_batch: int = 1000
    # Politeness: requests per second, retries on 429/5xx/cut connections/broken JSON with
    # a doubling wait from backoff_s to backoff_max_s; a Retry-After longer than
    # retry_after_max_s stops the run instead of waiting; seconds per request.
    rate_per_s: float = 2.0
    retries: int = 5
    backoff_s: float = 1.0
    backoff_max_s: float = 30.0
    retry_after_max_s: float = 120.0
    timeout_s: float = 60.0
    # Largest program JSON read (bytes), and a URL or e-mail for the User-Agent.
    max_bytes: int = 200 * 1024 * 1024
    contact: str | None = None
    # More than this share of records without a field the parse needs stops the run with
    # the field named (a renamed field upstream); fewer are counted as the source's gaps.
    max_bad_share: float = 0.2
    # A profile with no history entry covering the paper's year: take the nearest entry
    # before (else after) the year, marked held="before"/"after"; False leaves it empty.
    history_fallback: bool = True
    # Reconciliation: whose country an author gets when sources disagree, first first.
    precedence: tuple[str, ...] = ("pdf", "submission", "virtual", "profile")
    # Which provenance an author's affiliations are taken from when one source gives several.
    author_order: tuple[str, ...] = ("submission", "profile", "virtual", "metadata", "pdf")

    def with_values(self, **values) -> Settings:
        """A copy with the values that are not None."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]
