"""Content-addressed store of finished training runs, safe across processes.

An entry is `root/<key[:2]>/<key>.pt`: one header line `DLCLAIMS-CACHE 1 <sha256 of body>`
followed by the body, the bytes of `torch.save(payload)`. Loading checks the header and the
digest, then unpickles with `weights_only=True`, so a truncated, tampered or hostile file is
detected and moved aside instead of being trusted.

A training run's key is `<lineage>-e<epochs>` (`budget_key`): the lineage hashes everything that
determines the run except its budget, so the runs of one lineage to several budgets sit side by side
and `budgets(lineage)` lists them by name — how an extension to more epochs finds the longest shorter
run to resume from, without an index to keep consistent. Each budget is its own entry, written
atomically: an extension killed midway leaves the shorter run as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from filelock import FileLock

import harness
from harness.results import atomic_write

_MAGIC = b"DLCLAIMS-CACHE 1 "
_HEADER = re.compile(rb"DLCLAIMS-CACHE 1 ([0-9a-f]{64})\n")
_KEY_FIELD = "_key"
_KEY = re.compile(r"([0-9a-f]{64})(-e([0-9]+))?")  # a run key, optionally with the budget (epochs) it reached


def run_key(config: Mapping[str, Any], seed: int) -> str:
    """Return the sha256 hex key of a run: its config, seed and the harness and torch versions."""
    # Versions are part of the key so that an upgrade never serves runs made by older code.
    document = {"config": config, "seed": seed, "harness": harness.__version__, "torch": torch.__version__}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def budget_key(lineage: str, epochs: int) -> str:
    """The key of the run of `lineage` (a run_key over everything but the budget) trained to `epochs`."""
    if not re.fullmatch(r"[0-9a-f]{64}", lineage) or int(epochs) != epochs or epochs < 0:
        raise ValueError(f"a budget key needs a 64-hex lineage and epochs >= 0, got {lineage!r}, {epochs!r}")
    return f"{lineage}-e{int(epochs)}"


class CorruptCacheEntry(Exception):
    """An entry on disk that cannot be trusted; the message says why."""


class CacheWarning(UserWarning):
    """A cache entry was found corrupt and will be recomputed."""


def _encode(key: str, payload: Mapping[str, Any]) -> bytes:
    """Return the file bytes (header + body) for payload, refusing what a safe load would refuse."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"cache payload must be a dict, got {type(payload).__name__}")
    buffer = io.BytesIO()
    torch.save({**payload, _KEY_FIELD: key}, buffer)
    body = buffer.getvalue()
    # Fail at store time, in the process that computed it, rather than on every later load.
    try:
        torch.load(io.BytesIO(body), weights_only=True, map_location="cpu")
    except Exception as error:
        raise TypeError(f"cache payload holds a type weights_only loading refuses: {error}") from error
    return _MAGIC + hashlib.sha256(body).hexdigest().encode("ascii") + b"\n" + body


def _decode(key: str, data: bytes) -> dict[str, Any]:
    """Return the payload stored in data, or raise CorruptCacheEntry saying what is wrong."""
    newline = data.find(b"\n")
    match = _HEADER.fullmatch(data[: newline + 1]) if newline >= 0 else None
    if match is None:
        raise CorruptCacheEntry("bad header")
    body = data[newline + 1 :]
    if hashlib.sha256(body).hexdigest().encode("ascii") != match.group(1):
        raise CorruptCacheEntry("digest mismatch (truncated or modified)")
    try:
        payload = torch.load(io.BytesIO(body), weights_only=True, map_location="cpu")
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CorruptCacheEntry(f"unpickling refused ({type(error).__name__}: {first_line})") from error
    if not isinstance(payload, dict):
        raise CorruptCacheEntry(f"payload is a {type(payload).__name__}, not a dict")
    stored_key = payload.pop(_KEY_FIELD, None)
    if stored_key != key:
        raise CorruptCacheEntry(f"key mismatch (file holds {stored_key!r})")
    return payload


