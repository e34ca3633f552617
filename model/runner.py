"""One run → :class:`RunResult`: the tidy time series, the summary and the final state.

>>> from model import load_scenario, run
>>> result = run(load_scenario("scenarios/champion_driven.yaml"), seed=1)
>>> result.timeseries.query("metric == 'vote_share'")   # tidy pandas DataFrame
>>> result.summary["final"]["vote_share"]                # same numbers the CLI writes
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config import ConfigError, Scenario, limits
from model.config import load_scenario as _load_scenario
from model.config.load import apply_overrides, scenario_from_dict, scenario_to_dict
from model.config.plan import CHANNELS
from model.config.survey import SurveyError
from model.config.survey import check as check_survey
from model.network.graphfile import node_traits
from model.network.io import EdgeListError, read_edge_list, read_indices, read_values
from model.population import (
    PARTY_SOURCES,
    ROLE_NAMES,
    SOURCE_MOVEMENT,
    SOURCE_NAMES,
    SOURCE_NEWS,
)
from model.sim import SocialWebModel

TIDY_COLUMNS = ["step", "metric", "party", "source_type", "value"]


def check_files(scenario: Scenario, source: str) -> None:
    """Read the files a scenario names (edge list, thresholds) now, so errors come first, and
    refuse a scenario whose run would not fit in memory (``model.config.limits``)."""
    limits.check_runs([scenario], source=source)
    key = "network.path"
    try:
        if scenario.network.kind == "edge_list":
            read_edge_list(scenario.network.path, scenario.population.citizens)
        if scenario.network.kind == "graph_file":
            node_traits(scenario.network, scenario.population.citizens, list(scenario.parties))
        key = "population.survey.source"
        if scenario.population.survey.source:
            check_survey(scenario)
        key = "mobilization.thresholds_path"
        if scenario.mobilization.thresholds_path:
            read_values(
                scenario.mobilization.thresholds_path,
                scenario.population.citizens,
                low=0.0,
                high=1.0,
            )
        key = "opinion.zealots.path"
        if scenario.opinion.zealots.path:
            read_indices(scenario.opinion.zealots.path, scenario.population.citizens)
    except (EdgeListError, SurveyError) as err:
        raise ConfigError([f"{err.file}: {err.message} ({key} of {source})"]) from None


def load_scenario(
    path: str | Path,
    overrides: Mapping[str, Any] | Iterable[str] | None = None,
) -> Scenario:
    """Load and check a scenario file (schema, consistency and the files it names).

    Args:
        path: a scenario YAML file.
        overrides: dotted-path overrides, ``{"parties.blue.champions.guidance": 0.5}`` or
            ``["parties.blue.champions.guidance=0.5"]``.

    Raises:
        ConfigError: one ``FILE: key.path: expected …, got …`` line per problem.
    """
    scenario = _load_scenario(path, overrides)
    check_files(scenario, str(path))
    return scenario


def override(scenario: Scenario, **changes: Any) -> Scenario:
    """A checked copy with dotted-path changes: ``override(s, **{"feed.attention": 5})``."""
    data = apply_overrides(scenario_to_dict(scenario), changes)
    out = scenario_from_dict(data, source=f"<{scenario.name}>")
    check_files(out, f"<{scenario.name}>")
    return out


def election_day_only(scenario: Scenario) -> Scenario:
    """The scenario recording its metrics only at the start and on election day, without
    plots: for runs of which only the final outcomes are kept (the dynamics are unchanged)."""
    output = dataclasses.replace(scenario.output, every=scenario.steps, plots=False)
    return dataclasses.replace(scenario, output=output)


@dataclass
class RunResult:
    """What one run produced."""

    scenario: Scenario
    seed: int
    # tidy: step, metric, party, source_type, value (None when ``run`` was asked for none)
    timeseries: pd.DataFrame | None
    summary: dict[str, Any]
    final_opinions: np.ndarray  # citizens' final opinions on the first issue
    agents: pd.DataFrame | None  # per person (when requested)
    wall_time: float

    def series(self, metric: str, party: str = "", source_type: str = "") -> pd.Series:
        """One metric over time, indexed by step."""
        ts = self.timeseries
        sel = ts[(ts.metric == metric) & (ts.party == party) & (ts.source_type == source_type)]
        return sel.set_index("step")["value"]


def tidy(model: SocialWebModel) -> pd.DataFrame:
    """The DataCollector's wide table as tidy rows (step, metric, party, source_type, value)."""
    wide = model.datacollector.get_model_vars_dataframe()
    steps = np.asarray(model.recorded_steps, dtype=np.int32)
    columns = [c for c in wide.columns if c.count("|") == 2]  # not the "seed" reporter
    keys = [c.split("|") for c in columns]
    # column by column, every recorded step: one frame instead of one per metric (the string
    # columns are lists, so pandas infers their dtype as it did for one frame per metric)
    values = wide[columns].to_numpy(dtype=np.float64).T.reshape(-1)
    out = pd.DataFrame(
        {
            "step": np.tile(steps, len(columns)),
            "metric": [k[0] for k in keys for _ in steps],
            "party": [k[1] for k in keys for _ in steps],
            "source_type": [k[2] for k in keys for _ in steps],
            "value": values,
        }
    )
    return out.sort_values(
        ["step", "metric", "party", "source_type"], kind="stable", ignore_index=True
    )[TIDY_COLUMNS]


