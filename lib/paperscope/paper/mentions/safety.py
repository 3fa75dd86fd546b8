"""Regexes that can take exponential time: refused when a terms file is read.

A variant with nested quantifiers ("(a+)+", "(a|aa)*") can backtrack exponentially on one
unlucky line. dangerous() proves that for the patterns it can take apart; it is
conservative, so the matching also runs under a per-paper time limit (count.TermTimeout).
"""
from __future__ import annotations

import re

try:
    from re import _constants as _sre
    from re import _parser as _sre_parse
except ImportError:  # pragma: no cover - Python 3.10
    import sre_constants as _sre
    import sre_parse as _sre_parse

_REPEATS = (_sre.MAX_REPEAT, _sre.MIN_REPEAT) + (
    (_sre.POSSESSIVE_REPEAT,) if hasattr(_sre, "POSSESSIVE_REPEAT") else ())


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
