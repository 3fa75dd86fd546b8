"""Command line: `paperscope STEP [flags]`, the same for spark-submit, Databricks and a shell.

Bad config and missing inputs are reported in one line, before Spark starts.
"""
from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from paperscope import __version__

STEPS = {
    "run": "the whole pipeline: extract, affiliations, mentions, validate, aggregate (default)",
    "extract": "PDF text with pdfminer.six on the executors -> papers table",
    "affiliations": "first-page author block -> affiliations table (institution, country, rule)",
    "mentions": "model and architecture mentions -> mentions table",
    "validate": "Great Expectations gate on papers/affiliations/mentions; Data Docs + summary",
    "aggregate": "gate, then collaboration and mention aggregates (gold tables) and the report",
    "metadata": "conference metadata (--source FILE) instead of PDFs -> papers, affiliations, gate, aggregates",
    "check": "check the config and the input paths without starting Spark",
    "download": "fetch PDFs from a proceedings index or a URL list (no Spark; see `paperscope download --help`)",
}
EPILOG = """\
Config: packaged defaults < --conf-file < --set KEY=VALUE < the named flags.
Every key is listed, with its meaning, in lib/paperscope/data/defaults.yaml.
Exit codes: 0 ok, 1 quality gate failed (aggregates not written), 2 bad config or input.
Without Spark (the same matcher the pipeline uses; see `paperscope match --help`):
  paperscope match < affiliations.txt      one JSON line per affiliation string
  paperscope header paper.pdf ...          one JSON line per PDF: title, authors, affiliations, countries
Examples:
  paperscope run --conf-file conf/local.yaml --years 2025
  paperscope validate --set quality.expected_papers='{2025: 5290}'
  paperscope metadata --source nips2024.json --year 2024 --format nips-json
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="paperscope", description="Cross-border collaboration and model mentions in conference papers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"paperscope {__version__}")
    p.add_argument("step", nargs="?", default="run", choices=list(STEPS),
                   help="; ".join(f"{k}: {v}" for k, v in STEPS.items()))
    p.add_argument("--conf-file", help="YAML config (default: packaged defaults; the repo uses conf/local.yaml)")
    p.add_argument("--corpus", help="corpus root laid out as <corpus>/<year>/**/*.pdf (local, hdfs://, s3a://, dbfs:/)")
    p.add_argument("--manifest", help="CSV with path,year[,paper_id,title] instead of a corpus folder")
    p.add_argument("--years", help="comma-separated years to (re)process; others stay untouched")
    p.add_argument("--warehouse", help="folder of the Delta tables")
    p.add_argument("--reports", help="folder for reports/<run-id>/")
    p.add_argument("--master", help="Spark master when not started by spark-submit (e.g. local[2])")
    p.add_argument("--source", help="metadata step: the metadata file (JSON lines or JSON array)")
    p.add_argument("--format", choices=["auto", "nips-json", "paperlists"], help="metadata step: file layout (default auto)")
    p.add_argument("--year", help="metadata step: year of its papers (default: the year in the file name)")
    p.add_argument("--compare-with", help="metadata step: warehouse with PDF-derived tables to compare with, paper by paper")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set quality.min_ok_share=0.95 (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _config(args):
    from paperscope.config import load_config

    return load_config(
        args.conf_file, args.sets,
        input__corpus=args.corpus, input__manifest=args.manifest, input__years=args.years,
        warehouse__path=args.warehouse, reports__path=args.reports, spark__master=args.master,
        metadata__source=args.source, metadata__format=args.format, metadata__year=args.year,
        metadata__compare_with=args.compare_with,
    )


def preflight(cfg: dict, step: str = "run") -> None:
    """Everything that can be checked without Spark: inputs, the terms file, the GX suites."""
    from paperscope.config import ConfigError
    from paperscope.corpus import check_inputs
    from paperscope.mentions import parse_terms, terms_text
    from paperscope.quality import load_suites

    if step == "metadata":
        from paperscope.metadata import check_source

        check_source(cfg)
    else:
        check_inputs(cfg)
    dump = cfg["affiliations"]["ror_dump"]
    if dump and "://" not in str(dump) and not Path(dump).is_file():
        raise ConfigError(f"affiliations.ror_dump: no such file: {dump}")
    source = cfg["mentions"]["terms_file"] or "packaged terms.yaml"
    try:
        parse_terms(terms_text(cfg["mentions"]["terms_file"]), source)
        load_suites(cfg)
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _fail(message: str) -> int:
    print(f"paperscope: error: {message}", file=sys.stderr)
    return 2


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["review"]:
        from paperscope.review import main as review

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
        return review(argv[1:])
    if argv[:1] == ["download"]:
        from paperscope.download import main as download

        return download(argv[1:])
    if argv and argv[0] in ("match", "header"):
        from paperscope import resolve

        return resolve.match_main(argv[1:]) if argv[0] == "match" else resolve.header_main(argv[1:])
    args = parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for noisy in ("py4j", "great_expectations", "matplotlib", "pdfminer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from paperscope.config import ConfigError
    from paperscope.corpus import InputError

    try:
        cfg = _config(args)
        preflight(cfg, args.step)
    except (ConfigError, InputError) as exc:
        return _fail(str(exc))
    if args.step == "check":
        print(f"paperscope: config and input look fine ({cfg['input']['manifest'] or cfg['input']['corpus']})")
        return 0
    try:
        return _run_step(args, cfg)
    except (ConfigError, InputError, FileNotFoundError) as exc:
        return _fail(str(exc))
    except Exception as exc:  # noqa: BLE001 - Spark's own errors: one line, details in the log
        if type(exc).__name__ == "AnalysisException" and "PATH_NOT_FOUND" in str(exc):
            return _fail(str(exc).splitlines()[0])
        raise


def _run_step(args, cfg) -> int:
    from paperscope import pipeline
    from paperscope.deltajars import JarError
    from paperscope.spark import get_spark

    try:
        spark = get_spark(cfg)
    except JarError as exc:
        return _fail(str(exc))
    run = pipeline.Run(spark, cfg, conf_file=args.conf_file)
    code = 0
    if args.step == "run":
        code = pipeline.run_all(run)
    elif args.step in ("extract", "affiliations", "mentions"):
        getattr(pipeline, args.step)(run)
    elif args.step == "validate":
        gate = pipeline.validate(run)
        pipeline.report(run, gate, message=None if gate.success else gate.describe_failures())
        code = 0 if gate.success else pipeline.GATE_FAILED
    elif args.step == "aggregate":
        code = pipeline.gate_then_aggregate(run)
    elif args.step == "download":
        return _fail("download takes its own flags: paperscope download --help")
    elif args.step == "metadata":
        code = pipeline.run_metadata(run)
    _print_where(run, args.step, code)
    return code


def _print_where(run, step: str, code: int) -> None:
    from paperscope.tables import table_ref

    status = "passed" if code == 0 else "FAILED (quality gate; aggregates not written)"
    print(f"paperscope: {step} {run.run_id} {status}")
    print("  tables:  " + ", ".join(table_ref(run.cfg, t) for t in run.cfg["warehouse"]["tables"]))
    if (run.run_dir / "summary.md").exists():
        print(f"  report:  {run.run_dir / 'index.html'}")
        print(f"  summary: {run.run_dir / 'summary.md'}")
        print(f"  audit:   {run.run_dir / 'audit.csv'}")
        print(f"  data docs: {run.run_dir / 'data_docs' / 'index.html'}")
    if (run.run_dir / "metadata.md").exists():
        print(f"  metadata: {run.run_dir / 'metadata.md'}")


if __name__ == "__main__":
    sys.exit(main())
