"""The run's log file: where stack traces go, so the console keeps one line per failure.

A failure deep in Spark (a full disk, a conflict, a damaged table) is hundreds of lines
of Java and Python frames. They are for whoever debugs, not for whoever runs: the
console gets paperscope's progress and the one line that names what happened, and the
log file (<reports.path>/logs/<UTC time>-<step>.log, or $PAPERSCOPE_LOG where
spark-submit.sh chose it before the JVM started) gets everything: Python's records at
DEBUG with their tracebacks, and Spark's JVM log (log4j, through the packaged
log4j2.properties) with its stack frames. Where the reports path is not local (dbfs:/ on
Databricks, whose driver log keeps everything) there is no file and the console keeps
the traces.
"""
from __future__ import annotations

import logging
import os
import sys
import time
from importlib.resources import files
from pathlib import Path

from paperscope.core.paths import is_local, local_path

ENV = "PAPERSCOPE_LOG"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def log4j_config() -> str:
    """The packaged log4j2 configuration, as a path the JVM reads."""
    return str(files("paperscope") / "data" / "log4j2.properties")


def log_path(reports_path: str, step: str, now: float | None = None) -> Path | None:
    """Where this command's log goes: $PAPERSCOPE_LOG, else a new file under the reports
    folder's logs/; None where the reports folder is not on a local disk."""
    if os.environ.get(ENV):
        return Path(os.environ[ENV])
    if not is_local(reports_path):
        return None
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return Path(local_path(reports_path)).absolute() / "logs" / f"{stamp}-{step}.log"


def _quoted(option: str) -> str:
    """One JVM option as Spark's launcher splits them (double quotes, backslash escapes),
    so a path with spaces stays one option."""
    return '"' + option.replace("\\", "\\\\").replace('"', '\\"') + '"'


def java_options(path: Path | None) -> str:
    """The driver JVM's options that send Spark's log to the file and keep it off the console."""
    options = [f"-Dlog4j2.configurationFile=file:{log4j_config()}"]
    if path is not None:
        options += [f"-Dpaperscope.log.file={path}", "-Dpaperscope.log.console=off"]
    return " ".join(_quoted(o) for o in options)


class OneLine(logging.Formatter):
    """A record's message without its traceback or stack: those are the file's."""

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info = record.exc_text = record.stack_info = None
        try:
            return super().format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


class RunLog:
    """One command's logging: the console at the chosen level (as logging.basicConfig, so
    a host that set up logging, pytest or a notebook, keeps its own), then, once the
    config names the reports folder, the file at DEBUG with every traceback while the
    console leaves them out. Everything is undone on exit."""

    NOISY = ("py4j", "great_expectations", "matplotlib", "pdfminer")

    def __init__(self, level: int):
        self.level = level
        self.path: Path | None = None
        self._added: list[logging.Handler] = []
        self._console: logging.Handler | None = None
        self._root_level: int | None = None
        self._file: logging.Handler | None = None
        self._levels: list[tuple[logging.Handler, int]] = []

    def __enter__(self) -> RunLog:
        root = logging.getLogger()
        self._root_level = root.level
        if not root.handlers:
            self._console = logging.StreamHandler(sys.stderr)
            self._console.setFormatter(logging.Formatter(FORMAT))
            self._add(self._console)
            root.setLevel(self.level)
        for name in self.NOISY:
            logging.getLogger(name).setLevel(logging.WARNING)
        return self

    def _add(self, handler: logging.Handler) -> None:
        logging.getLogger().addHandler(handler)
        self._added.append(handler)

    def to_file(self, reports_path: str, step: str) -> Path | None:
        """Open the log file for this command; its path, or None when there is none (the
        console then keeps the traces)."""
        path = log_path(reports_path, step)
        if path is None:
            return None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.FileHandler(path, encoding="utf-8")
        except OSError as exc:
            logging.getLogger(__name__).warning("no log file (%s): stack traces stay on the console", exc)
            return None
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.setLevel(logging.DEBUG)
        self._add(handler)
        root = logging.getLogger()
        for other in root.handlers:
            if other is not handler and other.level == logging.NOTSET:
                self._levels.append((other, other.level))
                other.setLevel(root.level)  # the file's DEBUG must not reach the others
        root.setLevel(logging.DEBUG)
        if self._console is not None:
            self._console.setFormatter(OneLine(FORMAT))
        self.path, self._file = path, handler
        logging.getLogger(__name__).debug("paperscope %s: log file %s", step, path)
        return path

    def with_path(self, line: str, exc: BaseException) -> str:
        """A failure's one line, its stack written to the file and the file named."""
        log = logging.getLogger(__name__)
        if self._file is None:
            log.debug("stopped by", exc_info=exc)
            return line
        self._file.handle(log.makeRecord(log.name, logging.ERROR, __file__, 0, "stopped: %s", (line,),
                                         (type(exc), exc, exc.__traceback__)))
        return f"{line} (the stack: {self.path})"

    def __exit__(self, *exc) -> None:
        root = logging.getLogger()
        for handler in self._added:
            root.removeHandler(handler)
            handler.close()
        for handler, level in self._levels:
            handler.setLevel(level)
        if self._root_level is not None:
            root.setLevel(self._root_level)


def spark_conf(cfg, path: Path | None) -> dict:
    """spark.driver.extraJavaOptions with the log's options added (a JVM this process starts)."""
    key = "spark.driver.extraJavaOptions"
    return {key: f"{cfg.spark.conf.get(key, '')} {java_options(path)}".strip()}


def main(argv: list[str] | None = None) -> int:
    """For spark-submit.sh: print the log file's path for this command line (the same
    config and flags the job will read), so the JVM it starts writes there."""
    from paperscope.cli.commands import _config, parser

    argv = sys.argv[1:] if argv is None else list(argv)
    args, _ = parser().parse_known_args(argv)
    path = log_path(_config(args).reports.path, args.step)
    print(path or "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
