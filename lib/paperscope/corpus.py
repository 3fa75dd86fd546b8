"""Where the PDFs are: a <corpus>/<year>/**/*.pdf tree or a manifest CSV, read with binaryFile.

Discovery lists the files without reading them; the extraction step reads their bytes on
the executors. The two are separate reads, so the quality gate can compare what was found
with what was written.
"""
from __future__ import annotations

import csv
import fnmatch
import logging
import os
import re
from urllib.parse import urlparse

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType

log = logging.getLogger(__name__)
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


class InputError(ValueError):
    """An input that cannot be read; the message is meant for the user as is."""


def is_local(path: str) -> bool:
    return not _SCHEME.match(path) or path.startswith("file:")


def local_path(path: str) -> str:
    return urlparse(path).path if path.startswith("file:") else path


def check_inputs(cfg: dict) -> None:
    """Fail early, before Spark starts, on a local corpus or manifest that is not there."""
    inp = cfg["input"]
    target = inp["manifest"] or inp["corpus"]
    if not is_local(target):
        return
    path = local_path(target)
    if inp["manifest"]:
        if not os.path.isfile(path) or not os.access(path, os.R_OK):
            raise InputError(f"manifest not found or not readable: {path}")
        with open(path, newline="", encoding="utf-8") as fh:
            header = next(csv.reader(fh), [])
        missing = {"path", "year"} - {h.strip() for h in header}
        if missing:
            raise InputError(f"manifest {path} lacks column(s) {', '.join(sorted(missing))}; it needs path,year[,paper_id,title]")
        return
    if not os.path.isdir(path) or not os.access(path, os.R_OK | os.X_OK):
        raise InputError(f"corpus folder not found or not readable: {path} (expected <corpus>/<year>/**/*.pdf)")
    years = cfg["input"]["years"]
    if years and not any(os.path.isdir(os.path.join(path, str(y))) for y in years):
        raise InputError(f"corpus {path} has none of the year folders {', '.join(map(str, years))}")


def _strip_scheme(col):
    """file:/a/b and /a/b name the same file; compare paths without the local scheme."""
    return F.regexp_replace(col, r"^file:/*", "/")


def _binary(spark: SparkSession, cfg: dict, paths) -> DataFrame:
    return (spark.read.format("binaryFile")
            .option("pathGlobFilter", cfg["input"]["glob"])
            .option("recursiveFileLookup", "true")
            .load(paths))


def _tree_paths(cfg: dict) -> str | list[str]:
    """The corpus root, or its selected year folders (local ones only where they exist)."""
    root = cfg["input"]["corpus"].rstrip("/")
    years = cfg["input"]["years"]
    if not years:
        return root
    paths = [f"{root}/{y}" for y in years]
    if is_local(root):
        paths = [p for p in paths if os.path.isdir(local_path(p))]
    return paths


def _year_from_path(cfg: dict):
    """The year is the first folder under the corpus root; a file outside one gets null."""
    root = cfg["input"]["corpus"].rstrip("/")
    root = os.path.abspath(local_path(root)) if is_local(root) else root.split("://")[-1]
    root = re.escape(root.lstrip("/"))
    year = F.regexp_extract(F.col("path"), rf"{root}/(\d{{4}})/", 1)
    return F.when(year != "", year.cast("int"))


def read_files(spark: SparkSession, cfg: dict, with_content: bool) -> DataFrame:
    """The input files: path, year, size_bytes, title_hint, source_id (and content when asked).

    binaryFile only reads the bytes when the content column is selected, so discovery
    (with_content=False) is a listing.
    """
    cols = ["path", "length"] + (["content"] if with_content else [])
    if cfg["input"]["manifest"]:
        df = _manifest_files(spark, cfg, cols)
    elif not with_content and is_local(cfg["input"]["corpus"]):
        df = (spark.createDataFrame(_local_listing(cfg), "path string, length long")
              .withColumn("year", _year_from_path(cfg))
              .withColumn("title_hint", F.lit(None).cast("string"))
              .withColumn("source_id", F.lit(None).cast("string")))
    else:
        df = (_binary(spark, cfg, _tree_paths(cfg)).select(*cols)
              .withColumn("year", _year_from_path(cfg))
              .withColumn("title_hint", F.lit(None).cast("string"))
              .withColumn("source_id", F.lit(None).cast("string")))
    df = df.withColumnRenamed("length", "size_bytes")
    if cfg["input"]["years"]:
        df = df.where(F.col("year").isin(cfg["input"]["years"]))
    return df


