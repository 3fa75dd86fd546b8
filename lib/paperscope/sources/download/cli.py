"""`paperscope download`: fetch conference PDFs into <corpus>/<year>/ with a manifest."""
from __future__ import annotations

import logging
import os

from paperscope.sources.download.client import DownloadError
from paperscope.sources.download.fetch import run
from paperscope.sources.download.papers import FAILED, FETCHED, PRESENT, Options

EPILOG = """\
Examples:
  paperscope download --index https://papers.nips.cc/paper_files/paper/2024 --corpus data/neurips --contact https://example.org/me
  paperscope download --urls urls.csv --corpus data/neurips --concurrency 2 --rate 0.5
  ./spark-submit.sh extract -- --manifest data/neurips/manifest.csv   # then read what was fetched

The manifest (<corpus>/manifest.csv unless --manifest) lists every paper with its status
(fetched, present, failed) and error; it is a paperscope input manifest as it stands.
Config keys: download.* in lib/paperscope/data/defaults.yaml; flags override them.
Exit codes: 0 every paper is on disk, 1 some failed (see the manifest), 2 bad input or config.
"""


def parser():
    import argparse

    p = argparse.ArgumentParser(prog="paperscope download", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                description="Fetch conference PDFs into <corpus>/<year>/ with a manifest of what was fetched and what failed.")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--index", help="proceedings year page (NeurIPS layout: links to paper pages, each linking its PDF)")
    src.add_argument("--urls", help="CSV with columns url, year[, paper_id, title]")
    p.add_argument("--year", type=int, help="year of the papers (default: the CSV's year column, or the year in the index URL)")
    p.add_argument("--corpus", help="corpus root; files go to <corpus>/<year>/ (default download.corpus, else input.corpus)")
    p.add_argument("--manifest", help="manifest CSV to write/merge (default <corpus>/manifest.csv)")
    p.add_argument("--concurrency", type=int, help="parallel downloads (default download.concurrency)")
    p.add_argument("--rate", type=float, dest="rate_per_s", help="requests per second across all threads (default download.rate_per_s)")
    p.add_argument("--retries", type=int, help="retries per request on 5xx, timeouts and truncated bodies")
    p.add_argument("--timeout", type=float, dest="timeout_s",
                   help="seconds a silent server is waited for: the connection, then each wait for the next bytes "
                        "of an index page, a paper page or a PDF (default download.timeout_s); a timeout is retried")
    p.add_argument("--deadline", type=float, dest="file_deadline_s",
                   help="seconds one item (index page, paper page or PDF) may take in all, tries and waits included, "
                        "however slowly the server sends; past it the item fails (default download.file_deadline_s)")
    p.add_argument("--speed-limit", type=float, dest="speed_limit_bps", metavar="BYTES_PER_S",
                   help="abandon a transfer slower than this over --speed-time seconds, as curl does "
                        "(default download.speed_limit_bps; 0: no cut)")
    p.add_argument("--speed-time", type=float, dest="speed_time_s", metavar="SECONDS",
                   help="the window of the low-speed cut (default download.speed_time_s)")
    p.add_argument("--contact", help="URL or e-mail put in the User-Agent so site owners can reach you")
    p.add_argument("--limit", type=int, help="only the first N papers (a trial run)")
    p.add_argument("--conf-file", help="YAML config (download.* keys)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE", help="override any config key")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def main(argv: list[str] | None = None) -> int:
    import sys

    from paperscope.core.config import ConfigError, load_config

    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    try:
        cfg = load_config(args.conf_file, args.sets, download__corpus=args.corpus, download__manifest=args.manifest,
                          download__concurrency=args.concurrency, download__rate_per_s=args.rate_per_s,
                          download__retries=args.retries, download__timeout_s=args.timeout_s,
                          download__file_deadline_s=args.file_deadline_s,
                          download__speed_limit_bps=args.speed_limit_bps, download__speed_time_s=args.speed_time_s,
                          download__contact=args.contact)
        opts = Options.from_config(cfg, limit=args.limit)
        if args.urls and not os.path.isfile(args.urls):
            raise ValueError(f"URL list not found: {args.urls}")
        results = run(opts, index=args.index, csv_path=args.urls, year=args.year)
    except (ConfigError, ValueError, OSError) as exc:
        print(f"paperscope download: error: {exc}", file=sys.stderr)
        return 2
    except DownloadError as exc:
        print(f"paperscope download: error: {args.index or args.urls}: {exc}", file=sys.stderr)
        return 2
    failed = sum(r.status == FAILED for r in results)
    print(f"paperscope download: {len(results)} papers, {sum(r.status == FETCHED for r in results)} fetched, "
          f"{sum(r.status == PRESENT for r in results)} already present, {failed} failed; manifest {opts.manifest_path}")
    return 1 if failed else 0

