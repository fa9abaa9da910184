"""What a run writes into results.json, as types: one `ClaimResult` per variant run and one `Session`, read and
validated once (`read_results`), so that the page, the shard merge and the baseline work on checked fields
instead of probing dicts. Also the suite's one dataclass -> plain-data walker (`plain`) and its one atomic
file writer (`atomic_write`).

Plain standard library (no numpy, no torch): the report tools rebuild pages from a results.json anywhere.
"""
from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

# --------------------------------------------------------------------------- the walker

DESCEND = object()  # what a `leaf` function returns for a value the walker should walk into (or keep)


def plain(value: Any, *, type_tags: bool = False, leaf: Callable[[Any], Any] | None = None) -> Any:
    """Dataclasses become dicts (with "_type": the class name when `type_tags`), tuples and lists become
    lists, dict keys become strings; `leaf(value)`, when given, is asked first about every value and
    returns its replacement, or DESCEND to let the walker go on (containers) or keep it (anything else)."""
    if leaf is not None:
        converted = leaf(value)
        if converted is not DESCEND:
            return converted
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: plain(getattr(value, f.name), type_tags=type_tags, leaf=leaf)
                  for f in dataclasses.fields(value)}
        return {"_type": type(value).__name__, **fields} if type_tags else fields
    if isinstance(value, dict):
        return {str(k): plain(v, type_tags=type_tags, leaf=leaf) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v, type_tags=type_tags, leaf=leaf) for v in value]
    return value


def _json_leaf(value: Any) -> Any:
    """Strict JSON for one value: non-finite floats as "nan"/"inf"/"-inf" (JSON has no NaN), sets as lists,
    paths as strings, numpy-like scalars and arrays unwrapped (without importing numpy), else str()."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, (dict, list, tuple)) or (dataclasses.is_dataclass(value) and not isinstance(value, type)):
        return DESCEND
    if isinstance(value, (set, frozenset)):
        return json_safe(list(value))
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    for unwrap in ("item", "tolist"):  # numpy scalars / 0-d arrays, then arrays
        method = getattr(value, unwrap, None)
        if callable(method):
            try:
                unwrapped = method()
            except (TypeError, ValueError):
                continue
            if unwrapped is not value and (unwrap == "tolist" or not hasattr(unwrapped, "item")):
                return json_safe(unwrapped)
    return str(value)


def json_safe(value: Any) -> Any:
    """A strictly JSON-able copy of `value` (see _json_leaf)."""
    return plain(value, leaf=_json_leaf)


# --------------------------------------------------------------------------- the writer


def atomic_write(path: str | os.PathLike, data: bytes | str) -> None:
    """Write `data` to `path` so that readers see the old file or the whole new one: a temporary file in the
    same directory, flushed to disk, then renamed over `path`. A process killed before the rename leaves
    only a `.<name>.*.tmp` file, which no reader opens."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


# --------------------------------------------------------------------------- the schema

class ResultsError(ValueError):
    """A results.json (or results dict) that does not have the shape the suite writes."""


NUMBER = (int, float)
OPTIONAL_TEXT = (str, type(None))
OPTIONAL_NUMBER = (int, float, type(None))
NON_FINITE = ("nan", "inf", "-inf")  # how json_safe writes non-finite floats


@dataclass
class ClaimResult:
    """One variant run of one claim at one seed base, as written into results.json's "claims"."""
    claim: str
    variant: str = ""
    nodeid: str = ""
    ref: str = ""                           # "C1" … "C11": orders the page
    title: str = ""
    statement: str = ""                     # the sentence this variant tests
    claim_statement: str = ""               # the claim's own sentence, above its variants
    sources: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)
    profile: str = ""
    device: str = ""
    seed_base: int = 0
    seeds: list = field(default_factory=list)
    fidelity: dict | None = None            # what the variant tests and how faithfully
    checks: list = field(default_factory=list)   # harness.verdict.Check.as_dict() each
    figures: list = field(default_factory=list)  # {"title", "sha256", "file"} each (images stored beside)
    runs: list = field(default_factory=list)     # the runner's log: {"label", "key", "seeds", "cached", ...}
    notes: list = field(default_factory=list)
    budget: dict | None = None              # harness.budget.Trace.as_dict(): the answer along the budget
    outcome: str = "error"                  # pytest's: passed, xfailed, failed (verdict changed), error, ...
    verdict: str = "error"                  # holds, refuted, inconclusive, error, smoke, skipped
    verdict_reason: str | None = None
    expected: str | None = None             # the baseline's verdict; None when nothing was compared
    comparison: str | None = None           # how it was compared (reports.baseline.Expectation.why)
    change: str | None = None               # None, "changed" (failed) or "moved" (reported)
    error: str | None = None
    duration_s: float | None = None
    cpu_s: float | None = None
    started: str | None = None
    worker: str | None = None
    extra: dict = field(default_factory=dict)  # fields this schema does not name, kept as they came

    @property
    def key(self) -> str:
        """"claim[variant]": how the baseline names a variant."""
        return f"{self.claim}[{self.variant}]" if self.variant else self.claim