def _local_listing(cfg: dict) -> list[tuple[str, int]]:
    """(file:/abs/path, size) of every entry matching the glob under a local corpus.

    Spark's binaryFile listing silently skips what is not a regular file (a dangling
    link, a FIFO), so such a file would be lost without a trace; here it is listed, and
    extraction gives it a row with status "unreadable". Folders are descended into,
    as binaryFile does, and the paths are spelled as binaryFile spells them.
    """
    glob = cfg["input"]["glob"]
    found = []
    for top in ([_tree_paths(cfg)] if isinstance(_tree_paths(cfg), str) else _tree_paths(cfg)):
        for folder, dirs, names in os.walk(os.path.abspath(local_path(top)), followlinks=True):
            dirs.sort()
            for name in sorted(names):
                if name.startswith((".", "_")) or not fnmatch.fnmatchcase(name, glob):
                    continue
                full = os.path.join(folder, name)
                try:
                    size = os.stat(full).st_size
                except OSError:
                    size = 0
                found.append(("file:" + full, size))
    return found


def _manifest(spark: SparkSession, cfg: dict) -> DataFrame:
    raw = spark.read.option("header", "true").csv(cfg["input"]["manifest"])

    def optional(name):
        return (F.col(name) if name in raw.columns else F.lit(None)).cast("string")

    manifest = raw.select(F.col("path").alias("m_path"), F.expr("try_cast(year AS INT)").alias("year"),
                          optional("title").alias("title_hint"), optional("paper_id").alias("source_id"))
    if cfg["input"]["years"]:
        manifest = manifest.where(F.col("year").isin(cfg["input"]["years"]))
    return manifest


def _manifest_files(spark: SparkSession, cfg: dict, cols: list[str]) -> DataFrame:
    manifest = _manifest(spark, cfg)
    listed = [r.m_path for r in manifest.select("m_path").distinct().collect()]
    # A listed local file that is gone would fail the whole read; leaving it out instead
    # lets the quality gate report it as lost (discovery counts what the manifest lists).
    paths = [p for p in listed if not is_local(p) or os.path.isfile(local_path(p))]
    for gone in sorted(set(listed) - set(paths)):
        log.warning("manifest lists a file that does not exist: %s", gone)
    if not paths:
        raise InputError(f"manifest {cfg['input']['manifest']} lists no existing files for this run")
    files = spark.read.format("binaryFile").load(paths).select(*cols)
    return (manifest.join(files, _strip_scheme(files.path) == _strip_scheme(F.col("m_path")), "inner")
            .drop("m_path"))


def discover(spark: SparkSession, cfg: dict) -> DataFrame:
    """Files to process per year: the number the papers table must match.

    For a manifest that is what it lists, so a listed file that cannot be read shows up
    as a loss in the quality gate instead of vanishing.
    """
    files = _manifest(spark, cfg) if cfg["input"]["manifest"] else read_files(spark, cfg, with_content=False)
    return files.groupBy("year").agg(F.count(F.lit(1)).alias("files"))


def executor_path(path: str) -> str | None:
    """The path a Python worker can open for a file Spark listed, or None.

    Local and file: paths as they are; dbfs:/x through the /dbfs mount that Databricks
    clusters have. Other schemes (hdfs://, s3a://) need Spark to read the bytes.
    """
    if path.startswith("dbfs:"):
        return "/dbfs/" + urlparse(path).path.lstrip("/")
    if not is_local(path):
        return None
    return local_path(path)


def spread(sizes: list[int], tasks: int) -> list[int]:
    """Task index of each file: largest first, each to the task with the fewest bytes so far.

    Greedy longest-processing-time balancing: a corpus with a few huge PDFs still spreads
    over every task instead of landing where binaryFile's size-based packing puts them.
    """
    load = [0] * max(1, tasks)
    slot = [0] * len(sizes)
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        target = min(range(len(load)), key=load.__getitem__)
        slot[i] = target
        load[target] += sizes[i] + 1
    return slot


def spread_files(spark: SparkSession, rows: list[dict], schema, tasks: int) -> DataFrame:
    """Listed files (metadata rows, no content) in `tasks` partitions balanced by size.

    Partition i holds exactly bucket i, and bucket 0 the largest file, so Spark starts the
    biggest work first. A range with one id per partition, joined with the broadcast
    listing, keeps the range's partitioning: no shuffle, and no Python stage (an RDD of
    Python rows would start a second Python worker in every task). The listing goes in as
    an Arrow table, a local relation that needs no Spark job of its own to broadcast.
    """
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    tasks = max(1, min(tasks, len(rows)))
    names = schema.fieldNames()
    slots = spread([r["size_bytes"] or 0 for r in rows], tasks)
    full = StructType(schema.fields + [StructField("_task", LongType(), False)])
    table = pa.Table.from_pylist([{**{f: row[f] for f in names}, "_task": slot} for row, slot in zip(rows, slots)],
                                 schema=to_arrow_schema(full))
    return (spark.range(0, tasks, 1, tasks)
            .join(F.broadcast(spark.createDataFrame(table, full)), F.col("id") == F.col("_task"))
            .select(*names))
