"""`paperscope match` and `paperscope header`: the matcher as JSON lines, without Spark.

The records are built from the same functions the pipeline runs on the executors
(matcher.Gazetteer.match, pdf.extract, header.parse), so what a user sees here is
what the affiliations table gets.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from paperscope.core import policy
from paperscope.paper.matcher.model import best_method


def match_record(text: str, gazetteer) -> dict:
    """One affiliation string -> {"affiliation", "institutions", "countries", "method", "evidence"}."""
    matches = gazetteer.match(text)
    return {
        "affiliation": text,
        "institutions": list(dict.fromkeys(m.institution for m in matches if m.institution)),
        "countries": sorted({m.country for m in matches if m.country}),
        "method": best_method(matches),
        "evidence": [m.evidence for m in matches],
    }


def header_record(path: str | Path, gazetteer, china_policy: str = policy.DEFAULT_CHINA_POLICY, lines: bool = False,
                  count_former: bool = False, limits=None) -> dict:
    """One PDF -> title, authors with affiliation indices, resolved affiliations, countries.

    The PDF is read under the extract.* limits (``limits``, extract.header_engine among
    them; the packaged ones without it) in the extraction child, as the pipeline reads it:
    a file that hangs the parser is killed at extract.timeout_seconds and reported (status
    timeout), not waited for. With ``lines``, also the lines read as the author block and
    the footnote sentences considered (to see why a paper got what it got).
    """
    from dataclasses import replace

    from paperscope.paper.header import page, parse
    from paperscope.paper.pdf.extract import read_local
    from paperscope.paper.pdf.limits import OK, LimitHit, Limits
    from paperscope.paper.pdf.sandbox import sandbox

    path = Path(path)
    limits = replace(limits or Limits.from_config(), max_pages=1)
    empty = {"title": None, "authors": [], "affiliations": [], "emails": [], "countries": [], "has_us": False,
             "has_cn": False}
    try:
        got = sandbox(limits).extract(read_local(str(path), limits))
    except LimitHit as exc:
        return {"file": str(path), "status": exc.status, "error": str(exc), **empty}
    except OSError as exc:
        return {"file": str(path), "status": "unreadable", "error": exc.strerror, **empty}
    header = (parse(got.header_text, got.title, gazetteer, layout=got.header_layout, count_former=count_former)
              if got.status == OK else None)
    countries = header.countries() if header else []
    return {
        "file": str(path),
        "status": got.status,
        **({"error": got.error} if got.error else {}),
        "title": got.title,
        "authors": [{"name": a.name, "affiliations": a.affiliations, "tie": a.tie, "former": a.former}
                    for a in (header.authors if header else [])],
        "affiliations": [{
            "text": a.raw, "source": a.source,
            "institutions": list(dict.fromkeys(m.institution for m in a.matches if m.institution)),
            "countries": sorted({m.country for m in a.matches if m.country}),
            "method": best_method(a.matches),
        } for a in (header.affiliations if header else [])],
        "emails": header.emails if header else [],
        # Places a note says the work was not done at: recorded, not counted (affiliations.count_former).
        "former": [{"text": a.raw, "note": a.note, "countries": sorted({m.country for m in a.matches if m.country})}
                   for a in (header.former if header else [])],
        "countries": countries,
        **policy.flags(countries, china_policy),
        **(_lines(got, page) if lines else {}),
    }


def _lines(got, page) -> dict:
    if not got.header_layout:
        return {"block": [], "footnotes": []}
    laid = page.load(got.header_layout)
    return {"block": page.block_lines(laid, got.title), "footnotes": page.footnotes(laid)}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--conf-file", help="YAML config (affiliations.ror_dump, fuzzy_threshold, china_policy)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, e.g. --set affiliations.fuzzy_threshold=95")


def _setup(args):
    """Config and gazetteer; a bad config or an unreadable ROR dump ends the command in one line."""
    from paperscope.core.config import ConfigError, load_config
    from paperscope.paper.matcher import from_config

    try:
        cfg = load_config(args.conf_file, args.sets)
        return cfg, from_config(cfg)
    except ConfigError as exc:
        message = str(exc)
    except OSError as exc:
        message = f"cannot read {exc.filename}: {exc.strerror}"
    except ValueError as exc:  # a ROR dump that is not JSON
        message = f"ROR dump is not valid JSON: {exc}"
    print(f"paperscope: error: {message}", file=sys.stderr)
    raise SystemExit(2)


def match_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="paperscope match", description=(
        "Read one affiliation string per line on stdin (UTF-8; a byte-order mark is taken); write one JSON "
        'object per line: {"affiliation", "institutions", "countries" (sorted ISO 3166-1 alpha-2), "method", '
        '"evidence"}. A line that is not UTF-8 or is longer than input.max_field_chars gets '
        '{"line", "error"} instead, and the exit code is 1.'))
    _common(p)
    args = p.parse_args(argv)
    cfg, gaz = _setup(args)
    out, bad = sys.stdout, 0
    stdin = getattr(sys.stdin, "buffer", None) or io.BytesIO(sys.stdin.read().encode("utf-8"))  # a text stand-in
    for number, text, error in match_lines(stdin, cfg.input.max_field_chars):
        record = {"line": number, "error": error} if error else match_record(text, gaz)
        bad += bool(error)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
    out.flush()
    return 1 if bad else 0


def match_lines(stream, max_chars: int):
    """(line number, text, error) for each line of a byte stream: one bad line is one error
    record, never the end of the stream or a string decoded with replacement characters."""
    from paperscope.core.errors import InputError
    from paperscope.core.textfile import decode

    for number, raw in enumerate(stream, 1):
        try:
            text = decode(raw, f"line {number}").rstrip("\r\n")
        except InputError as exc:
            yield number, None, str(exc)
            continue
        if len(text) > max_chars:
            yield number, None, f"line {number}: {len(text)} characters, over input.max_field_chars ({max_chars})"
        else:
            yield number, text, None


def header_main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="paperscope header", description=(
        "Read the first page of each PDF; write one JSON object per file: file, title, authors "
        "[{name, affiliations (indices), tie (how they were tied)}], affiliations [{text, institutions, "
        "countries}], countries, has_us, has_cn (China per affiliations.china_policy)."))
    _common(p)
    p.add_argument("--lines", action="store_true",
                   help="add the lines read as the author block and the footnote sentences considered")
    p.add_argument("files", nargs="+", metavar="FILE.pdf")
    args = p.parse_args(argv)
    from paperscope.paper.pdf.limits import Limits

    cfg, gaz = _setup(args)

    code = 0
    for f in args.files:
        rec = header_record(f, gaz, cfg.affiliations.china_policy, args.lines, cfg.affiliations.count_former,
                            Limits.from_config(cfg))
        code = code or (0 if rec["status"] == "ok" else 1)
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return code
