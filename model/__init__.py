"""socialweb: an agent-based simulator of political parties, citizens and champions online.

Public API::

    from model import load_scenario, run, compare
    scenario = load_scenario("scenarios/champion_driven.yaml",
                             {"parties.blue.champions.guidance": 0.5})
    result = run(scenario, seed=1)          # RunResult: .timeseries (tidy DataFrame), .summary
    comp = compare([load_scenario(p) for p in paths], replicates=10, seed=0, jobs=2)

Names are imported on first use (PEP 562), so ``socialweb --help`` does not pay for NumPy,
pandas and Mesa.
"""

from importlib import import_module
from typing import Any

_WHERE = {
    "Comparison": "model.compare",
    "compare": "model.compare",
    "ConfigError": "model.config",
    "Scenario": "model.config",
    "scenario_from_dict": "model.config",
    "RunResult": "model.run",
    "load_scenario": "model.run",
    "override": "model.run",
    "run": "model.run",
    "SocialWebModel": "model.sim",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
