"""Delta tables by year: every write replaces exactly the years of the run.

Tables are addressed by path under the warehouse folder, which works the same on a
laptop, HDFS, S3 and DBFS; or, with warehouse.catalog and warehouse.schema set, by name
as Unity Catalog tables `catalog.schema.table` (Databricks).
"""
from __future__ import annotations

import json
import logging
import os
import re

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from paperscope.corpus import is_local, local_path

log = logging.getLogger(__name__)


def table_path(cfg: dict, name: str) -> str:
    return f"{cfg['warehouse']['path'].rstrip('/')}/{cfg['warehouse']['tables'][name]}"


def table_name(cfg: dict, name: str) -> str | None:
    """`catalog`.`schema`.`table` when the warehouse is a catalog schema, else None (by path)."""
    wh = cfg["warehouse"]
    if not (wh.get("catalog") and wh.get("schema")):
        return None
    return ".".join(f"`{part}`" for part in (wh["catalog"], wh["schema"], wh["tables"][name]))


def table_ref(cfg: dict, name: str) -> str:
    """How a table is named to people: its catalog name, else its path."""
    return (table_name(cfg, name) or table_path(cfg, name)).replace("`", "")


def years_predicate(years: list[int]) -> str:
    """The rows a run owns: its years, and rows whose year could not be read."""
    listed = ", ".join(str(int(y)) for y in sorted(set(years)))
    return f"year IN ({listed}) OR year IS NULL" if listed else "year IS NULL"


def write_years(df: DataFrame, cfg: dict, name: str, years: list[int], metadata: dict | None = None) -> str:
    """Replace the given years of a table with df (creating the table if needed).

    metadata goes into the commit (userMetadata) so a later run can tell what the
    table was built from (see last_metadata).
    """
    path, ident = table_path(cfg, name), table_name(cfg, name)
    predicate = years_predicate(years)
    writer = (df.write.format("delta")
              .mode("overwrite")
              .option("replaceWhere", predicate)
              # A newer version may add columns; the years it does not rewrite keep nulls there.
              .option("mergeSchema", "true")
              .partitionBy("year"))
    if metadata is not None:
        writer = writer.option("userMetadata", json.dumps(metadata, sort_keys=True))
    if ident:
        df.sparkSession.sql(f"CREATE SCHEMA IF NOT EXISTS {ident.rsplit('.', 1)[0]}")
        writer.saveAsTable(ident)
    else:
        writer.save(path)
    log.info("wrote %s (%s)", ident or path, predicate)
    return ident or path


def append(df: DataFrame, cfg: dict, name: str) -> str:
    """Append df to a table that no run replaces (reviews), in one commit: all or nothing."""
    path, ident = table_path(cfg, name), table_name(cfg, name)
    writer = df.write.format("delta").mode("append")
    if ident:
        df.sparkSession.sql(f"CREATE SCHEMA IF NOT EXISTS {ident.rsplit('.', 1)[0]}")
        writer.saveAsTable(ident)
    else:
        writer.save(path)
    log.info("appended to %s", ident or path)
    return ident or path


def _load(spark: SparkSession, path: str) -> DataFrame | None:
    """The Delta table at path, or None if there is none (load resolves the log eagerly)."""
    try:
        return spark.read.format("delta").load(path)
    except Exception:  # noqa: BLE001 - Spark raises several kinds for "not a Delta table"
        return None


def _load_table(spark: SparkSession, cfg: dict, name: str) -> DataFrame | None:
    """The table by catalog name or by path, or None if there is none."""
    ident = table_name(cfg, name)
    if ident is None:
        return _load(spark, table_path(cfg, name))
    try:
        return spark.table(ident)
    except Exception:  # noqa: BLE001 - "table not found" comes as several exception kinds
        return None


def exists(spark: SparkSession, path: str) -> bool:
    return _load(spark, path) is not None


