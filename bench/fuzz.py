"""Fuzzing campaign: mutated copies of real PDFs through the extraction pool and a whole run.

The inputs come from tests/fuzzing.py: each one a seeded mutation (byte flips,
truncations, dropped and duplicated objects, broken xref tables, huge numbers, deep
nesting) of a source PDF, named <seed>-<kind>-<index>-<source stem> and regenerated from
its name alone, so an input that breaks something is a test case (tests/test_fuzz.py).

Phase 1 sends every input through the extraction pool: --workers processes, each with
its own Sandbox (the forked extraction child of a Spark task) under the configured
extract.* limits. Per input it records the status, the seconds and the child's peak
resident memory (its VmHWM, reset through /proc/<child>/clear_refs before each input
and read after it; wait4's ru_maxrss when the child ended with the input). Phase 2
writes --run-sample of the inputs into a temporary corpus and runs the whole pipeline
on it once (`paperscope run`, its own process).

Invariants: every input exactly one row with a status, no aborted run (no exception out
of the pool, a run's exit code 0, or 1 when the quality gate stopped the aggregates), no
process left behind (the extraction children, the JVM, Spark's Python workers), each
child's peak memory within extract.max_memory_bytes of its worker's. The exit code is 0
when they hold, 1 when one does not. The figures go to the console and to --out (JSON).

    .venv/bin/python bench/fuzz.py                         # 5000 inputs, 300 through a run
    .venv/bin/python bench/fuzz.py --inputs 300 --run-sample 0       # a quick look
    .venv/bin/python bench/fuzz.py --lock FILE ...          # wait for FILE's lock before Spark starts
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import fcntl
import json
import logging
import multiprocessing
import os
import platform
import queue
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from multiprocessing import resource_tracker
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))
sys.path.insert(0, str(REPO / "tests"))

import fuzzing  # noqa: E402
from paperscope.paper.pdf.limits import STATUSES, Limits  # noqa: E402
from paperscope.paper.pdf.sandbox import Sandbox  # noqa: E402

log = logging.getLogger("fuzz")
MARK = "PAPERSCOPE_FUZZ_MARK"  # in the environment of every process a campaign starts
ABORT = "ABORT"  # the row of an input whose extraction raised out of the pool


# --- processes ---------------------------------------------------------------------------------

def _stat(pid: int) -> tuple[str, int] | None:
    """(state, start time in clock ticks) of a live or zombie process; None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[19])


def _status_kb(pid: int, key: str) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _marked(mark: str) -> list[dict]:
    """The processes (other than this one) whose environment holds MARK=mark: what a
    campaign started and left, however deep (Spark's JVM and its Python workers inherit it)."""
    needle = f"{MARK}={mark}".encode()
    left = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            if needle in Path(f"/proc/{entry}/environ").read_bytes().split(b"\0"):
                cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
                left.append({"pid": int(entry), "cmd": cmd[:200]})
        except OSError:
            continue
    return left


class MeasuredSandbox(Sandbox):
    """The Sandbox, keeping every child it forks and each reaped child's peak memory (wait4),
    so the bench can say which were left behind and how much each input took."""

    def __init__(self, limits: Limits):
        super().__init__(limits)
        self.forked: list[tuple[int, int]] = []  # (pid, start time): a reused pid is not ours
        self.reaped_kb: dict[int, int] = {}

    def _start(self) -> None:
        super()._start()
        started = _stat(self.pid)
        self.forked.append((self.pid, started[1] if started else -1))

    def _reap(self, pid: int) -> int:
        """Sandbox._reap through wait4, keeping the child's ru_maxrss."""
        _, wait_status, usage = os.wait4(pid, 0)
        self.reaped_kb[pid] = usage.ru_maxrss
        return wait_status

    def ready(self) -> int:
        """The child for the next input (forked now if there is none), its peak memory reset."""
        if self.pid is None:
            self._start()
        try:
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        except OSError:  # the peak is then the child's since it was forked
            pass
        return self.pid

    def peak_kb(self, pid: int) -> int | None:
        """The peak resident memory of child pid since ready(): read live, or kept at its end."""
        if pid in self.reaped_kb:
            return self.reaped_kb.pop(pid)
        return _status_kb(pid, "VmHWM") if pid == self.pid else None

    def left_behind(self) -> list[dict]:
        """The children forked that still exist (running or unreaped), with their state."""
        left = []
        for pid, started in self.forked:
            now = _stat(pid)
            if now is not None and now[1] == started:
                left.append({"pid": pid, "state": now[0]})
        return left


