"""`socialweb robust`: share_best and regret on hand-built tables (ties included), PRIM recovering
a known box, common random numbers, a tiny run end to end with resume, and bad input refused in
one line with nothing written."""

from __future__ import annotations

import importlib.util
import json
import sys

import numpy as np
import pandas as pd
import pytest
import yaml

from model import robust as R
from model.cli import main
from model.config import ConfigError
from model.config.robust import load_robust
from model.contrasts import wilson
from tests.conftest import tiny_data

# --- the statistics, by hand -------------------------------------------------------------------

# four worlds, three policies: A alone best in w0; B and C tied in w1; all tied in w2; C in w3
HAND = pd.DataFrame(
    {"A": [10.0, 5.0, 6.0, 1.0], "B": [8.0, 9.0, 6.0, 2.0], "C": [7.0, 9.0, 6.0, 4.0]},
    index=pd.Index(range(4), name="world"),
)


def test_ties_split_the_world_equally_and_shares_sum_to_one():
    credit = R.best_credit(HAND)
    assert credit.loc[0].tolist() == [1.0, 0.0, 0.0]
    assert credit.loc[1].tolist() == [0.0, 0.5, 0.5]
    assert credit.loc[2].tolist() == pytest.approx([1 / 3] * 3)
    assert credit.loc[3].tolist() == [0.0, 0.0, 1.0]
    scores = R.scores(HAND, np.random.default_rng(0))
    shares = {p: scores[p]["share_best"]["p"] for p in HAND}
    assert shares == pytest.approx(
        {"A": (1 + 1 / 3) / 4, "B": (0.5 + 1 / 3) / 4, "C": (0.5 + 1 / 3 + 1) / 4}
    )
    assert sum(shares.values()) == pytest.approx(1.0)
    assert R.ranking(scores) == ["C", "A", "B"]


def test_regret_is_the_best_in_world_minus_the_policy():
    loss = R.regret(HAND)
    assert loss.to_numpy().tolist() == [[0, 2, 3], [4, 0, 0], [0, 0, 0], [3, 2, 0]]
    scores = R.scores(HAND, np.random.default_rng(0))
    assert {p: scores[p]["regret"]["mean"] for p in HAND} == {"A": 1.75, "B": 1.0, "C": 0.75}
    assert {p: scores[p]["regret"]["max"] for p in HAND} == {"A": 4.0, "B": 2.0, "C": 3.0}
    assert {p: scores[p]["regret"]["max_world"] for p in HAND} == {"A": 1, "B": 0, "C": 0}
    # the bootstrap interval of a mean over four worlds lies within the worlds' range
    a = scores["A"]["regret"]
    assert 0 <= a["ci_low"] <= 1.75 <= a["ci_high"] <= 4


def test_identical_policies_have_zero_regret_and_equal_shares():
    rng = np.random.default_rng(3)
    x = rng.normal(30, 5, 40)
    means = pd.DataFrame({"same": x, "twin": x.copy(), "worse": x - rng.uniform(0.1, 2, 40)})
    scores = R.scores(means, np.random.default_rng(0))
    for p in ("same", "twin"):
        assert scores[p]["share_best"]["p"] == 0.5
        assert scores[p]["regret"]["mean"] == 0 and scores[p]["regret"]["max"] == 0
        assert scores[p]["regret"]["ci_low"] == 0 and scores[p]["regret"]["ci_high"] == 0
    assert scores["worse"]["share_best"]["p"] == 0
    assert scores["worse"]["regret"]["mean"] == pytest.approx((x - means["worse"]).mean())


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (7, 7), (12, 64)])
def test_wilson_share_is_the_wilson_interval(k, n):
    ours, scipy_s = R.wilson_share(float(k), n), wilson(k, n)
    assert ours["p"] == pytest.approx(scipy_s["p"])
    assert ours["ci_low"] == pytest.approx(scipy_s["ci_low"], abs=1e-12)
    assert ours["ci_high"] == pytest.approx(scipy_s["ci_high"], abs=1e-12)


def test_wilson_share_takes_fractional_counts_between_their_neighbours():
    half = R.wilson_share(2.5, 10)
    assert R.wilson_share(2, 10)["ci_low"] < half["ci_low"] < R.wilson_share(3, 10)["ci_low"]
    assert half["p"] == 0.25


# --- PRIM (EMA workbench) ----------------------------------------------------------------------