def read_years(spark: SparkSession, cfg: dict, name: str, years: list[int] | None,
               schema: StructType | None = None) -> DataFrame:
    """Rows a run with these years owns (every row when years is None); an empty frame
    with the schema if the table is absent."""
    df = _load_table(spark, cfg, name)
    if df is None:
        if schema is None:
            raise FileNotFoundError(f"Delta table {table_ref(cfg, name)} does not exist yet; run the step that writes it first")
        return spark.createDataFrame([], schema)
    return df if years is None else df.where(F.expr(years_predicate(years)))


def history(spark: SparkSession, path: str) -> DataFrame:
    return spark.sql(f"DESCRIBE HISTORY delta.`{path}`")


# ---------------------------------------------------------------------------------------
# Incremental writes and what a table was built from
# ---------------------------------------------------------------------------------------


def refresh_years(spark: SparkSession, cfg: dict, name: str, current: DataFrame, new: DataFrame,
                  keys: list[str], years: list[int]) -> None:
    """Make the given years of a table hold exactly `current`'s keys, in one replace.

    current: the keys (and year) that should be in the table; new: full rows for keys the
    table does not have yet. Stored rows whose keys are still current are kept as they
    are, the others dropped; only the given years are rewritten (replaceWhere), read and
    written in one Delta transaction. A MERGE with "not matched by source" deletes would
    rewrite every file of the table, other years included.
    """
    stored = read_years(spark, cfg, name, years)
    on = [stored[k].eqNullSafe(current[k]) for k in keys]
    kept = stored.join(current.select(*keys), on, "left_semi")
    # New rows may carry columns the stored ones lack (a newer extractor): those stay null there.
    write_years(kept.unionByName(new, allowMissingColumns=True), cfg, name, years)


def version(spark: SparkSession, cfg: dict, name: str) -> int | None:
    """The table's current version, or None if there is no table."""
    last = _last_commit(spark, cfg, name)
    return None if last is None else int(last["version"])


def last_metadata(spark: SparkSession, cfg: dict, name: str) -> dict | None:
    """The userMetadata of the table's last commit (as written by write_years), or None."""
    last = _last_commit(spark, cfg, name)
    if last is None or not last["userMetadata"]:
        return None
    try:
        return json.loads(last["userMetadata"])
    except ValueError:
        return None


def _local_last_commit(path: str) -> dict | None:
    """The last commit of a Delta table on a local disk, read from its log files.

    Every commit writes _delta_log/<version>.json (checkpoints come in addition), and
    its commitInfo action holds userMetadata. Reading that file takes a millisecond;
    DeltaTable.history is a Spark job (about 0.3 s), and a re-run asks a dozen times.
    """
    log_dir = os.path.join(local_path(path), "_delta_log")
    try:
        versions = [int(n[:-5]) for n in os.listdir(log_dir) if _COMMIT_FILE.fullmatch(n)]
    except OSError:
        return None
    if not versions:
        return None
    last = max(versions)
    with open(os.path.join(log_dir, f"{last:020d}.json"), encoding="utf-8") as fh:
        for line in fh:
            action = json.loads(line) if line.strip() else {}
            if "commitInfo" in action:
                return {"version": last, "userMetadata": action["commitInfo"].get("userMetadata")}
    return {"version": last, "userMetadata": None}


_COMMIT_FILE = re.compile(r"\d{20}\.json")


def _last_commit(spark: SparkSession, cfg: dict, name: str):
    from delta.tables import DeltaTable

    path, ident = table_path(cfg, name), table_name(cfg, name)
    if not ident and is_local(path):
        return _local_last_commit(path)
    try:
        if ident:
            table = DeltaTable.forName(spark, ident)
        elif DeltaTable.isDeltaTable(spark, path):
            table = DeltaTable.forPath(spark, path)
        else:
            return None
        rows = table.history(1).select("version", "userMetadata").collect()
    except Exception:  # noqa: BLE001 - no table (or no log yet) reads as "none"
        return None
    return rows[0] if rows else None
