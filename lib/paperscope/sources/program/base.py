"""The plug-in interface every paper source implements, and the records it yields.

A source answers one question: for a conference and year, which papers were accepted,
who wrote them (in order) and which affiliation each author had, as the source states
it. Parsing is pure (raw JSON -> these records) and lives beside the IO that fetches
the raw JSON, so the same parse serves a live run, a cached re-run and the tests.

Provenance says where an affiliation was read:
- ``virtual``: the conference's program data (one institution string per author);
- ``submission``: the OpenReview note itself (newer venues store institutions per author);
- ``profile``: the author's OpenReview profile history, the entry held in the paper's year;
- ``pdf``: the paper's first page (the pipeline's header parse);
- ``metadata``: a metadata file (nips-json, paperlists).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import ClassVar, Protocol, get_args

from paperscope.core.settings import Provenance

# In the order of sources.precedence's default (defaults.yaml); the settings check the names.
PROVENANCES: tuple[str, ...] = get_args(Provenance)
# Tracks as the sources say them: a paper whose source names no track has track None.
TRACKS = ("main", "datasets_benchmarks", "position")


class SourceError(Exception):
    """A source could not give its papers: one line that says why and what to do."""


class SchemaError(SourceError):
    """The raw JSON lacks a field the parse relies on (renamed or dropped upstream)."""


class VenueNotFound(SourceError):
    """The venue (OpenReview group) does not exist."""


@dataclass
class Affiliation:
    """One affiliation of one author, as one source states it."""
    provenance: str
    name: str | None
    domain: str | None = None
    country: str | None = None  # ISO 3166-1 alpha-2 when the source states a country we can read
    country_stated: str | None = None  # the country as the source wrote it
    position: str | None = None  # profile history: the role held (PhD student, Professor, ...)
    start: int | None = None
    end: int | None = None
    # profile history: how the entry was chosen for the paper's year (profiles.held).
    held: str | None = None


@dataclass
class Author:
    position: int  # 1-based, in the source's order
    name: str
    ids: list[str] = field(default_factory=list)  # the source's ids: ~Profile_Id1, an e-mail, virtual:123
    profile_id: str | None = None  # the OpenReview profile that answered for one of ids
    affiliations: list[Affiliation] = field(default_factory=list)
    note: str | None = None  # why an author has no affiliation (no profile, no entry for the year, ...)


@dataclass
class Paper:
    """One accepted paper of a conference-year, as one source lists it."""
    source: str
    conference: str
    year: int
    id: str  # the OpenReview forum id when the source gives one, else "<source>:<its own id>"
    title: str
    authors: list[Author] = field(default_factory=list)
    track: str | None = None
    decision: str | None = None  # oral, spotlight, poster (lower case), or the source's own word
    venue: str | None = None  # the source's own label ("NeurIPS 2025 poster", an OpenReview venue id)
    forum_url: str | None = None
    pdf_url: str | None = None
    source_ids: list[str] = field(default_factory=list)  # every id the source has for it (event ids, note number)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, obj: dict) -> Paper:
        authors = [Author(**{**a, "affiliations": [Affiliation(**f) for f in a.get("affiliations", [])]})
                   for a in obj.get("authors", [])]
        return cls(**{**obj, "authors": authors})


@dataclass
class Collected:
    """What one source gave for a conference-year: the papers and the counts to report."""
    papers: list[Paper]
    stats: dict = field(default_factory=dict)


class Source(Protocol):
    """A plug-in: `paperscope sources <name>` builds one from its flags and calls collect."""
    name: ClassVar[str]

    def collect(self, conference: str, year: int) -> Collected:
        """Every accepted paper of the conference-year with its authors and affiliations."""
        ...


def check_fields(missing: dict[str, list[str]], total: int, what: str, max_bad_share: float) -> None:
    """SchemaError naming the field when more than max_bad_share of total records lack it.

    missing: field -> ids of the records without it. A few records without a field are
    the source's gaps (counted); most of them without it is a renamed field upstream.
    """
    for name, ids in sorted(missing.items(), key=lambda kv: -len(kv[1])):
        if total and len(ids) / total > max_bad_share:
            raise SchemaError(f"{what}: field '{name}' is missing in {len(ids)} of {total} records "
                              f"(first: {ids[0]}); was it renamed upstream? The parse relies on it "
                              f"(docs/sources.md lists the fields read)")
