"""The batch-size sweeps that C10 sensitivity and C11 sharpness read, their budgets and gates, and the configs C9–C11
train with. Equal settings give equal TrainConfigs, which the run cache trains once: a sweep shared by C10's and
C11's variants trains once for both."""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from claims.training_gates import TRAINED
from harness import verdict
from harness.data import DataSpec
from harness.models import MLPSpec, ModelSpec
from harness.train import FunctionTask, TrainConfig, select_members


@dataclass(frozen=True)
class BatchSweep:
    """One model trained at several batch sizes. The budget is the same number of epochs for every batch
    size (as the reports ran it: a large batch then takes far fewer steps) or about the same number of
    optimizer steps (epochs = steps / steps per epoch, rounded), so that batch size is not confounded
    with the amount of training. `budget` is where harness.budget starts reading the answer, `cap` the most
    it may grow to while the answer moves."""
    model: ModelSpec
    batch_sizes: tuple[int, ...]
    regime: str                  # "epochs" or "steps"
    budget: int                  # start budget: epochs, or steps
    cap: int                     # the largest budget harness.budget may grow to (same unit)
    lr: float                    # Adam
    seeds: int
    n_train: int                 # training images (or points of `task`)
    task: FunctionTask | None = None  # a 1-D regression task (004); None = the profile's MNIST

    def __post_init__(self):
        for name, value in (("budget", self.budget), ("cap", self.cap)):
            if value < self.step or value % self.step:
                raise ValueError(f"the sweep's {name} {value} is not a multiple of its budget grid {self.step}: "
                                 f"choose a multiple")
        if self.cap < self.budget:
            raise ValueError(f"the sweep's cap {self.cap} is below its start budget {self.budget}: raise the cap")

    @property
    def step(self) -> int:
        """The budget grid the answer is read on (harness.budget.rung): a tenth of the start budget in epochs
        (its record interval), a quarter of it in steps."""
        return max(1, self.budget // (10 if self.regime == "epochs" else 4))

    def epochs(self, batch_size: int, budget: int | None = None) -> int:
        budget = self.budget if budget is None else budget
        if self.regime == "epochs":
            return budget
        return max(1, round(budget / -(-self.n_train // batch_size)))

    def steps(self, batch_size: int, budget: int | None = None) -> int:
        return self.epochs(batch_size, budget) * -(-self.n_train // batch_size)

    def record_every(self, batch_size: int) -> int:
        """Ten records over the start budget, the same interval at every budget: a longer run's config then
        differs from a shorter one's in its epochs only, so it resumes from the cached shorter run."""
        return max(1, self.epochs(batch_size) // 10)


# --- the sweeps ----------------------------------------------------------------------------------------------
MLP_BATCH_CPU = MLPSpec(784, (32,), 10)  # cost: one hidden layer like 003's 784-500-10, narrower
BATCH_SIZES_CPU = (32, 64, 128, 256, 512, 1024)  # 8 … 26% of the 4000 images (the reports: 10 … 1510 of 60,000,
                                                 # 32 … 1024 of 55,000, 500 … 5000 of 55,000)
# 50 epochs: batch 1024 then takes 200 steps (REPORT_STEPS). Start budgets are the budgets the suite ran before it
# read its answers along the budget (harness.budget); caps are set by cost: with every sweep at its cap, C10 + C11 must
# cost at most 150 CPU-s cold here. Fixed epochs: cap 100 epochs. A first cap of 200 cost 202 CPU-s for C10 + C11 in
# the pilot (seed base 10000: the sweep from 100 to 200 epochs alone took 59 CPU-s), so 200 is not affordable; the
# reports ran 5 (003, of 60,000 images) and 200 epochs (002); at cap 100 the same pilot cost 128 CPU-s cold (004's
# sweep stopped at 400 of its 800: ≈ 10 CPU-s more at its cap). Fixed steps: cap 1000 steps = its start: the next rung
# (2000 steps, ≈ 28 CPU-s more) does not fit beside the fixed-epochs cap. In the first pilot batch 32 reached train
# accuracy 0.95 at 1000 steps (0.99 needs ≈ 4000 steps). Second allocation (issue 20, from a pilot at seed base 10000
# with every cap raised, before any verdict seed at these caps; docs/budgets.md): fixed epochs up to 400 (the pilot's
# answers settled by 400: the sweep cost ≈ 160 CPU-s there), fixed steps up to 8000 (the pilot's still moved at 4000,
# gated on training; the next rung ≈ 60 CPU-s).
# Seeds by power: pilot Spearman rho over 6 batch sizes × 4 seeds: sensitivity -0.94, test accuracy -0.65, Keskar
# ε-sharpness +0.44; stats.seeds_needed at Holm's first rung (α/2 where a variant has 2 checks) gives 6, 19 and 34
# points; 6 seeds (36 points) cover all three.
FIXED_EPOCHS_CPU = BatchSweep(MLP_BATCH_CPU, BATCH_SIZES_CPU, "epochs", 50, 400, lr=1e-3, seeds=6, n_train=4000)
FIXED_STEPS_CPU = BatchSweep(MLP_BATCH_CPU, BATCH_SIZES_CPU, "steps", 1000, 8000, lr=1e-3, seeds=4, n_train=4000)
MLP_BATCH_FULL = MLPSpec(784, (500,), 10)  # 003's 397,510-parameter DNN
BATCH_SIZES_FULL = (32, 64, 128, 256, 512, 1024, 2048, 4096)
# full caps: 002's 200 epochs (the longest any report trained); fixed steps by cost, four times the start
FIXED_EPOCHS_FULL = BatchSweep(MLP_BATCH_FULL, BATCH_SIZES_FULL, "epochs", 20, 200, lr=1e-3, seeds=5, n_train=60000)
FIXED_STEPS_FULL = BatchSweep(MLP_BATCH_FULL, BATCH_SIZES_FULL, "steps", 10000, 40000, lr=1e-3, seeds=5, n_train=60000)
NET_004 = MLPSpec(1, (336,), 1)  # 004's one-hidden-layer HW1-1 net (1008 parameters; 336 units give 1009)
FIT_004 = FunctionTask("abs_sinc", 1000)  # 004 HW1-1's first function |sin(5πx)/(5πx)|; 004 states no point count
# 004's batch sizes; 004 states no epochs. Start 200 epochs (the earlier cpu budget); cap 800 by cost (≈ 3 CPU-s per
# 200 epochs for 4 seeds in the base-0 run, so ≈ 12 CPU-s at the cap); the full profile starts at 1000, cap 4000.
# In the first pilot (seed base 10000) the MSE still fell 21-32% over the last 40 of 200 epochs at every batch size.
FIT_SWEEP_CPU = BatchSweep(NET_004, (10, 50, 100, 500, 1000), "epochs", 200, 800, lr=1e-3, seeds=4, n_train=1000,
                           task=FIT_004)
FIT_SWEEP_FULL = replace(FIT_SWEEP_CPU, budget=1000, cap=4000, seeds=5)

# How the sweeps differ from the reports' settings: the variants' deviations (data, shared by C10 and C11)
MNIST5K = "4000 training / 1000 test images of the offline 5000-image MNIST subset"
SWEEP_CPU = ("one MLP 784-32-10 (25,450 parameters), Adam 1e-3, " + MNIST5K + ", batch sizes 32/64/128/256/512/1024, "
             "6 seeds at fixed epochs, 4 at fixed steps")
SWEEP_FULL = "MLP 784-500-10 (397,510 parameters; 003's DNN), Adam 1e-3, all 60,000 MNIST images, batch sizes 32…4096, 5 seeds"
FIXED_STEPS = (f"fixed optimizer steps ({FIXED_STEPS_CPU.budget} up to {FIXED_STEPS_CPU.cap} per batch size, cpu; "
               f"{FIXED_STEPS_FULL.budget} up to {FIXED_STEPS_FULL.cap}, full) instead of the fixed epochs every "
               "report used")
FIT_SWEEP_CPU_TEXT = ("004's batch sizes 10/50/100/500/1000 on |sin(5πx)/(5πx)| (004: 'the function fitting of 1-1', "
                      "which fitted two functions), 004's 1-hidden-layer net (1009 parameters; 004: 1008), Adam 1e-3, "
                      "unstated: 1000 points, 200 epochs (read up to 800), 4 seeds")
FIT_SWEEP_FULL_TEXT = "as cpu with 1000 epochs (read up to 4000) and 5 seeds (004 states no epochs)"


# --- training and the budget gates ---------------------------------------------------------------------------
def batch_config(model: ModelSpec, data, batch_size: int, lr: float, epochs: int,
                 record_every: int | None = None) -> TrainConfig:
    """C9–C11's configs: equal settings give equal configs, which the cache trains once. Ten records per run
    unless `record_every` fixes the interval (a sweep read along its budget: see BatchSweep.record_every)."""
    return TrainConfig(model=model, data=data, epochs=epochs, lr=lr, batch_size=batch_size,
                       record_every=record_every or max(1, epochs // 10))


def train_sweep(sweep: BatchSweep, budget: int, profile, runner, seeds: list[int]) -> list:
    """Runs per batch size at `budget` (each its own ensemble over the seeds; a longer budget resumes the cached
    shorter runs). On MNIST seed i draws its own training subset (the same one at every batch size): the
    sentences are about models, not one subset."""
    data = sweep.task or DataSpec(profile.mnist, sweep.n_train, None, seed=None)
    return [runner.train(batch_config(sweep.model, data, b, sweep.lr, sweep.epochs(b, budget), sweep.record_every(b)),
                         seeds) for b in sweep.batch_sizes]


def steps_note(sweep: BatchSweep, budget: int) -> str:
    return (f"{sweep.regime} regime, budget {budget}: optimizer steps per batch size "
            f"{ {b: sweep.steps(b, budget) for b in sweep.batch_sizes} }")


REPORT_STEPS = 200  # fixed-epochs gate: the largest batch took at least the fewest steps any report's sweep gave its
                    # largest batch (003: 5 epochs × 60,000 / 1,510 ≈ 200); fewer, and the sweep leaves the reports' regime


def sweep_gates(sweep: BatchSweep, runs: list, budget: int, trained_models: bool) -> tuple[verdict.Gate, ...]:
    """The gates of a sweep's comparisons at `budget`; whether more training would change the answer is
    harness.budget's question, not a gate's.
    - `trained_models` (a sentence about trained models, minima: Keskar et al., Novak et al.): every model at every
      batch size fits its training set (train accuracy >= TRAINED), whatever the regime.
    - MNIST at fixed epochs (the reports' regime, where a large batch trains less by design): every batch size
      took >= REPORT_STEPS steps.
    - Otherwise none: fixed steps train every batch size equally by construction, and 004's function fitting has
      no criterion in 004's words."""
    label = f"fixed {sweep.regime} ({budget})"
    if trained_models:
        trained = np.concatenate([r.train_acc[:, -1] >= TRAINED for r in runs])
        return (verdict.reached(label, float(trained.mean()),
                                f"train accuracy >= {TRAINED} at every batch size (the sentence is about trained "
                                f"models)"),)
    if sweep.task is None and sweep.regime == "epochs":
        met = np.mean([sweep.steps(b, budget) >= REPORT_STEPS for b in sweep.batch_sizes])
        return (verdict.reached(label, float(met), f">= {REPORT_STEPS} optimizer steps at every batch size"),)
    return ()


def measure_members(runner, fn, run, split, fields: tuple[str, ...], *args, **kwargs) -> np.ndarray:
    """fn(config, params, *split fields, *args) per member: all members at once on one shared split, or member by
    member on its own subset (a per-seed split)."""
    if not split.per_member:
        return runner.measure(fn, run.config, run.params, *(getattr(split, f) for f in fields), *args, **kwargs).numpy()
    return np.concatenate([runner.measure(fn, run.config, select_members(run.params, [i]),
                                          *(getattr(split, f)[i] for f in fields), *args, **kwargs).numpy()
                           for i in range(len(run))])
