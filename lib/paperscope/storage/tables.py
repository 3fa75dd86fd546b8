"""Delta tables by year: every write replaces exactly the years of the run.

Tables are addressed by path under the warehouse folder, which works the same on a
laptop, HDFS, S3 and DBFS; or, with warehouse.catalog and warehouse.schema set, by name
as Unity Catalog tables `catalog.schema.table` (Databricks).
"""
from __future__ import annotations

import json
import logging
import os
import threading

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from paperscope.core.paths import is_local, join, local_path, locate
from paperscope.core.timing import timed
from paperscope.core.settings import Settings
from paperscope.storage import failures

log = logging.getLogger(__name__)


def _folder(cfg: Settings, name: str) -> str:
    """The table's folder (or catalog table) name: warehouse.tables.<name>, else its own."""
    return cfg.warehouse.tables.get(name) or name


def table_path(cfg: Settings, name: str) -> str:
    """The table's folder as Spark and Delta take it (core.paths: a local path absolute, as written)."""
    return join(locate(cfg.warehouse.path).spark, _folder(cfg, name))


def table_name(cfg: Settings, name: str) -> str | None:
    """`catalog`.`schema`.`table` when the warehouse is a catalog schema, else None (by path)."""
    wh = cfg.warehouse
    if not (wh.catalog and wh.schema_):
        return None
    return ".".join(f"`{part}`" for part in (wh.catalog, wh.schema_, _folder(cfg, name)))


def table_ref(cfg: Settings, name: str) -> str:
    """How a table is named to people: its catalog name, else its path as the user gave it."""
    return (table_name(cfg, name) or join(cfg.warehouse.path, _folder(cfg, name))).replace("`", "")


def years_predicate(years: list[int]) -> str:
    """The rows a run owns: its years, and rows whose year could not be read."""
    listed = ", ".join(str(int(y)) for y in sorted(set(years)))
    return f"year IN ({listed}) OR year IS NULL" if listed else "year IS NULL"


def write_years(df: DataFrame, cfg: Settings, name: str, years: list[int], metadata: dict | None = None) -> str:
    """Replace the given years of a table with df (creating the table if needed).

    metadata goes into the commit (userMetadata) so a later run can tell what the
    table was built from (see last_metadata).
    """
    path, ident = table_path(cfg, name), table_name(cfg, name)
    predicate = years_predicate(years)
    # One file per year, not one per upstream task and year: extraction runs a task per
    # file (hundreds of tasks for a conference), which would leave as many small files.
    df = df.repartition("year")
    writer = (df.write.format("delta")
              .mode("overwrite")
              .option("replaceWhere", predicate)
              # A newer version may add columns; the years it does not rewrite keep nulls there.
              .option("mergeSchema", "true")
              .partitionBy("year"))
    if metadata is not None:
        writer = writer.option("userMetadata", json.dumps(metadata, sort_keys=True))
    listed = ", ".join(str(int(y)) for y in sorted(set(years)))
    _save(writer, df, cfg, name, f"year{'s' if len(set(years)) > 1 else ''} {listed or '(none)'} of {table_ref(cfg, name)}")
    log.info("wrote %s (%s)", ident or path, predicate)
    return ident or path


def append(df: DataFrame, cfg: Settings, name: str) -> str:
    """Append df to a table that no run replaces (reviews), in one commit: all or nothing."""
    _save(df.write.format("delta").mode("append"), df, cfg, name, table_ref(cfg, name))
    ref = table_name(cfg, name) or table_path(cfg, name)
    log.info("appended to %s", ref)
    return ref


