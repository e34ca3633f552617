"""socialweb: an agent-based simulator of political parties, citizens and champions online.

Public API::

    from model import load_scenario, run, compare
    scenario = load_scenario("scenarios/champion_driven.yaml",
                             {"parties.blue.champions.guidance": 0.5})
    result = run(scenario, seed=1)          # RunResult: .timeseries (tidy DataFrame), .summary
    comp = compare([load_scenario(p) for p in paths], replicates=10, seed=0, jobs=2)
"""

from model.compare import Comparison, compare
from model.config import ConfigError, Scenario, scenario_from_dict
from model.run import RunResult, load_scenario, override, run
from model.sim import SocialWebModel

__all__ = [
    "Comparison",
    "ConfigError",
    "RunResult",
    "Scenario",
    "SocialWebModel",
    "compare",
    "load_scenario",
    "override",
    "run",
    "scenario_from_dict",
]
