"""One console script per step, for Databricks python_wheel_task (and any scheduler).

Databricks calls a wheel's entry point as a function and ignores what it returns, so a
failed step must raise SystemExit with its code; a passed one returns None rather than
raising SystemExit(0).
"""
from __future__ import annotations

import sys

from paperscope.cli import main


def _step(name: str):
    def entry() -> None:
        code = main([name, *sys.argv[1:]])
        if code:
            raise SystemExit(code)
    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"paperscope {name} with the command-line arguments (see `paperscope --help`)."
    return entry


run = _step("run")
extract = _step("extract")
affiliations = _step("affiliations")
mentions = _step("mentions")
validate = _step("validate")
aggregate = _step("aggregate")
