"""What the header reader returns: authors, affiliation strings, and how each author was tied."""
from __future__ import annotations

from dataclasses import dataclass, field

from paperscope.paper.matcher import Match

# Where an affiliation was read (headers.affiliations.source, affiliations.source).
SOURCES = ("block", "footnote", "email")
# How an author was tied to his or her affiliations (authors.tie), strongest first:
# marker: a superscript shared by the name and the affiliation;
# grid: the affiliation printed under or beside that one name (a grid cell, a column, 'NAME, Place');
# named: a sentence naming the author ('K. He and J. Sun are with ...', 'Authors' addresses: ...');
# shared: one affiliation (or one country) for every author of the group above it;
# email: the author's own e-mail address, whose domain is one of the affiliations;
# order: the n-th affiliation line for the n-th author (as many lines as authors, nothing else to go by);
# none: not tied (the author's countries are unknown).
TIES = ("marker", "grid", "named", "shared", "email", "order", "none")
# Why a note's affiliation is not counted (Affiliation.note): 'work done while at X',
# 'now with X', 'work done during an internship at X'.
NOTES = ("former", "later", "intern")


@dataclass
class Affiliation:
    raw: str
    matches: list[Match] = field(default_factory=list)
    source: str = "block"  # where it was read: "block", "footnote" or "email"
    marker: str | None = None
    note: str | None = None  # for Header.former: "former", "later" or "intern"


@dataclass
class Author:
    name: str
    markers: list[str] = field(default_factory=list)
    affiliations: list[int] = field(default_factory=list)
    tie: str = "none"
    former: list[int] = field(default_factory=list)  # indices into Header.former


@dataclass
class Header:
    affiliations: list[Affiliation]
    emails: list[str]
    authors: list[Author] = field(default_factory=list)
    title: str | None = None
    # Places a note names that are not where the work was done (recorded, not counted).
    former: list[Affiliation] = field(default_factory=list)

    def countries(self) -> list[str]:
        return sorted({m.country for a in self.affiliations for m in a.matches if m.country})
