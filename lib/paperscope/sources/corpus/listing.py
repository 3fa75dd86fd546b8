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
from collections import Counter
from urllib.parse import urlparse

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import IntegerType, LongType, StringType, StructField, StructType

from paperscope.core import escape
from paperscope.core.errors import InputError
from paperscope.core.paths import is_local, local_path
from paperscope.core.settings import Settings

# A year folder of a corpus: <corpus>/<year>/ (what discovery reads a paper's year from).
YEAR_FOLDER = re.compile(r"\d{4}")

log = logging.getLogger(__name__)


def check_inputs(cfg: Settings) -> None:
    """Fail early, before Spark starts, on a local corpus or manifest that is not there."""
    inp = cfg.input
    target = inp.manifest or inp.corpus
    if not is_local(target):
        return
    path = local_path(target)
    if inp.manifest:
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
    if _is_year_folder(path):
        root = os.path.dirname(os.path.abspath(path)) or "/"
        raise InputError(f"corpus {path} is a year folder: pass the corpus root, not a year folder "
                         f"(--corpus {root}, with --years {os.path.basename(os.path.normpath(path))} for that year only)")
    years = cfg.input.years
    if years and not any(os.path.isdir(os.path.join(path, str(y))) for y in years):
        raise InputError(f"corpus {path} has none of the year folders {', '.join(map(str, years))}")


def _is_year_folder(path: str) -> bool:
    """A folder named as a year with no year folders inside: every file in it would be
    outside a year folder (the run would read none of them)."""
    if not YEAR_FOLDER.fullmatch(os.path.basename(os.path.normpath(path))):
        return False
    with os.scandir(path) as entries:
        return not any(e.is_dir() and YEAR_FOLDER.fullmatch(e.name) for e in entries)


def _strip_scheme(col):
    """file:/a/b and /a/b name the same file; compare paths without the local scheme."""
    return F.regexp_replace(col, r"^file:/*", "/")


def nocase_glob(glob: str) -> str:
    """The glob with each letter outside [...] as [xX]: `*.pdf` finds `a.PDF` too (the
    Hadoop glob of binaryFile, like fnmatchcase, is case-sensitive)."""
    out, depth = [], 0
    for ch in glob:
        if ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        out.append(f"[{ch.lower()}{ch.upper()}]" if ch.isalpha() and not depth and ch.lower() != ch.upper() else ch)
    return "".join(out)


def _binary(spark: SparkSession, cfg: Settings, paths) -> DataFrame:
    return (spark.read.format("binaryFile")
            .option("pathGlobFilter", nocase_glob(cfg.input.glob))
            .option("recursiveFileLookup", "true")
            .load(paths))


def _tree_paths(cfg: Settings) -> str | list[str]:
    """The corpus root, or its selected year folders (local ones only where they exist)."""
    root = cfg.input.corpus.rstrip("/")
    years = cfg.input.years
    if not years:
        return root
    paths = [f"{root}/{y}" for y in years]
    if is_local(root):
        paths = [p for p in paths if os.path.isdir(local_path(p))]
    return paths


def _year_pattern(cfg: Settings) -> str:
    root = cfg.input.corpus.rstrip("/")
    root = os.path.abspath(local_path(root)) if is_local(root) else root.split("://")[-1]
    return rf"{re.escape(root.lstrip('/'))}/(\d{{4}})/"


def _year_from_path(cfg: Settings):
    """The year is the first folder under the corpus root; a file outside one gets null."""
    year = F.regexp_extract(F.col("path"), _year_pattern(cfg), 1)
    return F.when(year != "", year.cast("int"))


def year_of(cfg: Settings, path: str) -> int | None:
    """_year_from_path for one path, in Python."""
    m = re.search(_year_pattern(cfg), path)
    return int(m.group(1)) if m else None


