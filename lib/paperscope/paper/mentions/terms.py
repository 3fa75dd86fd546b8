"""The terms counted (data/terms.yaml): their grammar, the checks when a file is read, and matching.

The terms come from a reviewed YAML file; a malformed entry is a one-line error naming the
file, the entry and the key, before any Spark work starts. Each term's variants are one
whole-word regex; its excludes are look-alikes ("Claude Shannon", "GPT-J") that a variant
match overlapping them does not count, and its body excludes are names that are not
mentions in the body but are in a bibliography (an organisation as author: "(DeepSeek,
2023)", "DeepSeek-AI"), which the full text counts. The matching runs on the `regex` engine, which can
stop a search at a deadline (count.TermTimeout), since safety.dangerous cannot prove
every pattern safe.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import yaml

from paperscope.core.textfile import read_text
from paperscope.paper.mentions.safety import dangerous

try:  # the same syntax as re, plus a timeout on each search
    import regex as _engine
except ImportError:  # pragma: no cover - a cluster without it: no time limit, the check still holds
    _engine = None

# Whole word: nothing word-like (or a hyphen: "Jean-Claude") before, no word character after.
_BEFORE, _AFTER = r"(?<![\w-])", r"(?!\w)"

KINDS = ("architecture", "model family", "method")
_KEYS = {"name", "kind", "origin", "case_sensitive", "variants", "exclude", "exclude_in_body"}
_REQUIRED = ("name", "kind", "origin", "case_sensitive", "variants")


@dataclass(frozen=True)
class Term:
    name: str
    kind: str
    origin: str  # organisation that introduced it
    country: str | None  # ISO 3166-1 alpha-2 of the origin, None when not one country
    regex: re.Pattern  # all variants in one pattern (a first match, for a snippet)
    exclude: re.Pattern | None = None
    # Each variant and exclude on its own: the engine scans for a pattern's literal text,
    # which it cannot do for an alternation with a branch that starts with a class ("[A-Z]...").
    parts: tuple = ()
    exclude_parts: tuple = ()
    body_exclude_parts: tuple = ()  # applied before body_end only

    def spans(self, text: str, deadline: float | None = None, body_end: int | None = None) -> list[tuple[int, int]]:
        """(start, end) of the mentions: variant matches, overlapping ones taken as one (the
        earliest, then the longest), less those that overlap a look-alike (an exclude match)
        and, before body_end (where the references start), those that overlap a body exclude.

        deadline (time.monotonic()): past it the `regex` engine raises TimeoutError.
        """
        found = _merged(self.parts or (self.regex,), text, deadline)
        if not found:
            return found
        out = [m.span() for p in (self.exclude_parts or ((self.exclude,) if self.exclude else ()))
               for m in _finditer(p, text, deadline)]
        if body_end and self.body_exclude_parts:
            out += [(a, b) for p in self.body_exclude_parts for a, b in
                    (m.span() for m in _finditer(p, text[:body_end], deadline))]
        return [(s, e) for s, e in found if not any(a < e and s < b for a, b in out)]

    def count(self, text: str, deadline: float | None = None) -> int:
        """Matches of the variants that do not overlap a look-alike (an exclude match)."""
        return len(self.spans(text, deadline))

    def first(self, text: str, timeout_s: float = 0):
        """The first variant match (for a snippet), or None; None too past timeout_s."""
        try:
            if timeout_s and _engine is not None:
                return self.regex.search(text, timeout=timeout_s)
            return self.regex.search(text)
        except TimeoutError:
            return None


def _merged(patterns, text: str, deadline: float | None) -> list[tuple[int, int]]:
    spans = sorted({m.span() for p in patterns for m in _finditer(p, text, deadline)}, key=lambda s: (s[0], -s[1]))
    out: list[tuple[int, int]] = []
    for start, end in spans:
        if not out or start >= out[-1][1]:
            out.append((start, end))
    return out


def _finditer(pattern, text: str, deadline: float | None):
    if deadline is None or _engine is None:
        return pattern.finditer(text)
    return pattern.finditer(text, timeout=max(deadline - time.monotonic(), 0.001))


def terms_text(path: str | Path | None = None) -> str:
    """The YAML of a terms file, or of the list shipped with the package."""
    if path:
        return read_text(path, "terms file")
    return resources.files("paperscope").joinpath("data/terms.yaml").read_text("utf-8")


def load_terms(path: str | Path | None = None) -> list[Term]:
    return parse_terms(terms_text(path), str(path or "packaged terms.yaml"))


def _patterns(item: dict, key: str, where: str) -> list[str]:
    value = item.get(key)
    if value is None and key.startswith("exclude"):
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
    return _pattern(patterns, flags, whole_word)


def _pattern(patterns: list[str], flags: int, whole_word: bool) -> re.Pattern:
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
    variants, exclude = _patterns(item, "variants", where), _patterns(item, "exclude", where)
    in_body = _patterns(item, "exclude_in_body", where)
    _compile(in_body, flags, "exclude_in_body", where, whole_word=False)
    return Term(
        name=item["name"].strip(), kind=item["kind"], origin=str(origin["organisation"] or ""), country=country,
        regex=_compile(variants, flags, "variants", where, whole_word=True),
        exclude=_compile(exclude, flags, "exclude", where, whole_word=False) if exclude else None,
        parts=tuple(_pattern([p], flags, True) for p in variants),
        exclude_parts=tuple(_pattern([p], flags, False) for p in exclude),
        body_exclude_parts=tuple(_pattern([p], flags, False) for p in in_body),
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
