"""First-page notes: which say where authors are, which say something else about them.

A note is read sentence by sentence and, within a sentence, mark by mark, so that
'*Equal contribution 1School of Software, SCUT, China 2Pazhou Lab, China' keeps both
affiliations and drops the contribution note. Kinds of sentence:

- an affiliation led by its mark ('1Google Inc., Mountain View'), for the block reader;
- a sentence naming authors: IEEE's 'K. He and J. Sun are with Microsoft Research, Beijing',
  ACM's 'Authors' addresses: L. Hu, University of Technology Sydney, ...; J. Cao, ...';
- a note on a mark that is no affiliation: equal contribution, corresponding author, project lead;
- a place that is not where the work was done: 'work done while at X' (former), 'now with X'
  (later), 'work done during an internship at X' (intern): recorded, not counted;
- anything else (venues, funding, licences, content notes): dropped.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from paperscope.paper.header.markers import LEAD, marked_pieces

# Sentences that are not affiliations (the labels' rules: venues, publishers, funding, contact).
NOISE = re.compile(
    r"proceedings|conference|symposium|workshop|copyright|©|\(c\)|licen[cs]|e-?mail|manuscript|"
    r"received|revised|accepted|published|publication|supported|grant|funded|funding|"
    r"homepage|https?://|www\.|preprint|arxiv|\bdoi\b|digital object|permission|all rights|recommended|"
    r"associate editor|this paper|\bPMLR\b|@", re.I)
ROLE = re.compile(r"equal(?:ly)?\s+(?:contribut|advis|supervis)|contributed\s+equally|correspond|project\s+lead|"
                  r"(?:co-?)?first\s+authors?|senior\s+authors?|lead\s+authors?|joint\s+first|"
                  r"these\s+authors|order\s+(?:is\s+)?(?:random|alphabetical)", re.I)
_PLACE = r"(?:the\s+)?(?P<place>[A-Z0-9].*)"
# (kind, pattern): the place is what follows the pattern.
_ELSEWHERE = [
    ("intern", re.compile(r"\bintern(?:ship|ing|ed|s)?\b.*?\b(?:at|with|in)\s+" + _PLACE, re.I)),
    ("later", re.compile(r"\b(?:now|currently)\s+(?:at|with|in)\s+" + _PLACE, re.I)),
    ("former", re.compile(r"\b(?:formerly|previously)\s+(?:at|with|in)\s+" + _PLACE, re.I)),
    ("former", re.compile(r"\b(?:done|performed|conducted|carried\s+out)\b.{0,40}?\b(?:while|when)\b.{0,60}?"
                          r"\b(?:at|with|in)\s+" + _PLACE, re.I)),
    ("former", re.compile(r"\bwork\b.{0,30}?\b(?:done|performed|conducted|carried\s+out)\s+(?:at|in)\s+" + _PLACE,
                          re.I)),
]
_ELSEWHERE_WORDS = re.compile(r"\bintern(?:ship|ing|ed|s)?\b|\bnow\s+(?:at|with)|\bcurrently\s+(?:at|with)|"
                              r"\bformerly|\bpreviously|"
                              r"\bwork\b.{0,30}?\b(?:done|performed|conducted|carried)", re.I)
# IEEE: "K. He and J. Sun are with Microsoft Research, ..."; "The authors are with ...".
ARE_WITH = re.compile(r"^(?P<who>.{0,160}?)\s+(?P<verb>is|are|was|were)\s+(?P<how>(?:also\s+|now\s+|currently\s+)*)"
                      r"(?:with|at|from)\s+(?:the\s+)?", re.I)
_ALSO_WITH = re.compile(r",?\s*(?:and|;)\s+(?:is\s+|are\s+)?(?P<how>(?:also\s+|now\s+|currently\s+)*)"
                        r"(?:with|at)\s+(?:the\s+)?", re.I)
ADDRESSES = re.compile(r"^\s*(?:the\s+)?authors?['’`]?\s*(?:e-?mail\s+)?(?:current\s+)?address(?:es)?\s*:\s*",
                       re.I)
_SENTENCE = re.compile(r"(?<=[A-Za-z\)\]]{2})(?<!Inc)(?<!Ltd)(?<!Corp)(?<!Co)(?<!Univ)(?<!Dept)(?<!Inst)(?<!Lab)"
                       r"\.\s+(?=[A-Z(])|;\s+")
_CONTACT = re.compile(r"\((?:[^()]*@[^()]*|e-?mail[^()]*)\)|\b(?:e-?mail|emails?)\s*:?\s*\S*@\S*|\S+@\S+", re.I)
_LABEL = re.compile(r"^\s*(?:author\s+)?affiliations?\s*:\s*", re.I)  # 'Affiliations: 1Univ A; 2Univ B'
_BULLET = re.compile(r"^\s*[•◦▪∙]\s*")
_CID_LEAD = re.compile(r"^\s*\(cid:\d+\)\s*")
_LINK_WORDS = {"of", "and", "for", "the", "at", "in", "on", "de", "di", "la", "le", "du", "des", "del", "der",
               "und", "für", "y", "e", "a", "an", "da", "do", "dos", "van", "von"}


@dataclass
class Notes:
    lines: list[str] = field(default_factory=list)  # affiliations, each led by its mark
    named: list[tuple[str, str]] = field(default_factory=list)  # (who, where): 'K. He and J. Sun', 'Microsoft ...'
    entries: list[str] = field(default_factory=list)  # 'Authors' addresses' entries: 'L. Hu, UTS, Sydney'
    elsewhere: list[tuple[str | None, str, str]] = field(default_factory=list)  # (mark, place, kind)
    # (who, where, kind) of 'X is now with Y' (later), 'X was with Y' (former)
    elsewhere_named: list[tuple[str, str, str]] = field(default_factory=list)


def elsewhere(text: str) -> tuple[str, str] | None:
    """(kind, place) of a note that names a place where the work was not done."""
    if not _ELSEWHERE_WORDS.search(text):
        return None
    for kind, pattern in _ELSEWHERE:
        m = pattern.search(text)
        if m:
            return kind, m.group("place").strip(" .;,")
    return None


def running_text(sentence: str) -> bool:
    """A content note ('We use the Qwen model from Alibaba'): lower-case words beyond the few
    that link the parts of a name; an affiliation is capitalised words and places."""
    words = re.findall(r"[^\W\d_][\w'’-]*", _CONTACT.sub(" ", sentence))
    lower = [w for w in words if w.islower() and w not in _LINK_WORDS]  # not 'iFLYTEK', 'eBay'
    return len(lower) >= 2


def read(notes: list[str]) -> Notes:
    """Sort the sentences of a page's notes (footnotes.footnotes) into the kinds above."""
    out = Notes()
    for note in notes:
        note = _LABEL.sub("", _BULLET.sub("", note))
        cid = _CID_LEAD.match(note)
        if cid and (ARE_WITH.match(note[cid.end():]) or ADDRESSES.match(note[cid.end():])):
            note = note[cid.end():]  # a bullet drawn from a symbol font (IEEE), not a mark
        head = ADDRESSES.match(note)
        if head:
            out.entries.extend(_entries(note[head.end():]))
            continue
        for sentence in _SENTENCE.split(_CONTACT.sub(" ", note)):
            _sentence(" ".join(sentence.split()).strip(" .;,"), out)
    return out


