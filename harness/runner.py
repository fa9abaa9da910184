"""Runs configs through the cache: a finished (config, seed) is never trained twice."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from harness.cache import RunCache, run_key
from harness.data import Split
from harness.train import Runs, TrainConfig, describe, load_split, member_payload, stack_payloads, train_ensemble


@dataclass
class Runner:
    """Where and how runs happen: device, cache, data location. `log` keeps each run's provenance."""
    device: torch.device = torch.device("cpu")
    cache: RunCache | None = None
    data_dir: str | Path | None = None
    download: bool = False
    log: list[dict] = field(default_factory=list)

    def split(self, config: TrainConfig) -> Split:
        return load_split(config.data, self.device, self.data_dir, self.download)

    def train(self, config: TrainConfig, seeds: list[int], label: str = "") -> Runs:
        """One member per seed, trained together as an ensemble, or loaded from the cache."""
        label = label or config.model.label
        started = time.perf_counter()
        description = describe(config)
        keys = [run_key(description, seed) for seed in seeds]

        def compute(missing: list[int]) -> list[dict]:
            runs = train_ensemble(config, [seeds[i] for i in missing], self.split(config), label)
            return [member_payload(runs, j) for j in range(len(missing))]

        if self.cache is None:
            payloads, hits = compute(list(range(len(seeds)))), [False] * len(seeds)
        else:
            payloads, hits = self.cache.get_or_compute(keys, compute)
        runs = stack_payloads(config, payloads, hits, self.device)
        self.log.append({"label": label, "key": keys[0][:12], "seeds": list(seeds), "cached": all(hits),
                         "cached_seeds": sum(hits), "seconds": round(time.perf_counter() - started, 3)})
        return runs
