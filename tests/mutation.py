"""Mutation testing (`make mutation`): the tests that killed a function's other mutants run first.

mutmut runs each mutant's tests fastest first and stops at the first failure, but the fastest
tests are seldom the ones that notice a fault: a mutant of the permission rules ran 68 tests of 96
before one failed. A mutant is most likely killed by a test that killed another mutant of the same
function, or failing that of the same module, so every test that fails under a mutant is written
down (in mutants/, beside mutmut's own results) and the next mutants of that function run those
tests first, in the order of how many mutants each killed. It only orders the tests: a mutant that
survives still runs every one of them, so no result depends on it. Outside a mutant's session
(`make test`, mutmut's own clean and stats runs) nothing here does anything.
"""

import os
from collections import Counter
from pathlib import Path

KILLERS = Path("mutmut-killers.tsv")  # relative to mutants/, where mutmut runs the tests


def mutant_under_test():
    name = os.environ.get("MUTANT_UNDER_TEST", "")
    return name if "__mutmut_" in name else None


def per_test_while_mapping(fixture_name, config):
    """The scope of a module-scoped fixture that calls code under mutation (an export made once
    for a file's tests): per test while mutmut maps which tests reach which function (its
    "stats" run), per module otherwise. Made once, the call was credited to the first test only,
    so the file's other tests never ran against that code's mutants."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"


def _function(mutant):
    return mutant.rpartition("__mutmut_")[0]


def _module(function):
    # reporting.rules.x_name, dashboard.selectors.xǁDashboardǁmoves → the module's dotted name
    return function.partition(".xǁ")[0] if ".xǁ" in function else function.rpartition(".")[0]


def order_killers_first(items):
    mutant = mutant_under_test()
    if mutant is None or not KILLERS.exists():
        return
    function = _function(mutant)
    module = _module(function)
    # Kills by this function's mutants and by the module's, counted per test, per test function
    # (all its parameters) and per test file: a file that notices faults in a module is the
    # likeliest to notice the next one.
    kills = {scope: Counter() for scope in ("function", "module")}
    for line in KILLERS.read_text(encoding="utf-8").splitlines():
        killed_function, _, nodeid = line.partition("\t")
        scopes = ["module"] + (["function"] if killed_function == function else [])
        if _module(killed_function) != module:
            continue
        for scope in scopes:
            for group in _groups(nodeid):
                kills[scope][group] += 1

    def rank(item):
        groups = _groups(item.nodeid)
        return (
            # Transactional tests stay last, where pytest-django put them: they empty every table.
            "transactional_db" in item.fixturenames,
            *(-kills[scope][group] for scope in ("function", "module") for group in groups),
        )

    # sorted() is stable: tests that never killed anything keep mutmut's fastest-first order.
    items[:] = sorted(items, key=rank)


def _groups(nodeid):
    """The test, its test function (all parameters) and its file."""
    return nodeid, nodeid.partition("[")[0], nodeid.partition("::")[0]


def record_killer(report):
    mutant = mutant_under_test()
    if mutant is None or not report.failed:
        return
    # One short line in append mode: the two sessions running at once never mix their lines.
    with KILLERS.open("a", encoding="utf-8") as killers:
        killers.write(f"{_function(mutant)}\t{report.nodeid}\n")
