"""One console script per step, for Databricks python_wheel_task (and any scheduler).

Databricks calls a wheel's entry point as a function and ignores what it returns, so a
failed step must raise SystemExit with its code; a passed one returns None rather than
raising SystemExit(0); the codes are paperscope.core.exitcodes.Exit, as for the command line.
The functions are made from the registry (Step.entry_point); the
console scripts naming them are [project.scripts] in pyproject.toml, which
tests/test_registry.py checks against registry.console_scripts().
"""
from __future__ import annotations

import sys

from paperscope.cli.commands import main
from paperscope.core import registry


def _step(name: str):
    def entry() -> None:
        code = main([name, *sys.argv[1:]])
        if code:
            raise SystemExit(int(code))
    entry.__name__ = entry.__qualname__ = name
    entry.__doc__ = f"paperscope {name} with the command-line arguments (see `paperscope --help`)."
    return entry


for _s in registry.STEPS:
    if _s.entry_point:
        globals()[_s.name] = _step(_s.name)
del _s
