"""Build plan resolution: which buildpacks of a group take part, and who provides what to whom.

The rules are the CNB Buildpack API's ("Phase #1: Detection"), applied to the buildpacks that
passed detection, in group order. Each buildpack offers one or more *options* (its own
``provides``/``requires`` pairing, then each ``[[or]]`` alternative in order). A *trial* picks one
option per buildpack; trials are tried left to right, depth first (the last buildpack's options
vary fastest), and the first that resolves wins. In a trial:

* a requirement must be provided by the same buildpack or an earlier one;
* a provision must be required by the same buildpack or a later one;
* an *optional* buildpack that breaks either rule is dropped (with its requires and provides) and
  the trial is checked again; a required one fails the trial. A buildpack with ``[[or]]``
  alternatives counts as optional only on its last option, so its alternatives are tried before
  it is dropped.

The result names, for every dependency, its providers and the requirements on it: the Buildpack
Plan of a buildpack is every requirement on what it provides.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from gobuildpack.model import PlanEntry, PlanOption


@dataclass(frozen=True)
class Candidate:
    """A buildpack that passed detection, with its plan options (its own first)."""

    id: str
    optional: bool
    options: tuple[PlanOption, ...]


@dataclass
class Resolution:
    """The participating buildpacks (indexes into the candidates) and the resolved plan."""

    chosen: list[tuple[int, PlanOption]]
    entries: list[PlanEntry]
    dropped: list[tuple[int, str]] = field(default_factory=list)  # (candidate, why)


@dataclass(frozen=True)
class Problem:
    """Why a trial failed: a required buildpack with an unmet require or an unused provide."""

    kind: str  # "requires" | "provides"
    buildpack: str
    name: str
    others: tuple[str, ...]  # for requires: who provides it later; for provides: who required it

    def message(self) -> str:
        if self.kind == "requires":
            if self.others:
                return (
                    f"buildpack {self.buildpack} requires {self.name}, which only later buildpacks "
                    f"provide ({', '.join(self.others)})"
                )
            return (
                f"buildpack {self.buildpack} requires {self.name}, "
                "which no buildpack in the group provides"
            )
        return (
            f"buildpack {self.buildpack} provides {self.name}, which neither it nor any later "
            "buildpack requires"
        )

    def hint(self) -> str:
        if self.kind == "requires":
            if self.others:
                return (
                    f"put {self.others[0]} before {self.buildpack} in the group "
                    "(project.toml [[io.buildpacks.group]])"
                )
            return "add a buildpack that provides it, or remove the one that requires it"
        return (
            f"make {self.buildpack} also require {self.name} (a buildpack may require what it "
            "provides), or drop it from its provides, or mark the buildpack optional"
        )


class Unresolvable(Exception):
    """No trial resolves; ``problem`` is why the first trial (every buildpack's own plan) failed."""

    def __init__(self, problem: Problem, trials: int) -> None:
        super().__init__(problem.message())
        self.problem = problem
        self.trials = trials


@dataclass
class _Member:
    index: int
    id: str
    optional: bool
    option: PlanOption


def _check(members: list[_Member]) -> tuple[list[Problem], list[PlanEntry]]:
    """Find unmet requires and unused provides of one trial, in group order."""
    problems: list[Problem] = []
    entries: dict[str, PlanEntry] = {}
    pending: dict[str, list[_Member]] = {}  # provides not yet required, by name
    for member in members:
        for name in member.option.provides:
            pending.setdefault(name, []).append(member)
        for require in member.option.requires:
            entry = entries.setdefault(require.name, PlanEntry(require.name))
            waiting = pending.pop(require.name, [])
            entry.providers += [m.id for m in waiting if m.id not in entry.providers]
            if entry.providers:
                entry.requires.append(require)
            else:
                later = tuple(
                    m.id
                    for m in members[members.index(member) + 1 :]
                    if require.name in m.option.provides
                )
                problems.append(Problem("requires", member.id, require.name, later))
    for name, waiting in pending.items():
        for member in waiting:
            problems.append(Problem("provides", member.id, name, ()))
    order = {m.id: i for i, m in enumerate(members)}
    problems.sort(key=lambda p: (order[p.buildpack], p.kind != "requires"))
    return problems, [e for e in entries.values() if e.providers]


def _run_trial(members: list[_Member]) -> tuple[list[_Member], list[PlanEntry], list[Problem]]:
    """Drop optional offenders until the trial is clean; return what is left, or the problem."""
    dropped: list[Problem] = []
    while True:
        problems, entries = _check(members)
        if not problems:
            return members, entries, dropped
        fatal = [p for p in problems if not _by_id(members, p.buildpack).optional]
        if fatal:
            raise _TrialFailed(fatal[0])
        offenders = {p.buildpack for p in problems}
        dropped += [p for p in problems if p.buildpack in offenders]
        members = [m for m in members if m.id not in offenders]


def _by_id(members: list[_Member], buildpack: str) -> _Member:
    return next(m for m in members if m.id == buildpack)


class _TrialFailed(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message())
        self.problem = problem


def resolve(candidates: Sequence[Candidate]) -> Resolution:
    """Find the first trial that resolves; raise :class:`Unresolvable` when none does."""
    choices = [list(enumerate(c.options)) for c in candidates]
    first_problem: Problem | None = None
    trials = 0
    for trial in itertools.product(*choices):
        trials += 1
        members = [
            _Member(
                index=i,
                id=candidates[i].id,
                optional=candidates[i].optional and n == len(candidates[i].options) - 1,
                option=option,
            )
            for i, (n, option) in enumerate(trial)
        ]
        try:
            kept, entries, dropped = _run_trial(members)
        except _TrialFailed as failed:
            first_problem = first_problem or failed.problem
            continue
        by_id = {c.id: i for i, c in enumerate(candidates)}
        return Resolution(
            chosen=[(m.index, m.option) for m in kept],
            entries=entries,
            dropped=[(by_id[p.buildpack], p.message()) for p in dropped],
        )
    assert first_problem is not None  # product() yields at least one trial
    raise Unresolvable(first_problem, trials)


def buildpack_plan(entries: Sequence[PlanEntry], buildpack: str) -> list[PlanEntry]:
    """The entries ``buildpack`` provides, whose requirements make its Buildpack Plan."""
    return [e for e in entries if buildpack in e.providers]