def read_files(spark: SparkSession, cfg: Settings, with_content: bool) -> DataFrame:
    """The input files: path, year, size_bytes, modified_ns, title_hint, source_id (and
    content when asked).

    binaryFile only reads the bytes when the content column is selected, so discovery
    (with_content=False) is a listing. modified_ns is the file's mtime in nanoseconds: with
    the size, what a re-run trusts before it reads and hashes a file (incremental.py). In
    a corpus folder, files outside the <year>/ folders are no paper of any year: they are
    left out here and named by outside_years.
    """
    rows = None if with_content else local_files(cfg)
    if rows is not None:
        return spark.createDataFrame(rows, LISTING)
    df = _files(spark, cfg, with_content)
    if not cfg.input.manifest:
        df = df.where(F.col("year").isNotNull())
    if cfg.input.years:
        df = df.where(F.col("year").isin(cfg.input.years))
    return df


LISTING = StructType([StructField("path", StringType()), StructField("size_bytes", LongType()),
                      StructField("modified_ns", LongType()), StructField("year", IntegerType()),
                      StructField("title_hint", StringType()), StructField("source_id", StringType())])


def local_files(cfg: Settings) -> list[dict] | None:
    """read_files(with_content=False) of a local corpus folder, as rows (LISTING), or None
    for a manifest or a corpus the driver cannot list (hdfs://, s3a://).

    A local corpus is listed in Python anyway (_local_listing); making a DataFrame of it
    only to collect it back cost a Spark job each time the run needed the listing.
    """
    if cfg.input.manifest or not is_local(cfg.input.corpus):
        return None
    years = cfg.input.years
    rows = []
    for path, size, mtime in _local_listing(cfg, with_mtime=True):
        year = year_of(cfg, path)
        if year is not None and (not years or year in years):
            rows.append({"path": path, "size_bytes": size, "modified_ns": mtime, "year": year,
                         "title_hint": None, "source_id": None})
    return rows


def file_counts(spark: SparkSession, cfg: Settings) -> list[tuple[int | None, int]]:
    """(year, files) of what discover() counts, without a Spark job for a local corpus."""
    rows = local_files(cfg)
    if rows is None:
        return [(r.year, r.files) for r in discover(spark, cfg).collect()]
    return sorted(Counter(r["year"] for r in rows).items())


def outside_years(spark: SparkSession, cfg: Settings) -> list[str]:
    """Files of a corpus folder that are in no <year>/ folder (at the root, or in a folder
    not named by a year), by name; none for a manifest or a run of selected years."""
    if cfg.input.manifest or cfg.input.years:
        return []
    if is_local(cfg.input.corpus):
        return sorted(local_path(path) for path, _ in _local_listing(cfg) if year_of(cfg, path) is None)
    rows = _files(spark, cfg, with_content=False).where(F.col("year").isNull()).select("path").collect()
    return sorted(local_path(r.path) if is_local(r.path) else r.path for r in rows)


def _files(spark: SparkSession, cfg: Settings, with_content: bool) -> DataFrame:
    cols = ["path", "length", "modified_ns"] + (["content"] if with_content else [])
    if cfg.input.manifest:
        df = _manifest_files(spark, cfg, cols)
    else:
        df = (_binary(spark, cfg, _tree_paths(cfg)).withColumn("modified_ns", _binary_mtime()).select(*cols)
              .withColumn("year", _year_from_path(cfg))
              .withColumn("title_hint", F.lit(None).cast("string"))
              .withColumn("source_id", F.lit(None).cast("string")))
    return df.withColumnRenamed("length", "size_bytes")


def _binary_mtime():
    """binaryFile's modificationTime (a timestamp) in nanoseconds, as the local listing has it."""
    return (F.unix_micros(F.col("modificationTime")) * 1000).cast("long")


