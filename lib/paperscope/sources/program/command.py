"""`paperscope sources virtual|openreview|metadata ...`: collect a conference-year's papers from one source.

Writes <sources.dir>/<source>/<conf>-<year>.{jsonl,summary.json,download.csv}
(sources.program.output); raw responses are kept under sources.cache, so running the
same command again makes no request. Credentials for OpenReview come from the
environment only. A tool of the step registry: no Spark.
"""
from __future__ import annotations

import argparse
import logging
import re
import sys
import time
from collections import Counter
from pathlib import Path

from paperscope.core.exitcodes import Exit
from paperscope.core.paths import sources_cache, sources_dir
from paperscope.core.settings import Settings
from paperscope.sources.program import output
from paperscope.sources.program.base import SourceError
from paperscope.sources.program.cache import ResponseCache
from paperscope.sources.program.openreview import ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME

EPILOG = f"""\
Examples:
  paperscope sources virtual --conference neurips --year 2025
  paperscope sources virtual --conference neurips --year 2024 --file neurips-2024-orals-posters.json
  paperscope sources openreview --venue NeurIPS.cc/2025/Conference \\
      --venue NeurIPS.cc/2025/Datasets_and_Benchmarks_Track
  paperscope sources metadata --conference neurips --file nips2024.json --format nips-json
Then the PDFs and the run (docs: Reproduce the reporter's figures):
  paperscope download --urls warehouse/sources/openreview/neurips-2025.download.csv --corpus data/neurips
  paperscope run --manifest data/neurips/manifest.csv --years 2025
or the paper list alone, without PDFs:
  paperscope metadata --source warehouse/sources/openreview/neurips-2025.jsonl
OpenReview reads anonymously; where it asks for an account, set {ENV_USERNAME} and
{ENV_PASSWORD} (or {ENV_TOKEN}) in the environment: never on the command line.
Config keys: sources.* in lib/paperscope/data/defaults.yaml; flags override them.
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
    common.add_argument("--warehouse", help="warehouse folder (default warehouse.path): output under "
                                            "<warehouse>/sources, cache under <warehouse>/sources_cache")
    common.add_argument("--out", help="output folder (default sources.dir, else <warehouse>/sources)")
    common.add_argument("--cache", help="raw-response cache folder (default sources.cache, else "
                                        "<warehouse>/sources_cache)")
    common.add_argument("--refresh", action="store_true", help="ask the server again instead of reading the cache")
    common.add_argument("--rate", type=float, dest="rate_per_s", help="requests per second (default sources.rate_per_s)")
    common.add_argument("--retries", type=int, help="retries on 429, 5xx, cut connections, broken JSON")
    common.add_argument("--timeout", type=float, dest="timeout_s", help="seconds per request")
    common.add_argument("--conf-file", help="YAML config (sources.* keys)")
    common.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                        help="override any config key, e.g. --set sources.page_size=500")
    common.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = p.add_subparsers(dest="source", metavar="SOURCE", required=True)
    v = sub.add_parser("virtual", parents=[common], help="the conference's program JSON (orals and posters)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    where = v.add_mutually_exclusive_group()
    where.add_argument("--url", help="program JSON URL (default sources.virtual_url for the conference and year)")
    where.add_argument("--file", help="a program JSON saved before (no request)")
    v.add_argument("--contact", help="URL or e-mail for the User-Agent (default download.contact)")
    m = sub.add_parser("metadata", parents=[common], help="a metadata file (nips-json or paperlists layout)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    m.add_argument("--file", required=True, help="the metadata file (JSON lines or JSON array)")
    m.add_argument("--format", choices=["auto", "nips-json", "paperlists"], default="auto", help="file layout")
    o = sub.add_parser("openreview", parents=[common], help="OpenReview API v2: accepted papers and author profiles",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    o.add_argument("--venue", action="append", required=True,
                   help="venue id (repeatable, one per track), e.g. NeurIPS.cc/2025/Conference")
    o.add_argument("--api", dest="openreview_api", help="API base URL (default sources.openreview_api)")
    o.add_argument("--paging", choices=["after", "offset"], help="how note pages follow (default sources.paging)")
    o.add_argument("--page-size", type=int, help="notes per request (at most 1000)")
    o.add_argument("--profile-batch", type=int, help="profile ids per request (at most 1000)")
    return p


def conference_year(venue: str) -> tuple[str | None, int | None]:
    """("neurips", 2025) from "NeurIPS.cc/2025/Conference"; Nones where the id does not say."""
    conf = re.match(r"([A-Za-z][A-Za-z0-9-]*)\.", venue)
    year = re.search(r"/(19|20)(\d\d)/", venue)
    return (conf.group(1).lower() if conf else None), (int(year.group(1) + year.group(2)) if year else None)


def build(args, cfg: Settings):
    """The source the flags name, and the (conference, year) it collects."""
    cache = ResponseCache(Path(sources_cache(cfg)) / args.source, refresh=args.refresh)
    if args.source == "virtual":
        from paperscope.sources.program.virtual import VirtualSource

        if not (args.conference and args.year):
            raise SourceError("virtual: give --conference and --year (e.g. --conference neurips --year 2025)")
        return VirtualSource(cfg, cache, url=args.url, file=args.file), args.conference, args.year
    if args.source == "metadata":
        from paperscope.core.policy import year_in_name
        from paperscope.sources.program.files import MetadataFileSource

        year = args.year or year_in_name(Path(args.file).name)
        if not (args.conference and year):
            raise SourceError("metadata: give --conference (and --year where the file name has none)")
        return MetadataFileSource(args.file, args.format, cfg.metadata.max_record_chars), args.conference, year
    from paperscope.sources.program.openreview import OpenReviewSource

    conf, year = conference_year(args.venue[0])
    conf, year = args.conference or conf, args.year or year
    if not (conf and year):
        raise SourceError(f"openreview: cannot tell the conference and year from {args.venue[0]!r}: "
                          f"give --conference and --year")
    return OpenReviewSource(args.venue, cfg, cache), conf, year


def _config(args) -> Settings:
    from paperscope.core.config import load_config

    return load_config(args.conf_file, args.sets, warehouse__path=args.warehouse, sources__dir=args.out,
                       sources__cache=args.cache, sources__rate_per_s=args.rate_per_s, sources__retries=args.retries,
                       sources__timeout_s=args.timeout_s, download__contact=getattr(args, "contact", None),
                       sources__openreview_api=getattr(args, "openreview_api", None),
                       sources__paging=getattr(args, "paging", None), sources__page_size=getattr(args, "page_size", None),
                       sources__profile_batch=getattr(args, "profile_batch", None))


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("urllib3", "requests"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from paperscope.core.config import ConfigError

    started = time.monotonic()
    try:
        cfg = _config(args)
        source, conf, year = build(args, cfg)
        got = source.collect(conf, year)
    except (ConfigError, SourceError) as exc:
        print(f"paperscope sources: error: {exc}", file=sys.stderr)
        return int(Exit.BAD_INPUT)
    stats = {**got.stats, "seconds": round(time.monotonic() - started, 1)}
    out = sources_dir(cfg)
    try:
        written = output.write(out, source.name, conf, year, got.papers, stats)
    except OSError as exc:
        print(f"paperscope sources: error: cannot write under {out}: {exc}", file=sys.stderr)
        return int(Exit.NOT_WRITABLE)
    tracks = Counter(p.track or "unknown" for p in got.papers)
    print(f"paperscope sources {source.name}: {conf} {year}: {len(got.papers)} papers "
          f"({', '.join(f'{k} {v}' for k, v in sorted(tracks.items()))}), "
          f"{stats.get('requests', 0)} requests, {stats.get('cached_responses', 0)} cached responses")
    print(f"  papers:   {written['papers']}")
    print(f"  summary:  {written['summary']}")
    print(f"  download: {written['download']}  (paperscope download --urls ...)")
    return int(Exit.OK)


if __name__ == "__main__":
    sys.exit(main())
