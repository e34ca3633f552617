"""Dependencies point one way (docs/ARCHITECTURE.md); heavy libraries stay where they belong."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "model"
# leftmost first; a module may import from its own layer or layers to its left
LAYERS = [
    {"config"},
    {"rng", "jit", "pool"},
    {"network"},
    {"population"},
    {"dynamics"},
    {"metrics"},
    {"sim", "agents", "warm"},
    {"store"},
    {"runner"},
    {"comparison", "contrasts"},
    {"sweeps"},
    {"analysis"},
    {
        "plots",
        "validation",
        "animate",
        "robustness",
        "game",
        "robust",
        "essay",
        "calibrate",
        "abc_fit",
    },
    {"report"},
    {"progress", "docs"},
    {"cli", "__main__", "__init__", "app"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}
MODULES = sorted(PACKAGE.rglob("*.py"))


def unit(path: Path) -> str:
    """The layer unit of a module: its first path component under model/ (without .py)."""
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def test_every_module_has_a_layer():
    assert {unit(p) for p in MODULES} <= set(LAYER)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_left(path):
    here = LAYER[unit(path)]
    for name in imports(path):
        if name.startswith("model."):
            target = name.split(".")[1]
            assert LAYER[target] <= here, f"{path.name} imports {name} (a layer to its right)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_heavy_imports_stay_in_their_modules(path):
    names = imports(path)
    if any(n == "mesa" or n.startswith("mesa.") for n in names):
        assert unit(path) in {"sim", "agents", "app"}  # app: a Mesa model
    if any(n.startswith("matplotlib") for n in names):
        assert LAYER[unit(path)] >= LAYER["plots"]
    assert "random" not in names, "use numpy Generators from model.rng, not the random module"


def test_no_global_numpy_random_state():
    for path in MODULES:
        text = path.read_text(encoding="utf-8")
        if path.name == "abc_fit.py":  # pyabc draws proposals from the global state only:
            # each ABC task seeds it by its keyed seed and restores it (abc_fit._one_particle)
            text = text.replace("np.random.seed(seed)  # noqa: NPY002", "", 1)
        for bad in (
            "np.random.seed",
            "np.random.rand(",
            "np.random.randint",
            "np.random.random(",
            "np.random.normal",
            "np.random.uniform",
            "np.random.choice",
        ):
            assert bad not in text, f"{path.name} uses global random state ({bad})"


def test_cli_help_imports_no_heavy_modules():
    import subprocess
    import sys

    code = (
        "import sys; from model.cli import build_parser; build_parser().format_help(); "
        "print(','.join(m for m in ('numpy','pandas','mesa','matplotlib','numba') "
        "if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    assert out == ""


def test_parameter_docs_are_generated_from_the_schema():
    from model.docs import parameter_table

    assert (ROOT / "docs" / "PARAMETERS.md").read_text(encoding="utf-8") == parameter_table(), (
        "docs/PARAMETERS.md is stale: regenerate with `socialweb params > docs/PARAMETERS.md`"
    )


def test_public_api_names_are_functions_even_after_every_submodule_is_imported():
    import subprocess
    import sys

    code = (
        "import model.report, model.cli, model.validation; "
        "from model import run, compare, sweep, analyze, load_scenario, load_experiment; "
        "import inspect; "
        "print(all(inspect.isfunction(f) for f in (run, compare, sweep, analyze, load_scenario, "
        "load_experiment)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    ).stdout.strip()
    assert out == "True"