# --- phase 1: the extraction pool --------------------------------------------------------------

def _extract_one(box: MeasuredSandbox, seed: int, index: int, sources: dict[str, bytes]) -> dict:
    m = fuzzing.mutant(seed, index, sources)
    row = {"index": index, "name": m.name, "kind": m.kind, "source": m.source, "bytes": len(m.data)}
    start = time.perf_counter()
    try:
        pid = box.ready()
        got = box.extract(m.data)
        row.update(status=got.status, error=(got.error or "")[:300])
        row["peak_rss_mib"] = round((box.peak_kb(pid) or 0) / 1024, 1)
    except Exception:  # noqa: BLE001 - what the bench is looking for: an input that breaks the pool
        row.update(status=ABORT, error=traceback.format_exc()[-3000:])
    row["seconds"] = round(time.perf_counter() - start, 4)
    return row


def _worker(number: int, seed: int, paths: list[str], limits: dict, tasks, results) -> None:
    """One pool worker: its own Sandbox, inputs from tasks until None, rows to results."""
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("pdfminer").setLevel(logging.ERROR)  # a warning per broken object: thousands
    sources = fuzzing.load_sources(paths)
    box = MeasuredSandbox(Limits(**limits))
    own_kb = _status_kb(os.getpid(), "VmRSS") or 0
    try:
        while (index := tasks.get()) is not None:
            results.put(("row", _extract_one(box, seed, index, sources)))
            own_kb = max(own_kb, _status_kb(os.getpid(), "VmRSS") or 0)
    finally:
        box.close()
        left = box.left_behind()
        left += [{"pid": pid, "state": (_stat(pid) or ("gone",))[0]} for pid in fuzzing.children(os.getpid())
                 if pid not in {p["pid"] for p in left}]
        results.put(("done", number, {"children": len(box.forked), "left": left, "worker_rss_mib": own_kb / 1024}))


def extract_phase(args, paths: list[str], limits: Limits, mark: str) -> dict:
    """Every input through --workers pool workers; the rows and the invariants' figures."""
    ctx = multiprocessing.get_context("spawn")  # fresh workers whose environment carries MARK
    tasks, results = ctx.Queue(), ctx.Queue()
    for index in range(args.inputs):
        tasks.put(index)
    for _ in range(args.workers):
        tasks.put(None)
    workers = [ctx.Process(target=_worker, args=(n, args.seed, paths, dataclasses.asdict(limits), tasks, results),
                           name=f"fuzz-worker-{n}") for n in range(args.workers)]
    start = time.perf_counter()
    for w in workers:
        w.start()
    rows: dict[int, dict] = {}
    duplicates, done, last = 0, {}, time.perf_counter()
    while len(done) < len(workers):
        try:
            message = results.get(timeout=5)
        except queue.Empty:
            if all(not w.is_alive() for w in workers):
                break  # a worker died without saying it was done
            continue
        if message[0] == "row":
            row = message[1]
            duplicates += row["index"] in rows
            rows[row["index"]] = row
            if time.perf_counter() - last > 30:
                last = time.perf_counter()
                rate = len(rows) / (last - start)
                log.info("%d/%d inputs, %.1f/s, %d timeouts, %d aborts so far", len(rows), args.inputs, rate,
                         sum(r["status"] == "timeout" for r in rows.values()),
                         sum(r["status"] == ABORT for r in rows.values()))
        else:
            done[message[1]] = message[2]
    for w in workers:
        w.join(timeout=30)
    wall = time.perf_counter() - start
    time.sleep(0.5)
    left = [p for info in done.values() for p in info["left"]] + _marked(mark)
    ordered = [rows[i] for i in sorted(rows)]
    worker_mib = max((info["worker_rss_mib"] for info in done.values()), default=0.0)
    return {
        "wall_s": round(wall, 1),
        "inputs_tried": len(ordered),
        "rows_missing": args.inputs - len(ordered),
        "rows_duplicated": duplicates,
        "rows_without_known_status": sum(r["status"] not in STATUSES for r in ordered),
        "aborts": [r["name"] for r in ordered if r["status"] == ABORT],
        "workers_failed": [w.name for n, w in enumerate(workers) if w.exitcode != 0 or n not in done],
        "extraction_children": sum(info["children"] for info in done.values()),
        "left_behind": left,
        "worker_peak_rss_mib": round(worker_mib, 1),
        "rows": ordered,
    }


# --- phase 2: a whole run -----------------------------------------------------------------------

