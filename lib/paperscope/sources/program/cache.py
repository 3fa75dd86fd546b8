"""Raw responses kept on disk, so a re-run of a source makes no request at all.

One file per request: the request's description (what was asked: path and parameters,
never a credential) and the response body exactly as the server sent it. The key is a
hash of the description, so the same page or batch asked again is read from disk. A file
is written whole or not at all (temporary name, then rename): a run killed mid-write
leaves no half response, and the next run asks for that one again, which is what makes
an interrupted collection resumable. Bodies that did not parse are never stored.
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


def _key(kind: str, request: dict) -> str:
    text = json.dumps({"kind": kind, "request": request}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class ResponseCache:
    """Responses under root/<kind>/<hash>.json; hits and stores are counted for the summary."""

    def __init__(self, root: str | Path | None, refresh: bool = False):
        self.root = Path(root) if root else None
        self.refresh = refresh  # read nothing (store everything): a fresh collection
        self.hits = 0
        self.stored = 0

    def path(self, kind: str, request: dict) -> Path | None:
        return self.root / kind / f"{_key(kind, request)}.json" if self.root else None

    def get(self, kind: str, request: dict) -> bytes | None:
        """The cached body for this request, or None (no cache, refresh, or not asked before)."""
        path = self.path(kind, request)
        if path is None or self.refresh or not path.is_file():
            return None
        entry = json.loads(path.read_text("utf-8"))
        self.hits += 1
        return entry["body"].encode("utf-8")

    def put(self, kind: str, request: dict, body: bytes) -> None:
        path = self.path(kind, request)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"kind": kind, "request": request, "body": body.decode("utf-8")}
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(entry, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self.stored += 1

    def entries(self, kind: str) -> Iterator[tuple[dict, bytes]]:
        """Every stored (request, body) of a kind: the profile batches asked so far, say."""
        if self.root is None or self.refresh or not (self.root / kind).is_dir():
            return
        for path in sorted((self.root / kind).glob("*.json")):
            entry = json.loads(path.read_text("utf-8"))
            yield entry["request"], entry["body"].encode("utf-8")
