"""Graph files a user brings (network.kind: graph_file): GraphML, GML, GEXF and Pajek read with
networkx; node attributes set opinion, activity and party lean; bad files are one line."""

from __future__ import annotations

import itertools
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import yaml

from model.cli import main
from model.config import ConfigError, load_scenario, scenario_from_dict
from model.network.graphfile import describe, read_graph_file
from model.network.io import EdgeListError
from model.sim import SocialWebModel
from tests.conftest import ROOT

_counter = itertools.count()
# a small network with its attributes; node names are text so that file order is what we test
NODES = ["a", "b", "c", "d", "e", "f"]
TIES = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "e"), ("e", "f"), ("a", "f")]
SIDE = {"a": 0, "b": 0, "c": 0, "d": 1, "e": 1, "f": 1}
SCORE = {"a": -0.8, "b": -0.4, "c": 0.0, "d": 0.2, "e": 0.5, "f": 0.9}
ACTIVE = {"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4, "e": 0.5, "f": 0.6}


def network(directed: bool = False) -> nx.Graph:
    g = nx.DiGraph() if directed else nx.Graph()
    for n in NODES:
        g.add_node(n, side=SIDE[n], score=SCORE[n], active=ACTIVE[n])
    g.add_edges_from(TIES)
    return g


def write(folder: Path, g, suffix: str) -> Path:
    path = folder / f"net{next(_counter)}{suffix}"
    writer = {
        ".graphml": nx.write_graphml,
        ".gml": nx.write_gml,
        ".gexf": nx.write_gexf,
        ".net": nx.write_pajek,
    }[suffix]
    writer(g, path)
    return path


def expected_ties() -> set[tuple[int, int]]:
    index = {n: i for i, n in enumerate(NODES)}
    return {tuple(sorted((index[a], index[b]))) for a, b in TIES}


def ties(graph) -> set[tuple[int, int]]:
    keep = graph.rows < graph.indices
    return set(zip(graph.rows[keep].tolist(), graph.indices[keep].tolist(), strict=True))


def scenario(path: Path, **network) -> dict:
    return {
        "steps": 3,
        "population": {"citizens": len(NODES), "initial_affinity": 0.5},
        "network": {"kind": "graph_file", "path": str(path), **network},
        "parties": {"blue": {"position": -0.3}, "red": {"position": 0.3}},
    }


@pytest.mark.filterwarnings("ignore:Node attribute:UserWarning")  # Pajek keeps no attributes
@pytest.mark.parametrize("suffix", [".graphml", ".gml", ".gexf", ".net"])
def test_every_format_gives_the_ties_in_file_order(tmp_path, suffix):
    """Citizen i is the i-th node of the file: the ties read back, mapped by file order, are the
    ones written, in each format networkx reads and writes."""
    file = read_graph_file(write(tmp_path, network(), suffix), len(NODES))
    assert list(file.labels) == NODES
    assert ties(file.graph) == expected_ties()


def test_directions_repeats_and_self_loops_are_merged_dropped_and_reported(tmp_path):
    """A follower graph (directed) with a reciprocated tie, a repeated tie (multigraph) and a
    self-loop becomes the undirected simple graph, and describe() counts what changed."""
    g = nx.MultiDiGraph(network(directed=True))
    g.add_edge("b", "a")  # reciprocates a -> b
    g.add_edge("d", "e")  # repeats d -> e
    g.add_edge("c", "c")  # self-loop
    path = write(tmp_path, g, ".graphml")
    file = read_graph_file(path, len(NODES))
    assert ties(file.graph) == expected_ties()
    assert (file.merged, file.self_loops) == (2, 1)
    assert describe(path, len(NODES)) == f"{path}: 2 repeated or reversed ties merged, " + (
        "1 self-loops dropped"
    )


def test_attributes_set_opinion_activity_and_lean(tmp_path):
    """score sets each citizen's opinion, active its activity; side (0/1, mapped by labels written
    as YAML integers) sets its lean: a leaning citizen starts at the full initial affinity (0.5)
    for its party and at the distance-based default for the other."""
    path = write(tmp_path, network(), ".graphml")
    data = scenario(
        path,
        opinion_attribute="score",
        activity_attribute="active",
        lean_attribute="side",
        lean_values={0: "blue", 1: "red"},
    )
    model = SocialWebModel(scenario_from_dict(data), seed=1, agents="parties")
    pop = model.population
    np.testing.assert_array_equal(pop.x[:6, 0], [SCORE[n] for n in NODES])
    np.testing.assert_array_equal(pop.activity[:6], [ACTIVE[n] for n in NODES])
    plain = SocialWebModel(
        scenario_from_dict(scenario(path, opinion_attribute="score")), seed=1, agents="parties"
    ).population
    lean = np.array([SIDE[n] for n in NODES])
    rows = np.arange(6)
    assert np.all(pop.affinity[rows, lean] == 0.5)
    assert np.all(plain.affinity[rows, lean] < 0.5)  # the default: 0.5 · (1 - distance)
    np.testing.assert_array_equal(pop.affinity[rows, 1 - lean], plain.affinity[rows, 1 - lean])


def test_labels_map_to_opinions(tmp_path):
    """A categorical attribute (0/1) maps to opinions through opinion_values; 1.0 reads "1"."""
    g = network()
    for n in NODES:
        g.nodes[n]["side"] = float(SIDE[n])  # stored as doubles: 0.0 and 1.0
    path = write(tmp_path, g, ".graphml")
    data = scenario(path, opinion_attribute="side", opinion_values={"0": -0.5, 1: 0.5})
    model = SocialWebModel(scenario_from_dict(data), seed=1, agents="parties")
    np.testing.assert_array_equal(model.population.x[:6, 0], [(-0.5, 0.5)[SIDE[n]] for n in NODES])


def test_the_shipped_karate_club_scenario_runs_with_its_factions():
    sc = load_scenario(ROOT / "scenarios" / "karate_club.yaml")
    model = SocialWebModel(sc, seed=0, agents="parties")
    assert model.citizen_graph.edges == 78
    club = [nx.karate_club_graph().nodes[i]["club"] for i in range(34)]
    expected = [-0.3 if c == "Mr. Hi" else 0.3 for c in club]
    np.testing.assert_array_equal(model.population.x[:34, 0], expected)


def _refused(path: Path, citizens: int = len(NODES), **network) -> str:
    from model.network.graphfile import node_traits

    spec = scenario_from_dict(scenario(path, **network)).network
    with pytest.raises(EdgeListError) as info:
        if network:
            node_traits(spec, citizens, ["blue", "red"])
        else:
            read_graph_file(path, citizens)
    assert "\n" not in info.value.message
    return info.value.message


def test_bad_files_and_attributes_are_one_line(tmp_path):
    good = write(tmp_path, network(), ".graphml")
    assert _refused(good, 7) == "expected 7 nodes (population.citizens), got 6"
    garbage = tmp_path / "broken.graphml"
    garbage.write_text("<graphml><graph><node id='a'>")
    assert _refused(garbage).startswith("could not read it as GraphML: ")
    assert _refused(tmp_path / "none.gml") == "file not found"
    odd = tmp_path / "net.dot"
    odd.write_text("graph {}")
    assert _refused(odd).startswith("expected a graph file ending in .gexf, .gml, .graphml")
    assert _refused(good, opinion_attribute="colour") == (
        "node 'a' has no attribute 'colour' (network.opinion_attribute)"
    )
    assert _refused(good, opinion_attribute="side", opinion_values={"0": -0.5}) == (
        "node 'd': side '1' is not in network.opinion_values (expected one of '0')"
    )
    assert _refused(good, activity_attribute="score") == (
        "node 'a': expected score in [0, 1] (network.activity_attribute), got -0.8"
    )


@pytest.mark.parametrize(
    ("network", "problem"),
    [
        (
            {"lean_attribute": "side", "lean_values": {0: "green"}},
            "network.lean_values.0: expected one of blue, red, none, got 'green'",
        ),
        ({"lean_attribute": "side"}, "network.lean_values: expected a party (or none)"),
        ({"opinion_values": {0: 0.1}}, "network.opinion_values: expected network.opinion_attr"),
        ({"opinion_attribute": "score", "opinion_values": {0: 1.5}}, "network.opinion_values.0"),
    ],
)
def test_attribute_keys_are_checked_by_the_loader(tmp_path, network, problem):
    path = write(tmp_path, globals()["network"](), ".graphml")
    with pytest.raises(ConfigError) as info:
        scenario_from_dict(scenario(path, **network))
    assert any(f": {problem}" in p for p in info.value.problems), info.value.problems


def test_attribute_keys_need_the_graph_file_kind():
    with pytest.raises(ConfigError, match="network.opinion_attribute: only used when network"):
        scenario_from_dict({"network": {"opinion_attribute": "score"}})


def test_a_bad_attribute_through_the_cli_is_one_line_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, network(), ".graphml")
    file = tmp_path / "s.yaml"
    file.write_text(yaml.safe_dump(scenario(path.name, opinion_attribute="colour")))
    out_dir = tmp_path / "out"
    code = main(["run", str(file), "--out", str(out_dir), "--progress", "none"])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""
    assert captured.err == (
        f"{path.resolve()}: node 'a' has no attribute 'colour' (network.opinion_attribute) "
        f"(network.path of {file})\n"
    )
    assert not out_dir.exists()


def test_discrete_rules_need_labels_mapped_to_their_states(tmp_path):
    """q-voter states are ±1: an opinion attribute must map every label to -1 or +1."""
    path = write(tmp_path, network(), ".graphml")
    raw = scenario(path, opinion_attribute="side", opinion_values={0: -0.5, 1: 0.5})
    raw["population"]["initial_opinion"] = "binary"
    raw["opinion"] = {"rule": "q_voter"}
    with pytest.raises(ConfigError, match="network.opinion_values: expected every label mapped"):
        scenario_from_dict(raw)
    raw["network"]["opinion_values"] = {0: -1.0, 1: 1.0}
    model = SocialWebModel(scenario_from_dict(raw), seed=1, agents="parties")
    assert set(model.population.x[:6, 0]) == {-1.0, 1.0}
