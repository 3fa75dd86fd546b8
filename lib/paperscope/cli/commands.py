"""Command line: `paperscope STEP [flags]`, the same for spark-submit, Databricks and a shell.

Bad config and missing inputs are reported in one line, before Spark starts.
"""
from __future__ import annotations

import argparse
import difflib
import importlib
import json
import logging
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paperscope import __version__
from paperscope.core import registry
from paperscope.core.exitcodes import Exit, one_line
from paperscope.core.settings import Settings

EPILOG = f"""\
Config: packaged defaults < --conf-file < --set KEY=VALUE < the named flags.
Every key is listed, with its meaning, in lib/paperscope/data/defaults.yaml.
Exit codes (README "Exit codes"): {one_line()}.
Without Spark (the same matcher the pipeline uses; see `paperscope match --help`):
  paperscope match < affiliations.txt      one JSON line per affiliation string
  paperscope header paper.pdf ...          one JSON line per PDF: title, authors, affiliations, countries
Examples:
  paperscope run --conf-file conf/local.yaml --years 2025
  paperscope validate --set quality.expected_papers='{{2025: 5290}}'
  paperscope metadata --source nips2024.json --year 2024 --format nips-json
"""


class _Parser(argparse.ArgumentParser):
    """argparse with the house's errors: the (sub)command's usage, then one line naming the
    mistake, a close flag when there is one ("did you mean --corpus?"), exit 2."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(int(Exit.BAD_INPUT), f"{self.prog}: error: {message}\n")

    def unknown(self, extras: list[str]):
        """The first unknown flag or argument, said once with its likely meaning."""
        flags = [o for a in self._actions for o in a.option_strings]
        first = extras[0]
        if not first.startswith("-"):
            self.error(f"unexpected argument {first!r} (see {self.prog} --help)")
        name = first.split("=", 1)[0]
        close = difflib.get_close_matches(name.lstrip("-"), [f[2:] for f in flags if f.startswith("--")], n=1,
                                          cutoff=0.75)
        hint = f"; did you mean --{close[0]}?" if close else f" (see {self.prog} --help)"
        self.error(f"unknown flag {name}{hint}")


def _common_flags() -> argparse.ArgumentParser:
    """The flags every pipeline step takes (and `check`)."""
    p = _Parser(add_help=False)
    p.add_argument("--conf-file", help="YAML config (default: packaged defaults; the repo uses conf/local.yaml)")
    p.add_argument("--corpus", help="corpus root laid out as <corpus>/<year>/**/*.pdf (local, hdfs://, s3a://, dbfs:/)")
    p.add_argument("--manifest", help="CSV with path,year[,paper_id,title] instead of a corpus folder")
    p.add_argument("--years", help="comma-separated years to (re)process; others stay untouched")
    p.add_argument("--warehouse", help="folder of the Delta tables")
    p.add_argument("--reports", help="folder for reports/<run-id>/")
    p.add_argument("--run-id", help="the run's id and report folder name (default: time and a random suffix); "
                                    "the tasks of one Databricks job run share the job's run id")
    p.add_argument("--master", help="Spark master when not started by spark-submit (e.g. local[2])")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override any config key, e.g. --set quality.min_ok_share=0.95 (repeatable)")
    p.add_argument("-v", "--verbose", action="store_true",
                   help="debug logging, and every counting rule's figures on the console")
    return p


def parser() -> argparse.ArgumentParser:
    """`paperscope STEP [flags]`, one subcommand per step of the registry."""
    p = _Parser(
        prog="paperscope", description="Cross-border collaboration and model mentions in conference papers.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"paperscope {__version__}")
    sub = p.add_subparsers(dest="step", metavar="STEP", title="steps (default: run)", parser_class=_Parser)
    common = _common_flags()
    for step in registry.STEPS:
        if step.tool:  # dispatched before parsing, with the tool's own flags
            sub.add_parser(step.name, help=step.help, add_help=False)
            continue
        sp = sub.add_parser(step.name, help=step.help, description=step.help, parents=[common])
        if step.name == "metadata":
            sp.add_argument("--source", help="the metadata file (JSON lines or JSON array)")
            sp.add_argument("--format", choices=["auto", "nips-json", "paperlists", "sources"],
                            help="file layout (default auto; sources: a paper list of `paperscope sources`)")
            sp.add_argument("--year", type=int, help="year of its papers (default: the year in the file name)")
            sp.add_argument("--compare-with", help="warehouse with PDF-derived tables to compare with, paper by paper")
    return p


def _config(args):
    from paperscope.core.config import load_config

    return load_config(
        args.conf_file, args.sets,
        input__corpus=args.corpus, input__manifest=args.manifest, input__years=args.years,
        warehouse__path=args.warehouse, reports__path=args.reports, spark__master=args.master,
        metadata__source=getattr(args, "source", None), metadata__format=getattr(args, "format", None),
        metadata__year=getattr(args, "year", None), metadata__compare_with=getattr(args, "compare_with", None),
    )


def preflight(cfg: Settings, step: str = "run", suites: bool = True) -> None:
    """Everything that can be checked without Spark: inputs, the terms file, the GX suites
    (unless suites=False: a run checks them while Spark starts, see _run_step), and that
    the warehouse and the reports folder can be written (OutputNotWritable)."""
    from paperscope.core.config import ConfigError
    from paperscope.core.paths import refusal
    from paperscope.paper.mentions import parse_terms, terms_text
    from paperscope.sources.corpus.listing import check_inputs
    from paperscope.storage.failures import check_writable

    for key in ("warehouse.path", "reports.path", "input.corpus", "input.manifest", "metadata.source"):
        value = cfg.value(key)
        problem = value and refusal(value, key)
        if problem:
            raise ConfigError(problem)
    if step == "metadata":
        from paperscope.sources.metadata.rows import check_source

        check_source(cfg)
    else:
        check_inputs(cfg)
    dump = cfg.affiliations.ror_dump
    if dump and "://" not in str(dump) and not Path(dump).is_file():
        raise ConfigError(f"affiliations.ror_dump: no such file: {dump}")
    source = cfg.mentions.terms_file or "packaged terms.yaml"
    try:
        parse_terms(terms_text(cfg.mentions.terms_file), source)
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if suites:
        check_suites(cfg)
    if not (cfg.warehouse.catalog and cfg.warehouse.schema_):
        check_writable(cfg.warehouse.path, "warehouse.path")
    check_writable(cfg.reports.path, "reports.path")


def check_suites(cfg: Settings) -> None:
    """The GX suites load and are valid, else ConfigError naming the file."""
    from paperscope.core.config import ConfigError
    from paperscope.quality.suites import load_suites

    try:
        load_suites(cfg)
    except OSError as exc:
        raise ConfigError(f"cannot read {exc.filename}: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def _fail(message: str, code: Exit = Exit.BAD_INPUT) -> int:
    print(f"paperscope: error: {message}", file=sys.stderr)
    return int(code)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    tools = {t.name: t for t in registry.tools()}
    if argv and argv[0] in tools:
        module, _, func = tools[argv[0]].tool.partition(":")
        return getattr(importlib.import_module(module), func)(argv[1:])
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version")):
        argv = ["run", *argv]
    top = parser()
    args, extras = top.parse_known_args(argv)
    if extras:  # a wrong flag: the subcommand's usage and a close flag, not the top-level usage
        top._subparsers._group_actions[0].choices[args.step].unknown(extras)
    from paperscope.cli.runlog import RunLog

    with RunLog(logging.DEBUG if args.verbose else logging.INFO) as logs:
        return _main(args, logs)


def _main(args, logs) -> int:
    from paperscope.core.config import ConfigError
    from paperscope.core.errors import InputError
    from paperscope.storage.failures import OutputNotWritable, classify
    from paperscope.storage.tables import TableDamaged

    try:
        if getattr(args, "run_id", None) and not re.fullmatch(r"[A-Za-z0-9._-]+", args.run_id):
            raise ConfigError(f"--run-id {args.run_id!r}: letters, digits, '.', '_' and '-' only (it names a folder)")
        cfg = _config(args)
        # Before the preflight (which loads the GX suites, seconds): a passed run's stamp
        # covers the inputs, settings, suites and code it would check.
        state = _unchanged_state(cfg, args)
        if state is True:
            return 0
        preflight(cfg, args.step, suites=args.step == "check")
    except (ConfigError, InputError) as exc:
        return _fail(str(exc))
    except OutputNotWritable as exc:
        return _fail(str(exc), Exit.NOT_WRITABLE)
    if args.step == "check":
        print(f"paperscope: config and input look fine ({cfg.input.manifest or cfg.input.corpus})")
        return Exit.OK
    log_file = logs.to_file(cfg.reports.path, args.step)
    try:
        return _run_step(args, cfg, state, log_file)
    except (ConfigError, InputError, FileNotFoundError) as exc:
        return _fail(str(exc))
    except TableDamaged as exc:
        return _fail(logs.with_path(str(exc), exc), Exit.TABLE_DAMAGED)
    except Exception as exc:  # noqa: BLE001 - Spark's own errors: one line, the stack in the log file
        if type(exc).__name__ == "AnalysisException" and "PATH_NOT_FOUND" in str(exc):
            return _fail(str(exc).splitlines()[0])
        known = classify(exc)
        if known is None:
            first = (str(exc).strip().splitlines() or [""])[0]
            return _fail(logs.with_path(f"stopped by {type(exc).__name__}: {first}", exc), Exit.FAILED)
        return _fail(logs.with_path(known[1], exc), known[0])


def _unchanged_state(cfg, args):
    """True when the last passed run stands (printed); else the inputs' state to stamp
    after this run, or None when the fast re-run does not apply (paperscope.cli.rerun)."""
    from paperscope.cli import rerun

    if args.step == "check" or not rerun.applies(cfg, args.step, args.run_id):
        return None
    state = rerun.inputs_state(cfg)
    stamp = rerun.unchanged(cfg, state)
    if stamp is None:
        return state
    _print_unchanged(stamp)
    return True


def _run_step(args, cfg, state: dict | None = None, log_file=None) -> int:
    from paperscope.cli import rerun, runlog
    from paperscope.core import timing
    from paperscope.pipeline import run
    from paperscope.pipeline.progress import progress_for
    from paperscope.storage.deltajars import JarError
    from paperscope.storage.spark import get_spark

    # The suites are checked while the JVM starts: importing GX takes seconds of this
    # process's CPU, the JVM's start mostly another core's.
    timing.reset()
    with timing.timed("spark start (and the suites checked beside it)"), \
            ThreadPoolExecutor(1, thread_name_prefix="suites") as pool:
        suites = pool.submit(check_suites, cfg)
        try:
            spark = get_spark(cfg, runlog.spark_conf(cfg, log_file))
        except JarError as exc:
            return _fail(str(exc))
        suites.result()  # a bad suite: ConfigError, exit 2 before any table is touched
    run = run.Run(spark, cfg, conf_file=args.conf_file)
    if args.run_id:
        run.run_id = args.run_id
    with progress_for(spark, cfg):
        result = registry.step(args.step).function()(run)
    code = result if isinstance(result, int) else 0
    if state is not None:
        with timing.timed("re-run stamp"):
            rerun.remember(cfg, state, run.run_id, code, run.run_dir / "index.html")
    _print_where(run, args.step, code, args.verbose)
    timing.write(run.run_dir)
    return code


def _print_unchanged(stamp: dict) -> None:
    """The fast re-run's answer: the last passed run stands."""
    report = Path(stamp["report"])
    print(f"paperscope: run {stamp['run_id']} passed and nothing changed since "
          f"({stamp['files']} files, config, code, tables): Spark not started, no new report")
    print(f"  report:  {report}")
    print(f"  summary: {report.parent / 'summary.md'}")
    print(f"  audit:   {report.parent / 'audit.csv'}")


