"""The author block of a paper's first page: affiliation strings and emails.

Works on the text of page one as pdfminer lays it out. The block is what comes before
the abstract; a line in it is an affiliation when the gazetteer knows a name in it or
it reads like one (University, Institute, Lab, ...). Strings are kept as written (minus
leading footnote markers) so that every count can be traced back to them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperscope.gazetteer import Gazetteer, Match, default_gazetteer

_ABSTRACT = re.compile(r"^\s*(?:a\s*b\s*s\s*t\s*r\s*a\s*c\s*t|summary)\b", re.I | re.M)
_GLUED_ABSTRACT = re.compile(r"Abstract|ABSTRACT")
_EMAIL = re.compile(r"\{[^{}@]{1,300}\}\s*@\s*[\w-]+(?:\.[\w-]+)+|[\w.+-]+\s?@\s?[\w-]+(?:\.[\w-]+)+")
# Footnote marks and superscripts that tie authors to affiliations.
_MARKERS = "†‡§¶∗*⋆⋄♠♢♡♣♦♥✝✉#"
_LEADING = re.compile(rf"^[\s\d{re.escape(_MARKERS)},;:.()\[\]^]+")
_SPLIT = re.compile(rf"[{re.escape(_MARKERS)}]+|\(cid:\d+\)")
_KEYWORDS = re.compile(
    r"\b(universit\w*|institut\w*|college|school|academy|laborator\w*|labs?|centre|center|"
    r"research|department|dept|faculty|hospital|inc|corp\w*|ltd|gmbh|company|polytechnic)\b",
    re.I,
)
MAX_HEADER_LINES = 40


@dataclass
class Affiliation:
    raw: str
    matches: list[Match] = field(default_factory=list)
    source: str = "header"


@dataclass
class Header:
    affiliations: list[Affiliation]
    emails: list[str]

    def countries(self) -> list[str]:
        return sorted({m.country for a in self.affiliations for m in a.matches if m.country})


def author_block(page_text: str, title: str | None = None) -> str:
    """The first page up to the abstract (or its first lines when there is none)."""
    text = page_text or ""
    cut = _ABSTRACT.search(text)
    if cut:
        text = text[:cut.start()]
    else:
        glued = _GLUED_ABSTRACT.search(text)
        text = text[:glued.start()] if glued and _is_glued(text[:glued.start()]) else text
        text = "\n".join(text.splitlines()[:MAX_HEADER_LINES])
    if title:
        folded_title = " ".join(title.split())
        text = "\n".join(line for line in text.splitlines() if " ".join(line.split()) not in folded_title)
    return text


def _is_glued(text: str) -> bool:
    return bool(text) and text.count(" ") < len(text) / 30


def emails(block: str) -> list[str]:
    """Email addresses, with brace groups expanded: {a,b}@x.edu -> a@x.edu, b@x.edu."""
    out = []
    for m in _EMAIL.finditer(block):
        text = re.sub(r"\s", "", m.group())
        local, _, domain = text.rpartition("@")
        names = local.strip("{}").split(",") if local.startswith("{") else [local]
        out.extend(f"{n.strip()}@{domain}" for n in names if n.strip())
    return list(dict.fromkeys(out))


def _candidates(block: str) -> list[str]:
    lines = []
    for line in _EMAIL.sub(" ", block).splitlines():
        for piece in _SPLIT.split(line) if _is_glued(line) or len(line) > 160 else [line]:
            piece = _LEADING.sub("", piece).strip(" ,;")
            if len(piece) >= 3:
                lines.append(" ".join(piece.split()))
    return lines


def parse(page_text: str, title: str | None = None, gazetteer: Gazetteer | None = None) -> Header:
    """Affiliation strings (each resolved) and emails of one paper's first page."""
    gaz = gazetteer or default_gazetteer()
    block = author_block(page_text, title)
    affiliations = []
    for line in _candidates(block):
        matches = gaz.match(line)
        if matches or _KEYWORDS.search(line):
            affiliations.append(Affiliation(line, matches))
    mails = emails(block)
    if not any(m.country for a in affiliations for m in a.matches):
        for address in mails:
            hit = gaz.match_domain(address.rpartition("@")[2])
            if hit:
                affiliations.append(Affiliation(address, [hit], source="email"))
    return Header(list({a.raw + a.source: a for a in affiliations}.values()), mails)
