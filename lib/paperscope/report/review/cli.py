"""`paperscope review import FILE.csv | list | withdraw ID`: the sheet into the reviews table, through Spark."""
from __future__ import annotations

import argparse
import csv
import sys

import pandas as pd

from paperscope.core import escape
from paperscope.counting.overrides import REVIEW_TABLE_COLUMNS, in_force, paper_in_force, yes_no
from paperscope.report.review.sheet import ReviewError, _now, import_sheet, read_sheet, withdrawal


def spark_io(cfg, spark=None):
    """load() and append(df) of the reviews table through Spark (started here unless given)."""
    from paperscope.storage import schemas, tables

    if spark is None:
        from paperscope.storage.spark import get_spark

        spark = get_spark(cfg)

    def load() -> pd.DataFrame:
        return tables.read_years(spark, cfg, "reviews", None, schemas.REVIEWS).toPandas()

    def append(df: pd.DataFrame) -> None:
        tables.append(spark.createDataFrame(df[REVIEW_TABLE_COLUMNS].astype(object).where(df.notna(), None),
                                            schemas.REVIEWS), cfg, "reviews")

    return load, append


def main(argv: list[str] | None = None, io=None) -> int:
    """`paperscope review import FILE.csv | list | withdraw ID`; exit 2 on a bad sheet."""
    import os

    from paperscope.core.config import ConfigError, load_config
    from paperscope.storage import failures

    p = argparse.ArgumentParser(prog="paperscope review", description=(
        "Read a filled review sheet (review_sample.csv, or the CSV saved by review.html) into the reviews "
        "table; the next run applies its country corrections and paper flag overrides (method review)."))
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--conf-file", help="YAML config (the run's: its input names the corpus, warehouse, reports)")
    common.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE")
    common.add_argument("--warehouse", help="folder of the Delta tables")
    common.add_argument("--reports", help="folder of reports/<run-id>/ (the sheet's run is looked up there)")
    sub = p.add_subparsers(dest="action", required=True)
    imp = sub.add_parser("import", parents=[common], help="validate a filled sheet and append its judgements (idempotent)")
    imp.add_argument("file", metavar="FILE.csv")
    imp.add_argument("--reviewer", help="who reviewed (rows with an empty reviewer column); default $USER")
    sub.add_parser("list", parents=[common], help="print the country corrections and paper flag overrides in force")
    wd = sub.add_parser("withdraw", parents=[common], help="withdraw an override (its id or a prefix, from `review list`)")
    wd.add_argument("review_id")
    wd.add_argument("--reviewer")
    wd.add_argument("--note")
    args = p.parse_args(argv)
    try:
        cfg = load_config(args.conf_file, args.sets, warehouse__path=args.warehouse, reports__path=args.reports)
    except ConfigError as exc:
        print(f"paperscope: error: {exc}", file=sys.stderr)
        return 2
    who = getattr(args, "reviewer", None) or os.environ.get("USER") or None
    for flag, value in (("--note", getattr(args, "note", None)), ("--reviewer", who)):
        if value and len(value) > cfg.review.max_note_chars:
            print(f"paperscope: error: {flag} of {len(value):,} characters is over review.max_note_chars "
                  f"({cfg.review.max_note_chars:,})", file=sys.stderr)
            return 2
    try:
        if args.action == "import":
            read_sheet(args.file)  # an unreadable file fails before Spark starts
            load, append = io or spark_io(cfg)
            new, old = import_sheet(args.file, cfg, who, load, append)
            print(f"paperscope: review: {new} new judgement(s) imported, {old} already there")
            return 0
        load, append = io or spark_io(cfg)
        stored = load()
        if args.action == "withdraw":
            row = withdrawal(stored, args.review_id, who or "unknown", _now(), args.note)
            append(row)
            print(f"paperscope: review: override {row['withdraws'][0][:12]} withdrawn; the next run drops it")
            return 0
        writer = csv.writer(sys.stdout, delimiter="\t", lineterminator="\n")
        writer.writerow(["review_id", "raw", "country", "flag", "reviewer", "reviewed_at", "paper_id", "note"])
        for r in in_force(stored).to_dict("records"):
            writer.writerow(escape.csv_row([r["review_id"][:12], r["raw"], r["corrected_country"], "", r["reviewer"],
                                            r["reviewed_at"], r["paper_id"][:12], r["note"] or ""]))
        for r in paper_in_force(stored).to_dict("records"):
            writer.writerow(escape.csv_row([r["review_id"][:12], "", "", f"{r['flag']}={yes_no(r['value'])}", r["reviewer"],
                                            r["reviewed_at"], r["paper_id"][:12], r["note"] or ""]))
        return 0
    except ReviewError as exc:
        for line in str(exc).splitlines():
            print(f"paperscope: error: {line}", file=sys.stderr)
        return 2
    except (failures.OutputNotWritable, failures.WriteConflict) as exc:
        print(f"paperscope: error: {exc}", file=sys.stderr)
        return int(exc.code)

