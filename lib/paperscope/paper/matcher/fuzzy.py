"""The fuzzy pass: a string's segments compared with the few names sharing a rare word with them.

Runs only when the phrase index found no institution. A candidate must reach the threshold
(token-sorted similarity), keep the string's distinctive words and its compass points and numbers.
"""
from __future__ import annotations

from paperscope.paper.matcher.model import INSTITUTION, Hit
from paperscope.paper.matcher.text import COMPASS, GENERIC

_ROMAN = {"ii", "iii", "iv", "vi", "vii", "viii", "ix", "xi", "xii"}  # not "i", "v": initials


def word_index(g) -> dict[str, list[int]]:
    if g._words is None:
        words: dict[str, list[int]] = {}
        # Place names are left out: sharing 'Paris' does not make two names alike.
        places = {k[0] for k, ids in g.index.items()
                  if len(k) == 1 and any(g.entries[i].kind != INSTITUTION for i in ids)}
        for eid, name in g._names.items():
            for w in set(name.split()):
                if w not in GENERIC and w not in places and len(w) > 2:
                    words.setdefault(w, []).append(eid)
        g._words = {w: ids for w, ids in words.items() if len(ids) <= 200}
    return g._words


def near_words(g, word: str) -> list[str]:
    """Index words spelt nearly like an unknown word ('Plank' -> 'planck', 'Goettingen' ->
    'gottingen'), looked up among words with the same first two letters and a similar length."""
    if len(word) < 5 or word in GENERIC:
        return []
    from rapidfuzz import fuzz

    if g._by_prefix is None:
        by_prefix: dict[str, list[str]] = {}
        for w in word_index(g):
            by_prefix.setdefault(w[:2], []).append(w)
        g._by_prefix = by_prefix
    return [w for w in g._by_prefix.get(word[:2], ())
            if abs(len(w) - len(word)) <= 2 and fuzz.ratio(word, w) >= 80][:5]


def fuzzy_hits(g, folded: str, toks) -> list[Hit]:
    """Segments of the string compared with the names that share a rare word with them."""
    from rapidfuzz import fuzz

    words = word_index(g)
    out = []
    for positions in _segments(toks):
        seg = [toks[p][0] for p in positions]
        if len(seg) < 2 or all(w in GENERIC for w in seg):
            continue
        counts: dict[int, int] = {}
        for w in set(seg):
            for near in ([w] if w in words else near_words(g, w)):
                for eid in words.get(near, ()):
                    counts[eid] = counts.get(eid, 0) + 1
        if not counts:
            continue
        text = " ".join(seg)
        marks = _discriminative(seg)
        best = None
        ranked = sorted(counts, key=lambda e: (-counts[e], abs(len(g._names[e]) - len(text))))
        for eid in ranked[:100]:
            score = fuzz.token_sort_ratio(text, g._names[eid])
            if (score >= g.fuzzy_threshold and (best is None or score > best[0])
                    and _discriminative(g._names[eid].split()) == marks
                    and _words_kept(seg, g._names[eid].split())):
                best = (score, eid)
        if best:
            raw = folded[toks[positions[0]][2]:toks[positions[-1]][3]]
            out.append(Hit(g.entries[best[1]], raw, positions[0], positions[-1] + 1, "fuzzy", best[0] / 100))
    return out


def _segments(toks) -> list[list[int]]:
    """Token positions grouped by the comma-delimited segment they stand in."""
    segments: dict[int, list[int]] = {}
    for pos, t in enumerate(toks):
        segments.setdefault(t[4], []).append(pos)
    return list(segments.values())


def _discriminative(words) -> frozenset:
    """The words that tell sibling names apart: compass points and numbers. A near-identical
    spelling must keep them ('Northwest Minzu' is not 'Southwest Minzu', 'Paris 7' not 'Paris 6')."""
    return frozenset(COMPASS.get(w, w) for w in words if w in COMPASS or w.isdigit() or w in _ROMAN)


def _words_kept(seg: list[str], name: list[str]) -> bool:
    """Every distinctive word of the string is in the name, if misspelt: 'ENSTA Paris' is not
    'ENSAE Paris', however alike the two strings are."""
    from rapidfuzz import fuzz

    return all(len(w) <= 3 or w in GENERIC or any(fuzz.ratio(w, v) >= 85 for v in name) for w in seg)


def prefix_hits(g, folded: str, toks) -> list[Hit]:
    """Segments written as the leading words of exactly one known name, its tail left off
    ('University of Eastern Piedmont' for '... Amedeo Avogadro', 'Baikal State University' for
    '... of Economics and Law'). The segment must have three words or more, one of them not
    generic, and cover at least half of the name."""
    words = word_index(g)
    out = []
    for positions in _segments(toks):
        seg = [toks[p][0] for p in positions]
        rare = [w for w in seg if w in words]
        if len(seg) < 3 or not rare:
            continue
        text = " ".join(seg) + " "
        found = {}
        for eid in words[min(rare, key=lambda w: len(words[w]))]:
            name = g._names[eid]
            if name.startswith(text) and 2 * len(seg) >= len(name.split()):
                entry = g.entries[eid]
                found.setdefault((entry.name, entry.countries), eid)
        if len(found) == 1:
            [eid] = found.values()
            raw = folded[toks[positions[0]][2]:toks[positions[-1]][3]]
            out.append(Hit(g.entries[eid], raw, positions[0], positions[-1] + 1, "fuzzy", 0.8, rule="name-prefix"))
    return out