def where_lines(run, step: str, code: int, verbose: bool = False) -> list[str]:
    """What a finished step prints: its status, then per year the answer under the headline
    rule (from the run's run.json: the report's own figures), then where everything went.
    The rules table, with what "dual strings" means, only with --verbose (the report has it)."""
    from paperscope.report.words import DUAL_STRINGS, console_lines
    from paperscope.storage.tables import table_ref

    status = "passed" if code == 0 else "FAILED (quality gate; aggregates not written)"
    lines = [f"paperscope: {step} {run.run_id} {status}"]
    record = {}
    if (run.run_dir / "run.json").exists():
        try:
            record = json.loads((run.run_dir / "run.json").read_text(encoding="utf-8"))
        except ValueError:
            record = {}
    if verbose and run.counts:
        from paperscope.counting.rules import rules_markdown

        lines += ["", "US-China papers under each counting rule (with_both, share of all papers; "
                      "+N unknown: papers the rule cannot decide):", "",
                  *rules_markdown(run.counts["rules"]).splitlines(), "", DUAL_STRINGS, ""]
        by_track = run.counts.get("track_rules")
        if by_track is not None and not by_track.empty:
            from paperscope.counting.tracks import tracks_markdown

            lines += [f"Per track, as the paper lists name them ({run.cfg.affiliations.china_policy}, strings kept):",
                      "", *tracks_markdown(by_track).splitlines(), ""]
    answers = record.get("answer") or []
    if answers:
        rule = answers[0]["rule"]
        confidence = ((record.get("headline_error") or {}).get("confidence")) or 0.95
        lines.append(f"  under {rule} (aggregates.headline_rule; every rule: --verbose, or the report):")
        lines += [f"  {line}" for line in console_lines(answers, confidence)]
    if (run.run_dir / "summary.md").exists():
        lines.append(f"  report:  {run.run_dir / 'index.html'}")
        if answers:
            lines.append(f"  papers:  {run.run_dir / answers[0]['export']} (the papers behind each figure: "
                         "papers_<rule>_<policy>_<strings>.csv)")
        lines.append(f"  summary: {run.run_dir / 'summary.md'}")
        lines.append(f"  audit:   {run.run_dir / 'audit.html'} ({run.run_dir / 'audit.csv'})")
        lines.append(f"  data docs: {run.run_dir / 'data_docs' / 'index.html'}")
    if (run.run_dir / "metadata.md").exists():
        lines.append(f"  metadata: {run.run_dir / 'metadata.md'}")
    lines.append("  tables:  " + ", ".join(table_ref(run.cfg, t.name) for t in registry.TABLES))
    return lines


def _print_where(run, step: str, code: int, verbose: bool = False) -> None:
    print("\n".join(where_lines(run, step, code, verbose)))


if __name__ == "__main__":
    sys.exit(main())
