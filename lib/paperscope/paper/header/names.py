"""Persons on an author line, and which person a short reference or an e-mail address means.

An author line lists names separated by commas, 'and', '&', semicolons or wide gaps (a tab
in the page's lines), each name followed by its marks ('Yin1,2,∗', 'Lian†', 'Song 1 2').
Suffixes that are not part of the name ('Member, IEEE', 'Ph.D.') and ORCID numbers are
dropped. A line is read as names only when every name is two to six name-like words (or one
CJK name), so titles, banners and affiliations are not persons.
"""
from __future__ import annotations

import re
import unicodedata

from paperscope.paper.header.markers import GREEK, MARK_TOKEN, SYMBOL_CLASS
from paperscope.paper.header.model import Author

_NAME_WORD = re.compile(r"^(?:[A-Z\u00C0-\u024F][\w'’\-\u0300-\u036f˘¨´`^~]*\.?|[A-Z]\.(?:-?[A-Z]\.?)*|"
                        r"de|van|von|der|den|da|di|le|la|del|bin|al|dos|du|ten|ter|y|el|zu|do|das)$")
_PARTICLES = {"de", "van", "von", "der", "den", "da", "di", "le", "la", "del", "bin", "al", "dos", "du", "ten",
              "ter", "y", "el", "zu", "do", "das"}
_CJK_NAME = re.compile(r"^[\u4e00-\u9fff\u3400-\u4dbf\uac00-\ud7af]{2,4}$")
# Words that are never part of a person's name on a title page (checked without case).
_NOT_NAME = frozenset("""
of the for in on at with to from by via using towards toward is are we our
university universität université universidad institute institut laboratory lab labs team group research
department dept school college center centre academy inc ltd llc corp corporation company technology
technologies science sciences engineering faculty hospital foundation network networks abstract introduction
report technical paper preprint review submission anonymous author authors affiliation affiliations address
email e-mail mail code website project github conference workshop proceedings journal transactions
member fellow ieee acm senior student keywords index terms figure table arxiv draft version contents
supplementary appendix online available learning deep neural model models data large language vision
system systems survey analysis via based equal contribution corresponding correspondence first
article access open letter presentation oral spotlight poster award track session special issue edition
volume chapter part section camera ready extended license licence creative commons attribution
province state city road street avenue district county campus building floor room
""".split())
_SUFFIX = re.compile(r",?\s*\b(?:(?:Graduate\s+)?Student\s+|Senior\s+|Life\s+|Associate\s+)?(?:Member|Fellow)"
                     r"\s*,?\s*(?:IEEE|ACM|IAPR|AAAI|OSA|SPIE)\b|,?\s*\b(?:Ph\.?\s?D|M\.?\s?D)\b\.?", re.I)
_ORCID = re.compile(r"\[?\s*\d{4}\s*[-−–]\s*\d{4}\s*[-−–]\s*\d{4}\s*[-−–]\s*\d{3}[\dX]\s*\]?")
_BRACKETED_MARK = re.compile(rf"\(\s*(\(cid:\d+\)|[{SYMBOL_CLASS}])\s*\)")
_TEAM = re.compile(r"^\s*(?:the\s+)?[\w\-.& ]{1,40}?\s+team\b", re.I)
_KEYWORDS = re.compile(
    r"\b(universit\w*|institut\w*|college|school|academy|laborator\w*|labs?|centre|center|"
    r"research|department|dept|faculty|hospital|inc|corp\w*|ltd|gmbh|company|polytechnic|ai)\b", re.I)