def _local_listing(cfg: Settings, with_mtime: bool = False, every_year: bool = False) -> list[tuple]:
    """(file:/abs/path, size) of every entry matching the glob under a local corpus, with
    the mtime in nanoseconds as a third item when with_mtime (0 when it cannot be read);
    every_year: the whole corpus, whatever input.years selects.

    Spark's binaryFile listing silently skips what is not a regular file (a dangling
    link, a FIFO), so such a file would be lost without a trace; here it is listed, and
    extraction gives it a row with status "unreadable". A folder that cannot be listed is
    listed itself (as "<folder>/"), so it too becomes an unreadable row counted in the
    files discovered. Folders are descended into, as binaryFile does, and the paths are
    spelled as binaryFile spells them.
    """
    tops = cfg.input.corpus.rstrip("/") if every_year else _tree_paths(cfg)
    found: list[tuple[str, int, int]] = []
    seen_dirs: set[tuple[int, int]] = set()
    seen_files: set[tuple[int, int]] = set()
    for top in ([tops] if isinstance(tops, str) else tops):
        _walk(os.path.abspath(local_path(top)), cfg.input.glob, found, seen_dirs, seen_files)
    return found if with_mtime else [(path, size) for path, size, _ in found]


def _walk(folder: str, glob: str, found: list, seen_dirs: set, seen_files: set) -> None:
    """Depth-first, names sorted, following links; each real folder and file once.

    Folders and files are told apart by (st_dev, st_ino): a link back to a folder already
    entered (a loop) is skipped with a warning, and a file reached through several links
    keeps the first path in this walk's sorted order.
    """
    try:
        st = os.stat(folder)
        if (st.st_dev, st.st_ino) in seen_dirs:
            log.warning("folder %s was already listed (a symlink loop or a second link to it): skipped", folder)
            return
        seen_dirs.add((st.st_dev, st.st_ino))
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        log.warning("cannot list folder %s: %s; it is reported as an unreadable row", folder, exc.strerror or exc)
        found.append(("file:" + folder.rstrip("/") + "/", 0, 0))
        return
    subdirs = []
    for entry in entries:
        try:
            is_dir = entry.is_dir(follow_symlinks=True)
        except OSError:
            is_dir = False
        if is_dir:
            subdirs.append(entry.path)
            continue
        if entry.name.startswith((".", "_")) or not fnmatch.fnmatchcase(entry.name.casefold(), glob.casefold()):
            continue
        try:
            fst = os.stat(entry.path)
        except OSError:
            found.append(("file:" + entry.path, 0, 0))
            continue
        if (fst.st_dev, fst.st_ino) in seen_files:
            log.warning("%s is a file already listed under another path: listed once", entry.path)
            continue
        seen_files.add((fst.st_dev, fst.st_ino))
        found.append(("file:" + entry.path, fst.st_size, fst.st_mtime_ns))
    for sub in subdirs:
        _walk(sub, glob, found, seen_dirs, seen_files)


def read_manifest(path: str, years: list[int] | None = None) -> tuple[list[dict], list[str]]:
    """The usable rows of a local manifest CSV, and one line per row that cannot be used.

    Read with Python's csv (RFC 4180: doubled quotes, quoted newlines), so the
    downloader's own manifest reads back as written. A relative path is resolved against
    the manifest's folder; '..' is allowed. A row with no path is left out, a row whose
    year is not a whole number is kept with year None, and a listed file that is not
    there is kept, so extraction gives it an unreadable row; each is one line in the
    returned problems.
    """
    base = os.path.dirname(os.path.abspath(path))
    rows: list[dict] = []
    problems: list[str] = []
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        reader.fieldnames = [h.strip() for h in reader.fieldnames or []]
        for rec in reader:
            line = reader.line_num
            where = f"manifest {path} row ending at line {line}"
            rec = {k: escape.csv_unescape(v) for k, v in rec.items()}
            target = (rec.get("path") or "").strip()
            if not target:
                problems.append(f"{where}: no path; row skipped")
                continue
            if is_local(target):
                target = "file:" + os.path.normpath(os.path.join(base, local_path(target)))
            raw_year = (rec.get("year") or "").strip()
            year = int(raw_year) if re.fullmatch(r"\d{4}", raw_year) else None
            if year is None:
                problems.append(f"{where}: year {raw_year!r} is not a 4-digit year; {target} counted with no year")
            if years and year not in years:
                continue
            if is_local(target) and not os.path.isfile(local_path(target)):
                problems.append(f"{where}: file not found: {local_path(target)}; it gets an unreadable row")
            rows.append({"path": target, "year": year, "title_hint": rec.get("title") or None,
                         "source_id": rec.get("paper_id") or None})
    return rows, problems


