"""First run against a re-run over an unchanged corpus, end to end after Spark start.

    .venv/bin/python bench/incremental.py [--corpus sample/corpus] [--master local[2]]

Both runs go to a fresh warehouse in a temporary folder, in one Spark session (started
before the clock). Prints each step's seconds and the totals; the goal is a second run
at least 5x faster than the first. Figures on a shared machine are noisy.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--corpus", default=str(REPO / "sample" / "corpus"))
    p.add_argument("--master", default="local[2]")
    args = p.parse_args()
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)

    from paperscope.core.config import load_config
    from paperscope.pipeline import flow, run
    from paperscope.storage.spark import get_spark

    with tempfile.TemporaryDirectory(prefix="paperscope-bench-") as tmp:
        cfg = load_config(REPO / "conf" / "local.yaml", sets=[f"delta.jar_cache={REPO / '.cache' / 'jars'}"],
                          input__corpus=args.corpus, warehouse__path=f"{tmp}/warehouse",
                          reports__path=f"{tmp}/reports", spark__master=args.master)
        spark = get_spark(cfg, {"spark.ui.enabled": "false"})
        spark.range(1).count()
        totals = []
        for label in ("first run", "second run (unchanged corpus)"):
            run = run.Run(spark, cfg)
            start = time.perf_counter()
            code = flow.run_all(run)
            totals.append(time.perf_counter() - start)
            steps = ", ".join(f"{k} {v:.1f}" for k, v in run.durations.items())
            print(f"{label:32} {totals[-1]:6.1f} s  (exit {code}; {steps}; skipped: {', '.join(run.skipped) or '-'})")
        spark.stop()
    print(f"speed-up of the second run: {totals[0] / totals[1]:.1f}x (goal >= 5)")


if __name__ == "__main__":
    main()
