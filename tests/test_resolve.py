"""Build plan resolution, case by case as the CNB Buildpack API's detection phase states it."""

from __future__ import annotations

import pytest

from gobuildpack.model import PlanOption, Require
from gobuildpack.resolve import Candidate, Unresolvable, resolve


def opt(provides: str = "", requires: str = "") -> PlanOption:
    """An option from space-separated names: opt("a b", "c")."""
    return PlanOption(provides.split(), [Require(n) for n in requires.split()])


def bp(bp_id: str, *options: PlanOption, optional: bool = False) -> Candidate:
    return Candidate(bp_id, optional, options or (opt(),))


def participants(candidates: list[Candidate]) -> list[tuple[str, int]]:
    """(id, index of the chosen option) of each participating buildpack."""
    result = resolve(candidates)
    return [
        (candidates[i].id, list(candidates[i].options).index(option)) for i, option in result.chosen
    ]


CASES = {
    "nothing asked, nothing given": ([bp("a"), bp("b")], [("a", 0), ("b", 0)]),
    "provided earlier": ([bp("a", opt("x")), bp("b", opt("", "x"))], [("a", 0), ("b", 0)]),
    "provided by itself": ([bp("a", opt("x", "x"))], [("a", 0)]),
    "two providers, one requirer": (
        [bp("a", opt("x")), bp("b", opt("x")), bp("c", opt("", "x"))],
        [("a", 0), ("b", 0), ("c", 0)],
    ),
    "optional with unmet require dropped": (
        [bp("a", opt("", "node"), optional=True), bp("b")],
        [("b", 0)],
    ),
    "optional with unused provide dropped": (
        [bp("a", opt("x"), optional=True), bp("b")],
        [("b", 0)],
    ),
    "dropping an optional provider drops its optional requirer": (
        [bp("a", opt("x", "node"), optional=True), bp("b", opt("", "x"), optional=True), bp("c")],
        [("c", 0)],
    ),
    "[[or]]: first option unmet, second chosen": (
        [bp("a", opt("", "node"), opt("x", "x"))],
        [("a", 1)],
    ),
    "[[or]]: first option unused, second feeds a later buildpack": (
        [bp("a", opt("x"), opt("y")), bp("b", opt("", "y"))],
        [("a", 1), ("b", 0)],
    ),
    "[[or]]: later buildpack's alternatives vary first": (
        [bp("a", opt("x"), opt("y")), bp("b", opt("", "z"), opt("", "x"))],
        [("a", 0), ("b", 1)],
    ),
    "[[or]] on an optional: alternatives before dropping": (
        [bp("a", opt("", "node"), opt("", "x"), optional=True), bp("p", opt("x", "x"))],
        # "x" is provided only later, so no option of a works: a is dropped at last
        [("p", 0)],
    ),
    "[[or]] on an optional: an alternative that works keeps it": (
        [bp("p", opt("x")), bp("a", opt("", "node"), opt("", "x"), optional=True)],
        [("p", 0), ("a", 1)],
    ),
}


@pytest.mark.parametrize(("candidates", "expected"), CASES.values(), ids=CASES.keys())
def test_resolves(candidates, expected):
    assert participants(candidates) == expected


FAILURES = {
    "unmet require": (
        [bp("a", opt("", "node"))],
        "buildpack a requires node, which no buildpack in the group provides",
    ),
    "provided only later": (
        [bp("a", opt("", "x")), bp("b", opt("x", "x"))],
        "buildpack a requires x, which only later buildpacks provide (b)",
    ),
    "unused provide": (
        [bp("a", opt("x"))],
        "buildpack a provides x, which neither it nor any later buildpack requires",
    ),
    "required buildpack's provision needed by a dropped optional": (
        [bp("a", opt("x")), bp("b", opt("", "x node"), optional=True)],
        "buildpack a provides x, which neither it nor any later buildpack requires",
    ),
    "no [[or]] alternative works: the first trial's problem is told": (
        [bp("a", opt("", "node"), opt("", "ruby"))],
        "buildpack a requires node, which no buildpack in the group provides",
    ),
}


@pytest.mark.parametrize(("candidates", "message"), FAILURES.values(), ids=FAILURES.keys())
def test_unresolvable(candidates, message):
    with pytest.raises(Unresolvable) as info:
        resolve(candidates)
    assert str(info.value) == message


def test_trials_are_counted_for_the_message():
    with pytest.raises(Unresolvable) as info:
        resolve([bp("a", opt("", "n"), opt("", "m")), bp("b", opt("", "o"), opt("", "p"))])
    assert info.value.trials == 4


def test_entries_name_providers_and_every_requirement():
    mint = Require("x", {"flavour": "mint"})
    plain = Require("x")
    result = resolve(
        [
            Candidate("a", False, (PlanOption(["x"], []),)),
            Candidate("b", False, (PlanOption([], [mint]),)),
            Candidate("c", False, (PlanOption(["x"], [plain]),)),
        ]
    )
    [entry] = result.entries
    assert entry.name == "x"
    assert entry.providers == ["a", "c"]
    assert entry.requires == [mint, plain]


def test_dropped_buildpacks_are_explained():
    result = resolve([bp("a", opt("", "node"), optional=True), bp("b")])
    assert result.dropped == [
        (0, "buildpack a requires node, which no buildpack in the group provides")
    ]