def _save(writer, df: DataFrame, cfg: Settings, name: str, what: str) -> None:
    """One commit of writer to the table: a catalog table by name, else its path.

    A concurrent writer's commit (Delta's Concurrent*/...ChangedException) is retried
    delta.conflict_retries times, then is one line naming `what` (failures.WriteConflict);
    a full disk or a read-only warehouse is one line too (failures.OutputNotWritable).
    """
    ident = table_name(cfg, name)

    def write() -> None:
        try:
            if ident:
                df.sparkSession.sql(f"CREATE SCHEMA IF NOT EXISTS {ident.rsplit('.', 1)[0]}")
                writer.saveAsTable(ident)
            else:
                writer.save(table_path(cfg, name))
        finally:
            _forget(cfg, name)

    with timed(f"write {name}"):
        failures.with_retries(write, what, cfg.delta.conflict_retries, cfg.delta.conflict_backoff_s)


class TableDamaged(RuntimeError):
    """A Delta table that is there but cannot be read (a lost or garbled commit file, say).

    Unlike a table that does not exist yet, it must stop the run: read as empty, it would
    make every paper "unknown" in the aggregates. The message is one line: the table and
    the Delta error.
    """

    def __init__(self, table: str, error: BaseException | str):
        super().__init__(f"Delta table {table} is damaged: {_first_line(error)}")
        self.table = table


# Error conditions that mean "no table here yet" (a path or name with no Delta log).
_ABSENT = ("PATH_NOT_FOUND", "DELTA_TABLE_NOT_FOUND", "DELTA_MISSING_DELTA_TABLE", "TABLE_OR_VIEW_NOT_FOUND",
           "DELTA_PATH_DOES_NOT_EXIST", "SCHEMA_NOT_FOUND")


