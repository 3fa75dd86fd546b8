"""Extraction throughput: a plain pdfminer loop against paperscope's Spark job.

    .venv/bin/python bench/extract.py [FOLDER ...] [--repeat N]

FOLDERs default to ../shared/papers and ../shared/papers-dev when present (90 real
papers, 1,449 pages), else sample/corpus (PDFs found recursively). With the PDFium body
the 20 papers of ../shared/papers alone are about two seconds of work, too little for
a ratio of cores: a Spark job's fixed costs would be most of what is timed. In one run it times
  (a) a sequential loop calling pdfminer.high_level.extract_text on each file,
  (b) paperscope's extraction (extract.extract_papers, forked child per PDF, header
      page with layout, the rest without) with local[1] and local[2], each in its own
      process so each gets its own Spark master; timed twice: from when Spark is up, and
      from the process's start (Python imports and the Spark start counted in),
and prints pages/s, the ratios both ways and the peak resident memory of each whole
process tree (driver JVM, Python driver, worker daemon and workers, forked extraction
children: every descendant found through the parent ids in /proc/*/stat, sampled
every 0.1 s). Figures on a shared machine are noisy (a third from
one run to the next here), so the three runs are repeated in rounds and the median
round of each is reported.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

T0 = time.perf_counter()  # the worker process's start, for the "Spark start counted in" figure
REPO = Path(__file__).resolve().parents[1]


def _pdfs(folders: list[str]) -> list[Path]:
    return sorted(p for f in folders for p in Path(f).rglob("*.pdf") if p.is_file())


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process, from /proc/*/stat (the name may hold spaces)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
            parents[int(entry)] = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return parents


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (every thread's children:
    the JVM starts the Python worker daemon from one of its threads)."""
    children: dict[int, list[int]] = {}
    for child, parent in _parents().items():
        children.setdefault(parent, []).append(child)
    total, todo, page = 0, [pid], os.sysconf("SC_PAGE_SIZE")
    while todo:
        p = todo.pop()
        todo.extend(children.get(p, ()))
        try:
            with open(f"/proc/{p}/statm") as fh:
                total += int(fh.read().split()[1]) * page
        except (OSError, ValueError):
            continue
    return total


def _run_sampled(cmd: list[str], env: dict | None = None) -> tuple[str, int]:
    """Run cmd, return its stdout and the peak RSS of its process tree."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env, cwd=REPO)
    peak = [0]

    def sample():
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"{' '.join(cmd)} failed with exit code {proc.returncode}")
    return out, peak[0]


def plain_worker(folders: list[str]) -> None:
    """(a): the loop everyone writes first."""
    from pdfminer.high_level import extract_text
    from pdfminer.pdfpage import PDFPage

    files = _pdfs(folders)
    pages = 0
    for f in files:  # counted before the clock starts: not part of the work
        try:
            with open(f, "rb") as fh:
                pages += sum(1 for _ in PDFPage.get_pages(fh))
        except Exception:  # noqa: BLE001
            pass
    start = time.perf_counter()
    for f in files:
        try:
            extract_text(str(f))
        except Exception:  # noqa: BLE001 - a bad file is skipped, as the loop would
            pass
    print(json.dumps({"seconds": time.perf_counter() - start, "pages": pages, "files": len(files)}))


def spark_worker(folders: list[str], master: str) -> None:
    """(b): paperscope's extraction job, as the pipeline runs it, without the Delta write."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    from paperscope.core.config import load_config
    from paperscope.paper.pdf.limits import Limits
    from paperscope.pipeline import extract, papers
    from paperscope.sources.corpus.tasks import spread_files
    from paperscope.storage.spark import get_spark

    cfg = load_config(REPO / "conf" / "local.yaml", sets=[f"delta.jar_cache={REPO / '.cache' / 'jars'}"],
                      spark__master=master)
    spark = get_spark(cfg, {"spark.ui.enabled": "false"})
    spark.range(1).count()  # Spark is up: the clock starts after this
    start = time.perf_counter()
    started = start - T0
    files = _pdfs(folders)
    rows = [{"path": "file:" + str(f.resolve()), "size_bytes": f.stat().st_size, "year": None,
             "title_hint": None, "source_id": None, "local_path": str(f.resolve())} for f in files]
    schema = StructType([StructField("path", StringType()), StructField("size_bytes", LongType()),
                         StructField("year", LongType()), StructField("title_hint", StringType()),
                         StructField("source_id", StringType()), StructField("local_path", StringType())])
    tasks = papers.extraction_tasks(spark, cfg, len(rows))
    out = extract.extract_papers(spread_files(spark, rows, schema, tasks), Limits.from_config(cfg))
    got = out.agg(F.sum("n_pages").alias("pages"), F.count(F.lit(1)).alias("files"),
                  F.sum((F.col("status") == "ok").cast("int")).alias("ok")).first()
    seconds = time.perf_counter() - start
    spark.stop()
    print(json.dumps({"seconds": seconds, "with_start": seconds + started, "pages": int(got["pages"] or 0),
                      "files": got["files"], "ok": got["ok"]}))


