"""Committed citizens (``opinion.zealots``, model.dynamics.zealots): chosen reproducibly, never
moved by any rule, read or pull, and still in the pool others meet and copy."""

from __future__ import annotations

import numpy as np
import pytest

from model.config import ConfigError, scenario_from_dict
from model.dynamics.kernels import NO_DRAWS, NO_KEYS, NO_WORK, NOT_FROZEN, kernel
from model.network.csr import from_edges
from model.population import CHAMPION, STAFF
from model.sim import SocialWebModel
from tests.conftest import per_1000, small


def textbook(rule: str, n: int = 60, steps: int = 30, zealots=None, **opinion):
    return scenario_from_dict(
        {
            "steps": steps,
            "parties": {},
            "mobilization": {"enabled": False},
            "network": {"kind": "complete"},
            "population": {
                "citizens": n,
                "openness_spread": 0.0,
                "openness": 2.0,
                "rejection": 2.0,
            },
            "opinion": {"rule": rule, "rate": 0.5, "zealots": zealots or {}, **opinion},
        }
    )


def test_shares_are_rounded_counts_set_at_their_side_and_keyed_by_seed():
    sc = textbook("deffuant", n=200, zealots={"share_plus": 0.03, "share_minus": 0.05})
    a, b = (SocialWebModel(sc, seed=s, agents="parties") for s in (4, 4))
    c = SocialWebModel(sc, seed=5, agents="parties")
    x = a.population.x[:200, 0]
    assert a.committed.sum() == 6 + 10
    assert np.sum(x[a.committed] == 1.0) == 6 and np.sum(x[a.committed] == -1.0) == 10
    np.testing.assert_array_equal(a.committed, b.committed)
    assert not np.array_equal(a.committed, c.committed)


@pytest.mark.parametrize(
    "rule, extra",
    [
        ("deffuant", {}),
        ("voter", {"voter_update": "node"}),
        ("voter", {"voter_update": "link"}),
        ("voter", {"voter_update": "invasion"}),
        ("hegselmann_krause", {}),
        ("degroot", {}),
        ("friedkin_johnsen", {"susceptibility": 0.8}),
    ],
)
def test_committed_citizens_never_move_while_the_others_do(rule, extra):
    """Every classic rule on the complete graph with openness 2 (everyone meets everyone): the
    free citizens' opinions change, the committed ones' (at their own initial opinion) do
    not. Without the mechanism, averaging or copying would move them within a step."""
    sc = textbook(rule, zealots={"share_own": 0.2}, **extra)
    model = SocialWebModel(sc, seed=11, agents="parties")
    x0 = model.population.x[:60, 0].copy()
    committed = model.committed[:60]
    for _ in range(sc.steps):
        model.step()
    x = model.population.x[:60, 0]
    np.testing.assert_array_equal(x[committed], x0[committed])
    assert np.any(x[~committed] != x0[~committed])


def test_a_single_zealot_converts_everyone_because_it_stays_in_the_pool():
    """Mobilia 2003: one zealot at +1 among voters at -1 ends at consensus on +1. A zealot
    outside the pool (never copied) leaves everyone at -1; a zealot that can be converted is lost
    at once."""
    sc = scenario_from_dict(
        {
            "steps": 400,
            "parties": {},
            "mobilization": {"enabled": False},
            "network": {"kind": "complete"},
            "population": {"citizens": 30, "initial_opinion": "binary", "positive_share": 0.0},
            "opinion": {"rule": "voter", "zealots": {"share_plus": 1 / 30}},
        }
    )
    model = SocialWebModel(sc, seed=2, agents="parties")
    model.run()
    assert np.all(model.population.x[:30, 0] == 1.0)


