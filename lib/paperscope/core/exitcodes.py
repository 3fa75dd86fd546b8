"""The exit codes of `paperscope STEP` and the console scripts, defined once.

A scheduler (cron, a Databricks job, a shell script) tells failures apart by the code
alone, so each kind of failure has its own. cli.py returns them, entrypoints.py raises
them as SystemExit, and the README's table is checked against this enum by
tests/test_hostile_failures.py.
"""
from __future__ import annotations

from enum import IntEnum


class Exit(IntEnum):
    """One exit code per kind of outcome; MEANING holds each one's line for people."""
    OK = 0
    GATE_FAILED = 1
    BAD_INPUT = 2
    TABLE_DAMAGED = 3
    NOT_WRITABLE = 4
    CONFLICT = 5
    FAILED = 6


MEANING = {
    Exit.OK: "the step ran; the quality gate (if it ran) passed",
    Exit.GATE_FAILED: "the quality gate failed; aggregates were not written (the report says why)",
    Exit.BAD_INPUT: "bad config, flags or input (one line names the key, file or row), before Spark starts",
    Exit.TABLE_DAMAGED: "a Delta table is damaged (one line names it and the Delta error); nothing was aggregated",
    Exit.NOT_WRITABLE: "an output cannot be written: the warehouse or reports path is a file, read-only, "
                       "or the disk is full (one line names the path)",
    Exit.CONFLICT: "another run wrote the same table at the same time and the conflict outlasted "
                   "delta.conflict_retries retries (one line names the table and year); run again",
    Exit.FAILED: "the run stopped on an error paperscope does not name: one line, and the log file that "
                 "holds the stack (the reports folder's logs/)",
}


def markdown_table() -> str:
    """The README's table of exit codes."""
    rows = ["| code | name | meaning |", "|---:|---|---|"]
    rows += [f"| {code.value} | `{code.name}` | {MEANING[code]} |" for code in Exit]
    return "\n".join(rows) + "\n"


def one_line() -> str:
    """The codes for `paperscope --help`."""
    return ", ".join(f"{code.value} {code.name.lower().replace('_', ' ')}" for code in Exit)
