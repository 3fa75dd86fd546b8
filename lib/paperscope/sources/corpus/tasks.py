"""Extraction tasks: listed files spread over Spark partitions, balanced by size."""
from __future__ import annotations

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import LongType, StructField, StructType


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

