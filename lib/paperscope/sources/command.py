"""`paperscope sources virtual|openreview|metadata ...`: collect a conference-year's papers from one source.

Writes <out>/<source>/<conf>-<year>.{jsonl,summary.json,download.csv} (sources.output);
raw responses are kept under the cache folder, so running the same command again makes
no request. Credentials for OpenReview come from the environment only.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from pathlib import Path

from paperscope.exitcodes import Exit
from paperscope.sources import output
from paperscope.sources.base import SourceError
from paperscope.sources.cache import ResponseCache
from paperscope.sources.openreview import ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME
from paperscope.sources.settings import Settings

EPILOG = f"""\
Examples:
  paperscope sources virtual --conference neurips --year 2025
  paperscope sources virtual --conference neurips --year 2024 --file neurips-2024-orals-posters.json
  paperscope sources openreview --venue NeurIPS.cc/2025/Conference \\
      --venue NeurIPS.cc/2025/Datasets_and_Benchmarks_Track
  paperscope sources metadata --conference neurips --file nips2024.json --format nips-json
  paperscope download --urls <out>/openreview/neurips-2025.download.csv
OpenReview reads anonymously; where it asks for an account, set {ENV_USERNAME} and
{ENV_PASSWORD} (or {ENV_TOKEN}) in the environment: never on the command line.
Exit codes: 0 written, 2 the source could not be read (one line says why), 4 output not writable.
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="paperscope sources", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="A conference-year's accepted papers, authors and their stated "
                                            "affiliations, from the conference's program data or OpenReview.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--conference", help="conference short name, e.g. neurips (openreview: from the venue id)")
    common.add_argument("--year", type=int, help="year (openreview: from the venue id)")
    common.add_argument("--warehouse", default="warehouse",
                        help="warehouse folder: output under <warehouse>/sources, cache under <warehouse>/sources_cache")
    common.add_argument("--out", help="output folder (default <warehouse>/sources)")
    common.add_argument("--cache", help="raw-response cache folder (default <warehouse>/sources_cache)")
    common.add_argument("--refresh", action="store_true", help="ask the server again instead of reading the cache")
    common.add_argument("--rate", type=float, dest="rate_per_s", help="requests per second (default 2)")
    common.add_argument("--retries", type=int, help="retries on 429, 5xx, cut connections, broken JSON (default 5)")
    common.add_argument("--timeout", type=float, dest="timeout_s", help="seconds per request (default 60)")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="source", metavar="SOURCE", required=True)
    v = sub.add_parser("virtual", parents=[common], help="the conference's program JSON (orals and posters)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = v.add_mutually_exclusive_group()
    where.add_argument("--url", help="program JSON URL (default sources.virtual_url for the conference and year)")
    where.add_argument("--file", help="a program JSON saved before (no request)")
    v.add_argument("--contact", help="URL or e-mail for the User-Agent")
    m = sub.add_parser("metadata", parents=[common], help="a metadata file (nips-json or paperlists layout)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("--file", required=True, help="the metadata file (JSON lines or JSON array)")
    m.add_argument("--format", choices=["auto", "nips-json", "paperlists"], default="auto", help="file layout")
    o = sub.add_parser("openreview", parents=[common], help="OpenReview API v2: accepted papers and author profiles",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    o.add_argument("--venue", action="append", required=True,
                   help="venue id (repeatable, one per track), e.g. NeurIPS.cc/2025/Conference")
    o.add_argument("--api", dest="openreview_api", help="API base URL (default https://api2.openreview.net)")
    o.add_argument("--paging", choices=["after", "offset"], help="how note pages follow (default after)")
    o.add_argument("--page-size", type=int, help="notes per request (at most 1000)")
    o.add_argument("--profile-batch", type=int, help="profile ids per request (at most 1000)")
    return p


def conference_year(venue: str) -> tuple[str | None, int | None]:
    """("neurips", 2025) from "NeurIPS.cc/2025/Conference"; Nones where the id does not say."""
    conf = re.match(r"([A-Za-z][A-Za-z0-9-]*)\.", venue)
    year = re.search(r"/(19|20)(\d\d)/", venue)
    return (conf.group(1).lower() if conf else None), (int(year.group(1) + year.group(2)) if year else None)


def build(args, settings: Settings):
    """The source the flags name, and the (conference, year) it collects."""
    cache = ResponseCache(settings.cache, refresh=args.refresh)
    if args.source == "virtual":
        from paperscope.sources.virtual import VirtualSource

        if not (args.conference and args.year):
            raise SourceError("virtual: give --conference and --year (e.g. --conference neurips --year 2025)")
        return VirtualSource(settings, cache, url=args.url, file=args.file), args.conference, args.year
    if args.source == "metadata":
        from paperscope.policy import year_in_name
        from paperscope.sources.files import MetadataFileSource

        year = args.year or year_in_name(Path(args.file).name)
        if not (args.conference and year):
            raise SourceError("metadata: give --conference (and --year where the file name has none)")
        return MetadataFileSource(args.file, args.format), args.conference, year
    from paperscope.sources.openreview import OpenReviewSource

    conf, year = conference_year(args.venue[0])
    conf, year = args.conference or conf, args.year or year
    if not (conf and year):
        raise SourceError(f"openreview: cannot tell the conference and year from {args.venue[0]!r}: "
                          f"give --conference and --year")
    return OpenReviewSource(args.venue, settings, cache), conf, year


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    wh = Path(args.warehouse)
    settings = Settings().with_values(
        out=args.out or str(wh / "sources"), cache=args.cache or str(wh / "sources_cache" / args.source),
        rate_per_s=args.rate_per_s, retries=args.retries, timeout_s=args.timeout_s,
        contact=getattr(args, "contact", None), openreview_api=getattr(args, "openreview_api", None),
        paging=getattr(args, "paging", None), page_size=getattr(args, "page_size", None),
        profile_batch=getattr(args, "profile_batch", None))
    started = time.monotonic()
    try:
        source, conf, year = build(args, settings)
        got = source.collect(conf, year)
    except SourceError as exc:
        print(f"paperscope sources: error: {exc}", file=sys.stderr)
        return int(Exit.BAD_INPUT)
    stats = {**got.stats, "seconds": round(time.monotonic() - started, 1)}
    try:
        written = output.write(settings.out, source.name, conf, year, got.papers, stats)
    except OSError as exc:
        print(f"paperscope sources: error: cannot write under {settings.out}: {exc}", file=sys.stderr)
        return int(Exit.NOT_WRITABLE)
    tracks = {}
    for p in got.papers:
        tracks[p.track or "unknown"] = tracks.get(p.track or "unknown", 0) + 1
    print(f"paperscope sources {source.name}: {conf} {year}: {len(got.papers)} papers "
          f"({', '.join(f'{k} {v}' for k, v in sorted(tracks.items()))}), "
          f"{stats.get('requests', 0)} requests, {stats.get('cached_responses', 0)} cached responses")
    print(f"  papers:   {written['papers']}")
    print(f"  summary:  {written['summary']}")
    print(f"  download: {written['download']}  (paperscope download --urls ...)")
    return int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())
