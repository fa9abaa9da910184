"""Enough training = the answer stopped changing (DESIGN.md "What a verdict means"; no pytest in here).

A variant's checks are decided at its budget B and also at fixed fractions of it (FRACTIONS: ½ B, ¾ B and
B). The budget is enough when every check's status (supports / against / undecided, after Holm across the
variant's checks) is the same at all of those points and no check waits on a gate of the claim's own words
(status "budget": the models are not yet "trained" as the sentence means it). Otherwise the budget grows by
GROWTH, up to the variant's cap: runs of a longer budget resume from the cached shorter ones, so each rung
costs only its extra steps. At the cap, a check whose status still moves gets an unmet gate, so it is
inconclusive (budget), and the gate names the cap and what the next rung would cost.

FRACTIONS, GROWTH and the rule are fixed here, before any verdict seed. Criteria that are the claim's own
words ("trained" = 97.8% training accuracy, "near zero") stay the claim's gates (harness.verdict.reached);
this module answers the other question: would more training change the answer?
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

from harness.record import Record
from harness.train import Runs
from harness.verdict import Check, DesignError, Gate, decide

FRACTIONS = (0.5, 0.75, 1.0)  # where a budget's answer is read: half, three quarters and all of it
GROWTH = 2                    # an unstable budget doubles (the next rung)


@dataclass(frozen=True)
class Point:
    """The variant's checks decided at one budget (steps or epochs, as the claim counts them)."""
    budget: int
    statuses: tuple[str, ...]              # per check, in the order the claim filed them
    effects: tuple[dict | None, ...]       # each check's effect with its interval (Effect.as_dict), or None
    cpu_s: float                           # CPU-seconds this point took here (≈ 0 when served from the cache)


@dataclass(frozen=True)
class Trace:
    """How a variant's answer moved along its budget: what the page's strip and results.json show."""
    names: tuple[str, ...]
    points: tuple[Point, ...]              # every budget evaluated, ascending
    budget: int                            # the budget the checks were decided at
    start: int
    cap: int
    moving: tuple[str, ...]                # checks whose status differs between the last rung's points, or
                                           # that wait on a gate of the claim's words there
    next_cost_s: float | None              # seconds the next rung would train (cap reached, answer moving)

    @property
    def stable(self) -> bool:
        return not self.moving

    def as_dict(self) -> dict[str, Any]:
        return {"budget": self.budget, "start": self.start, "cap": self.cap, "stable": self.stable,
                "moving": list(self.moving), "next_cost_s": self.next_cost_s, "fractions": list(FRACTIONS),
                "checks": [{"name": name, "along": [{"budget": p.budget, "status": p.statuses[i],
                                                     "effect": p.effects[i]} for p in self.points]}
                           for i, name in enumerate(self.names)]}


def training_seconds(value: Any) -> float:
    """The training time recorded with every Runs in `value` (a Runs, or dicts / lists / tuples of them)."""
    if isinstance(value, Runs):
        return float(sum(value.seconds))
    if isinstance(value, dict):
        return sum(training_seconds(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(training_seconds(v) for v in value)
    return 0.0


def rung(budget: int, step: int, fractions: tuple[float, ...] = FRACTIONS) -> list[int]:
    """The budgets at which `budget` is read: each fraction of it, on the claim's record grid (`step`)."""
    if budget < step or budget % step:
        raise ValueError(f"a budget of {budget} is not a positive multiple of the record interval {step}: "
                         f"choose budgets and caps that are")
    points = sorted({max(step, int(round(f * budget / step)) * step) for f in fractions})
    if len(points) < 2:
        raise ValueError(f"a budget of {budget} with records every {step} gives one point only: record more often")
    return points


def _decided(file_checks: Callable[[int, Record], Any], budget: int, clock) -> tuple[list[Check], Any, float]:
    sink = Record("budget point")
    started = clock()
    returned = file_checks(budget, sink)
    spent = clock() - started
    if not sink.checks:
        raise DesignError("the claim filed no check at a budget point: a claim must test something")
    decide(sink.checks)  # annotates each check's status in place (Holm across this point's checks)
    return sink.checks, returned, spent


def until_stable(file_checks: Callable[[int, Record], Any], start: int, cap: int, step: int = 1,
                 clock: Callable[[], float] = time.process_time) -> tuple[list[Check], Any, Trace]:
    """Decide the checks that `file_checks(budget, record)` files, growing the budget until their statuses
    agree at every point of the budget's rung (or the cap is reached).

    `file_checks` trains (or loads, or resumes) the runs for `budget` and files its checks on the record it
    is given; what it returns (the runs, say, for the figures) comes back for the final budget. Returns the
    final budget's checks, annotated, plus a gate on each check that still moved at the cap."""
    if not 0 < start <= cap:
        raise ValueError(f"a budget must start above 0 and at most at its cap: start {start}, cap {cap}")
    seen: dict[int, tuple[list[Check], Any, float]] = {}
    budget = start
    while True:
        points = rung(budget, step)
        for b in points:
            if b not in seen:
                seen[b] = _decided(file_checks, b, clock)
        names = [tuple(c.name for c in seen[b][0]) for b in points]
        if len(set(names)) != 1:
            raise DesignError(f"the claim filed different checks at budgets {points}: {names}; a check must be "
                              f"made at every budget, or the answer cannot be compared along it")
        moving = tuple(name for i, name in enumerate(names[0])
                       if len({seen[b][0][i].status for b in points}) > 1 or seen[budget][0][i].status == "budget")
        if not moving or budget >= cap:
            break
        budget = min(cap, budget * GROWTH)
    checks, returned, _ = seen[budget]
    next_cost = None
    if moving:
        next_budget = budget * GROWTH
        # the runs' own training time to this budget (recorded with them, so right when another variant trained
        # them and they came from the cache here); else this process's time for the points read here
        trained_s = training_seconds(returned)
        per_unit = (trained_s / budget if trained_s > 0
                    else sum(spent for _, _, spent in seen.values()) / max(seen))
        next_cost = round(per_unit * (next_budget - budget), 1)
        for c in checks:
            if c.name in moving:
                along = ", ".join(f"{seen[b][0][names[0].index(c.name)].status} at {b}" for b in points)
                c.requires = c.requires + (Gate(f"budget {budget}", False,
                                                f"the cap is reached and the answer still moves or waits on its "
                                                f"gate ({along}); the next rung, "
                                                f"{next_budget}, would cost ≈ {next_cost:g} s of training here"),)
    trace = Trace(names[0], tuple(Point(b, tuple(c.status for c in seen[b][0]),
                                        tuple(c.evidence.effect.as_dict() if c.evidence.effect else None
                                              for c in seen[b][0]), round(seen[b][2], 3))
                                  for b in sorted(seen)),
                  budget, start, cap, moving, next_cost)
    return checks, returned, trace


def file_until_stable(record: Record, file_checks: Callable[[int, Record], Any], start: int, cap: int,
                      step: int = 1) -> Any:
    """`until_stable`, filing the final budget's checks on `record` and its trace for the page. `file_checks`
    must only train and file checks (figures and settings go on `record` after, from what it returns).

    A smoke run (record.smoke: a few steps of two seeds, to see that the code runs) files its checks once, at
    the start budget: its numbers decide nothing, and two seeds could not be decided at any point."""
    if record.smoke:
        return file_checks(start, record)
    checks, returned, trace = until_stable(file_checks, start, cap, step)
    record.checks.extend(checks)
    record.budget_trace = trace
    return returned
