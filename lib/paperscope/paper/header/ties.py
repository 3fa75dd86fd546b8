"""Each author tied to his or her own affiliations, and how (model.TIES).

In order of trust: a mark shared by the name and the affiliation; the affiliation printed
in the author's own grid cell or beside the name; a sentence naming the author; one
affiliation (or affiliations in one country) for all authors of a group; the author's own
e-mail address, whose domain is one of the group's affiliations; and, with as many
affiliation lines as authors and nothing else to go by, their order. An author none of
these ties keeps no affiliation: the paper's countries still count, the author's are unknown.
"""
from __future__ import annotations

import re

from paperscope.paper.header import markers, names
from paperscope.paper.header.block import Reading
from paperscope.paper.header.model import Affiliation, Author
from paperscope.paper.matcher import Gazetteer

# Parts of an e-mail domain that name no institution.
_GENERIC = {"edu", "ac", "com", "org", "net", "gov", "mail", "mails", "email", "cs", "cse", "ece", "ee", "eecs",
            "inf", "info", "math", "stu", "student", "students", "alumni", "connect", "link", "dept", "lab", "www"}
_ALL = re.compile(r"^(?:the|all|both)\s+(?:\w+\s+)?authors?\b", re.I)


def by_marks(authors: list[Author], affiliations: list[Affiliation]) -> bool:
    """Tie authors by shared marks; True if any author was. Authors without a mark of an
    affiliation share the unmarked affiliations when those name one country."""
    where: dict[str, list[int]] = {}
    for i, aff in enumerate(affiliations):
        for m in markers.split(aff.marker):
            where.setdefault(m, []).append(i)
    known = set(where)
    tied = False
    for author in authors:
        marks = [d for m in author.markers for d in markers.digits_of(m, known)]
        linked = sorted({i for m in marks for i in where.get(m, [])})
        if linked:
            author.affiliations, author.tie, tied = linked, "marker", True
    if tied:
        unmarked = [i for i, a in enumerate(affiliations) if not a.marker]
        rest = [a for a in authors if not a.affiliations]
        if rest and unmarked and one_place(affiliations, unmarked):
            for author in rest:
                author.affiliations, author.tie = list(unmarked), "shared"
    return tied


def missing_marks(authors: list[Author], affiliations: list[Affiliation]) -> set[str]:
    """Marks on names that no affiliation of the block carries (their affiliation is a footnote)."""
    known = {m for a in affiliations for m in markers.split(a.marker)}
    return {d for a in authors for m in a.markers for d in markers.digits_of(m, known)} - known


def by_groups(reading: Reading, gaz: Gazetteer) -> None:
    """Ties without marks: grid cells and 'NAME, Place' lines, shared affiliations, e-mails, order."""
    affs = reading.affiliations
    several = len(reading.groups) > 1
    for group in reading.groups:
        idx = sorted(set(group.affiliations))
        if not idx or not group.authors:
            continue
        if len(group.authors) == 1 and (group.cell is not None or group.inline or several):
            _set(group.authors, idx, "grid")
        elif len(idx) == 1 or one_place(affs, idx):
            _set(group.authors, idx, "shared")
        else:
            by_email(group.authors, idx, affs, reading.emails, gaz)
            untied = [a for a in group.authors if not a.affiliations]
            if len(untied) == len(group.authors) and len(idx) == len(group.authors):
                for author, i in zip(group.authors, idx):
                    _set([author], [i], "order")


def by_email(authors: list[Author], idx: list[int], affs: list[Affiliation], emails: list[str],
             gaz: Gazetteer) -> None:
    """Authors whose own address (local part spelling the name) is at one of ``idx``'s domains."""
    people = [a.name for a in authors]
    for address in emails:
        local, _, domain = address.rpartition("@")
        owner = names.email_owner(local, people)
        target = _domain_affiliation(domain, idx, affs, gaz) if owner is not None else None
        if target is not None and not authors[owner].affiliations:
            _set([authors[owner]], [target], "email")


def _domain_affiliation(domain: str, idx: list[int], affs: list[Affiliation], gaz: Gazetteer) -> int | None:
    hit = gaz.match_domain(domain)
    if hit and hit.institution:
        same = [i for i in idx if any(m.institution == hit.institution for m in affs[i].matches)]
        if len(same) == 1:
            return same[0]
    labels = [p for p in domain.lower().split(".")[:-1] if len(p) >= 3 and p not in _GENERIC]
    named = [i for i in idx if any(_names_org(label, affs[i].raw) for label in labels)]
    if len(named) == 1:
        return named[0]
    if hit and hit.country:
        placed = [i for i in idx if {m.country for m in affs[i].matches if m.country} == {hit.country}]
        if len(placed) == 1:
            return placed[0]
    return None


def _names_org(label: str, raw: str) -> bool:
    """'microsoft' in 'Microsoft Research Asia'; 'nus' for 'National University of Singapore'."""
    words = re.findall(r"[A-Za-z]+", raw)
    if label in {w.lower() for w in words}:
        return True
    for part in raw.split(","):
        acronym = "".join(w[0] for w in re.findall(r"[A-Za-z]+", part) if w[0].isupper()).lower()
        if len(acronym) >= 3 and label in acronym:
            return True
    return False


def by_name(authors: list[Author], named: list[tuple[str, list[int]]]) -> None:
    """'K. He and J. Sun are with X', 'Authors' addresses: L. Hu, X': the authors each sentence names."""
    for who, idx in named:
        for author in named_authors(who, authors):
            author.affiliations = sorted(set(author.affiliations) | set(idx))
            author.tie = "named" if author.tie in ("none", "named") else author.tie


def named_authors(who: str, authors: list[Author]) -> list[Author]:
    """The authors a list of names refers to: 'K.-P. Zhang, Z.-F. Li and Y. Q.', 'The authors'."""
    if _ALL.match(who.strip()):
        return list(authors)
    out = []
    for ref in re.split(r",\s*|\s+and\s+|\s*&\s*", who):
        hits = [a for a in authors if ref.strip() and names.refers_to(ref, a.name)]
        if len(hits) == 1 and hits[0] not in out:
            out.append(hits[0])
    return out


def split_entry(entry: str, authors: list[Author]) -> tuple[str, str] | None:
    """'L. Hu, Advanced Analytics Institute, UTS, Sydney' -> ('L. Hu', 'Advanced Analytics Institute, UTS, Sydney')."""
    parts = [p.strip() for p in entry.split(",")]
    k = 0
    while k < len(parts) - 1 and named_authors(parts[k], authors):
        k += 1
    return (", ".join(parts[:k]), ", ".join(parts[k:])) if k else None


def one_country(authors: list[Author], affs: list[Affiliation]) -> None:
    """No author tied at all (affiliations before the names, or in a footnote without marks):
    when every affiliation on the page is in the same countries, so is every author."""
    if authors and affs and all(a.tie == "none" for a in authors) and one_place(affs, list(range(len(affs)))):
        _set(authors, list(range(len(affs))), "shared")


def one_place(affs: list[Affiliation], idx: list[int]) -> bool:
    """All of ``idx`` resolve to the same countries (which of them is whose does not change any author's)."""
    sets = {frozenset(m.country for m in affs[i].matches if m.country) for i in idx}
    return len(sets) == 1 and bool(next(iter(sets)))


def _set(authors: list[Author], idx: list[int], tie: str) -> None:
    for author in authors:
        author.affiliations, author.tie = list(idx), tie