def summarize(model: SocialWebModel) -> dict[str, Any]:
    """The summary: seed, size and the final (election-day) outcomes."""
    m = model.metrics
    names = model.parties.names
    vote = {p: m[("vote_share", p, "")] for p in names}
    # share of voice over the whole campaign (all posts read in every step), not one noisy step
    totals = model.voice_totals
    shares = totals / totals.sum() if totals.sum() > 0 else totals
    width = len(SOURCE_NAMES)
    voice_by_source = {
        p: {s: float(shares[(k + 1) * width + j]) for j, s in PARTY_SOURCES}
        for k, p in enumerate(names)
    }
    cost = {p: m[("cumulative_cost", p, "")] for p in names}
    ranked = sorted(names, key=lambda p: vote[p], reverse=True)
    final = {
        "vote_share": vote,
        "turnout": m[("turnout", "", "")],
        "abstention": m[("abstention", "", "")],
        "mean_opinion": m[("mean_opinion", "", "")],
        "polarization": m[("polarization", "", "")],
        "bimodality": m[("bimodality", "", "")],
        "clusters": int(m[("clusters", "", "")]),
        "largest_cluster": m[("largest_cluster", "", "")],
        "engaged": m[("engaged", "", "")],
        "share_of_voice": {p: sum(voice_by_source[p].values()) for p in names},
        "share_of_voice_by_source": voice_by_source,
        "share_of_voice_citizens": float(shares[0]),
        "share_of_voice_news": float(shares[SOURCE_NEWS]),
        "share_of_voice_movement": float(shares[SOURCE_MOVEMENT]),
        "movement_members": m[("movement_members", "", "")],
        "reach": {p: m[("reach", p, "")] for p in names},
        "active_champions": {p: int(m[("active_champions", p, "")]) for p in names},
        "burnouts": {p: int(m[("burnouts", p, "")]) for p in names},
        "recruits": {p: int(m[("recruits", p, "")]) for p in names},
        "cost": cost,
        # money is per 1,000 citizens over the run (docs/MODEL.md, "Budgets")
        "spend_by_channel": {
            p: dict(zip(CHANNELS, model.spend_total[k].tolist(), strict=True))
            for k, p in enumerate(names)
        },
        "planned_by_channel": {
            p: dict(zip(CHANNELS, model.planned_total[k].tolist(), strict=True))
            for k, p in enumerate(names)
        },
        **{
            f"spend_{c}": {p: float(model.spend_total[k, j]) for k, p in enumerate(names)}
            for j, c in enumerate(CHANNELS)
        },
        "planned": {p: float(model.planned_total[k].sum()) for k, p in enumerate(names)},
        "underspend": {
            p: float(model.planned_total[k].sum() - model.spend_total[k].sum())
            for k, p in enumerate(names)
        },
        # an average (total spend / vote points), not the incremental cost of the comparison
        "average_cost_per_vote_point": {
            p: (cost[p] / (100 * vote[p]) if vote[p] > 0 and cost[p] > 0 else None) for p in names
        },
        "party_line": {p: m[("party_line", p, "")] for p in names},
        # opinion movement caused over the campaign, per citizen, by sender (docs/MODEL.md,
        # step 7), and the parties' share of it
        "influence": {p: m[("influence", p, "")] for p in names},
        # several election cycles (election.cycle > 0): each election's vote shares and wins
        "elections_won": {p: int(m[("elections_won", p, "")]) for p in names},
        "elections": [dict(zip(names, v.tolist(), strict=True)) for v in model.elections],
        "influence_citizens": m[("influence", "", "citizen")],
        "influence_news": m[("influence", "", "news")],
        "party_influence_share": m[("party_influence_share", "", "")],
    }
    if (trial := model.trial_effects()) is not None:  # a randomized experiment (trial.party)
        final["trial"] = trial
    return {
        "scenario": model.config.name,
        "seed": model.seed,
        "steps": model.step_count,
        "citizens": model.population.citizens,
        "parties": names,
        "winner": ranked[0] if ranked else None,
        "margin": (vote[ranked[0]] - vote[ranked[1]]) if len(ranked) > 1 else None,
        "final": final,
    }


