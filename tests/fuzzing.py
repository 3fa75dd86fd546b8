"""Deterministic mutations of PDF bytes, for the fuzzing bench (bench/fuzz.py) and its test.

Every mutated input has a name, ``<seed>-<kind>-<index>-<source stem>``, and its bytes are
a function of that name and the source's bytes alone (a ``random.Random`` seeded with the
name), so an input a campaign found to crash is regenerated from its name alone
(``regenerate``) and becomes a test case. Input ``index`` of a campaign is of kind
``KINDS[index % 7]`` and mutates source ``index // 7`` (round robin over the sorted
stems), so the first ``7 * len(sources)`` inputs cover every (kind, source) pair.

The kinds, each aimed at one part of a PDF reader:

- ``flip``: bytes xor-ed with a random mask (1 to 128 of them, a third of the time in
  the trailer's last kilobyte);
- ``truncate``: the file cut short (anywhere, in its first kilobyte, just before
  ``%%EOF``, or inside a stream);
- ``drop_object`` / ``duplicate_object``: ``N G obj ... endobj`` spans removed, or copied
  (verbatim or with another object's body, once or a hundred times) elsewhere;
- ``break_xref``: the cross-reference data garbled (``startxref`` offset, entries,
  subsection counts, a ``/Prev`` loop, the ``xref``/``trailer`` keywords, an xref
  stream's ``/W`` and ``/Index``);
- ``huge_number``: numbers in dictionaries (``/Count``, ``/Length``, ``/W``, ``/Size``,
  ``/Columns``, ...) replaced by huge, negative, float or 500-digit ones;
- ``deep_nesting``: arrays or dictionaries nested 100 to 100,000 deep, balanced or not,
  injected into an object's dictionary, the catalog or the trailer.

A mutation that moves bytes keeps the classic xref table's offsets right half of the
time (chosen by the name's random draw), so a reader sees the mutation itself as often as
a stale table. Pure standard library: the bench and the unit tests import it alone.
"""
from __future__ import annotations

import bisect
import os
import random
import re
from dataclasses import dataclass
from pathlib import Path

KINDS = ("flip", "truncate", "drop_object", "duplicate_object", "break_xref", "huge_number", "deep_nesting")

_OBJ = re.compile(rb"(?<![0-9])\d{1,10}[ \t\r\n]+\d{1,5}[ \t\r\n]+obj(?![A-Za-z])")
_XREF_ENTRY = re.compile(rb"(?<![0-9])(\d{10}) (\d{5}) ([nf])")
_STARTXREF = re.compile(rb"startxref[ \t\r\n]+(-?\d+)")
_PREV = re.compile(rb"/(?:Prev|XRefStm)[ \t\r\n]*(\d+)")
_SUBSECTION = re.compile(rb"xref[ \t]*\r?\n[ \t]*(\d+)[ \t]+(\d+)")
_KEYS = (b"Count|Length|Length1|Length2|Length3|Size|N|First|Index|W|Prev|Width|Height|BitsPerComponent|"
         b"Columns|Predictor|Colors|Rotate|FirstChar|LastChar|Widths|MediaBox|CropBox|K|Ascent|Descent|"
         b"ItalicAngle|StemV|Parent|Kids|Contents|StructParents|MissingWidth|DW")
_KEYED_NUMBER = re.compile(rb"/(" + _KEYS + rb")(?![A-Za-z0-9])[ \t\r\n]*(\[[^\]]{0,400}\]|[-+]?\d+(?:\.\d+)?)")
_NUMBER = re.compile(rb"[-+]?\d+(?:\.\d+)?")
HUGE = (b"99999999999999999999999", b"-1", b"-2147483649", b"2147483648", b"4294967296", b"0", b"3.5",
        b"-0.0", b"1e308", b"9" * 500, b"340282366920938463463374607431768211456", b"0.0000000001",
        b"18446744073709551615", b"-99999999999999999999")


@dataclass(frozen=True)
class Mutant:
    name: str
    kind: str
    source: str
    data: bytes


def sample_sources(repo: Path) -> list[Path]:
    """The PDFs of the bundled sample corpus (sample/corpus/<year>/*.pdf), sorted."""
    return sorted((repo / "sample" / "corpus").glob("**/*.pdf"))