# '1st Jane Doe' (IEEE conference template), 'by Jane Doe', 'Jane Doe (1)', ', and the Qwen Team',
# and '()' left by an e-mail.
_ORDINAL = re.compile(r"(?:^|(?<=[\s,]))\d{1,2}\s?(?:st|nd|rd|th)\s+(?=[A-Z])")
_BY = re.compile(r"^\s*by\s+(?=[A-Z])", re.I)
_NUMBER_IN_BRACKETS = re.compile(r"\((\d{1,2}(?:\s*,\s*\d{1,2})*)\)")
_EMPTY_BRACKETS = re.compile(r"[(<\[]\s*[,;]?\s*[)>\]]")
_TEAM_TAIL = re.compile(r",?\s*(?:and\s+|&\s*)?(?:the\s+)?(?:[A-Z][\w\-]*\s+){1,3}Team\b.*$")
# '(*equal contribution)', '(now at Google)' after the names; a name's native spelling in brackets '(张伟)'.
_BRACKETED_NOTE = re.compile(r"\([^()]*(?:equal|contribut|correspond|\bnow\b|currently|formerly|previously|"
                             r"\bintern(?:s|ship|ing|ed)?\b)[^()]*\)|\(\s*[\u4e00-\u9fff\uac00-\ud7af\s]+\)",
                             re.I)
_PARENTHESIZED = re.compile(r"\s*([^,;()]+?)\s*\(([^()]{2,120})\)\s*(?:,|;|\band\b|&|$)")


def clean_line(line: str) -> str:
    """An author line without what is not a name or a mark: suffixes, ORCIDs, ordinals, a
    trailing team byline, brackets round a mark or round nothing."""
    line = _ORCID.sub(" ", _SUFFIX.sub(" ", _BRACKETED_NOTE.sub(" ", line)))
    line = _TEAM_TAIL.sub("", _BY.sub("", _ORDINAL.sub(" ", line)))
    line = _NUMBER_IN_BRACKETS.sub(r" \1 ", _EMPTY_BRACKETS.sub(" ", line))
    return _BRACKETED_MARK.sub(r" \1", line)


def authors_in(line: str) -> list[Author] | None:
    """The authors of a line of names, each with its marks; None if the line is not one."""
    spaced = clean_line(line).replace("(cid:", " (cid:")
    spaced = re.sub(r"\t+| {3,}", " , ", spaced)
    spaced = re.sub(rf"(?<=[^\s\d(:])(?=[{SYMBOL_CLASS}{GREEK}]|\d)", " ", spaced)
    spaced = re.sub(r"(?:^|\s+)(?:and|&)(?:\s+|$)", " , ", spaced)
    items = re.findall(rf"\(cid:\d+\)|[,;·]|[{SYMBOL_CLASS}]|[{GREEK}]|\d+|[^\s,;·{SYMBOL_CLASS}{GREEK}]+", spaced)
    authors: list[Author] = []
    words: list[str] = []
    marks: list[str] = []

    def close() -> bool:
        if words:
            if not _is_name(words):
                return False
            authors.append(Author(" ".join(words), list(dict.fromkeys(marks))))
        elif marks and authors:
            authors[-1].markers.extend(m for m in marks if m not in authors[-1].markers)
        words.clear()
        marks.clear()
        return True

    for item in items:
        if item in ",;·":
            if not close():
                return None
        elif MARK_TOKEN.match(item) or (item.isdigit() and len(item) <= 4):
            marks.append(item)
        else:
            if marks and words and not close():
                return None
            if marks and not words and authors:
                authors[-1].markers.extend(m for m in marks if m not in authors[-1].markers)
                marks.clear()
            words.append(item)
    if not close():
        return None
    return authors or None


def _is_name(words: list[str]) -> bool:
    if len(words) == 1:
        return bool(_CJK_NAME.match(words[0]))
    if not 2 <= len(words) <= 6 or words[-1] in _PARTICLES:
        return False
    if any(w.lower().strip(".") in _NOT_NAME or not _NAME_WORD.match(w) for w in words):
        return False
    return any(len(w.rstrip(".")) >= 2 and "." not in w for w in words)


def is_name_line(text: str) -> bool:
    """A line of names only (no organisation word): what a grid cell starts with."""
    return not _KEYWORDS.search(text) and "@" not in text and authors_in(text) is not None


def is_team(line: str) -> bool:
    """A byline that is a group, not a person: 'Kimi Team', 'the Qwen Team'."""
    return bool(_TEAM.match(line))


