"""``use_compiled`` reaches every opinion rule's kernel (model/dynamics/rules.py): a model built
with ``use_compiled=False`` runs each rule's plain-Python twin, and the default its compiled
kernel — never silently the other (issue 13, seventh mutation round: the rules' plumbing was
the one left untested; the runner's, the feed's, the poll's, contagion's and ``Draws``' are
tested the same way). Each rule runs three single steps (``output.every: 1``) of a textbook
scenario with parties off; DeGroot, Friedkin–Johnsen, Hegselmann–Krause and social judgment
use no ``kernel`` of their own and are left out. The voter model's three update schemes each
have a kernel."""

from __future__ import annotations

import pytest

import model.dynamics.rules as rules
from model.config.load import scenario_from_dict
from model.sim import SocialWebModel

BINARY = {"voter", "q_voter", "naming_game", "majority", "sznajd", "holme_newman"}
CASES = [
    ("deffuant", {}, "deffuant_sweep"),
    ("deffuant", {"issues": 2}, "deffuant_sweep_issues"),
    ("algorithmic_bias", {}, "algorithmic_bias_sweep"),
    ("attraction_repulsion", {}, "attraction_repulsion_sweep"),
    ("radicalization", {}, "radicalization_steps"),
    ("q_voter", {}, "q_voter_sweep"),
    ("naming_game", {}, "naming_game_sweep"),
    ("majority", {}, "majority_sweep"),
    ("sznajd", {}, "sznajd_sweep"),
    ("holme_newman", {}, "holme_newman_sweep"),
    ("voter", {"voter_update": "node"}, "voter_sweep"),
    ("voter", {"voter_update": "link"}, "voter_link_sweep"),
    ("voter", {"voter_update": "invasion"}, "voter_invasion_sweep"),
]


def textbook(rule: str, options: dict):
    options = dict(options)
    population = {"citizens": 20, "issues": options.pop("issues", 1)}
    if rule in BINARY:
        population["initial_opinion"] = "binary"
    spec = {
        "steps": 3,
        "parties": {},
        "mobilization": {"enabled": False},
        "population": population,
        "opinion": {"rule": rule, "rate": 1.0, **options},
        "output": {"every": 1},
    }
    if rule == "radicalization":
        spec["network"] = {"kind": "none"}
    return scenario_from_dict(spec)


@pytest.mark.parametrize(("rule", "options", "name"), CASES, ids=[c[2] for c in CASES])
def test_every_rule_runs_the_kernel_path_it_was_asked_for(monkeypatch, rule, options, name):
    sc = textbook(rule, options)
    asked: list = []
    real = rules.kernel

    def spy(name, **kwargs):
        asked.append((name, kwargs.get("use_compiled", "kernel's default")))
        return real(name, **kwargs)

    monkeypatch.setattr(rules, "kernel", spy)
    for flag in (True, False):
        asked.clear()
        SocialWebModel(sc, seed=1, agents="parties", use_compiled=flag).run()
        # one peer-process kernel call a step, on the path asked for; a rule reading posts the
        # bounded-confidence way (``Rule.read``) reads the citizens' posts (citizens post: the
        # feed runs) through ``read_pull``, once a step on the same path; the others never
        peer = [call for call in asked if call[0] != "read_pull"]
        assert peer == [(name, flag)] * 3
        reads = [call for call in asked if call[0] == "read_pull"]
        base = type(rules.make_rule(sc.opinion)).read is rules.Rule.read
        assert reads == ([("read_pull", flag)] * 3 if base else [])


def test_a_rule_made_without_the_flag_runs_compiled():
    """``make_rule(spec)`` and a rule class called directly default to the compiled kernels
    (the plain-Python twins are for tests that ask for them)."""
    spec = textbook("deffuant", {}).opinion
    assert rules.make_rule(spec).use_compiled is True
    assert rules.Deffuant(spec).use_compiled is True
    assert rules.make_rule(spec, use_compiled=False).use_compiled is False
