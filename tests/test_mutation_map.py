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