class RunCache:
    """A directory of finished runs, keyed by run_key, shared safely by concurrent processes."""

    def __init__(self, root: str | Path, enabled: bool = True):
        """Use root as the cache directory; with enabled=False nothing is read or written."""
        self.root = Path(root)
        self.enabled = enabled

    def __repr__(self) -> str:
        """Return the root and whether the cache is enabled."""
        return f"RunCache({str(self.root)!r}, enabled={self.enabled})"

    def path(self, key: str) -> Path:
        """Return the file that holds (or would hold) the entry for key."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a run key (64 lowercase hex digits, optionally -e<epochs>): {key!r}")
        return self.root / key[:2] / f"{key}.pt"

    def budgets(self, lineage: str) -> list[int]:
        """The budgets (epochs) stored for `lineage`, ascending, read from the entries' names (not verified:
        `load` checks an entry when it is read)."""
        if not self.enabled or not re.fullmatch(r"[0-9a-f]{64}", lineage):
            return []
        found = []
        for path in (self.root / lineage[:2]).glob(f"{lineage}-e*.pt"):
            match = _KEY.fullmatch(path.name[:-len(".pt")])
            if match and match.group(1) == lineage and match.group(3) is not None:
                found.append(int(match.group(3)))
        return sorted(found)

    def load(self, key: str) -> dict[str, Any] | None:
        """Return the stored payload for key, or None if absent, disabled or corrupt (then moved aside)."""
        if not self.enabled:
            return None
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        try:
            return _decode(key, data)
        except CorruptCacheEntry as error:
            warnings.warn(CacheWarning(f"corrupt cache entry {path}: {error}; recomputing"), stacklevel=2)
            # Kept beside the entry for post-mortem; another process may have moved it already.
            with contextlib.suppress(FileNotFoundError):
                os.replace(path, path.with_name(path.name + ".corrupt"))
            return None

    def store(self, key: str, payload: Mapping[str, Any]) -> None:
        """Write payload as the entry for key, atomically: readers see the old file or the whole new one."""
        if not self.enabled:
            return
        path = self.path(key)
        data = _encode(key, payload)
        path.parent.mkdir(parents=True, exist_ok=True)
        # A process killed before the rename leaves only a *.tmp file, which load never reads (clear removes it).
        atomic_write(path, data)

    def get_or_compute(
        self,
        keys: list[str],
        compute: Callable[[list[int]], list[dict[str, Any]]],
    ) -> tuple[list[dict[str, Any]], list[bool]]:
        """Return the payloads for keys (in order) and whether each was a hit, computing the misses once.

        compute(indices) receives the indices into keys of the missing entries and must return
        their payloads in that order. It is called at most once, under a file lock per key, so
        concurrent processes asking for the same key compute it only once.
        """
        keys = list(keys)
        if not self.enabled:
            return self._checked(compute(list(range(len(keys)))), len(keys)), [False] * len(keys)
        unique = sorted(set(keys))
        with contextlib.ExitStack() as stack:
            # Sorted order: two processes locking overlapping key sets cannot deadlock.
            for key in unique:
                lock_path = self.path(key).with_suffix(".pt.lock")
                lock_path.parent.mkdir(parents=True, exist_ok=True)
                stack.enter_context(FileLock(lock_path))
            found = {key: self.load(key) for key in unique}
            # One index per missing key, even if the key is repeated in keys.
            first_index = {key: keys.index(key) for key in unique if found[key] is None}
            missing = sorted(first_index.values())
            if missing:
                computed = self._checked(compute(missing), len(missing))
                for index, payload in zip(missing, computed):
                    self.store(keys[index], payload)
                    found[keys[index]] = payload
        computed_keys = {keys[index] for index in missing}
        payloads = [found[key] for key in keys]
        hits = [key not in computed_keys for key in keys]
        return payloads, hits

    @staticmethod
    def _checked(payloads: list[dict[str, Any]], expected: int) -> list[dict[str, Any]]:
        """Return compute's result as a list after checking it has one dict per requested index."""
        payloads = list(payloads)
        if len(payloads) != expected:
            raise ValueError(f"compute returned {len(payloads)} payloads for {expected} requested runs")
        for payload in payloads:
            if not isinstance(payload, Mapping):
                raise TypeError(f"compute must return dicts, got {type(payload).__name__}")
        return payloads

    def clear(self) -> int:
        """Delete every entry, temp file and .corrupt file; return the number of entries removed."""
        if not self.root.exists():
            return 0
        removed = 0
        # Lock files are left: deleting one another process holds would break its mutual exclusion.
        for path in sorted(self.root.glob("??/*")):
            if path.name.endswith(".pt"):
                removed += 1
            elif not path.name.endswith((".tmp", ".corrupt")):
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return removed
