"""Mentions of models and architectures in a paper's text, per term, in two scopes.

"full" counts the whole text; "body" stops at the references heading, because a
bibliography entry ("LLaMA: Open and efficient ...") is a citation, not use.
The terms come from a reviewed YAML file (data/terms.yaml); a malformed entry is a
one-line error naming the file, the entry and the key, before any Spark work starts.

A variant with nested quantifiers ("(a+)+", "(a|aa)*") can take exponential time on one
unlucky line: such patterns are refused when they are read (dangerous()), and the
matching runs on the `regex` engine with a per-paper time limit (TermTimeout), so a
pattern the check cannot prove dangerous still cannot hang the step.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

try:  # the same syntax as re, plus a timeout on each search
    import regex as _engine
except ImportError:  # pragma: no cover - a cluster without it: no time limit, the check still holds
    _engine = None

try:
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

# The last heading named like a bibliography starts the references.
_REFERENCES = re.compile(r"^\s*(?:\d+\.?\s*)?(?:references|bibliography|literature cited)\s*$", re.I | re.M)
# Words split across a line end ("trans-\nformer") are joined before counting.
_HYPHEN_BREAK = re.compile(r"(\w)-\n(\w)")
# Whole word: nothing word-like (or a hyphen: "Jean-Claude") before, no word character after.
_BEFORE, _AFTER = r"(?<![\w-])", r"(?!\w)"

KINDS = ("architecture", "model family", "method")
_KEYS = {"name", "kind", "origin", "case_sensitive", "variants", "exclude"}
_REQUIRED = ("name", "kind", "origin", "case_sensitive", "variants")


class TermTimeout(Exception):
    """Matching one paper ran past its time limit; counts holds the terms done before."""

    def __init__(self, term: str, seconds: float, counts: list[tuple[str, int, int]]):
        super().__init__(f"term {term!r} ran past mentions.timeout_seconds={seconds:g} s")
        self.term, self.seconds, self.counts = term, seconds, counts


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    origin: str  # organisation that introduced it
    country: str | None  # ISO 3166-1 alpha-2 of the origin, None when not one country
    regex: re.Pattern
    exclude: re.Pattern | None = None

    def count(self, text: str, deadline: float | None = None) -> int:
        """Matches of the variants that do not overlap a look-alike (an exclude match).

        deadline (time.monotonic()): past it the `regex` engine raises TimeoutError.
        """
        spans = [m.span() for m in _finditer(self.exclude, text, deadline)] if self.exclude else []
        if not spans:
            return sum(1 for _ in _finditer(self.regex, text, deadline))
        return sum(1 for m in _finditer(self.regex, text, deadline)
                   if not any(s < m.end() and m.start() < e for s, e in spans))


    def first(self, text: str, timeout_s: float = 0):
        """The first variant match (for a snippet), or None; None too past timeout_s."""
        try:
            if timeout_s and _engine is not None:
                return self.regex.search(text, timeout=timeout_s)
            return self.regex.search(text)
        except TimeoutError:
            return None


def _finditer(pattern, text: str, deadline: float | None):
    if deadline is None or _engine is None:
        return pattern.finditer(text)
    return pattern.finditer(text, timeout=max(deadline - time.monotonic(), 0.001))


# ---------------------------------------------------------------------------------------
# Patterns that can take exponential time
# ---------------------------------------------------------------------------------------

_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT) + ((_sre.POSSESSIVE_REPEAT,) if hasattr(_sre, "POSSESSIVE_REPEAT") else ())


def _unbounded(op, av) -> bool:
    return op in _REPEATS and av[1] > 1 and op != getattr(_sre, "POSSESSIVE_REPEAT", None)


def _items(seq) -> list:
    """A sequence with non-capturing and capturing groups taken apart (their items inline)."""
    out = []
    for op, av in seq:
        if op == _sre.SUBPATTERN:
            out.extend(_items(av[-1]))
        else:
            out.append((op, av))
    return out


def _nullable(item) -> bool:
    op, av = item
    if op in _REPEATS:
        return av[0] == 0 or all(_nullable(i) for i in _items(av[2]))
    if op == _sre.BRANCH:
        return any(all(_nullable(i) for i in _items(alt)) for alt in av[1])
    return op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT)


def _literals(seq, ignore_case: bool, limit: int = 64) -> set[str] | None:
    """The finite set of strings seq matches when it is made of literals only, else None."""
    out = {""}
    for op, av in _items(seq):
        if op == _sre.LITERAL:
            options = {chr(av).lower() if ignore_case else chr(av)}
        elif op == _sre.IN and all(o == _sre.LITERAL for o, _ in av):
            options = {chr(v).lower() if ignore_case else chr(v) for _, v in av}
        elif op == _sre.BRANCH:
            options = set()
            for alt in av[1]:
                got = _literals(alt, ignore_case, limit)
                if got is None:
                    return None
                options |= got
        else:
            return None
        out = {a + b for a in out for b in options}
        if len(out) > limit:
            return None
    return out


def _ambiguous(words: set[str]) -> bool:
    """True when some string splits into words in two ways (Sardinas-Patterson)."""
    words = {w for w in words if w}

    def quotient(a: set[str], b: set[str]) -> set[str]:
        return {y[len(x):] for x in a for y in b if y.startswith(x) and y != x}

    dangling, seen = quotient(words, words), set()
    while dangling:
        if dangling & words:
            return True
        key = frozenset(dangling)
        if key in seen:
            return False
        seen.add(key)
        dangling = (quotient(words, dangling) | quotient(dangling, words)) - {""}
    return False


def _danger(seq, ignore_case: bool) -> str | None:
    for op, av in seq:
        if _unbounded(op, av):
            body = av[2]
            alternatives = [alt for o, a in _items(body) if o == _sre.BRANCH for alt in a[1]] \
                if len(_items(body)) == 1 and _items(body)[0][0] == _sre.BRANCH else [body]
            for alt in alternatives:
                items = _items(alt)
                for i, (iop, iav) in enumerate(items):
                    if _unbounded(iop, iav) and all(_nullable(x) for j, x in enumerate(items) if j != i):
                        return "a repeated group whose content is itself repeated, like (a+)+"
            words = _literals(body, ignore_case)
            if words is not None and _ambiguous(words):
                return "a repeated choice whose options overlap, like (a|aa)*"
        for child in _children(op, av):
            found = _danger(child, ignore_case)
            if found:
                return found
    return None


def _children(op, av) -> list:
    if op in _REPEATS:
        return [av[2]]
    if op == _sre.SUBPATTERN:
        return [av[-1]]
    if op == _sre.BRANCH:
        return list(av[1])
    if op in (_sre.ASSERT, _sre.ASSERT_NOT):
        return [av[1]]
    return []


def dangerous(pattern: str, flags: int = 0) -> str | None:
    """Why pattern can backtrack exponentially (nested quantifiers it can prove
    ambiguous), or None. Conservative: None is no proof of safety (see TermTimeout)."""
    try:
        parsed = _sre_parse.parse(pattern, flags)
    except re.error:
        return None
    return _danger(list(parsed), bool(flags & re.I))


def terms_text(path: str | Path | None = None) -> str:
    """The YAML of a terms file, or of the list shipped with the package."""
    if path:
        return Path(path).read_text("utf-8")
    return resources.files("paperscope").joinpath("data/terms.yaml").read_text("utf-8")


def load_terms(path: str | Path | None = None) -> list[Term]:
    return parse_terms(terms_text(path), str(path or "packaged terms.yaml"))


def _patterns(item: dict, key: str, where: str) -> list[str]:
    value = item.get(key)
    if value is None and key == "exclude":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(p, str) and p for p in value):
        raise ValueError(f"{where}: '{key}' must be a non-empty list of regex strings")
    return value


def _compile(patterns: list[str], flags: int, key: str, where: str, whole_word: bool) -> re.Pattern:
    for i, p in enumerate(patterns):
        try:
            re.compile(p, flags)
        except re.error as exc:
            raise ValueError(f"{where}: bad regex in {key}[{i}] {p!r}: {exc}") from None
        why = dangerous(p, flags)
        if why:
            raise ValueError(f"{where}: regex in {key}[{i}] {p!r} can take exponential time on some text ({why}); "
                             f"rewrite it so each repetition can match only one way") from None
    alternatives = "|".join(f"(?:{p})" for p in patterns)
    source = rf"{_BEFORE}(?:{alternatives}){_AFTER}" if whole_word else alternatives
    return (_engine or re).compile(source, flags)


def _term(item, index: int, source: str) -> Term:
    where = f"{source}: term #{index}"
    if not isinstance(item, dict):
        raise ValueError(f"{where} must be a mapping with keys {', '.join(_REQUIRED)}")
    if isinstance(item.get("name"), str):
        where += f" ({item['name']})"
    missing = [k for k in _REQUIRED if k not in item]
    if missing:
        raise ValueError(f"{where}: missing key(s) {', '.join(missing)}")
    unknown = sorted(set(item) - _KEYS)
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {', '.join(map(str, unknown))} (known: {', '.join(sorted(_KEYS))})")
    if not isinstance(item["name"], str) or not item["name"].strip():
        raise ValueError(f"{where}: 'name' must be a non-empty string")
    if item["kind"] not in KINDS:
        raise ValueError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, got {item['kind']!r}")
    origin = item["origin"]
    if not isinstance(origin, dict) or set(origin) != {"organisation", "country"}:
        raise ValueError(f"{where}: 'origin' must be {{organisation: ..., country: XX or null}}")
    country = origin["country"]
    if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
        raise ValueError(f"{where}: origin country must be a two-letter ISO code or null, got {country!r}")
    if not isinstance(item["case_sensitive"], bool):
        raise ValueError(f"{where}: 'case_sensitive' must be true or false")
    flags = 0 if item["case_sensitive"] else re.I
    exclude = _patterns(item, "exclude", where)
    return Term(
        name=item["name"].strip(), kind=item["kind"], origin=str(origin["organisation"] or ""), country=country,
        regex=_compile(_patterns(item, "variants", where), flags, "variants", where, whole_word=True),
        exclude=_compile(exclude, flags, "exclude", where, whole_word=False) if exclude else None,
    )


def parse_terms(text: str, source: str = "terms") -> list[Term]:
    """Compile and check term definitions; a bad entry is a one-line ValueError naming it."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ValueError(f"{source} is not valid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("terms"), list) or not data["terms"]:
        raise ValueError(f"{source} must hold a non-empty list under 'terms:'")
    terms = [_term(item, i, source) for i, item in enumerate(data["terms"], 1)]
    names = [t.name for t in terms]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"{source}: term name(s) defined twice: {', '.join(dupes)}")
    return terms


def body_text(text: str) -> str:
    """The text before the references heading (all of it when there is none)."""
    heads = list(_REFERENCES.finditer(text))
    return text[:heads[-1].start()] if heads else text


def normalise(text: str) -> str:
    return _HYPHEN_BREAK.sub(r"\1\2", text or "")


def count_terms(text: str, terms: list[Term], timeout_s: float = 0) -> list[tuple[str, int, int]]:
    """(term, count in full text, count in body) for each term found at least once.

    timeout_s > 0: the whole paper's matching must end within it, else TermTimeout names
    the term that ran past it (with the counts of the terms done before).
    """
    full = normalise(text)
    body = body_text(full)
    deadline = time.monotonic() + timeout_s if timeout_s else None
    out = []
    for term in terms:
        try:
            n_full = term.count(full, deadline)
            if n_full:
                out.append((term.name, n_full, term.count(body, deadline)))
        except TimeoutError:
            raise TermTimeout(term.name, timeout_s, out) from None
    return out