def load_sources(paths) -> dict[str, bytes]:
    """Source stem -> bytes. Stems name the inputs, so two sources with one stem are refused."""
    out: dict[str, bytes] = {}
    for path in map(Path, paths):
        if path.stem in out:
            raise ValueError(f"two sources with the stem {path.stem!r}: rename one (the stem names its inputs)")
        out[path.stem] = path.read_bytes()
    return dict(sorted(out.items()))


def name_of(seed: int, kind: str, index: int, stem: str) -> str:
    if seed < 0 or kind not in KINDS:
        raise ValueError(f"seed must be >= 0 and kind one of {', '.join(KINDS)}")
    return f"{seed}-{kind}-{index}-{stem}"


def parse_name(name: str) -> tuple[int, str, int, str]:
    """(seed, kind, index, source stem) of an input's name."""
    seed, kind, index, stem = name.split("-", 3)
    if kind not in KINDS:
        raise ValueError(f"{name!r}: unknown kind {kind!r}")
    return int(seed), kind, int(index), stem


def mutant(seed: int, index: int, sources: dict[str, bytes]) -> Mutant:
    """Input ``index`` of the campaign ``seed`` over these sources."""
    stems = sorted(sources)
    kind = KINDS[index % len(KINDS)]
    stem = stems[(index // len(KINDS)) % len(stems)]
    name = name_of(seed, kind, index, stem)
    return Mutant(name, kind, stem, mutate(sources[stem], kind, random.Random(name)))


def campaign(seed: int, count: int, sources: dict[str, bytes]):
    """The campaign's first ``count`` inputs, in order."""
    for index in range(count):
        yield mutant(seed, index, sources)


def regenerate(name: str, sources: dict[str, bytes]) -> bytes:
    """The bytes of the input named ``name``: the same bytes its campaign produced."""
    _, kind, _, stem = parse_name(name)
    if stem not in sources:
        raise KeyError(f"{name!r}: no source with the stem {stem!r}")
    return mutate(sources[stem], kind, random.Random(name))


def mutate(data: bytes, kind: str, rng: random.Random) -> bytes:
    """``data`` mutated by ``kind``, every choice drawn from ``rng``; never ``data`` itself
    (a draw that changed nothing, like a 0 put in place of a 0, is followed by a flip)."""
    out = _MUTATIONS[kind](data, rng)
    return out if out != data else _flip(data, rng)


# --- the mutations -------------------------------------------------------------------------

def _flip(data: bytes, rng: random.Random) -> bytes:
    if not data:
        return b"\x00"
    buf = bytearray(data)
    near_end = rng.random() < 0.33
    for _ in range(rng.choice((1, 1, 2, 4, 8, 32, 128))):
        low = max(0, len(buf) - 1024) if near_end else 0
        buf[rng.randrange(low, len(buf))] ^= rng.randrange(1, 256)
    return bytes(buf)


def _truncate(data: bytes, rng: random.Random) -> bytes:
    mode = rng.randrange(4)
    if mode == 1:
        return data[:rng.randrange(0, min(len(data), 1024) + 1)]
    if mode == 2:
        return data[:max(0, len(data) - rng.randrange(1, 64))]
    if mode == 3:
        streams = [m.end() for m in re.finditer(rb"stream\r?\n", data)]
        if streams:
            return data[:rng.choice(streams) + rng.randrange(0, 200)]
    return data[:rng.randrange(0, len(data) + 1)]


def _objects(data: bytes) -> list[tuple[int, int]]:
    """The (start, end) spans of ``N G obj ... endobj`` in data (end after endobj's line break)."""
    spans = []
    for match in _OBJ.finditer(data):
        end = data.find(b"endobj", match.end())
        if end < 0:
            continue
        end += 6
        while end < len(data) and data[end:end + 1] in b"\r\n":
            end += 1
        spans.append((match.start(), end))
    return spans


def _drop_object(data: bytes, rng: random.Random) -> bytes:
    spans = _objects(data)
    if not spans:
        return _truncate(data, rng)
    edits, limit = [], len(data)
    for start, end in sorted(rng.sample(spans, min(len(spans), rng.choice((1, 1, 1, 3, 10)))), reverse=True):
        if end <= limit:  # not one overlapping a span already dropped ("obj" inside a stream)
            edits.append((start, end, b""))
            limit = start
    return _edit(data, edits, rng.random() < 0.5)


def _duplicate_object(data: bytes, rng: random.Random) -> bytes:
    spans = _objects(data)
    if not spans:
        return _flip(data, rng)
    start, end = rng.choice(spans)
    copy = data[start:end]
    if rng.random() < 0.3:  # the same number, another object's body: two conflicting definitions
        other_start, other_end = rng.choice(spans)
        head = _OBJ.match(data, start)
        other_head = _OBJ.match(data, other_start)
        if head and other_head:
            copy = data[start:head.end()] + data[other_head.end():other_end]
    copy = copy * rng.choice((1, 1, 2, 100))
    where = rng.randrange(4)
    if where == 0:
        at = end
    elif where == 1:
        at = start
    elif where == 2:
        at = rng.choice(spans)[0]
    else:
        found = data.rfind(b"xref")
        at = found if found > 0 else len(data)
    return _splice(data, at, at, copy, rng.random() < 0.5)


def _break_xref(data: bytes, rng: random.Random) -> bytes:
    how = rng.choice(("startxref", "entries", "count", "prev_loop", "keyword", "stream_fields", "flip_tail"))
    if how == "entries":
        entries = list(_XREF_ENTRY.finditer(data))
        if entries:
            buf = bytearray(data)
            for match in rng.sample(entries, min(len(entries), rng.choice((1, 3, 20, len(entries))))):
                garbage = rng.choice((
                    b"%010d" % rng.randrange(10 ** 10), b"9999999999", b"0000000000",
                    bytes(rng.choice(b"0123456789 -xn") for _ in range(10))))
                buf[match.start(1):match.end(1)] = garbage
                if rng.random() < 0.3:
                    buf[match.start(3):match.end(3)] = b"f" if match.group(3) == b"n" else b"n"
            return bytes(buf)
    elif how == "count":
        subsections = list(_SUBSECTION.finditer(data))
        if subsections:
            match = rng.choice(subsections)
            group = rng.choice((1, 2))
            value = rng.choice((b"0", b"-1", b"2147483647", b"99999999999", b"1", b"4294967296"))
            return data[:match.start(group)] + value + data[match.end(group):]
    elif how == "prev_loop":
        starts = list(_STARTXREF.finditer(data))
        trailer = max(data.rfind(b"trailer"), data.rfind(b"/XRef"))
        opening = data.find(b"<<", trailer) if trailer >= 0 else -1
        if starts and opening >= 0:
            target = starts[-1].group(1) if rng.random() < 0.7 else str(rng.randrange(len(data))).encode()
            return data[:opening + 2] + b" /Prev " + target + b" " + data[opening + 2:]
    elif how == "keyword":
        keyword = rng.choice((b"xref", b"trailer", b"startxref", b"%%EOF", b"/Root", b"/Type /XRef"))
        at = data.rfind(keyword)
        if at >= 0:
            replacement = rng.choice((b"", b"xerf", b" " * len(keyword), keyword[::-1]))
            return data[:at] + replacement + data[at + len(keyword):]
    elif how == "stream_fields":
        fields = list(re.finditer(rb"/(W|Index)[ \t\r\n]*\[([^\]]{0,200})\]", data))
        if fields:
            match = rng.choice(fields)
            values = b" ".join(rng.choice((b"0", b"1", b"4", b"8", b"-1", b"255", b"99999999", b"2147483647"))
                               for _ in range(rng.choice((0, 1, 3, 3, 3, 4, 40))))
            return data[:match.start(2)] + values + data[match.end(2):]
    elif how == "flip_tail":
        return _flip_region(data, rng, max(0, len(data) - 4096), len(data))
    starts = list(_STARTXREF.finditer(data))  # also the fallback of every kind that found nothing
    if starts:
        match = rng.choice(starts)
        old = int(match.group(1))
        value = rng.choice((0, 1, -1, len(data), len(data) * 2, 2 ** 63, 10 ** 30, old + rng.randrange(-40, 40)))
        return data[:match.start(1)] + str(value).encode() + data[match.end(1):]
    return _flip_region(data, rng, max(0, len(data) - 4096), len(data))


def _flip_region(data: bytes, rng: random.Random, low: int, high: int) -> bytes:
    if high <= low:
        return _flip(data, rng)
    buf = bytearray(data)
    for _ in range(rng.choice((1, 4, 16))):
        buf[rng.randrange(low, high)] ^= rng.randrange(1, 256)
    return bytes(buf)


def _huge_number(data: bytes, rng: random.Random) -> bytes:
    found = list(_KEYED_NUMBER.finditer(data))
    if not found:
        return _flip(data, rng)
    edits = []
    for match in rng.sample(found, min(len(found), rng.choice((1, 1, 2, 5, 20)))):
        value = match.group(2)
        if value.startswith(b"["):
            numbers = list(_NUMBER.finditer(value))
            if numbers and rng.random() < 0.6:
                number = rng.choice(numbers)
                new = value[:number.start()] + rng.choice(HUGE) + value[number.end():]
            else:
                new = b"[" + b" ".join(rng.choice(HUGE) for _ in range(rng.choice((0, 1, 3, 4)))) + b"]"
        else:
            new = rng.choice(HUGE)
        edits.append((match.start(2), match.end(2), new))
    return _edit(data, edits, rng.random() < 0.5)


def _deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice((100, 1000, 5000, 20000, 100000))
    shape = rng.choice(("array", "dict", "mixed", "unbalanced"))
    if shape == "array":
        payload = b"[" * depth + b"]" * depth
    elif shape == "dict":
        payload = b"<</A " * depth + b">>" * depth
    elif shape == "mixed":
        payload = b"[<</A " * (depth // 2) + b">>]" * (depth // 2)
    else:
        payload = rng.choice((b"[", b"<</A ", b"[<</A ")) * depth
    site = rng.randrange(3)
    at = -1
    if site == 0:
        catalog = data.find(b"/Catalog")
        at = data.rfind(b"<<", 0, catalog) if catalog >= 0 else -1
    elif site == 1:
        trailer = data.rfind(b"trailer")
        at = data.find(b"<<", trailer) if trailer >= 0 else -1
    if at < 0:
        spans = _objects(data)
        if spans:
            start, end = rng.choice(spans)
            at = data.find(b"<<", start, end)
    if at < 0:
        at = rng.randrange(len(data) + 1)
        return data[:at] + payload + data[at:]
    return _splice(data, at + 2, at + 2, b" /Fuzz " + payload + b" ", rng.random() < 0.5)


_MUTATIONS = {"flip": _flip, "truncate": _truncate, "drop_object": _drop_object,
              "duplicate_object": _duplicate_object, "break_xref": _break_xref,
              "huge_number": _huge_number, "deep_nesting": _deep_nesting}


# --- keeping offsets right -------------------------------------------------------------------

def _splice(data: bytes, start: int, end: int, new: bytes, fix_offsets: bool) -> bytes:
    """data[start:end] replaced by new (see _edit)."""
    return _edit(data, [(start, end, new)], fix_offsets)


def _edit(data: bytes, edits: list[tuple[int, int, bytes]], fix_offsets: bool) -> bytes:
    """Each (start, end, new) of edits (not overlapping) made; with fix_offsets, the classic
    xref entries, startxref, /Prev and /XRefStm offsets past an edit moved with it."""
    edits = sorted(edits)
    parts, moves, at, delta = [], [], 0, 0
    for start, end, new in edits:
        parts += [data[at:start], new]
        at = end
        delta += len(new) - (end - start)
        moves.append((end, delta))
    out = b"".join(parts + [data[at:]])
    if not fix_offsets or not delta and all(not d for _, d in moves):
        return out
    ends = [end for end, _ in moves]

    def moved(offset: int) -> int:
        i = bisect.bisect_right(ends, offset)
        return offset + (moves[i - 1][1] if i else 0)

    def entry(match: re.Match) -> bytes:
        offset = moved(int(match.group(1)))
        if match.group(3) != b"n" or not 0 <= offset < 10 ** 10:
            return match.group(0)
        return b"%010d %s %s" % (offset, match.group(2), match.group(3))

    def number(match: re.Match) -> bytes:
        cut = match.start(1) - match.start(0)
        return match.group(0)[:cut] + str(moved(int(match.group(1)))).encode()

    out = _XREF_ENTRY.sub(entry, out)
    out = _STARTXREF.sub(number, out)
    return _PREV.sub(number, out)


def children(pid: int) -> set[int]:
    """Processes whose parent is pid (zombies included): what a campaign left behind."""
    out = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                text = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(text[text.rindex(")") + 2:].split()[1]) == pid:
                out.add(int(entry))
    return out
