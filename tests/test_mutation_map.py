"""scripts/mutation's module → tests map names real files (a renamed test file would silently
drop a module's mutants to "no tests")."""

from __future__ import annotations

import importlib.util

from tests.conftest import ROOT


def _driver():
    spec = importlib.util.spec_from_file_location(
        "mutation_run", ROOT / "scripts" / "mutation_run.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_module_and_test_file_in_the_mutation_map_exists():
    modules = _driver().MODULES
    scope = {"model/rng.py", "model/metrics.py", "model/comparison.py", "model/sweeps.py"}
    assert scope <= set(modules)
    assert any(m.startswith("model/dynamics/") for m in modules)
    for module, tests in modules.items():
        assert (ROOT / module).is_file(), module
        assert tests, f"{module} has no tests"
        for test in tests:
            assert (ROOT / test).is_file(), f"{module}: {test} does not exist"


def test_every_deselected_slow_test_exists_and_is_left_out_of_the_selection():
    """DESELECT names tests by node id: a renamed test would silently run again over every
    survivor. Each id's file and function exist (parametrized ids by their base name), and the
    selection mutmut gets passes each one to pytest's --deselect."""
    driver = _driver()
    args = driver.selection(["tests/test_rng_keyed.py"])
    assert args[0] == "tests/test_rng_keyed.py"
    assert args[1:] == [a for t in driver.DESELECT for a in ("--deselect", t)]
    for node in driver.DESELECT:
        path, _, name = node.partition("::")
        assert (ROOT / path).is_file(), node
        assert f"def {name.split('[')[0]}(" in (ROOT / path).read_text(), node
