"""One progress line for a long task: done of total, the rate and the time left.

Defined here, below every layer, so the Spark stages (pipeline.progress) and the paper
lists of `paperscope sources` print the same line.
"""
from __future__ import annotations


def duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def format_progress(label: str, done: int, total: int, elapsed: float, unit: str = "tasks") -> str:
    """One progress line, e.g. 'extract: 40/100 tasks (40%), 2.0/s, about 30 s left'."""
    share = f" ({100 * done / total:.0f}%)" if total else ""
    line = f"{label}: {done}/{total} {unit}{share}"
    if elapsed <= 0 or done <= 0:
        return line + ", starting"
    rate = done / elapsed
    line += f", {rate:.1f}/s" if rate >= 0.1 else f", {60 * rate:.1f}/min"
    if total and done < total:
        line += f", about {duration((total - done) / rate)} left"
    elif total:
        line += f", done in {duration(elapsed)}"
    return line