@dataclass
class Session:
    """What one pytest session (or a merge of shards) was: results.json's "session"."""
    started: str | None = None
    finished: str | None = None
    duration_s: float | None = None
    profile: str = ""
    device: str = ""
    workers: int | None = None
    command: str = ""
    host: str = ""
    versions: dict = field(default_factory=dict)  # name -> version, or (merged) {version: [shard indices]}
    seed_base: int | None = None
    seed_bases: list = field(default_factory=list)
    baseline: str | None = None             # the baseline file the verdicts were compared with
    smoke: bool = False
    selected: int | None = None
    warnings: list = field(default_factory=list)
    collection_errors: list = field(default_factory=list)  # {"nodeid", "error"} each
    shards: list = field(default_factory=list)             # merged: each shard's own session (plain dicts)
    extra: dict = field(default_factory=dict)


@dataclass
class Results:
    session: Session
    claims: list  # of ClaimResult

    def to_json(self) -> dict:
        """Strict JSON data (the inverse of read_results)."""
        return {"session": to_json(self.session), "claims": [to_json(c) for c in self.claims]}


def to_json(obj: ClaimResult | Session) -> dict:
    """One record or session as strict JSON data; its `extra` fields go back beside the named ones."""
    data = json_safe(obj)
    return {**data.pop("extra"), **data}


# field -> the types it may hold in results.json (a field not listed holds text)
CLAIM_TYPES: dict[str, tuple] = {
    "sources": (list,), "settings": (dict,), "seed_base": (int,), "seeds": (list,), "fidelity": (dict, type(None)),
    "budget": (dict, type(None)),
    "checks": (list,), "figures": (list,), "runs": (list,), "notes": (list,), "verdict_reason": OPTIONAL_TEXT,
    "expected": OPTIONAL_TEXT, "comparison": OPTIONAL_TEXT, "change": OPTIONAL_TEXT, "error": OPTIONAL_TEXT,
    "duration_s": OPTIONAL_NUMBER, "cpu_s": OPTIONAL_NUMBER, "started": OPTIONAL_TEXT, "worker": OPTIONAL_TEXT,
}
SESSION_TYPES: dict[str, tuple] = {
    "started": OPTIONAL_TEXT, "finished": OPTIONAL_TEXT, "duration_s": OPTIONAL_NUMBER, "workers": (int, type(None)),
    "versions": (dict,), "seed_base": (int, type(None)), "seed_bases": (list,), "baseline": OPTIONAL_TEXT,
    "smoke": (bool,), "selected": (int, type(None)), "warnings": (list,), "collection_errors": (list,),
    "shards": (list,),
}
LISTS_OF_DICTS = ("checks", "figures", "runs", "collection_errors", "shards")


def _typed(cls, data: Any, types: dict[str, tuple], where: str):
    """An instance of dataclass `cls` from `data`, each named field checked against `types`; a missing field
    takes its default, null takes the default of a list or dict field; other keys go to `extra`."""
    if not isinstance(data, dict):
        raise ResultsError(f"{where} is {type(data).__name__}, not an object")
    names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
    values, extra = {}, {}
    for key, value in data.items():
        if key not in names:
            extra[key] = value
            continue
        allowed = types.get(key, (str,))
        if value is None and (list in allowed or dict in allowed):
            continue  # the default: an empty list or dict
        if value in NON_FINITE and float in allowed:
            value = float(value)
        if isinstance(value, bool) and bool not in allowed or not isinstance(value, allowed):
            raise ResultsError(f"{where}: {key!r} is {type(value).__name__} {value!r:.60}, expected "
                               + " or ".join("null" if t is type(None) else t.__name__ for t in allowed))
        if key in LISTS_OF_DICTS and not all(isinstance(item, dict) for item in value):
            raise ResultsError(f"{where}: every entry of {key!r} must be an object")
        values[key] = value
    required = [f.name for f in dataclasses.fields(cls)
                if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    missing = [name for name in required if name not in values]
    if missing:
        raise ResultsError(f"{where}: missing {', '.join(map(repr, missing))}")
    return cls(**values, extra=extra)


def read_claim(data: Any, where: str = "claim") -> ClaimResult:
    result = _typed(ClaimResult, data, CLAIM_TYPES, where)
    for i, check in enumerate(result.checks):
        if not isinstance(check.get("name"), str) or not isinstance(check.get("status", ""), str):
            raise ResultsError(f"{where}: checks[{i}] needs a text 'name' (and 'status', when given, is text)")
    for i, figure in enumerate(result.figures):
        if not isinstance(figure.get("sha256", ""), str):
            raise ResultsError(f"{where}: figures[{i}]'s 'sha256' must be text")
    return result


def read_session(data: Any, where: str = "session") -> Session:
    return _typed(Session, data, SESSION_TYPES, where)


def read_results(data: Any, where: str = "results") -> Results:
    """The one reading of a results dict: typed and checked, or ResultsError naming the field and where."""
    if isinstance(data, Results):
        return data
    if not isinstance(data, dict):
        raise ResultsError(f"{where}: not a results file (top level is {type(data).__name__}, expected an object)")
    missing = [k for k in ("session", "claims") if k not in data]
    if missing:
        raise ResultsError(f"{where}: not a results file (missing {' and '.join(repr(k) for k in missing)})")
    if not isinstance(data["session"], dict) or not isinstance(data["claims"], list):
        raise ResultsError(f"{where}: not a results file ('session' must be an object and 'claims' a list)")
    claims = [read_claim(c, f"{where}: claims[{i}]" + (f" ({c.get('nodeid')})" if isinstance(c, dict) else ""))
              for i, c in enumerate(data["claims"])]
    return Results(read_session(data["session"], f"{where}: session"), claims)