def run_phase(args, sources: dict[str, bytes], limits: Limits, mark: str) -> dict:
    """--run-sample inputs (a seeded sample) as <tmp>/corpus/2024/<name>.pdf through one `paperscope run`."""
    count = min(args.run_sample, args.inputs)
    chosen = sorted(random.Random(f"{args.seed}-run").sample(range(args.inputs), count))
    tmp = Path(tempfile.mkdtemp(prefix="paperscope-fuzz-"))
    try:
        year = tmp / "corpus" / "2024"
        year.mkdir(parents=True)
        names = {}
        for index in chosen:
            m = fuzzing.mutant(args.seed, index, sources)
            (year / f"{m.name}.pdf").write_bytes(m.data)
            names[m.name] = m.kind
        cmd = [sys.executable, "-m", "paperscope.cli.commands", "run", "--corpus", str(tmp / "corpus"),
               "--warehouse", str(tmp / "wh"), "--reports", str(tmp / "reports"),
               "--set", f"delta.jar_cache={REPO / '.cache' / 'jars'}",
               "--set", f"extract.timeout_seconds={limits.timeout_seconds:g}"]
        env = {**os.environ, MARK: mark, "PYTHONPATH": os.pathsep.join(filter(None, [
            str(REPO / "lib"), os.environ.get("PYTHONPATH")]))}
        env.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        env.setdefault("PYSPARK_PYTHON", sys.executable)
        before = set(fuzzing.children(os.getpid()))  # multiprocessing's resource tracker: not the run's
        with _locked(args.lock):
            log.info("whole run over %d inputs: %s", count, " ".join(cmd[1:4]))
            start = time.perf_counter()
            with open(tmp / "run.log", "wb") as out:
                code = subprocess.run(cmd, cwd=tmp, env=env, stdout=out, stderr=subprocess.STDOUT,
                                      timeout=args.run_timeout).returncode
            wall = time.perf_counter() - start
            left = _wait_gone(mark, 20)
        output = (tmp / "run.log").read_text("utf-8", "replace")
        rows = _papers(tmp / "wh" / "papers")
        by_name = collections.Counter(Path(path).stem for path, _ in rows)
        statuses = {Path(path).stem: status for path, status in rows}
        by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        for name, kind in names.items():
            by_kind[kind][statuses.get(name, "(no row)")] += 1
        return {
            "inputs": count,
            "command": "paperscope run --corpus <tmp>/corpus --warehouse <tmp>/wh --reports <tmp>/reports",
            "exit_code": code,
            "traceback": "Traceback (most recent call last)" in output,
            "wall_s": round(wall, 1),
            "rows": len(rows),
            "rows_missing": sum(1 for name in names if by_name[name] == 0),
            "rows_duplicated": sum(1 for name in names if by_name[name] > 1),
            "rows_unknown": sum(1 for path, _ in rows if Path(path).stem not in names),
            "rows_without_known_status": sum(1 for _, status in rows if status not in STATUSES),
            "statuses_by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
            "left_behind": left + [{"pid": pid} for pid in set(fuzzing.children(os.getpid())) - before],
            "output_tail": output[-3000:],
        }
    finally:
        if args.keep:
            log.info("kept %s", tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


class _locked:
    """flock(path) held for the block (nothing when path is None): Spark runs one at a time on a shared machine."""

    def __init__(self, path: str | None):
        self.path, self.fd = path, None

    def __enter__(self):
        if self.path:
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            log.info("waiting for the lock %s", self.path)
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        if self.fd is not None:
            os.close(self.fd)  # releases the lock


def _wait_gone(mark: str, seconds: float) -> list[dict]:
    """What the run left, after up to seconds for a JVM to finish exiting."""
    deadline = time.monotonic() + seconds
    while (left := _marked(mark)) and time.monotonic() < deadline:
        time.sleep(0.5)
    return left


def _papers(path: Path) -> list[tuple[str, str]]:
    """(path, status) of every row of the papers Delta table (deltalake, no JVM)."""
    from deltalake import DeltaTable

    if not (path / "_delta_log").is_dir():
        return []
    table = DeltaTable(str(path)).to_pyarrow_table(columns=["path", "status"])
    return list(zip(table.column("path").to_pylist(), table.column("status").to_pylist()))


# --- the summary --------------------------------------------------------------------------------

def summarize(args, limits: Limits, sources: dict[str, bytes], one: dict, whole: dict | None) -> dict:
    rows = one["rows"]
    by_kind: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for r in rows:
        by_kind[r["kind"]][r["status"]] += 1
    timeouts = sum(r["status"] == "timeout" for r in rows)
    measured = [r for r in rows if r.get("peak_rss_mib")]
    peak = max(measured, key=lambda r: r["peak_rss_mib"], default=None)
    slowest = sorted(rows, key=lambda r: r["seconds"], reverse=True)[:10]
    cap_mib = limits.max_memory_bytes / 2 ** 20
    over_cap = [r["name"] for r in measured
                if limits.max_memory_bytes and r["peak_rss_mib"] - one["worker_peak_rss_mib"] > cap_mib]
    figures = {
        "inputs_tried": one["inputs_tried"],
        "statuses": dict(collections.Counter(r["status"] for r in rows).most_common()),
        "statuses_by_kind": {k: dict(by_kind[k].most_common()) for k in fuzzing.KINDS if k in by_kind},
        "hang_rate": round(timeouts / len(rows), 5) if rows else None,
        "timeouts": timeouts,
        "slowest": [{k: r[k] for k in ("name", "seconds", "status")} for r in slowest],
        "peak_child_rss_mib": peak["peak_rss_mib"] if peak else None,
        "peak_child_input": peak["name"] if peak else None,
        "median_child_rss_mib": sorted(r["peak_rss_mib"] for r in measured)[len(measured) // 2] if measured else None,
        "worker_peak_rss_mib": one["worker_peak_rss_mib"],
        "memory_cap_mib": cap_mib,
        "over_memory_cap": over_cap,
        "aborts": one["aborts"],
        "workers_failed": one["workers_failed"],
        "left_behind": one["left_behind"],
        "rows_missing": one["rows_missing"],
        "rows_duplicated": one["rows_duplicated"],
        "rows_without_known_status": one["rows_without_known_status"],
        "extraction_children": one["extraction_children"],
        "wall_s": one["wall_s"],
    }
    held = not (figures["aborts"] or figures["workers_failed"] or figures["left_behind"] or figures["rows_missing"]
                or figures["rows_duplicated"] or figures["rows_without_known_status"] or over_cap)
    if whole is not None:
        held = held and whole["exit_code"] in (0, 1) and not whole["traceback"] and not whole["left_behind"] and not (
            whole["rows_missing"] or whole["rows_duplicated"] or whole["rows_unknown"]
            or whole["rows_without_known_status"])
    return {
        "command": "bench/fuzz.py " + " ".join(sys.argv[1:]),
        "machine": {"cores": os.cpu_count(), "python": platform.python_version(), "system": platform.platform()},
        "seed": args.seed, "workers": args.workers,
        "sources": {stem: len(data) for stem, data in sources.items()},
        "limits": dataclasses.asdict(limits),
        "invariants_held": held,
        "extraction": figures,
        "whole_run": whole,
        "rows": rows,
    }


def print_summary(report: dict) -> None:
    fig = report["extraction"]
    statuses = list(fig["statuses"])
    print(f"\nfuzzing: {fig['inputs_tried']} inputs (seed {report['seed']}, {len(report['sources'])} sources, "
          f"{report['workers']} workers on {report['machine']['cores']} cores) in {fig['wall_s']} s")
    width = max(len(k) for k in [*fig["statuses_by_kind"], "kind"]) + 2
    print("kind".ljust(width) + "".join(s.rjust(max(len(s), 5) + 2) for s in statuses) + "  total".rjust(8))
    for kind, counts in [*fig["statuses_by_kind"].items(), ("all", fig["statuses"])]:
        print(kind.ljust(width) + "".join(str(counts.get(s, 0)).rjust(max(len(s), 5) + 2) for s in statuses)
              + str(sum(counts.values())).rjust(8))
    slow = fig["slowest"][0] if fig["slowest"] else None
    print(f"hang rate: {fig['timeouts']}/{fig['inputs_tried']} = {fig['hang_rate']:.4%} "
          f"(timeout {report['limits']['timeout_seconds']:g} s)")
    if slow:
        print(f"slowest input: {slow['name']} {slow['seconds']} s ({slow['status']})")
    print(f"peak child memory: {fig['peak_child_rss_mib']} MiB RSS ({fig['peak_child_input']}); median "
          f"{fig['median_child_rss_mib']} MiB; worker {fig['worker_peak_rss_mib']} MiB; cap "
          f"{fig['memory_cap_mib']:.0f} MiB over the worker; over it: {len(fig['over_memory_cap'])}")
    print(f"aborts: {len(fig['aborts'])}; workers failed: {len(fig['workers_failed'])}; processes left: "
          f"{len(fig['left_behind'])} (of {fig['extraction_children']} extraction children); rows missing: "
          f"{fig['rows_missing']}; duplicated: {fig['rows_duplicated']}")
    whole = report["whole_run"]
    if whole:
        print(f"whole run: {whole['inputs']} inputs, exit {whole['exit_code']}, traceback: {whole['traceback']}, "
              f"{whole['rows']} rows, missing {whole['rows_missing']}, duplicated {whole['rows_duplicated']}, "
              f"processes left {len(whole['left_behind'])}, {whole['wall_s']} s")
        statuses = collections.Counter()
        for counts in whole["statuses_by_kind"].values():
            statuses.update(counts)
        print("whole run statuses: " + ", ".join(f"{s} {n}" for s, n in statuses.most_common()))
    print("invariants " + ("held" if report["invariants_held"] else "BROKEN"))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="Mutated copies of real PDFs through the extraction pool (phase 1) and one whole "
                    "`paperscope run` (phase 2); checks that every input is one row with a status, that "
                    "nothing aborts or is left running, and that memory stays under the caps.",
        epilog="Inputs are named <seed>-<kind>-<index>-<source stem>; tests/fuzzing.py's regenerate(name, "
               "sources) gives an input's bytes back, so one that breaks something goes into "
               "tests/test_fuzz.py's REGRESSIONS. Exit code 0 when the invariants hold, 1 when not.")
    p.add_argument("--inputs", type=int, default=5000, help="mutated inputs to try (default 5000)")
    p.add_argument("--seed", type=int, default=1, help="the campaign's seed, >= 0 (default 1)")
    p.add_argument("--sources", nargs="+", metavar="PATH",
                   help="source PDFs or folders of them (searched recursively); default: the bundled "
                        "sample/corpus. A folder of more papers (such as ../shared/papers) makes a dev run.")
    p.add_argument("--workers", type=int, default=2, help="pool processes, each with its own Sandbox (default 2)")
    p.add_argument("--run-sample", type=int, default=300, metavar="K",
                   help="inputs that also go through one whole `paperscope run` (default 300; 0: no run)")
    p.add_argument("--timeout", type=float, metavar="S",
                   help="extract.timeout_seconds for both phases (default: the configured one)")
    p.add_argument("--run-timeout", type=float, default=3600, metavar="S",
                   help="the whole run is killed after this many seconds (an abort; default 3600)")
    p.add_argument("--lock", metavar="FILE",
                   help="flock FILE while the whole run holds Spark (on a machine where Spark runs one at a time)")
    p.add_argument("--out", default=str(REPO / ".cache" / "bench" / "fuzz.json"),
                   help="the JSON report: every input's row and the figures (default .cache/bench/fuzz.json)")
    p.add_argument("--keep", action="store_true", help="keep the whole run's temporary corpus, warehouse and log")
    args = p.parse_args(argv)
    if args.inputs < 1 or args.workers < 1 or args.seed < 0 or args.run_sample < 0:
        p.error("--inputs and --workers must be >= 1, --seed and --run-sample >= 0")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")

    found = []
    for given in map(Path, args.sources or [REPO / "sample" / "corpus"]):
        found += sorted(given.glob("**/*.pdf")) if given.is_dir() else [given]
    paths = [str(f) for f in found]
    sources = fuzzing.load_sources(paths)
    if not sources:
        p.error("no source PDFs found")
    limits = Limits.from_config(**({"timeout_seconds": args.timeout} if args.timeout is not None else {}))
    resource_tracker.ensure_running()  # multiprocessing's helper, started before the mark: not ours to count
    mark = uuid.uuid4().hex
    os.environ[MARK] = mark  # the pool workers are spawned with it, and the run is started with it
    log.info("%d inputs from %d sources, seed %d, %d workers, timeout %g s", args.inputs, len(sources), args.seed,
             args.workers, limits.timeout_seconds)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    one = extract_phase(args, paths, limits, mark)
    if args.run_sample:  # phase 1's figures kept while the run waits for the lock and runs
        out.write_text(json.dumps(summarize(args, limits, sources, one, None), indent=1) + "\n", encoding="utf-8")
        log.info("extraction phase written to %s; the whole run next", out)
    whole = run_phase(args, sources, limits, mark) if args.run_sample else None
    report = summarize(args, limits, sources, one, whole)
    report["children_max_rss_mib"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1)
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print_summary(report)
    print(f"report: {out}")
    return 0 if report["invariants_held"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