needs_ema = pytest.mark.skipif(
    importlib.util.find_spec("ema_workbench") is None, reason="pip install 'socialweb[robust]'"
)


def _uniform(n: int = 500) -> pd.DataFrame:
    return pd.DataFrame(np.random.default_rng(0).uniform(size=(n, 3)), columns=["a", "b", "c"])


@needs_ema
def test_prim_recovers_a_known_box():
    """500 uniform points, cases where a > 0.6 and b < 0.3: the box restricts a and b only,
    each limit within 0.03 of the truth (at density >= 0.95), and holds nearly every case."""
    x = _uniform()
    y = ((x.a > 0.6) & (x.b < 0.3)).to_numpy()
    found = R.discover(x, y, threshold=0.95)
    box = found["boxes"][0]
    limits = {r["path"]: r for r in box["restricted"]}
    assert set(limits) == {"a", "b"}
    assert limits["a"]["low"] == pytest.approx(0.6, abs=0.03) and limits["a"]["high"] is None
    assert limits["b"]["high"] == pytest.approx(0.3, abs=0.03) and limits["b"]["low"] is None
    assert box["meets_threshold"] and box["density"] >= 0.95 and box["coverage"] >= 0.95
    assert box["mass"] == pytest.approx(y.mean(), abs=0.02)
    assert max(r["quasi_p"] for r in box["restricted"]) < 1e-6
    # the strictest box is PRIM's last: a >= 0.600, b <= 0.295 (as measured in ECOSYSTEM.md)
    last = R.discover(x, y, threshold=1.0)["boxes"][0]
    limits = {r["path"]: r for r in last["restricted"]}
    assert limits["a"]["low"] >= 0.59 and limits["b"]["high"] <= 0.30 and last["density"] == 1


@needs_ema
def test_prim_restricts_a_categorical_uncertainty_to_its_options():
    x = _uniform()
    x["kind"] = np.random.default_rng(1).choice(["ba", "ws", "homophilous"], len(x))
    y = ((x.kind == "ws") & (x.a > 0.5)).to_numpy()
    box = R.discover(x, y, threshold=0.9)["boxes"][0]
    limits = {r["path"]: r for r in box["restricted"]}
    assert limits["kind"]["options"] == ["ws"]
    assert limits["a"]["low"] == pytest.approx(0.5, abs=0.05)


@needs_ema
def test_prim_has_nothing_to_discover_when_one_policy_always_wins():
    found = R.discover(_uniform(50), np.ones(50, dtype=bool))
    assert found["boxes"] == [] and "nothing to discover" in found["note"]