def _first_line(error: BaseException | str) -> str:
    """The Delta error itself: a Py4J error's Java message, else the exception's text, one line."""
    java = getattr(error, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(error)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(error).__name__


def _absent(error: BaseException) -> bool:
    condition = getattr(error, "getCondition", lambda: None)() or ""
    first = _first_line(error)
    return condition.split(".")[0] in _ABSENT or any(f"[{c}" in first for c in _ABSENT)


def _no_log(path: str) -> bool:
    """True when a local table was never committed: no version file (<version>.json, .crc,
    checkpoint) in its _delta_log. A driver killed before the first commit leaves at most
    hidden temporary files there, and that table is "not there yet", not damaged."""
    log_dir = os.path.join(local_path(path), "_delta_log")
    try:
        return not any(n[:1].isdigit() for n in os.listdir(log_dir))
    except OSError:
        return True


def _load(spark: SparkSession, path: str, name: str | None = None) -> DataFrame | None:
    """The Delta table at path; None if there is none yet; TableDamaged if it cannot be read."""
    local = is_local(path)
    if local and _no_log(path):
        return None
    try:
        return spark.read.format("delta").load(path)  # resolves the log eagerly
    except Exception as exc:  # noqa: BLE001 - Py4J and Spark errors alike
        if not local and _absent(exc):
            return None
        raise TableDamaged(name or path, exc) from None


def _load_table(spark: SparkSession, cfg: Settings, name: str) -> DataFrame | None:
    """The table by catalog name or by path; None if there is none yet; TableDamaged if unreadable."""
    ident = table_name(cfg, name)
    if ident is None:
        return _load(spark, table_path(cfg, name), table_ref(cfg, name))
    try:
        return spark.table(ident)
    except Exception as exc:  # noqa: BLE001
        if _absent(exc):
            return None
        raise TableDamaged(table_ref(cfg, name), exc) from None


def exists(spark: SparkSession, path: str) -> bool:
    return _load(spark, path) is not None


def read_years(spark: SparkSession, cfg: Settings, name: str, years: list[int] | None,
               schema: StructType | None = None) -> DataFrame:
    """Rows a run with these years owns (every row when years is None); an empty frame
    with the schema if the table is absent."""
    df = _load_table(spark, cfg, name)
    if df is None:
        if schema is None:
            raise FileNotFoundError(f"Delta table {table_ref(cfg, name)} does not exist yet; run the step that writes it first")
        return spark.createDataFrame([], schema)
    return df if years is None else df.where(F.expr(years_predicate(years)))


def local_rows(cfg: Settings, name: str, years: list[int], columns: list[str]) -> list[dict] | None:
    """A local table's rows for these years (and null years), the given columns only (those
    it has), read with `deltalake` (delta-rs) without a Spark job: milliseconds where a
    session's first Delta read through Spark took seconds on a cold JVM. None when that does
    not apply (a catalog or remote table, no deltalake, a table it cannot read): use Spark."""
    path = table_path(cfg, name)
    if table_name(cfg, name) or not is_local(path) or _deltalake() is None or _no_log(path):
        return None
    try:
        table = _deltalake().DeltaTable(local_path(path))
        have = [f.name for f in table.schema().fields]
        data = table.to_pyarrow_table(columns=[c for c in columns if c in have])
    except Exception as exc:  # noqa: BLE001 - a feature delta-rs lacks, say: Spark reads it
        log.debug("%s read without Spark failed, read with Spark: %s", name, exc)
        return None
    wanted = set(years)
    return [r for r in data.to_pylist() if r.get("year") is None or r["year"] in wanted]


def read_pandas(spark: SparkSession, cfg: Settings, name: str, schema: StructType):
    """A small table's every row as pandas; with no table yet, an empty frame of its columns
    without a Spark job (the reviews table of a warehouse nobody has reviewed)."""
    import pandas as pd

    if version(spark, cfg, name) is None:
        return pd.DataFrame(columns=schema.fieldNames())
    return read_years(spark, cfg, name, None, schema).toPandas()


def history(spark: SparkSession, path: str) -> DataFrame:
    return spark.sql(f"DESCRIBE HISTORY delta.`{path}`")


# ---------------------------------------------------------------------------------------
# Incremental writes and what a table was built from
# ---------------------------------------------------------------------------------------


def refresh_years(spark: SparkSession, cfg: Settings, name: str, current: DataFrame, new: DataFrame,
                  keys: list[str], years: list[int], refresh: tuple[str, ...] = ()) -> None:
    """Make the given years of a table hold exactly `current`'s keys, in one replace.

    current: the keys (and year) that should be in the table; new: full rows for keys the
    table does not have yet. Stored rows whose keys are still current are kept as they
    are, the others dropped; only the given years are rewritten (replaceWhere), read and
    written in one Delta transaction. A MERGE with "not matched by source" deletes would
    rewrite every file of the table, other years included. Columns in refresh are taken
    from current for the kept rows (a file's new mtime, say).
    """
    stored = read_years(spark, cfg, name, years)
    if refresh:
        fresh = current.select(*keys, *refresh).dropDuplicates(keys)
        cols = [fresh[c].alias(c) if c in refresh else stored[c] for c in stored.columns]
        cols += [fresh[c] for c in refresh if c not in stored.columns]
        kept = stored.join(fresh, [stored[k].eqNullSafe(fresh[k]) for k in keys], "inner").select(*cols)
    else:
        kept = stored.join(current.select(*keys), [stored[k].eqNullSafe(current[k]) for k in keys], "left_semi")
    # New rows may carry columns the stored ones lack (a newer extractor): those stay null there.
    write_years(kept.unionByName(new, allowMissingColumns=True), cfg, name, years)


def version(spark: SparkSession, cfg: Settings, name: str) -> int | None:
    """The table's current version, or None if there is no table."""
    last = _last_commit(spark, cfg, name)
    return None if last is None else int(last["version"])


def last_metadata(spark: SparkSession, cfg: Settings, name: str) -> dict | None:
    """The userMetadata of the table's last commit (as written by write_years), or None."""
    last = _last_commit(spark, cfg, name)
    if last is None or not last["userMetadata"]:
        return None
    try:
        return json.loads(last["userMetadata"])
    except ValueError:
        return None


def _last_commit(spark: SparkSession, cfg: Settings, name: str) -> dict | None:
    """{"version", "userMetadata"} of the table's last commit, or None if there is no table.

    Read through Delta: with the `deltalake` package (delta-rs, the spark extra) a local
    table's last commit takes milliseconds; otherwise DeltaTable.history(1) is a Spark job
    (about 0.3 s), so its answer is kept until this process writes the table again. A
    table whose log cannot be read raises TableDamaged.
    """
    path, ident = table_path(cfg, name), table_name(cfg, name)
    ref = table_ref(cfg, name)
    if not ident and is_local(path):
        if _no_log(path):
            return None
        readable = locate(path).deltalake
        if _deltalake() is not None and readable is not None:
            return _deltalake_last_commit(readable, ref)
    key = ident or path
    if key not in _COMMITS:
        _COMMITS[key] = _spark_last_commit(spark, path, ident, ref)
    return _COMMITS[key]


# Last commits read with Spark, by table; dropped when this process writes the table.
_COMMITS: dict[str, dict | None] = {}
_WRITES = [0]
_LOCK = threading.Lock()  # writes may come from several driver threads (write_unit)


def writes() -> int:
    """Table writes this process has made (tried), for caches of what tables held."""
    return _WRITES[0]


def _forget(cfg: Settings, name: str) -> None:
    with _LOCK:
        _WRITES[0] += 1
        _COMMITS.pop(table_name(cfg, name) or table_path(cfg, name), None)


def forget_commits() -> None:
    """Start a run without last commits remembered from an earlier one (another process may
    have written since)."""
    _COMMITS.clear()


def _deltalake():
    try:
        import deltalake
    except ImportError:
        return None
    return deltalake


def _deltalake_last_commit(path: str, ref: str) -> dict | None:
    deltalake = _deltalake()
    try:  # the log has version files (see _no_log): any error here means a damaged log
        [last] = deltalake.DeltaTable(path).history(1)
    except Exception as exc:  # noqa: BLE001 - DeltaError, TableNotFoundError, OSError alike
        raise TableDamaged(ref, exc) from None
    return {"version": int(last["version"]), "userMetadata": last.get("userMetadata")}


def _spark_last_commit(spark: SparkSession, path: str, ident: str | None, ref: str) -> dict | None:
    from delta.tables import DeltaTable

    try:
        if ident:
            table = DeltaTable.forName(spark, ident)
        elif DeltaTable.isDeltaTable(spark, path):
            table = DeltaTable.forPath(spark, path)
        else:
            return None
        rows = table.history(1).select("version", "userMetadata").collect()
    except Exception as exc:  # noqa: BLE001
        if _absent(exc):
            return None
        raise TableDamaged(ref, exc) from None
    return {"version": int(rows[0]["version"]), "userMetadata": rows[0]["userMetadata"]} if rows else None


# ---------------------------------------------------------------------------------------
# Sets of tables written as one unit
# ---------------------------------------------------------------------------------------

UNIT_KEY = "unit"


def write_unit(spark: SparkSession, cfg: Settings, unit: str, run_id: str, frames: list[tuple[str, DataFrame]],
               years: list[int], metadata: dict | None = None) -> None:
    """Write tables that must agree with one another (the gold tables of a run; metadata's
    papers, affiliations, authors and mentions) so that a stop between two writes is seen.

    Delta commits one table at a time. Every commit of the unit records in its userMetadata
    `unit: {name, run_id}`; the last one also records the version each other table was
    left at, which marks the unit complete. A reader (unit_versions, half_written) then
    tells a complete unit from one a killed run left half-written, and trusts only the
    complete one; the next run writes the whole unit again.
    """
    if not frames:
        return
    names = [name for name, _ in frames]
    marker = {"name": unit, "run_id": run_id, "tables": names}

    def write(name: str, df: DataFrame, closing: dict | None = None) -> int | None:
        write_years(df, cfg, name, years, metadata={**(metadata or {}), UNIT_KEY: {**marker, **(closing or {})}})
        return version(spark, cfg, name)

    # Delta leaves out a commit that changes no file (an empty frame over empty years); the
    # unit's markers are in the commits, so every write of a unit must commit.
    before = spark.conf.get(_SKIP_EMPTY, None)
    spark.conf.set(_SKIP_EMPTY, "false")
    try:
        # The tables before the closing one are independent commits: written at once from
        # spark.driver_jobs driver threads (each write mostly waits on Delta's log and the
        # scheduler); the closing commit, with their versions, only after all of them.
        *rest, (last, last_df) = frames
        jobs = min(cfg.spark.driver_jobs, len(rest))
        if jobs > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(jobs, thread_name_prefix="unit-write") as pool:
                futures = [(name, pool.submit(write, name, df)) for name, df in rest]
                versions = {name: future.result() for name, future in futures}
        else:
            versions = {name: write(name, df) for name, df in rest}
        write(last, last_df, {"versions": versions})
    finally:
        if before is None:
            spark.conf.unset(_SKIP_EMPTY)
        else:
            spark.conf.set(_SKIP_EMPTY, before)


_SKIP_EMPTY = "spark.databricks.delta.skipRecordingEmptyCommits"


def _unit_of(spark: SparkSession, cfg: Settings, name: str) -> dict | None:
    last = last_metadata(spark, cfg, name) or {}
    unit = last.get(UNIT_KEY)
    return unit if isinstance(unit, dict) else None


def without_unit(meta: dict | None) -> dict | None:
    """A commit's userMetadata less the unit marker (what a step's skip check compares)."""
    if not isinstance(meta, dict):
        return meta
    return {k: v for k, v in meta.items() if k != UNIT_KEY}


def half_written(spark: SparkSession, cfg: Settings, names: list[str]) -> str | None:
    """None when the unit's tables agree; else one line naming the run that stopped between
    its writes and the tables it wrote. The last table's commit closes a unit: a table whose
    last commit belongs to another run's unit than that closing commit was left behind."""
    units = {name: _unit_of(spark, cfg, name) for name in names}
    closing = units[names[-1]]
    closed = closing.get("run_id") if closing and "versions" in closing else None
    stray = {name: u["run_id"] for name, u in units.items() if u and u.get("run_id") != closed}
    if not stray:
        return None
    runs = sorted(set(stray.values()))
    return (f"tables {', '.join(table_ref(cfg, n) for n in stray)} were written by run {', '.join(runs)}, which "
            f"stopped before the rest of its set ({', '.join(table_ref(cfg, n) for n in names)})")


def unit_versions(spark: SparkSession, cfg: Settings, names: list[str]) -> dict[str, int | None] | None:
    """The versions of the unit's last complete write, table by table (the closing table at
    its current version); None when no complete write of this unit is recorded."""
    closing = _unit_of(spark, cfg, names[-1])
    if not closing or "versions" not in closing:
        return None
    return {**{n: closing["versions"].get(n) for n in names[:-1]}, names[-1]: version(spark, cfg, names[-1])}


def read_unit(spark: SparkSession, cfg: Settings, name: str, names: list[str], years: list[int] | None,
              schema: StructType | None = None) -> DataFrame:
    """Table `name` as the last complete write of its unit left it (time travel to the
    recorded version when a later, unfinished write has moved it on); as it is when the
    unit is complete or was never written as a unit."""
    versions = unit_versions(spark, cfg, names)
    current = version(spark, cfg, name)
    wanted = (versions or {}).get(name)
    if wanted is None or wanted == current:
        return read_years(spark, cfg, name, years, schema)
    log.warning("%s: version %s is from an unfinished write; reading version %s, the last complete one",
                table_ref(cfg, name), current, wanted)
    ident = table_name(cfg, name)
    reader = spark.read.format("delta").option("versionAsOf", wanted)
    df = reader.table(ident) if ident else reader.load(table_path(cfg, name))
    return df if years is None else df.where(F.expr(years_predicate(years)))