def test_reads_do_not_move_a_committed_reader_nor_count_as_influence():
    """Social judgment with parties and no peer process of its own: committed citizens keep
    their opinions although, in the same world without the switch, the very same citizens are
    moved by what they read; the influence attributed to parties shrinks accordingly."""
    n = 300
    committed_world = SocialWebModel(
        small(opinion={"zealots": {"share_own": 0.5}}), seed=3, agents="parties"
    )
    free_world = SocialWebModel(small(), seed=3, agents="parties")
    committed = committed_world.committed[:n]
    x0 = committed_world.population.x[:n].copy()
    np.testing.assert_array_equal(free_world.population.x[:n], x0)  # same world at the start
    committed_world.run()
    free_world.run()
    x, x_free = committed_world.population.x[:n], free_world.population.x[:n]
    assert np.any(x_free[committed] != x0[committed])  # reading moves them when not committed
    np.testing.assert_array_equal(x[committed], x0[committed])
    assert np.any(x[~committed] != x0[~committed])
    assert committed_world.influence[2:].sum() < free_world.influence[2:].sum()


def test_champions_committed_keep_their_opinion_while_champions():
    sc = small(opinion={"zealots": {"champions": True}, "rate": 0.2})
    model = SocialWebModel(sc, seed=8, agents="parties")
    for _ in range(10):
        champs = np.flatnonzero(model.population.role == CHAMPION)
        before = model.population.x[champs].copy()
        model.step()
        still = model.population.role[champs] == CHAMPION
        assert champs.size and still.any()
        np.testing.assert_array_equal(model.population.x[champs[still]], before[still])


def test_champions_not_committed_do_move():
    """The same world without the switch: champions' opinions change (so the test above tests
    the switch, not a world where champions never move)."""
    model = SocialWebModel(small(opinion={"rate": 0.2}), seed=8, agents="parties")
    champs = np.flatnonzero(model.population.role == CHAMPION)
    before = model.population.x[champs].copy()
    for _ in range(10):
        model.step()
    assert np.any(model.population.x[champs] != before)


def _staff_world(staff: bool):
    return scenario_from_dict(
        {
            "steps": 40,
            "mobilization": {"enabled": False},
            "population": {"citizens": 200, "initial_opinion": "binary", "positive_share": 0.0},
            "network": {"mean_degree": 6},
            # rate 0: party posts move nobody, so only the peer process can spread +1
            "opinion": {"rule": "voter", "rate": 0.0, "zealots": {"staff": staff}},
            "parties": {
                "blue": {
                    "position": 1.0,
                    "institution": {"enabled": False},
                    "staff": {"per_1000": per_1000(4, 200), "ties": 20},
                }
            },
        }
    )


def test_committed_staff_are_copied_in_the_peer_process():
    model = SocialWebModel(_staff_world(True), seed=1, agents="parties")
    assert model.peer_graph.n == model.population.n
    model.run()
    pop = model.population
    assert np.any(pop.x[: pop.citizens, 0] == 1.0)
    assert np.all(pop.x[pop.role == STAFF, 0] == 1.0)


def test_without_the_switch_staff_stay_out_of_the_peer_process():
    model = SocialWebModel(_staff_world(False), seed=1, agents="parties")
    assert model.peer_graph.n == model.population.citizens
    model.run()
    assert np.all(model.population.x[: model.population.citizens, 0] == -1.0)


# -- the kernels' frozen flags, one encounter at a time -----------------------------------


def _pair():
    return from_edges(2, np.array([0]), np.array([1]))


@pytest.mark.parametrize("use_compiled", [True, False])
def test_deffuant_moves_only_the_free_end(use_compiled):
    g = _pair()
    x = np.array([0.0, 0.4])
    frozen = np.array([True, False])
    # u = 0.1 picks citizen 0, whose only neighbour is 1
    kernel("deffuant_sweep", use_compiled=use_compiled)(
        x,
        g.indptr,
        g.indices,
        np.ones(1),
        0.5,
        frozen,
        np.array([0.1, 0.6]),
        NO_KEYS,
        NO_WORK,
        NO_DRAWS,
        False,
    )
    assert x[0] == 0.0 and x[1] == pytest.approx(0.1)  # moved twice toward 0, by half each time


