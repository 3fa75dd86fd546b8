"""OpenReview API v2 notes (accepted submissions) -> papers. Pure: JSON in, records out.

Fields read (docs/sources.md says how each was checked):
- ``id`` (the forum id of a submission), ``forum``, ``number``;
- ``content.title.value``, ``content.authors.value`` (names; or, in the unified author
  schema, objects with ``fullname``, ``username`` and ``institutions``), and
  ``content.authorids.value`` (profile ids ``~Jane_Doe1`` or e-mails, in author order);
- ``content.venueid.value`` (the query key: NeurIPS.cc/2025/Conference for the main
  track's accepted papers), ``content.venue.value`` ("NeurIPS 2025 poster"), and
  ``content.pdf.value`` (a path on the site, "/pdf/<sha>.pdf").
Every content field of API v2 is wrapped as {"value": ...}; a bare value is an API v1
note, which the parse names rather than misreads.
"""
from __future__ import annotations

import re

from paperscope.sources.program import country
from paperscope.sources.program.base import Affiliation, Author, Paper

DECISIONS = ("oral", "spotlight", "poster")
REQUIRED = ("title", "authors", "venueid")


class NoteError(ValueError):
    """A note that cannot be read; field names the content field at fault."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def value(content: dict, name: str, note_id: str, required: bool = False):
    """content[name]['value']; NoteError naming the field when required and absent."""
    wrapped = content.get(name)
    if wrapped is None:
        if required:
            raise NoteError(f"note {note_id}: content.{name} is missing (content has: "
                            f"{', '.join(sorted(content)) or 'nothing'})", name)
        return None
    if not isinstance(wrapped, dict) or "value" not in wrapped:
        raise NoteError(f"note {note_id}: content.{name} is not an API v2 field {{'value': ...}} "
                        f"(an API v1 note? use the v2 API, {type(wrapped).__name__} found)", name)
    return wrapped["value"]


def track_of(venueid: str | None, venue: str | None) -> str | None:
    """main, datasets_benchmarks or position, from the venue id (else the venue label)."""
    text = f"{venueid or ''} {venue or ''}".casefold().replace("_", " ")
    if "datasets and benchmarks" in text or "datasets & benchmarks" in text:
        return "datasets_benchmarks"
    if "position paper" in text:
        return "position"
    if venueid and re.search(r"/conference$", venueid, re.IGNORECASE):
        return "main"
    return None


def decision_of(venue: str | None) -> str | None:
    """oral, spotlight or poster from a label such as "NeurIPS 2025 oral"; else the label."""
    if not venue:
        return None
    words = re.findall(r"[a-z]+", venue.casefold())
    for word in reversed(words):
        if word in DECISIONS:
            return word
    return venue


def site_url(site: str, path: str | None) -> str | None:
    if not path or not isinstance(path, str):
        return None
    return path if re.match(r"https?://", path) else site.rstrip("/") + "/" + path.lstrip("/")


def _authors(content: dict, note_id: str) -> list[Author]:
    names = value(content, "authors", note_id, required=True)
    if not isinstance(names, list):
        raise NoteError(f"note {note_id}: content.authors.value must be a list, got {type(names).__name__}",
                        "authors")
    if names and all(isinstance(n, dict) for n in names):  # unified author{} schema
        out = []
        for pos, a in enumerate(names, 1):
            ids = [a["username"]] if isinstance(a.get("username"), str) and a["username"] else []
            affs = []
            insts = a.get("institutions") or []
            for inst in insts if isinstance(insts, list) else [insts]:
                if isinstance(inst, dict) and (inst.get("name") or inst.get("domain")):
                    stated = inst.get("country") if isinstance(inst.get("country"), str) else None
                    affs.append(Affiliation("submission", inst.get("name") or None, inst.get("domain") or None,
                                            country.code(stated), stated or None))
            out.append(Author(pos, str(a.get("fullname") or ""), ids, affiliations=affs))
        return out
    if not all(isinstance(n, str) for n in names):
        raise NoteError(f"note {note_id}: content.authors.value mixes names and objects", "authors")
    ids = value(content, "authorids", note_id)
    if ids is None:
        ids = [None] * len(names)
    if not isinstance(ids, list) or len(ids) != len(names):
        raise NoteError(f"note {note_id}: content.authorids.value has {len(ids) if isinstance(ids, list) else 'no'} "
                        f"ids for {len(names)} authors", "authorids")
    return [Author(pos, name, [i] if isinstance(i, str) and i else []) for pos, (name, i) in
            enumerate(zip(names, ids), 1)]


def parse_note(note: dict, conference: str, year: int, site: str) -> Paper:
    """One accepted submission -> a Paper (authors without profile affiliations yet)."""
    if not isinstance(note, dict) or not isinstance(note.get("id"), str):
        raise NoteError("a note without an 'id'", "id")
    note_id = note["id"]
    content = note.get("content")
    if not isinstance(content, dict):
        raise NoteError(f"note {note_id}: no content object", "content")
    title = value(content, "title", note_id, required=True)
    if not isinstance(title, str) or not title.strip():
        raise NoteError(f"note {note_id}: content.title.value is empty or not a string", "title")
    venueid = value(content, "venueid", note_id, required=True)
    venue = value(content, "venue", note_id)
    forum = note.get("forum") if isinstance(note.get("forum"), str) else note_id
    number = note.get("number")
    return Paper(source="openreview", conference=conference, year=year, id=forum, title=" ".join(title.split()),
                 authors=_authors(content, note_id), track=track_of(venueid, venue), decision=decision_of(venue),
                 venue=venue if isinstance(venue, str) else venueid,
                 forum_url=f"{site.rstrip('/')}/forum?id={forum}",
                 pdf_url=site_url(site, value(content, "pdf", note_id)),
                 source_ids=[note_id] + ([f"number:{number}"] if isinstance(number, int) else []))