_MANIFEST_SCHEMA = "m_path string, year int, title_hint string, source_id string"


def _manifest(spark: SparkSession, cfg: Settings) -> DataFrame:
    """The manifest's rows (m_path, year, title_hint, source_id); each unusable row is logged."""
    source = cfg.input.manifest
    if is_local(source):
        rows, problems = read_manifest(local_path(source), cfg.input.years)
        for problem in problems:
            log.warning("%s", problem)
        if problems:
            log.warning("manifest %s: %d row(s) with a problem (see above)", source, len(problems))
        return spark.createDataFrame([(r["path"], r["year"], r["title_hint"], r["source_id"]) for r in rows],
                                     _MANIFEST_SCHEMA)
    raw = spark.read.option("header", "true").option("multiLine", "true").option("escape", '"').csv(source)

    def optional(name):
        return (F.col(name) if name in raw.columns else F.lit(None)).cast("string")

    manifest = raw.select(F.col("path").alias("m_path"), F.expr("try_cast(year AS INT)").alias("year"),
                          optional("title").alias("title_hint"), optional("paper_id").alias("source_id"))
    if cfg.input.years:
        manifest = manifest.where(F.col("year").isin(cfg.input.years))
    return manifest


def _manifest_files(spark: SparkSession, cfg: Settings, cols: list[str]) -> DataFrame:
    manifest = _manifest(spark, cfg)
    if "content" not in cols and is_local(cfg.input.manifest):
        rows = manifest.collect()
        if all(is_local(r.m_path) for r in rows):
            # Listed here, not by binaryFile: a file that is gone stays a row (extraction
            # reports it unreadable) and names with '#', '?' or a newline are not URL-parsed.
            return spark.createDataFrame(
                [(r.year, r.title_hint, r.source_id, r.m_path, *_size_mtime(r.m_path)) for r in rows],
                "year int, title_hint string, source_id string, path string, length long, modified_ns long")
    listed = [r.m_path for r in manifest.select("m_path").distinct().collect()]
    # A listed local file that is gone would fail the whole read; leaving it out instead
    # lets the quality gate report it as lost (discovery counts what the manifest lists).
    paths = [p for p in listed if not is_local(p) or os.path.isfile(local_path(p))]
    for gone in sorted(set(listed) - set(paths)):
        log.warning("manifest lists a file that does not exist: %s", gone)
    if not paths:
        raise InputError(f"manifest {cfg.input.manifest} lists no existing files for this run")
    files = spark.read.format("binaryFile").load(paths).withColumn("modified_ns", _binary_mtime()).select(*cols)
    return (manifest.join(files, _strip_scheme(files.path) == _strip_scheme(F.col("m_path")), "inner")
            .drop("m_path"))


def _size_mtime(path: str) -> tuple[int, int]:
    try:
        st = os.stat(local_path(path))
    except OSError:
        return 0, 0
    return st.st_size, st.st_mtime_ns


def discover(spark: SparkSession, cfg: Settings) -> DataFrame:
    """Files to process per year: the number the papers table must match.

    For a manifest that is what it lists, so a listed file that cannot be read shows up
    as a loss in the quality gate instead of vanishing.
    """
    files = _manifest(spark, cfg) if cfg.input.manifest else read_files(spark, cfg, with_content=False)
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

