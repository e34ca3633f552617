"""Scenario specs and their loader."""

from model.config.load import (
    ConfigError,
    load_scenario,
    scenario_from_dict,
    scenario_to_dict,
    with_overrides,
)
from model.config.schema import (
    ChampionSpec,
    ElectionSpec,
    FeedSpec,
    InstitutionSpec,
    MobilizationSpec,
    NetworkSpec,
    OpinionSpec,
    OutputSpec,
    PartySpec,
    PopulationSpec,
    Scenario,
    StaffSpec,
)

__all__ = [
    "ChampionSpec",
    "ConfigError",
    "ElectionSpec",
    "FeedSpec",
    "InstitutionSpec",
    "MobilizationSpec",
    "NetworkSpec",
    "OpinionSpec",
    "OutputSpec",
    "PartySpec",
    "PopulationSpec",
    "Scenario",
    "StaffSpec",
    "load_scenario",
    "scenario_from_dict",
    "scenario_to_dict",
    "with_overrides",
]
