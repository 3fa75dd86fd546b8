"""Outputs that cannot be written and concurrent Delta writers, as one line and an exit code.

Without this a read-only warehouse, a full disk or a second run writing the same year
ends in hundreds of lines of JVM stack trace, after the whole extraction, with the exit
code of a failed quality gate. What can be checked before Spark starts is checked
(check_writable); the rest is recognised where it is raised (classify) and named.
"""
from __future__ import annotations

import errno
import logging
import os
import tempfile
import time

from paperscope.core.exitcodes import Exit
from paperscope.core.paths import is_local, local_path

log = logging.getLogger(__name__)


class OutputNotWritable(RuntimeError):
    """An output path that cannot be written; the message names it and what to do."""
    code = Exit.NOT_WRITABLE


class WriteConflict(RuntimeError):
    """Another writer committed to the same table and years; retries did not get through."""
    code = Exit.CONFLICT


# Delta's concurrency exceptions (io.delta.exceptions.* and delta.exceptions.* in Python):
# all of them mean "someone else committed first", and writing the same years again is safe.
CONFLICTS = ("ConcurrentAppendException", "ConcurrentWriteException", "MetadataChangedException",
             "ProtocolChangedException", "ConcurrentDeleteReadException", "ConcurrentDeleteDeleteException",
             "ConcurrentTransactionException", "DELTA_CONCURRENT_", "DELTA_METADATA_CHANGED",
             "DELTA_PROTOCOL_CHANGED")
# Text of an OS error as the JVM (Hadoop's local file system) words it, and what it means:
# those only a write can meet, then those a read can meet too.
_JAVA_WRITE_ERRORS = (("No space left on device", "the disk is full"),
                      ("Disk quota exceeded", "the disk quota is used up"),
                      ("Read-only file system", "the file system is read-only"),
                      ("Destination exists and is not a directory", "a file stands where a folder goes"))
_JAVA_OS_ERRORS = (*_JAVA_WRITE_ERRORS,
                   ("Permission denied", "permission denied"),
                   ("ParentNotDirectoryException", "a part of the path is a file, not a folder"),
                   ("Not a directory", "a part of the path is a file, not a folder"),
                   ("Mkdirs failed to create", "the folder cannot be created"))
_ERRNO_WORDS = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is used up",
                errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
                errno.EPERM: "permission denied", errno.ENOTDIR: "a part of the path is a file, not a folder",
                errno.EEXIST: "a file is in the way"}


def _text(exc: BaseException) -> str:
    """The exception's class names and message, its Java side's and its causes' included."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        parts.append(" ".join(c.__name__ for c in type(exc).__mro__))
        java = getattr(exc, "java_exception", None)
        if java is not None:
            try:
                parts.extend(str(j.toString()) for j in _java_causes(java))
            except Exception:  # noqa: BLE001 - a closed gateway: the Python text is enough
                pass
        parts.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return "\n".join(parts)


def _java_causes(java, limit: int = 20):
    """A Java exception and its causes, outermost first: a task's write failure names
    only the task; the file system's words are in a cause."""
    while java is not None and limit:
        yield java
        java, limit = java.getCause(), limit - 1


def _root_message(exc: BaseException) -> str | None:
    """The innermost Java cause's message (it names the file), else None."""
    java = getattr(exc, "java_exception", None)
    try:
        causes = list(_java_causes(java)) if java is not None else []
        return str(causes[-1].getMessage()).strip().splitlines()[0] if causes else None
    except Exception:  # noqa: BLE001 - a closed gateway
        return None


def is_conflict(exc: BaseException) -> bool:
    """True for Delta's concurrent-commit exceptions (retryable)."""
    text = _text(exc)
    return any(name in text for name in CONFLICTS) or "concurrent update" in text.lower()


# Errors that only a write can meet (a permission error may be a read's).
_WRITE_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


