"""Content-addressed store of finished training runs, safe across processes.

An entry is `root/<key[:2]>/<key>.pt`: one header line
`DLCLAIMS-CACHE 2 <sha256 of part 1> <bytes of part 1> <sha256 of part 2> <bytes of part 2>`, then two
bodies, each the bytes of a `torch.save`: part 1 the payload but its STATE keys (a run's curves and
settings: a few KB), part 2 the STATE keys (the members' parameters and optimizer state: 97% of the
bytes). Loading checks the header, the file's length and part 1's digest, then unpickles part 1 with
`weights_only=True`, so a truncated, tampered or hostile file is detected and moved aside instead of
being trusted. Part 2 is read the same way, when asked for: with `state=False` the payload holds a
`StoredState` in its place, which reads and checks it on first use. Why: a warm run reads every
budget point of every run for its curves, and the state it never uses was 3/4 of its time.

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

_MAGIC = b"DLCLAIMS-CACHE 2 "
_HEADER = re.compile(rb"DLCLAIMS-CACHE 2 ([0-9a-f]{64}) ([0-9]+) ([0-9a-f]{64}) ([0-9]+)\n")
_OLD_FORMATS = (b"DLCLAIMS-CACHE 1 ",)  # entries an older harness wrote: a miss, overwritten, not "corrupt"
_HEADER_MAX = 200  # bytes: the header line is 17 + 64 + 1 + digits + 1 + 64 + 1 + digits + 1
STATE = ("params", "resume")  # payload keys read only when used: a run's parameters and optimizer state
STORED_STATE = "stored_state"  # with load(state=False), the payload key of the StoredState in their place
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


def _body(obj: Any) -> bytes:
    """torch.save's bytes for obj, refused if a weights_only load would refuse them."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    body = buffer.getvalue()
    # Fail at store time, in the process that computed it, rather than on every later load.
    try:
        torch.load(io.BytesIO(body), weights_only=True, map_location="cpu")
    except Exception as error:
        raise TypeError(f"cache payload holds a type weights_only loading refuses: {error}") from error
    return body


def _encode(key: str, payload: Mapping[str, Any]) -> bytes:
    """Return the file bytes (header + both parts) for payload, refusing what a safe load would refuse."""
    if not isinstance(payload, Mapping):
        raise TypeError(f"cache payload must be a dict, got {type(payload).__name__}")
    if STORED_STATE in payload:
        raise TypeError(f"cache payload holds a {STORED_STATE!r}: store the state itself, not its placeholder")
    curves = _body({**{k: v for k, v in payload.items() if k not in STATE}, _KEY_FIELD: key})
    state = _body({k: payload[k] for k in STATE if k in payload})
    header = b" ".join([_MAGIC.rstrip(b" "), hashlib.sha256(curves).hexdigest().encode("ascii"), b"%d" % len(curves),
                        hashlib.sha256(state).hexdigest().encode("ascii"), b"%d" % len(state)]) + b"\n"
    return header + curves + state


def _unpickled(body: bytes, digest: bytes, part: str) -> dict[str, Any]:
    """The dict in body, or raise CorruptCacheEntry saying what is wrong with that part."""
    if hashlib.sha256(body).hexdigest().encode("ascii") != digest:
        raise CorruptCacheEntry(f"digest mismatch in {part} (truncated or modified)")
    try:
        payload = torch.load(io.BytesIO(body), weights_only=True, map_location="cpu")
    except Exception as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise CorruptCacheEntry(f"unpickling refused ({part}: {type(error).__name__}: {first_line})") from error
    if not isinstance(payload, dict):
        raise CorruptCacheEntry(f"{part} is a {type(payload).__name__}, not a dict")
    return payload


def _read(path: Path, key: str, state: bool) -> dict[str, Any] | None:
    """The payload in the entry at path (its state too, or a StoredState), None for an entry an older harness
    wrote, or raise CorruptCacheEntry."""
    with open(path, "rb") as file:
        line = file.readline(_HEADER_MAX)
        if line.startswith(_OLD_FORMATS):
            return None
        match = _HEADER.fullmatch(line)
        if match is None:
            raise CorruptCacheEntry("bad header")
        curves_digest, curves_size, state_digest, state_size = match.groups()
        curves_size, state_size = int(curves_size), int(state_size)
        if os.fstat(file.fileno()).st_size != len(line) + curves_size + state_size:
            raise CorruptCacheEntry("wrong length (truncated or modified)")
        payload = _unpickled(file.read(curves_size), curves_digest, "the curves")
        stored_key = payload.pop(_KEY_FIELD, None)
        if stored_key != key:
            raise CorruptCacheEntry(f"key mismatch (file holds {stored_key!r})")
        stored = StoredState(path, len(line) + curves_size, state_size, state_digest)
        if state:
            payload.update(stored.read(file))
        else:
            payload[STORED_STATE] = stored
    return payload


def _move_aside(path: Path) -> None:
    """Keep a corrupt entry beside its name for post-mortem; another process may have moved it already."""
    with contextlib.suppress(FileNotFoundError):
        os.replace(path, path.with_name(path.name + ".corrupt"))


class StoredState:
    """A cache entry's second part (STATE: parameters, optimizer state), read and checked on first use.

    If the entry changed on disk since its first part was read (tampering, a disk fault), `load` moves it
    aside and raises CorruptCacheEntry; harness.train.StoredParams then has the runner train it anew."""

    def __init__(self, path: Path, offset: int, size: int, digest: bytes):
        self.path, self.offset, self.size, self.digest = Path(path), offset, size, digest

    def __repr__(self) -> str:
        return f"StoredState({str(self.path)!r}, {self.size} bytes)"

    def read(self, file) -> dict[str, Any]:
        file.seek(self.offset)
        return _unpickled(file.read(self.size), self.digest, "the state")

    def load(self) -> dict[str, Any]:
        """The STATE keys of the entry, checked against the digest read with its first part."""
        try:
            with open(self.path, "rb") as file:
                return self.read(file)
        except (OSError, CorruptCacheEntry) as error:
            if isinstance(error, CorruptCacheEntry):
                _move_aside(self.path)
            raise CorruptCacheEntry(f"corrupt cache entry {self.path}: {error}, read after its curves; moved "
                                    "aside") from error


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

    def load(self, key: str, state: bool = True) -> dict[str, Any] | None:
        """Return the stored payload for key, or None if absent, disabled, written by an older harness or
        corrupt (then moved aside). With state=False the STATE keys are left on disk: the payload holds a
        StoredState under STORED_STATE instead, which reads them when asked."""
        if not self.enabled:
            return None
        path = self.path(key)
        try:
            return _read(path, key, state)
        except FileNotFoundError:
            return None
        except CorruptCacheEntry as error:
            warnings.warn(CacheWarning(f"corrupt cache entry {path}: {error}; recomputing"), stacklevel=2)
            _move_aside(path)
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
        state: bool = True,
    ) -> tuple[list[dict[str, Any]], list[bool]]:
        """Return the payloads for keys (in order) and whether each was a hit, computing the misses once.

        compute(indices) receives the indices into keys of the missing entries and must return
        their payloads in that order. It is called at most once, under a file lock per key, so
        concurrent processes asking for the same key compute it only once. With state=False, a hit's
        STATE keys stay on disk (see load); computed payloads are returned whole.
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
            found = {key: self.load(key, state) for key in unique}
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
