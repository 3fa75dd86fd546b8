"""Whole-counting aggregates: pandas on the driver (what the aggregate step does) against the
same aggregates as Spark jobs (what it did before), on a generated year.

Both compute collaboration (papers with US / Chinese / both authors) and the mentions by
author-country group from the same rows; the Spark side is the former transform, kept
here only as the baseline. The pandas side includes collecting the rows to the driver.

    .venv/bin/python bench/aggregates.py [--papers 5000] [--rounds 3]
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

import pandas as pd  # noqa: E402

from paperscope.counting.aggregates import collaboration, term_groups  # noqa: E402

COUNTRIES = ["US", "CN", "GB", "DE", "HK", "FR", "CA", "JP", None]
TERMS = ["Transformer", "Llama", "Qwen", "GPT", "BERT", "ViT", "Mamba", "Diffusion model"]


def generated(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rnd = random.Random(seed)
    papers = pd.DataFrame({"paper_id": [f"p{i}" for i in range(n)], "year": 2025,
                           "status": ["ok" if rnd.random() > 0.02 else "error" for _ in range(n)]})
    affs = pd.DataFrame([(f"p{i}", 2025, f"Lab {rnd.randrange(800)}", rnd.choice(COUNTRIES))
                         for i in range(n) for _ in range(rnd.randint(1, 6))],
                        columns=["paper_id", "year", "raw", "country"])
    mentions = pd.DataFrame([(f"p{i}", t, rnd.randint(0, 9), rnd.randint(0, 5), rnd.choice(["used", "cited"]))
                             for i in range(n) for t in TERMS if rnd.random() < 0.3],
                            columns=["paper_id", "term", "count_full", "count_body", "use"])
    return papers, affs, mentions


def on_spark(spark, papers, affs, mentions) -> float:
    from pyspark.sql import functions as F

    p, a, m = (spark.createDataFrame(df) for df in (papers, affs, mentions))
    for df in (p, a, m):
        df.cache().count()
    start = time.perf_counter()
    per_paper = (a.where(F.col("country").isNotNull()).groupBy("paper_id")
                 .agg(F.sort_array(F.collect_set("country")).alias("countries")))
    countries = (p.where(F.col("status") != "duplicate").select("paper_id", "year", "status")
                 .join(per_paper, "paper_id", "left")
                 .withColumn("countries", F.coalesce("countries", F.array().cast("array<string>")))
                 .withColumn("has_us", F.array_contains("countries", "US"))
                 .withColumn("has_cn", F.arrays_overlap("countries", F.array(F.lit("CN"))))).cache()
    us, cn, known = F.col("has_us"), F.col("has_cn"), F.size("countries") > 0
    countries.groupBy("year").agg(F.count(F.lit(1)), F.sum(us.cast("int")), F.sum(cn.cast("int")),
                                  F.sum((us & cn).cast("int")), F.sum((~us & ~cn & known).cast("int")),
                                  F.sum((~known).cast("int"))).collect()
    (m.where(F.col("count_body") > 0).select("paper_id", "term").distinct().join(countries, "paper_id")
     .groupBy("year", "term").agg(F.count(F.lit(1)), F.sum(cn.cast("int")), F.sum(us.cast("int"))).collect())
    seconds = time.perf_counter() - start
    countries.unpersist()
    return seconds


def on_pandas(spark, papers, affs, mentions) -> float:
    p, a, m = (spark.createDataFrame(df) for df in (papers, affs, mentions))
    for df in (p, a, m):
        df.cache().count()
    start = time.perf_counter()
    papers_, affs_, mentions_ = (df.toPandas() for df in (p, a, m))
    collected = time.perf_counter()
    terms = pd.DataFrame({"term": TERMS, "kind": "model", "origin": None, "origin_country": None})
    collaboration(papers_, affs_, "mainland")
    term_groups(papers_, affs_, mentions_, "body", terms, "mainland")
    done = time.perf_counter()
    COMPUTE.append(done - collected)
    return done - start


COMPUTE: list[float] = []  # pandas alone, without the collect (the rules collect the same rows anyway)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--papers", type=int, default=5000)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    from paperscope.core.config import load_config
    from paperscope.storage.spark import get_spark

    cfg = load_config(REPO / "conf" / "local.yaml", sets=[f"delta.jar_cache={REPO / '.cache' / 'jars'}"])
    spark = get_spark(cfg, {"spark.ui.enabled": "false"})
    frames = generated(args.papers)
    print(f"{args.papers} papers, {len(frames[1])} affiliation rows, {len(frames[2])} mention rows")
    times: dict[str, list[float]] = {"spark": [], "pandas": []}
    for rnd in range(args.rounds):
        for name, run in (("spark", on_spark), ("pandas", on_pandas))[:: 1 if rnd % 2 == 0 else -1]:
            times[name].append(run(spark, *frames))
            print(f"round {rnd} {name}: {times[name][-1]:.2f} s")
    spark.stop()
    s, pd_ = statistics.median(times["spark"]), statistics.median(times["pandas"])
    print(f"median: Spark jobs {s:.2f} s, pandas on the driver {pd_:.2f} s with the collect, "
          f"{statistics.median(COMPUTE):.2f} s without it (the aggregate step collects these rows for the rules anyway)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