def main() -> None:
    shared = [REPO.parent / "shared" / "papers", REPO.parent / "shared" / "papers-dev"]
    default = [str(f) for f in shared if f.is_dir()] or [str(REPO / "sample" / "corpus")]
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("folders", nargs="*", metavar="FOLDER", help=f"folders of PDFs (default: {' '.join(default)})")
    p.add_argument("--repeat", type=int, default=3,
                   help="rounds of the three runs; figures are the median round (default 3)")
    p.add_argument("--worker", choices=["plain", "spark"], help=argparse.SUPPRESS)
    p.add_argument("--master", default="local[2]", help=argparse.SUPPRESS)
    args = p.parse_args()
    args.folders = args.folders or default
    if args.worker == "plain":
        return plain_worker(args.folders)
    if args.worker == "spark":
        return spark_worker(args.folders, args.master)

    env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
    files = _pdfs(args.folders)
    print(f"folders: {', '.join(args.folders)} ({len(files)} PDFs, {sum(f.stat().st_size for f in files) / 1e6:.1f} MB); "
          f"cores: {os.cpu_count()}; load average: {os.getloadavg()[0]:.1f}; rounds: {args.repeat}")
    runs = (("plain loop", ["--worker", "plain"]),
            ("paperscope local[1]", ["--worker", "spark", "--master", "local[1]"]),
            ("paperscope local[2]", ["--worker", "spark", "--master", "local[2]"]))
    results: dict[str, list[dict]] = {label: [] for label, _ in runs}
    for round_no in range(1, args.repeat + 1):
        for label, extra in runs:
            out, peak = _run_sampled([sys.executable, __file__, *args.folders, *extra], env)
            res = json.loads(out.strip().splitlines()[-1])
            res["peak_mb"] = peak / 2**20
            results[label].append(res)
            res.setdefault("with_start", res["seconds"])
            print(f"round {round_no}: {label:22} {res['pages']:5d} pages in {res['seconds']:6.1f} s = "
                  f"{res['pages'] / res['seconds']:6.2f} pages/s ({res['with_start']:6.1f} s with Spark start); "
                  f"peak RSS {res['peak_mb']:7.0f} MB", flush=True)
    print(f"median of {args.repeat} round(s):")
    median, median_start = {}, {}
    for label, _ in runs:
        seconds = statistics.median(r["seconds"] for r in results[label])
        with_start = statistics.median(r["with_start"] for r in results[label])
        pages = results[label][0]["pages"]
        median[label], median_start[label] = pages / seconds, pages / with_start
        print(f"{label:22} {pages:5d} pages in {seconds:6.1f} s = {median[label]:6.2f} pages/s "
              f"({with_start:6.1f} s with Spark start); peak RSS {max(r['peak_mb'] for r in results[label]):7.0f} MB")
    for title, rates in (("Spark start left out", median), ("Spark start counted in", median_start)):
        plain, one, two = (rates[k] for k in ("plain loop", "paperscope local[1]", "paperscope local[2]"))
        print(f"{title}:")
        print(f"  local[2] / plain loop: {two / plain:.2f}x (goal >= 2.0)")
        print(f"  local[2] / local[1]:   {two / one:.2f}x (goal >= 1.7)")
        print(f"  local[1] / plain loop: {one / plain:.2f}x")


if __name__ == "__main__":
    main()