def os_reason(exc: BaseException, writing: bool = True) -> str | None:
    """Why a write failed when the file system refused it ("the disk is full"), else None.

    writing=False (an error from anywhere in a step): only errors no read can meet.
    """
    seen = set()
    e = exc
    while e is not None and id(e) not in seen:
        seen.add(id(e))
        if isinstance(e, OSError) and e.errno in _ERRNO_WORDS and (writing or e.errno in _WRITE_ONLY):
            return _ERRNO_WORDS[e.errno]
        e = e.__cause__ or e.__context__
    text = _text(exc)
    markers = _JAVA_OS_ERRORS if writing else _JAVA_WRITE_ERRORS
    return next((words for marker, words in markers if marker in text), None)


def _advice(reason: str) -> str:
    if "full" in reason or "quota" in reason:
        return "free some space (or point it elsewhere) and run again"
    return "point it at a writable folder (or fix its permissions) and run again"


def not_writable(subject: str, reason: str) -> OutputNotWritable:
    """subject: what could not be written, e.g. "reports.path /r" or "year 2025 of papers (wh/papers)"."""
    return OutputNotWritable(f"cannot write {subject}: {reason}; {_advice(reason)}")


def classify(exc: BaseException) -> tuple[Exit, str] | None:
    """(exit code, one line) for a failure this module knows, else None (a bug: let it raise)."""
    if isinstance(exc, (OutputNotWritable, WriteConflict)):
        return exc.code, str(exc)
    reason = os_reason(exc, writing=False)
    if reason:
        where = getattr(exc, "filename", None)
        root = _root_message(exc)
        return Exit.NOT_WRITABLE, (f"cannot write {where}: {reason}; {_advice(reason)}" if where
                                   else f"a write failed: {reason}{f' ({root})' if root else ''}; "
                                        f"{_advice(reason)}")
    if is_conflict(exc):
        return Exit.CONFLICT, f"another run wrote a table at the same time: {_first_line(exc)}; run again"
    return None


def _first_line(exc: BaseException) -> str:
    java = getattr(exc, "java_exception", None)
    text = str(java.getMessage()) if java is not None else str(exc)
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__


def with_retries(write, what: str, retries: int, backoff_s: float) -> None:
    """write() again after a Delta conflict, up to `retries` more times; then WriteConflict.

    Every paperscope write replaces whole years (or appends one batch), so doing it again
    after another writer's commit gives the same table as if the two had not overlapped.
    An output the file system refuses becomes OutputNotWritable naming `what`.
    """
    for attempt in range(retries + 1):
        try:
            write()
            return
        except Exception as exc:  # noqa: BLE001 - Py4J and Spark errors alike
            if is_conflict(exc):
                if attempt < retries:
                    wait = backoff_s * (attempt + 1)
                    log.warning("%s: another writer committed first (%s); retry %d of %d in %.1f s",
                                what, type(exc).__name__, attempt + 1, retries, wait)
                    time.sleep(wait)
                    continue
                raise WriteConflict(f"another run is writing {what} at the same time (still after {retries} "
                                    f"retries: {_first_line(exc)}); wait for it to finish, then run again") from None
            reason = os_reason(exc)
            if reason:
                raise not_writable(what, reason) from None
            raise


def check_writable(path: str, what: str) -> None:
    """Refuse, before Spark starts, an output path that is a file, sits under a file, or is
    on a read-only or full file system. Only local paths are checked (a cloud path's
    permissions are the cluster's business); nothing is created but a probe file, removed."""
    if not path or not is_local(path):
        return
    target = os.path.abspath(local_path(path))
    probe_dir = target
    while not os.path.lexists(probe_dir):
        parent = os.path.dirname(probe_dir)
        if parent == probe_dir:
            break
        probe_dir = parent
    if not os.path.isdir(probe_dir):
        kind = "a file" if os.path.exists(probe_dir) else "a dangling link"
        where = "is" if probe_dir == target else f"lies under {probe_dir}, which is"
        raise OutputNotWritable(f"{what} {path} {where} {kind}, not a folder; point {what} at a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".paperscope-probe-", dir=probe_dir)
        try:
            os.write(fd, b"x")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OSError as exc:
        raise not_writable(f"{what} {path}", _ERRNO_WORDS.get(exc.errno, exc.strerror or str(exc))) from None
