"""Extraction in a forked child: a hung or crashing parser becomes a row, never a hung Spark task.

``Sandbox`` runs ``extract`` in a forked child with a wall-time limit, so a call that
hangs (or a file that blocks on read, like a FIFO) is killed and recorded; the child's
memory is capped too (``max_memory_bytes``). One child serves many PDFs: the PDF's bytes
go down a pipe, the pickled result comes back.
"""
from __future__ import annotations

import logging
import math
import os
import pickle
import resource
import select
import signal
import time

from paperscope.paper.pdf.extract import Extracted, extract
from paperscope.paper.pdf.limits import ERROR, TIMEOUT, TOO_LARGE, Limits

log = logging.getLogger(__name__)


def _data_size() -> int:
    """This process's data segment (VmData), which RLIMIT_DATA is compared with; 0 if unknown."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _cap_memory(extra: int) -> None:
    """In the forked child: at most `extra` bytes of heap and anonymous memory beyond what
    it was forked with (RLIMIT_DATA, which PDFium's address-space reservations do not
    count against, unlike RLIMIT_AS). An allocation past it fails: a MemoryError in
    Python, a failed malloc in PDFium."""
    if not extra:
        return
    limit = _data_size() + extra
    try:
        _, hard = resource.getrlimit(resource.RLIMIT_DATA)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
    except (ValueError, OSError) as exc:
        log.debug("cannot cap the extraction's memory: %s", exc)


def extract_isolated(data: bytes, limits: Limits) -> Extracted:
    """extract() in a forked child of its own that is killed after limits.timeout_seconds.

    The child is forked for this one PDF, so it sees this process exactly as it is now.
    A run's many PDFs go through sandbox(limits), which keeps one child for many. With no
    timeout it runs in this process.
    """
    child = Sandbox(limits, papers=1)
    try:
        return child.extract(data)
    finally:
        child.close()


_SANDBOX: "Sandbox | None" = None


def sandbox(limits: Limits) -> "Sandbox":
    """This process's extraction child for these limits, kept across tasks (a Python worker
    runs many); a child for other limits is closed first."""
    global _SANDBOX
    if _SANDBOX is None or _SANDBOX.limits != limits or _SANDBOX.owner != os.getpid():
        if _SANDBOX is not None and _SANDBOX.owner == os.getpid():
            _SANDBOX.close()
        _SANDBOX = Sandbox(limits)
    return _SANDBOX


_LENGTH = 8


class Sandbox:
    """A forked child that extracts PDFs one after another, each under the wall-time limit.

    A fresh child per PDF costs much CPU on top of the extraction (every page of the parent
    it touches is copied, and pdfminer's and PDFium's caches start cold each time), so one
    child serves many: the PDF's bytes go down a pipe,
    the pickled result comes back. A child that runs past the limit is killed, one that
    dies gives status "error", and either is replaced by a fresh child at the next PDF.
    The child also ends itself after extract.papers_per_child PDFs, after a PDF that hit
    its memory cap or failed, and when its heap has grown by half of max_memory_bytes, so
    what one PDF leaves behind cannot eat into the next one's memory limit.
    """

    def __init__(self, limits: Limits, papers: int | None = None):
        self.limits = limits
        self.papers = limits.papers_per_child if papers is None else papers
        self.owner = os.getpid()
        self.pid: int | None = None

    def _start(self) -> None:
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # child: never returns into the caller's code
            code = 0
            try:
                os.close(request_w)
                os.close(result_r)
                self._serve(request_r, result_w)
            except BaseException:  # noqa: BLE001 - the parent reports a child without an answer
                code = 1
            finally:
                os._exit(code)
        os.close(request_r)
        os.close(result_w)
        self.pid, self.requests, self.results = pid, request_w, result_r

    def _serve(self, requests: int, results: int) -> None:
        _cap_memory(self.limits.max_memory_bytes)
        # The parent kills a child past the limit; should the parent itself die first (a
        # killed Spark worker), the alarm ends the child a little later all the same.
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        alarm = math.ceil(self.limits.timeout_seconds) + 5
        base, served = _data_size(), 0
        while True:
            data = _read_message(requests)
            if data is None:
                return
            signal.alarm(alarm)
            got = extract(data, self.limits)
            signal.alarm(0)
            served += 1
            grown = _data_size() - base
            more = not ((self.papers and served >= self.papers) or got.status in (TOO_LARGE, ERROR)
                        or (self.limits.max_memory_bytes and grown > self.limits.max_memory_bytes // 2))
            _write_message(results, pickle.dumps((got, more), protocol=pickle.HIGHEST_PROTOCOL))
            if not more:
                return

    def extract(self, data: bytes) -> Extracted:
        """extract(data) in the child, killed at limits.timeout_seconds."""
        if not self.limits.timeout_seconds:
            return extract(data, self.limits)
        start = time.perf_counter()
        if self.pid is not None and os.waitpid(self.pid, os.WNOHANG)[0]:  # died while idle: reaped
            self._close_pipes()
            self.pid = None
        if self.pid is None:
            self._start()
        deadline = start + self.limits.timeout_seconds
        answer, timed_out = None, False
        try:
            try:
                _write_message(self.requests, data)
            except BrokenPipeError:  # the child ended between two PDFs: a fresh one takes this one
                self._end(kill=True)
                self._start()
                _write_message(self.requests, data)
            answer = _read_message(self.results, deadline)
        except TimeoutError:
            timed_out = True
        except OSError:  # the child died while reading the PDF (a broken pipe)
            answer = None
        elapsed = round(time.perf_counter() - start, 4)
        if answer is not None:
            got, more = pickle.loads(answer)
            if not more:
                self.close()
            got.extract_seconds = elapsed
            return got
        wait_status = self._end(kill=True)
        if timed_out:
            return Extracted(status=TIMEOUT, error=f"extraction took over extract.timeout_seconds="
                                                   f"{self.limits.timeout_seconds} s; killed", extract_seconds=elapsed)
        how = (f"killed by signal {os.WTERMSIG(wait_status)}" if os.WIFSIGNALED(wait_status)
               else f"exit code {os.WEXITSTATUS(wait_status)}")
        cap = (f"; extract.max_memory_bytes={self.limits.max_memory_bytes} may have been reached"
               if self.limits.max_memory_bytes else "")
        return Extracted(status=ERROR, error=f"extraction process died without a result ({how}{cap})",
                         extract_seconds=elapsed)

    def _end(self, kill: bool) -> int:
        """Close the pipes and reap the child (killed first if asked); its wait status."""
        if self.pid is None:
            return 0
        self._close_pipes()
        if kill:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        wait_status = self._reap(self.pid)
        self.pid = None
        return wait_status

    def _reap(self, pid: int) -> int:
        """Wait for the ended child; its wait status (a measuring subclass uses wait4)."""
        return os.waitpid(pid, 0)[1]

    def _close_pipes(self) -> None:
        for fd in (self.requests, self.results):
            try:
                os.close(fd)
            except OSError:
                pass

    def close(self) -> None:
        """End the child: it reads the end of its pipe and exits."""
        if self.pid is not None and self.owner == os.getpid():
            self._end(kill=False)


def _write_message(fd: int, payload: bytes) -> None:
    """The payload's length, then the payload (os.write may write part of it at a time)."""
    for part in (len(payload).to_bytes(_LENGTH, "big"), payload):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]


def _read_message(fd: int, deadline: float | None = None) -> bytes | None:
    """One length-prefixed message; None at the end of the pipe. TimeoutError past deadline."""
    head = _read_exactly(fd, _LENGTH, deadline)
    if head is None:
        return None
    return _read_exactly(fd, int.from_bytes(head, "big"), deadline)


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        if deadline is not None:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
        chunk = os.read(fd, min(size - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)