def agent_table(model: SocialWebModel) -> pd.DataFrame:
    """Per person: row, role, party, degree, engaged and final opinion per issue."""
    pop = model.population
    names = np.array([*model.parties.names, ""], dtype=object)
    frame = pd.DataFrame(
        {
            "person": np.arange(pop.n),
            "role": np.array(ROLE_NAMES, dtype=object)[pop.role],
            "party": names[pop.party],  # -1 indexes the trailing ""
            "degree": model.graph.degree,
            "engaged": pop.engaged.copy(),
        }
    )
    for k in range(pop.x.shape[1]):
        frame[f"opinion_{k}"] = pop.x[:, k]
    return frame


def run(
    scenario: Scenario,
    *,
    seed: int | None = None,
    steps: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    agents: bool | None = None,
    use_compiled: bool = True,
    timeseries: bool = True,
    **model_inputs: Any,
) -> RunResult:
    """Run one scenario.

    Args:
        scenario: a loaded scenario.
        seed: overrides ``scenario.seed``.
        steps: overrides ``scenario.steps``.
        progress: called as ``progress(done, total)`` after each step (after each chunk of
            steps run in one call: ``SocialWebModel.run``).
        agents: include the per-person table (default: ``scenario.output.agents``).
        use_compiled: use the numba kernels (False: their Python twins).
        timeseries: build the tidy time series (False: ``timeseries`` is None; a sweep keeps
            only the summary, and the table costs a few milliseconds a run).
        model_inputs: ``opinions``, ``thresholds`` or ``graph`` for :class:`SocialWebModel`.
    """
    if steps is not None:
        scenario = dataclasses.replace(scenario, steps=int(steps))
    seed = scenario.seed if seed is None else int(seed)
    scenario = dataclasses.replace(scenario, seed=seed)
    start = time.perf_counter()
    model = SocialWebModel(
        scenario, seed=seed, agents="parties", use_compiled=use_compiled, **model_inputs
    )
    model.run(progress=progress)
    want_agents = scenario.output.agents if agents is None else agents
    return RunResult(
        scenario=scenario,
        seed=seed,
        timeseries=tidy(model) if timeseries else None,
        summary=summarize(model),
        final_opinions=model.population.x[: model.population.citizens, 0].copy(),
        agents=agent_table(model) if want_agents else None,
        wall_time=time.perf_counter() - start,
    )