def test_a_missing_workbench_is_named_with_its_extra(monkeypatch, capsys, tmp_path):
    for name in ("ema_workbench", "ema_workbench.analysis", "ema_workbench.analysis.prim"):
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    with pytest.raises(R.MissingExtraError, match=r"socialweb\[robust\]"):
        R.import_prim()
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: None if name == "ema_workbench" else real(name, *a),
    )
    path = _robust_file(tmp_path)
    assert main(["robust", str(path), "--out", str(tmp_path / "out"), "--progress", "none"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pip install 'socialweb[robust]'" in err[0]
    assert not (tmp_path / "out").exists()


# --- files and runs ----------------------------------------------------------------------------


def _robust_file(tmp_path, **changes):
    """Two tiny scenarios (the account policy twice, under two names, and one without blue's
    account) and a robust file over two uncertainties, 3 worlds × 1 replicate."""
    on = tiny_data(citizens=60, steps=5)
    off = tiny_data(citizens=60, steps=5)
    off["parties"]["blue"] = {"position": 0.25}
    for name, data in (("on", on), ("off", off)):
        (tmp_path / f"{name}.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    data = {
        "name": "tiny_robust",
        "policies": {
            "account": {"scenario": "on.yaml"},
            "account_twin": {"scenario": "on.yaml"},
            "absent": {"scenario": "off.yaml", "set": {"name": "absent"}},
        },
        "uncertainties": {
            "population.openness": {"low": 0.3, "high": 0.9},
            "network.kind": ["barabasi_albert", "watts_strogatz"],
        },
        "worlds": 3,
        "replicates": 1,
        "seed": 4,
    }
    data.update(changes)
    path = tmp_path / "robust.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_worlds_are_a_latin_hypercube_the_same_for_every_policy(tmp_path):
    design = load_robust(_robust_file(tmp_path, worlds=6))
    points = design.world_points()
    assert all(e.points() == points for e in design.policies.values())
    openness = sorted(p["population.openness"] for p in points)
    # one point in each sixth of [0.3, 0.9]; each network option in half the strata
    assert [int((v - 0.3) / 0.1) for v in openness] == list(range(6))
    kinds = [p["network.kind"] for p in points]
    assert kinds.count("barabasi_albert") == kinds.count("watts_strogatz") == 3
    seeds = {e.seed for e in design.policies.values()}
    assert seeds == {4}  # replicate r's seed is rng.replicate_seeds(4, R)[r] for every policy


@needs_ema
def test_a_tiny_run_writes_its_files_pairs_the_seeds_and_resumes(tmp_path, capsys):
    path = _robust_file(tmp_path)
    out = tmp_path / "out"
    args = ["robust", str(path), "--out", str(out), "--progress", "none"]
    assert main(args) == 0
    assert {p.name for p in out.iterdir()} >= {
        "robust.json",
        "runs.parquet",
        "report.md",
        "robust.png",
        "manifest.json",
        "policies",
    }
    runs = pd.read_parquet(out / "runs.parquet")
    assert list(runs.columns[:7]) == [
        "world",
        "policy",
        "replicate",
        "seed",
        "population.openness",
        "network.kind",
        "outcome",
    ]
    assert len(runs) == 3 * 3 * 1
    # common random numbers: one seed per world and replicate, whatever the policy, and
    # identical policies give identical outcomes
    assert (runs.groupby(["world", "replicate"])["seed"].nunique() == 1).all()
    wide = runs.pivot(index=["world", "replicate"], columns="policy", values="outcome")
    assert (wide["account"] == wide["account_twin"]).all()
    assert np.allclose(runs["outcome"], 100 * runs["vote_share.blue"])
    result = json.loads((out / "robust.json").read_text(), parse_constant=_no_nan)
    pol = result["policies"]
    assert pol["account"]["share_best"]["p"] == pol["account_twin"]["share_best"]["p"]
    assert sum(p["share_best"]["p"] for p in pol.values()) == pytest.approx(1.0)
    assert pol["account"]["regret"]["mean"] == pol["account_twin"]["regret"]["mean"]
    assert len(result["sampled_worlds"]) == 3 and result["worlds"] == 3
    assert result["discovery"]["pairs"][0]["a"] == result["ranking"][0]
    stdout = capsys.readouterr().out.strip().splitlines()
    assert stdout[-1] == str(out) and stdout[-2] == str(out / "report.md")
    # the figure's axes fit its numbers: every interval and every world's regret is in view
    left, right = R.summary_figure(result).axes[:2]
    assert left.get_xlim()[1] >= 100 * max(p["share_best"]["ci_high"] for p in pol.values())
    most = max(max(w["regret"].values()) for w in result["sampled_worlds"])
    assert right.get_xlim()[0] <= 0 and right.get_xlim()[1] >= most
    assert len(left.get_yticks()) == len(pol)

    # an interrupted run: one run's file lost; --resume redoes that run only
    files = sorted((out / "policies").glob("*/runs/*.parquet"))
    assert len(files) == 9
    before = {f: f.stat().st_mtime_ns for f in files}
    files[4].unlink()
    (out / "robust.json").unlink()
    assert main([*args, "--resume"]) == 0
    after = {f: f.stat().st_mtime_ns for f in sorted((out / "policies").glob("*/runs/*.parquet"))}
    assert set(after) == set(before)
    assert [f for f in before if after[f] != before[f]] == [files[4]]
    assert pd.read_parquet(out / "runs.parquet").equals(runs)
    again = json.loads((out / "robust.json").read_text())
    assert again["policies"] == result["policies"]

    # the same folder without --resume: refused in one line, nothing touched
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        f"--out: {out}: expected a new or empty folder, it already holds files (add --resume "
        "to finish an interrupted robust run)"
    ]


def _no_nan(text: str):
    raise AssertionError(f"robust.json holds {text}: not valid JSON")


def test_the_margin_outcome_is_the_focal_party_minus_the_best_rival(tmp_path):
    design = load_robust(_robust_file(tmp_path, outcome="margin"))
    table = pd.DataFrame(
        {
            "point": [0, 1, 2],
            "replicate": 0,
            "seed": 7,
            "population.openness": 0.5,
            "network.kind": "watts_strogatz",
            "vote_share.blue": [0.30, 0.25, 0.40],
            "vote_share.red": [0.20, 0.35, 0.40],
            "cost.blue": 10.0,
        }
    )
    table.attrs["failed"] = pd.DataFrame()  # as sweeps hand it over
    runs = R.tidy_runs(design, {p: table for p in design.policies})
    assert runs[runs.policy == "absent"]["outcome"].tolist() == pytest.approx([10, -10, 0])
    assert list(runs["policy"][:3]) == ["account", "account_twin", "absent"]  # file order
    vote = R.tidy_runs(load_robust(_robust_file(tmp_path)), {p: table for p in design.policies})
    assert vote["outcome"].tolist()[::3] == pytest.approx([30, 25, 40])


def test_validate_accepts_a_robust_file(tmp_path, capsys):
    path = _robust_file(tmp_path)
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.strip() == f"{path}: ok"


BAD = {
    "unknown_policy_file": (
        {"policies": {"a": {"scenario": "nope.yaml"}, "b": {"scenario": "on.yaml"}}},
        [],
        "policies.a.scenario: {dir}/nope.yaml: file not found",
    ),
    "unknown_uncertainty_key": (
        {"uncertainties": {"population.opennes": {"low": 0.3, "high": 0.9}}},
        [],
        "uncertainties.population.opennes: unknown key 'opennes' (did you mean 'openness'?)",
    ),
    "low_above_high": (
        {"uncertainties": {"population.openness": {"low": 0.8, "high": 0.2}}},
        [],
        "uncertainties.population.openness: expected low < high, got low 0.8, high 0.2",
    ),
    "out_of_the_schema_range": (
        {"uncertainties": {"population.openness": {"low": 0.1, "high": 3}}},
        [],
        "uncertainties.population.openness.high: expected a number in [0, 2], got 3",
    ),
    "one_world": ({"worlds": 1}, [], "worlds: expected an integer in [2, 100000], got 1"),
    "one_world_on_the_command_line": (
        {},
        ["--worlds", "1"],
        "worlds (from the command line): expected an integer in [2, 100000], got 1",
    ),
    "one_policy": (
        {"policies": {"a": {"scenario": "on.yaml"}}},
        [],
        "policies: expected a mapping of two or more policy names",
    ),
    "unknown_party": ({"party": "green"}, [], "party: no party 'green' in policy account"),
    "unknown_outcome": (
        {"outcome": "votes"},
        [],
        "outcome: expected one of vote_share, margin, got 'votes'",
    ),
    "unknown_pair": (
        {"discovery": {"pairs": [["account", "acount"]]}},
        [],
        "discovery.pairs[0]: unknown policy 'acount' (did you mean 'account'?)",
    ),
    "uncertainty_also_on_the_command_line": (
        {"uncertainties": {"population.citizens": {"low": 50, "high": 80}}},
        ["--citizens", "70"],
        "uncertainties.population.citizens: also set on the command line",
    ),
    "uncertainty_also_set_by_a_policy": (
        {
            "policies": {
                "a": {"scenario": "on.yaml", "set": {"population.openness": 0.5}},
                "b": {"scenario": "on.yaml"},
            }
        },
        [],
        "policies.a.set.population.openness: also an uncertainty",
    ),
    "bad_set_key": (
        {"policies": {"a": {"scenario": "on.yaml", "set": {"feed.atention": 2}}, "b": "on.yaml"}},
        [],
        "policies.a.set.feed.atention: unknown key (did you mean 'attention'?)",
    ),
}


@pytest.mark.parametrize(("changes", "flags", "expected"), BAD.values(), ids=list(BAD))
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    tmp_path, capsys, changes, flags, expected
):
    path = _robust_file(tmp_path, **changes)
    out = tmp_path / "out"
    argv = ["robust", str(path), "--out", str(out), "--progress", "none", *flags]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}: {expected.format(dir=tmp_path)}"), err
    assert not out.exists() and not (tmp_path / "results").exists()
    with pytest.raises(ConfigError):  # validate says the same
        load_robust(
            path,
            {"population.citizens": 70} if "--citizens" in flags else None,
            worlds=1 if "--worlds" in flags else None,
        )
