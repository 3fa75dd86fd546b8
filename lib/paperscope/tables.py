"""Delta tables by year: every write replaces exactly the years of the run.

Tables are addressed by path under the warehouse folder, which works the same on a
laptop, HDFS, S3 and DBFS; Unity Catalog names can be layered on top with CREATE TABLE
... LOCATION.
"""
from __future__ import annotations

import logging

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

log = logging.getLogger(__name__)


def table_path(cfg: dict, name: str) -> str:
    return f"{cfg['warehouse']['path'].rstrip('/')}/{cfg['warehouse']['tables'][name]}"


def years_predicate(years: list[int]) -> str:
    """The rows a run owns: its years, and rows whose year could not be read."""
    listed = ", ".join(str(int(y)) for y in sorted(set(years)))
    return f"year IN ({listed}) OR year IS NULL" if listed else "year IS NULL"


def write_years(df: DataFrame, cfg: dict, name: str, years: list[int]) -> str:
    """Replace the given years of a table with df (creating the table if needed)."""
    path = table_path(cfg, name)
    predicate = years_predicate(years)
    (df.write.format("delta")
       .mode("overwrite")
       .option("replaceWhere", predicate)
       # A newer version may add columns; the years it does not rewrite keep nulls there.
       .option("mergeSchema", "true")
       .partitionBy("year")
       .save(path))
    log.info("wrote %s (%s)", path, predicate)
    return path


def _load(spark: SparkSession, path: str) -> DataFrame | None:
    """The Delta table at path, or None if there is none (load resolves the log eagerly)."""
    try:
        return spark.read.format("delta").load(path)
    except Exception:  # noqa: BLE001 - Spark raises several kinds for "not a Delta table"
        return None


def exists(spark: SparkSession, path: str) -> bool:
    return _load(spark, path) is not None


def read_years(spark: SparkSession, cfg: dict, name: str, years: list[int] | None,
               schema: StructType | None = None) -> DataFrame:
    """Rows a run with these years owns (every row when years is None); an empty frame
    with the schema if the table is absent."""
    path = table_path(cfg, name)
    df = _load(spark, path)
    if df is None:
        if schema is None:
            raise FileNotFoundError(f"Delta table {path} does not exist yet; run the step that writes it first")
        return spark.createDataFrame([], schema)
    return df if years is None else df.where(F.expr(years_predicate(years)))


def history(spark: SparkSession, path: str) -> DataFrame:
    return spark.sql(f"DESCRIBE HISTORY delta.`{path}`")