@pytest.mark.parametrize("use_compiled", [True, False])
@pytest.mark.parametrize(
    "name, frozen, expected",
    [
        ("voter_sweep", [True, False], [1.0, 2.0]),  # picked 0 is committed: nothing
        ("voter_sweep", [False, True], [2.0, 2.0]),  # picked 0 copies committed 1
        ("voter_invasion_sweep", [False, True], [1.0, 2.0]),  # 1 is committed: not invaded
        ("voter_invasion_sweep", [True, False], [1.0, 1.0]),  # committed 0 invades 1
    ],
)
def test_voter_kernels_skip_committed_targets_only(use_compiled, name, frozen, expected):
    g = _pair()
    x = np.array([[1.0], [2.0]])
    kernel(name, use_compiled=use_compiled)(
        x, g.indptr, g.indices, np.array(frozen), np.array([0.1])
    )
    np.testing.assert_array_equal(x[:, 0], expected)


@pytest.mark.parametrize("use_compiled", [True, False])
def test_link_update_skips_a_committed_copier(use_compiled):
    g = _pair()
    x = np.array([[1.0], [2.0]])
    # stored entries (0→1), (1→0); u = 0.25 picks entry 0: row 0 would copy 1
    kernel("voter_link_sweep", use_compiled=use_compiled)(
        x, g.rows, g.indices, np.array([True, False]), np.array([0.25])
    )
    np.testing.assert_array_equal(x[:, 0], [1.0, 2.0])
    kernel("voter_link_sweep", use_compiled=use_compiled)(
        x, g.rows, g.indices, NOT_FROZEN, np.array([0.25])
    )
    np.testing.assert_array_equal(x[:, 0], [2.0, 2.0])


# -- configuration ------------------------------------------------------------------------


def test_a_zealots_file_commits_the_listed_citizens(tmp_path):
    (tmp_path / "z.txt").write_text("# committed\n3\n7\n")
    (tmp_path / "s.yaml").write_text(
        "steps: 5\nparties: {}\npopulation: {citizens: 20}\n"
        "opinion: {rule: deffuant, zealots: {path: z.txt}}\n"
    )
    from model.runner import load_scenario

    model = SocialWebModel(load_scenario(tmp_path / "s.yaml"), seed=1, agents="parties")
    assert np.flatnonzero(model.committed).tolist() == [3, 7]


@pytest.mark.parametrize(
    "text, message",
    [
        ("3\n3\n", "line 2: citizen 3 already listed on line 1"),
        ("25\n", "line 1: expected a citizen index in [0, 19], got 25"),
        ("x\n", "line 1: expected a citizen index, got 'x'"),
    ],
)
def test_a_bad_zealots_file_is_one_line_naming_file_and_key(tmp_path, text, message):
    (tmp_path / "z.txt").write_text(text)
    (tmp_path / "s.yaml").write_text(
        "steps: 5\nparties: {}\npopulation: {citizens: 20}\nopinion: {zealots: {path: z.txt}}\n"
    )
    from model.runner import load_scenario

    with pytest.raises(ConfigError) as err:
        load_scenario(tmp_path / "s.yaml")
    (line,) = err.value.problems
    assert "z.txt" in line and message in line and "opinion.zealots.path" in line


def test_shares_over_one_are_refused():
    with pytest.raises(ConfigError, match=r"opinion.zealots: expected share_plus \+ share_minus"):
        textbook("voter", zealots={"share_plus": 0.6, "share_minus": 0.5})


def test_peer_step_counts_only_the_free_citizens_movement():
    """HK on the complete graph moves everyone toward the mean; the peer step's reported
    movement (the citizens' share of influence) is the free citizens' movement alone, with the
    committed rows held where they were."""
    sc = textbook("hegselmann_krause", zealots={"share_own": 0.25})
    model = SocialWebModel(sc, seed=5, agents="parties")
    pop, committed = model.population, model.committed
    x0 = pop.x[:60, 0].copy()
    moved = model.rule.peer_step(pop, model.peer_graph, model.streams["update"], committed)
    x = pop.x[:60, 0]
    np.testing.assert_array_equal(x[committed[:60]], x0[committed[:60]])
    assert moved == pytest.approx(np.abs(x - x0).sum()) and moved > 0
