"""socialweb: an agent-based simulator of political parties, citizens and champions online.

Public API::

    from model import load_scenario, run, compare
    scenario = load_scenario("scenarios/champion_driven.yaml",
                             {"parties.blue.champions.guidance": 0.5})
    result = run(scenario, seed=1)          # RunResult: .timeseries (tidy DataFrame), .summary
    comp = compare([load_scenario(p) for p in paths], replicates=10, seed=0, jobs=2)
    runs = sweep(load_experiment("experiments/equal_budget_frontier.yaml"), out="results/f")
    found = analyze("results/f")            # .summary, .sobol, .frontier: DataFrames

Names are imported on first use (PEP 562), so ``socialweb --help`` does not pay for NumPy,
pandas and Mesa. No submodule shares a name with a function here (``run`` lives in
``model.runner``, ``compare`` in ``model.comparison``, ``sweep`` in ``model.report``): importing a
submodule sets it as an attribute of the package, which would shadow the function.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "Comparison": "model.comparison",
    "compare": "model.comparison",
    "ConfigError": "model.config",
    "Scenario": "model.config",
    "scenario_from_dict": "model.config",
    "RunResult": "model.runner",
    "load_scenario": "model.runner",
    "override": "model.runner",
    "run": "model.runner",
    "SocialWebModel": "model.sim",
    "Experiment": "model.config.experiment",
    "load_experiment": "model.config.experiment",
    "sweep": "model.report",  # sweeps.sweep, finishing the folder (runs.parquet) like the CLI
    "analyze": "model.analysis",
    "Analysis": "model.analysis",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