def _sentence(sentence: str, out: Notes) -> None:
    if not sentence:
        return
    with_ = ARE_WITH.match(sentence) if not LEAD.match(sentence) else None
    if with_ and not ROLE.search(with_.group("who")):
        who, rest = with_.group("who"), sentence[with_.end():]
        parts = _ALSO_WITH.split(rest)
        hows = [with_.group("how")] + parts[1::2]
        for how, where in zip(hows, parts[0::2]):
            where = where.strip(" .,;")
            if not where or NOISE.search(where) or running_text(where):
                continue
            if re.search(r"now|currently", how or "", re.I):
                out.elsewhere_named.append((who, where, "later"))
            elif with_.group("verb").lower() in ("was", "were"):
                out.elsewhere_named.append((who, where, "former"))
            else:
                out.named.append((who, where))
        return
    for mark, text in marked_pieces(sentence):
        text = text.strip(" .,;")
        if not text:
            continue
        place = elsewhere(text)
        if place:
            out.elsewhere.append((mark, place[1], place[0]))
        elif not (ROLE.search(text) or NOISE.search(text) or running_text(text)):
            out.lines.append(f"{mark or ''}{text}")


def _entries(body: str) -> list[str]:
    """'L. Hu (corresponding author), UTS, Sydney; email: x; L. Cao, UTS' -> ['L. Hu, UTS, Sydney', 'L. Cao, UTS']."""
    body = _CONTACT.sub(" ", re.sub(r"\((?:corresponding author|[^()]{0,40}author)\)", " ", body, flags=re.I))
    out = []
    for entry in re.split(r";\s*", body):
        entry = re.sub(r"\s+,", ",", " ".join(entry.split())).strip(" .,;:")
        if entry and not re.fullmatch(r"(?:e-?mails?|emails?)\s*:?.*", entry, re.I):
            out.append(entry)
    return out
