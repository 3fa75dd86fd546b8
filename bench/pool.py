"""The extraction pool: paperscope's own Sandbox (one forked child, a pipe) against pebble's ProcessPool.

Both extract the same real PDFs in turn under the packaged limits (a wall-time limit per
PDF, a fresh child after extract.papers_per_child), alternating which goes first each
round. Prints the wall time per round; the docs' performance page quotes the medians.

    .venv/bin/pip install pebble==5.2.3      # not a dependency: only this comparison needs it
    .venv/bin/python bench/pool.py [--rounds 4] [FOLDER ...]   (default ../shared/papers and papers-dev)
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "lib"))

from paperscope.paper.pdf.extract import extract  # noqa: E402
from paperscope.paper.pdf.limits import Limits  # noqa: E402
from paperscope.paper.pdf.sandbox import Sandbox, _cap_memory  # noqa: E402


def own(datas: list[bytes], limits: Limits) -> list[str]:
    box = Sandbox(limits)
    try:
        return [box.extract(d).status for d in datas]
    finally:
        box.close()


def pebble_pool(datas: list[bytes], limits: Limits) -> list[str]:
    import pebble

    out = []
    with pebble.ProcessPool(max_workers=1, max_tasks=limits.papers_per_child, initializer=_cap_memory,
                            initargs=(limits.max_memory_bytes,)) as pool:
        for d in datas:
            future = pool.schedule(extract, args=(d, limits), timeout=limits.timeout_seconds)
            try:
                out.append(future.result().status)
            except FutureTimeout:
                out.append("timeout")
            except Exception:  # noqa: BLE001 - a dead worker, as the Sandbox reports "error"
                out.append("error")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("folders", nargs="*", default=[str(REPO.parent / "shared" / "papers"),
                                                  str(REPO.parent / "shared" / "papers-dev")])
    p.add_argument("--rounds", type=int, default=4)
    args = p.parse_args()
    files = sorted(f for folder in args.folders for f in Path(folder).glob("*.pdf"))
    datas = [f.read_bytes() for f in files]
    limits = Limits.from_config()
    times: dict[str, list[float]] = {"own": [], "pebble": []}
    pools = [("own", own), ("pebble", pebble_pool)]
    for rnd in range(args.rounds):
        for name, run in pools if rnd % 2 == 0 else pools[::-1]:
            start = time.perf_counter()
            statuses = run(datas, limits)
            times[name].append(time.perf_counter() - start)
            print(f"round {rnd} {name}: {times[name][-1]:.1f} s for {len(statuses)} PDFs ({statuses.count('ok')} ok)")
    mine, theirs = statistics.median(times["own"]), statistics.median(times["pebble"])
    print(f"median: own {mine:.1f} s, pebble {theirs:.1f} s; pebble / own = {theirs / mine:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