def leading_names(line: str, mixed_case: bool = False) -> tuple[list[Author], str] | None:
    """ACM journals' 'LIANG HU, University of Technology, Sydney': the capitalised names
    before the first comma (several joined by 'and'), and the affiliation after them. With
    ``mixed_case``, one name in ordinary case: 'Jane Doe, Stanford University'."""
    head, sep, rest = clean_line(line).partition(",")
    if not sep or not rest.strip() or _KEYWORDS.search(head):
        return None
    letters = re.sub(rf"[\s\d{SYMBOL_CLASS}{GREEK}.,'’\-]|\(cid:\d+\)|\band\b", "", head)
    if not letters or len(letters) < 4 or not (letters.isupper() or mixed_case):
        return None
    authors = authors_in(head)
    if not authors or (not letters.isupper() and len(authors) > 1):
        return None
    return authors, rest.strip()


def parenthesized(line: str) -> list[tuple[Author, str]] | None:
    """'Jane Doe (MIT), John Roe (Google Research)': each name with the affiliation in its brackets."""
    pairs, end = [], 0
    for m in _PARENTHESIZED.finditer(line):
        if m.start() != end:
            return None
        people = authors_in(m.group(1))
        if not people or len(people) != 1 or re.fullmatch(r"[\d,\s]+", m.group(2)):
            return None
        pairs.append((people[0], m.group(2)))
        end = m.end()
    return pairs if pairs and end == len(line) else None


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _parts(name: str) -> tuple[list[str], str]:
    """(given names, surname) in lower-case ASCII; 'Hal Daumé III' -> (['hal'], 'daume')."""
    words = [re.sub(r"[^a-z]", "", _fold(w)) for w in name.split()]
    words = [w for w in words if w and w not in {"jr", "sr", "ii", "iii", "iv"}]
    if not words:
        return [], ""
    return words[:-1], words[-1]


def refers_to(ref: str, name: str) -> bool:
    """'K.-P. Zhang', 'W.X. Zhao', 'Y. Q.' or a full name mean the author ``name``."""
    given, surname = _parts(name)
    tokens = [t for t in re.split(r"\s+", ref.strip()) if t]
    if not tokens or not surname:
        return False
    initials = [t for t in tokens if re.fullmatch(r"(?:[A-Z]\.?-?)+", t)]
    if len(initials) == len(tokens):  # 'Y. Q.': the initials of every word
        letters = "".join(c for t in tokens for c in t if c.isalpha()).lower()
        return letters == "".join(w[0] for w in given + [surname])
    last = re.sub(r"[^a-z]", "", _fold(tokens[-1]))
    if last != surname and re.sub(r"[^a-z]", "", _fold("".join(tokens[1:]))) != surname:
        return False
    first = re.sub(r"[^a-z]", "", _fold(tokens[0]))
    return len(tokens) == 1 or not given or first[:1] == given[0][:1]


def email_owner(local: str, names: list[str]) -> int | None:
    """The index of the author whose name the local part of an address spells
    ('zhaozhou', 'jcheng', 'alice.smith', 'fuwei' for Furu Wei); None if not exactly one."""
    key = re.sub(r"[^a-z]", "", local.lower())
    if len(key) < 2:
        return None
    best, owner, tied = 0, None, False
    for i, name in enumerate(names):
        score = _spells(key, *_parts(name))
        if score > best:
            best, owner, tied = score, i, False
        elif score and score == best:
            tied = True
    return None if tied or not best else owner


def _spells(key: str, given: list[str], surname: str) -> int:
    if not surname:
        return 0
    g = "".join(given)
    gi = "".join(w[0] for w in given)
    whole = {g + surname, surname + g, gi + surname, surname + gi, g + surname[0]} - {""}
    if key in whole:
        return 3
    if given and (key == g or key == given[0] or key == surname):
        return 2
    if given and len(given[0]) > 2 and any(key == given[0][:k] + surname for k in range(2, len(given[0]))):
        return 2
    if any(len(w) >= 5 and key.startswith(w) for w in whole):
        return 1
    return 0
