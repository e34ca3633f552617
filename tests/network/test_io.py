"""Edge-list files: what parses, what is refused (with the line number), and through the CLI."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
import yaml

from model.cli import main
from model.network.io import EdgeListError, read_edge_list, write_edge_list

_counter = itertools.count()


def edges_file(folder: Path, text: str, suffix: str = ".csv") -> Path:
    """A fresh file per call (read_edge_list caches by path, mtime and size)."""
    path = folder / f"edges{next(_counter)}{suffix}"
    path.write_text(text, encoding="utf-8")
    return path


def refused(path: Path, citizens: int = 5) -> str:
    with pytest.raises(EdgeListError) as info:
        read_edge_list(path, citizens)
    err = info.value
    assert Path(err.file).resolve() == path.resolve()
    assert "\n" not in err.message
    assert str(err) == f"{err.file}: {err.message}"
    return err.message


def edge_set(graph) -> set[tuple[int, int, float]]:
    rows = graph.rows
    keep = rows < graph.indices
    w = graph.weights[keep] if graph.weights is not None else np.ones(keep.sum())
    return {
        (int(a), int(b), float(c))
        for a, b, c in zip(rows[keep], graph.indices[keep], w, strict=True)
    }


# --- refused files ----------------------------------------------------------------------------


def test_empty_file(tmp_path):
    message = refused(edges_file(tmp_path, ""))
    assert message == "empty file: expected lines 'source target [weight]'"


def test_comments_and_blank_lines_only(tmp_path):
    message = refused(edges_file(tmp_path, "# a comment\n\n   \n# another\n"))
    assert message.startswith("empty file")


def test_header_only(tmp_path):
    message = refused(edges_file(tmp_path, "source,target\n"))
    assert "expected lines 'source target [weight]'" in message


def test_missing_file(tmp_path):
    message = refused(tmp_path / "nowhere.csv")
    assert message == "edge-list file not found"


@pytest.mark.parametrize(
    ("text", "line", "bad_id"),
    [
        ("0 1\n1 2\n2 5\n", 3, 5),  # == citizens
        ("0 1\n1 2\n2 99\n", 3, 99),
        ("0 1\n-1 2\n", 2, -1),
        ("source,target\n0,1\n# c\n\n3,-4\n", 5, -4),
        ("# c\n0 1\n\n7 1\n", 4, 7),
    ],
)
def test_unknown_node_id_names_the_line(tmp_path, text, line, bad_id):
    message = refused(edges_file(tmp_path, text))
    assert message == (
        f"line {line}: unknown node id {bad_id}: expected ids 0..4 (population.citizens = 5)"
    )


@pytest.mark.parametrize(("text", "line"), [("0 1\n2 2\n", 2), ("0,1\n# c\n\n3,3\n", 4)])
def test_self_loop_names_the_line(tmp_path, text, line):
    message = refused(edges_file(tmp_path, text))
    node = text.strip().splitlines()[-1].replace(",", " ").split()[0]
    assert message == f"line {line}: self-loop {node}-{node}: a citizen cannot follow itself"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0 1\n1 2\n0 1\n", "line 3: duplicate edge 0-1 (first on line 1)"),
        ("0 1\n1 2\n1 0\n", "line 3: duplicate edge 1-0 (first on line 1)"),
        (
            "# h\nsource,target\n2,3\n0,1\n# x\n\n3,2\n",
            "line 7: duplicate edge 3-2 (first on line 3)",
        ),
        ("0 1 1\n2 3 1\n3 2 2\n", "line 3: duplicate edge 3-2 (first on line 2)"),
    ],
)
def test_duplicate_edge_in_either_direction(tmp_path, text, expected):
    assert refused(edges_file(tmp_path, text)) == expected


def test_earliest_duplicate_is_reported(tmp_path):
    text = "0 1\n2 3\n3 2\n1 0\n"
    assert refused(edges_file(tmp_path, text)) == "line 3: duplicate edge 3-2 (first on line 2)"


@pytest.mark.parametrize(
    ("text", "line", "token"),
    [
        ("0 1\n1 2.5\n", 2, "2.5"),
        ("0 1\n1 x\n", 2, "x"),
        ("0,1\nfoo,2\n", 2, "foo"),
        ("source target\n0 1\n1 inf\n", 3, "inf"),
    ],
)
def test_non_integer_id_names_the_line(tmp_path, text, line, token):
    message = refused(edges_file(tmp_path, text))
    assert message == f"line {line}: expected integer node ids, got {token!r}"


def test_too_many_fields_everywhere(tmp_path):
    message = refused(edges_file(tmp_path, "0 1 1 1\n1 2 1 1\n"))
    assert message == "expected 2 or 3 fields per line (source target [weight]), got 4"


def test_one_field_everywhere(tmp_path):
    message = refused(edges_file(tmp_path, "0\n1\n"))
    assert message == "expected 2 or 3 fields per line (source target [weight]), got 1"


def test_missing_weight_on_one_line(tmp_path):
    message = refused(edges_file(tmp_path, "# c\n0 1 1\n\n1 2\n"))
    assert message == "line 4: expected 'source target weight' like the other lines, got 2 fields"


def test_extra_field_on_one_line(tmp_path):
    message = refused(edges_file(tmp_path, "# c\n\n0 1\n1 2 3\n"))
    assert "line 4" in message
    assert "field" in message


@pytest.mark.parametrize("text", ["0 1\n2\n", "0,1\n2\n"])
def test_missing_target_on_one_line_is_a_field_count_error(tmp_path, text):
    """A line with one field where the others have two is a wrong number of fields."""
    message = refused(edges_file(tmp_path, text))
    assert message.startswith("line 2: ")
    assert "field" in message, message
    assert "nan" not in message, message


@pytest.mark.parametrize(
    ("text", "line", "token"),
    [
        ("0 1 1\n1 2 0\n", 2, "0"),
        ("0,1,1\n1,2,-2\n", 2, "-2"),
        ("source,target,weight\n0,1,0.5\n1,2,0.0\n", 3, "0.0"),
        ("0 1 heavy\n1 2 1\n", 1, "heavy"),
    ],
)
def test_non_positive_weight_names_the_line(tmp_path, text, line, token):
    message = refused(edges_file(tmp_path, text))
    assert message == f"line {line}: expected a positive weight, got {token!r}"


# --- files that parse -------------------------------------------------------------------------


def test_csv_with_header_and_whitespace_give_the_same_graph(tmp_path):
    csv = edges_file(tmp_path, "source,target,weight\n0,1,0.5\n1,2,2\n# end\n3,1,1.5\n")
    ws = edges_file(tmp_path, "# no header\n0 1 0.5\n\n1\t2   2\n  3 1 1.5  \n", ".txt")
    a, b = read_edge_list(csv, 6), read_edge_list(ws, 6)
    assert a.n == b.n == 6
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.weights, b.weights)
    assert edge_set(a) == {(0, 1, 0.5), (1, 2, 2.0), (1, 3, 1.5)}


def test_unweighted_csv_and_whitespace_match(tmp_path):
    csv = edges_file(tmp_path, "a,b\n0,1\n1,2\n2,0\n")
    ws = edges_file(tmp_path, "0 1\n1 2\n2 0\n", ".txt")
    a, b = read_edge_list(csv, 3), read_edge_list(ws, 3)
    assert a.weights is None and b.weights is None
    np.testing.assert_array_equal(a.indptr, b.indptr)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert a.edges == 3
    assert list(a.degree) == [2, 2, 2]


def test_weights_are_kept_on_both_directions(tmp_path):
    g = read_edge_list(edges_file(tmp_path, "0 1 0.25\n2 1 4\n"), 3)
    assert g.weights is not None
    for i in range(g.n):
        for j, w in zip(g.neighbours(i), g.weights[g.indptr[i] : g.indptr[i + 1]], strict=True):
            expected = {(0, 1): 0.25, (1, 2): 4.0}[(min(i, j), max(i, j))]
            assert w == expected


def test_isolated_nodes_are_allowed(tmp_path):
    g = read_edge_list(edges_file(tmp_path, "3 7\n"), 10)
    assert g.n == 10 and g.edges == 1
    assert list(g.degree) == [0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
    assert list(g.neighbours(3)) == [7] and list(g.neighbours(7)) == [3]


def test_spaces_around_csv_fields_and_crlf(tmp_path):
    g = read_edge_list(edges_file(tmp_path, "source, target\r\n0, 1\r\n 1 ,2\r\n"), 3)
    assert edge_set(g) == {(0, 1, 1.0), (1, 2, 1.0)}


def test_integral_float_ids_are_accepted(tmp_path):
    g = read_edge_list(edges_file(tmp_path, "0.0 1\n"), 2)
    assert edge_set(g) == {(0, 1, 1.0)}


def test_write_then_read_round_trips(tmp_path):
    g = read_edge_list(edges_file(tmp_path, "0 1 0.5\n1 2 2\n4 0 1\n"), 6)
    out = tmp_path / "written.csv"
    write_edge_list(g, out)
    assert out.read_text().splitlines()[0] == "source,target,weight"
    again = read_edge_list(out, 6)
    np.testing.assert_array_equal(again.indptr, g.indptr)
    np.testing.assert_array_equal(again.indices, g.indices)
    np.testing.assert_array_equal(again.weights, g.weights)


# --- through the CLI --------------------------------------------------------------------------


def edge_scenario(folder: Path, edge_path: str, citizens: int = 40, name: str = "ring") -> Path:
    data = {
        "name": name,
        "steps": 5,
        "population": {"citizens": citizens},
        "network": {"kind": "edge_list", "path": edge_path},
        "parties": {
            "blue": {"position": 0.25, "institution": {"enabled": True}},
            "red": {"position": -0.25},
        },
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def ring(n: int) -> str:
    return "source,target\n" + "".join(f"{i},{(i + 1) % n}\n" for i in range(n))


def assert_nothing_written(tmp_path: Path, *outs: Path) -> None:
    results = tmp_path / "results"
    assert not results.exists() or not any(results.iterdir())
    for out in outs:
        assert not out.exists()


def cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main([str(a) for a in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_accepts_a_relative_edge_list_from_another_folder(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "edges.csv").write_text(ring(40))
    scenario = edge_scenario(folder, "edges.csv")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "edges.csv").write_text("0,0\n")  # a decoy next to the working directory
    monkeypatch.chdir(elsewhere)
    code, out, err = cli(capsys, "validate", scenario)
    assert (code, err) == (0, "")
    assert out == f"{scenario}: ok\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file: expected lines 'source target [weight]'"),
        ("# nothing\n", "empty file: expected lines 'source target [weight]'"),
        (
            "0,1\n1,40\n",
            "line 2: unknown node id 40: expected ids 0..39 (population.citizens = 40)",
        ),
        ("0 1\n5 5\n", "line 2: self-loop 5-5: a citizen cannot follow itself"),
        ("0 1\n1 2\n1 0\n", "line 3: duplicate edge 1-0 (first on line 1)"),
        ("0 1\n1 two\n", "line 2: expected integer node ids, got 'two'"),
        ("0 1 1\n1 2 -1\n", "line 2: expected a positive weight, got '-1'"),
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_bad_edge_list_through_the_cli(tmp_path, capsys, monkeypatch, command, text, message):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "edges.csv").write_text(text)
    scenario = edge_scenario(folder, "edges.csv")
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "out"
    args = [command, scenario] + (
        ["--out", out_dir, "--progress", "none"] if command == "run" else []
    )
    code, out, err = cli(capsys, *args)
    assert code == 2
    assert out == ""
    edges = (folder / "edges.csv").resolve()
    assert err == f"{edges}: {message} (network.path of {scenario})\n"
    assert_nothing_written(tmp_path, out_dir)


def test_missing_edge_list_through_validate(tmp_path, capsys):
    scenario = edge_scenario(tmp_path, "missing.csv")
    code, out, err = cli(capsys, "validate", scenario)
    assert code == 2 and out == ""
    missing = (tmp_path / "missing.csv").resolve()
    assert err == f"{missing}: edge-list file not found (network.path of {scenario})\n"
    assert_nothing_written(tmp_path)


def test_citizens_override_below_edge_list_ids_is_refused(tmp_path, capsys):
    (tmp_path / "edges.csv").write_text(ring(40))
    scenario = edge_scenario(tmp_path, "edges.csv")
    out_dir = tmp_path / "out"
    code, out, err = cli(capsys, "run", scenario, "--citizens", "20", "--out", out_dir)
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1
    assert "unknown node id 20: expected ids 0..19 (population.citizens = 20)" in err
    assert err.rstrip().endswith(f"(network.path of {scenario})")
    assert_nothing_written(tmp_path, out_dir)


def test_run_on_an_edge_list_uses_its_ties(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "project"
    folder.mkdir()
    # a ring of 40 with two isolated citizens (40, 41)
    (folder / "edges.csv").write_text(ring(40))
    scenario = edge_scenario(folder, "edges.csv", citizens=42)
    monkeypatch.chdir(tmp_path)
    out_dir = tmp_path / "out"
    code, out, err = cli(
        capsys, "run", scenario, "--out", out_dir, "--agents", "--progress", "none"
    )
    assert code == 0, err
    assert out.splitlines()[-1] == str(out_dir)
    import pandas as pd

    agents = pd.read_parquet(out_dir / "agents.parquet")
    citizens = agents[agents.person < 42].sort_values("person")
    assert set(citizens.role) == {"citizen"}
    assert list(citizens.degree[:40]) == [2] * 40
    assert list(citizens.degree[40:42]) == [0, 0]
    resolved = yaml.safe_load((out_dir / "scenario.yaml").read_text())
    assert Path(resolved["network"]["path"]) == (folder / "edges.csv").resolve()


def test_an_id_too_large_for_64_bits_is_a_one_line_error(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("0,1\n1,99999999999999999999\n")
    with pytest.raises(EdgeListError, match=r"line 2: unknown node id"):
        read_edge_list(path, 5)
