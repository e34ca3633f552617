"""The rival responds: a two-party strategy game played on the simulator (``socialweb game``).

A game file names a base scenario (citizens, network, feed, rule, the parties' positions) and,
for each of its two parties, a set of strategies: each strategy is the party's whole online
set-up (the keys of ``parties.<name>`` but ``position``: ``institution``, ``staff``,
``champions``, ``budget``). Every (blue, red) pair of strategies is run on the same replicate
seeds (common random numbers) and scored:

- ``margin``: the party's election-day vote share minus its rival's, percentage points (the
  default; zero-sum, so each side's payoff is the other's loss);
- ``vote_share``: the party's own vote share (percentage points);
- ``win``: the share of replicates in which the party leads (percent);

optionally net of cost: ``cost_per_point: X`` subtracts the party's spend per 1,000 citizens
divided by X (the spend it would trade for one payoff point), a stated exchange rate.

``game.json`` holds the payoff matrices with intervals (Student-t over replicates; Wilson for
``win``), each side's best responses (the strategies that maximise its mean payoff against each
rival strategy, all of them when tied), the pure-strategy Nash equilibria (cells where both play
a best response) and, for each best response, whether the replicates resolve it: its paired
advantage over the runner-up has an interval above 0.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from model.config.load import (
    Checker,
    ConfigError,
    _fmt,
    check_name,
    read_yaml,
    resolve_path,
    scenario_from_dict,
    scenario_to_dict,
)
from model.config.schema import PartySpec, Scenario

Payoff = Literal["margin", "vote_share", "win"]
PAYOFFS = ("margin", "vote_share", "win")
TOP_KEYS = (
    "name",
    "description",
    "base",
    "players",
    "payoff",
    "cost_per_point",
    "replicates",
    "seed",
)


@dataclass(frozen=True)
class Game:
    """A checked game file."""

    name: str
    description: str
    source: str
    base: Scenario
    players: tuple[str, str]
    strategies: dict[str, dict[str, dict]]  # party → strategy name → party set-up (raw)
    payoff: str
    cost_per_point: float
    replicates: int
    seed: int

    def cells(self) -> list[tuple[str, str]]:
        """Every (first player's strategy, second player's strategy), row-major."""
        a, b = self.players
        return list(itertools.product(self.strategies[a], self.strategies[b]))

    def scenario(self, first: str, second: str) -> Scenario:
        """The base scenario with both parties playing the given strategies."""
        data = scenario_to_dict(self.base)
        for party, strategy in zip(self.players, (first, second), strict=True):
            setup = copy.deepcopy(self.strategies[party][strategy])
            data["parties"][party] = {"position": data["parties"][party]["position"], **setup}
        data["name"] = f"{first}-vs-{second}"[:64]  # a label only: cells are keyed by strategy
        return scenario_from_dict(data, source=f"{self.source} ({first} vs {second})")


def load_game(path: str | Path, overrides: dict[str, Any] | None = None) -> Game:
    """Read and check a game file; ``overrides`` (``--set``, ``--citizens``, ``--steps``) apply
    to the base scenario. Raises ConfigError with one line per problem."""
    from model.config.load import apply_overrides

    path = Path(path)
    data = read_yaml(path, "game")
    src = str(path)
    problems: list[str] = []
    b = Checker(src, path.parent)
    for key in data:
        if key not in TOP_KEYS:
            b.fail(str(key), f"unknown key; expected one of: {', '.join(TOP_KEYS)}")
    name = data.get("name", path.stem)
    check_name(b, "name", name)
    base_path = data.get("base")
    base = None
    if not isinstance(base_path, str) or not base_path:
        b.fail("base", f"expected the path of a scenario file, got {_fmt(base_path)}")
    else:
        file = resolve_path(base_path, path.parent)
        try:
            raw = read_yaml(file)
            if overrides:
                raw = apply_overrides(raw, overrides)
            base = scenario_from_dict(
                raw, source=str(file), base_dir=file.parent, overridden=overrides or ()
            )
        except ConfigError as err:
            problems += err.problems
    payoff = data.get("payoff", "margin")
    if payoff not in PAYOFFS:
        b.fail("payoff", f"expected one of {', '.join(PAYOFFS)}, got {_fmt(payoff)}")
    cost = data.get("cost_per_point", 0)
    if isinstance(cost, bool) or not isinstance(cost, (int, float)) or cost < 0 or cost != cost:
        b.fail(
            "cost_per_point", f"expected a number >= 0 (0: payoffs gross of cost), got {_fmt(cost)}"
        )
        cost = 0
    reps = data.get("replicates", 10)
    if isinstance(reps, bool) or not isinstance(reps, int) or not 1 <= reps <= 10_000:
        b.fail("replicates", f"expected an integer in [1, 10000], got {_fmt(reps)}")
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**63:
        b.fail("seed", f"expected an integer in [0, 2^63 - 1], got {_fmt(seed)}")
    players = data.get("players")
    strategies: dict[str, dict[str, dict]] = {}
    if not isinstance(players, dict) or len(players) != 2:
        b.fail(
            "players",
            f"expected a mapping of exactly two parties to their strategies, got {_fmt(players)}",
        )
    else:
        for party, options in players.items():
            where = f"players.{party}"
            if base is not None and party not in base.parties:
                b.fail(
                    where,
                    f"no party {party!r} in the base scenario (it has: "
                    f"{', '.join(base.parties) or 'none'})",
                )
                continue
            if not isinstance(options, dict) or not options:
                b.fail(
                    where,
                    f"expected a mapping of strategy names to party set-ups, got {_fmt(options)}",
                )
                continue
            strategies[party] = {}
            for sname, setup in options.items():
                check_name(b, f"{where}.{sname}", sname)
                setup = {} if setup is None else setup
                if not isinstance(setup, dict):
                    b.fail(
                        f"{where}.{sname}", f"expected a mapping of party keys, got {_fmt(setup)}"
                    )
                    continue
                if "position" in setup:
                    b.fail(f"{where}.{sname}.position", "the position comes from the base scenario")
                    continue
                # the party's keys, checked against the schema with the game file's key paths
                b.build(PartySpec, {"position": 0.0, **setup}, f"{where}.{sname}")
                strategies[party][str(sname)] = setup
    problems = b.problems + problems
    if problems:
        raise ConfigError(problems)
    assert base is not None
    game = Game(
        name=str(name),
        description=str(data.get("description", "")),
        source=src,
        base=base,
        players=tuple(players),  # type: ignore[arg-type]
        strategies=strategies,
        payoff=payoff,
        cost_per_point=float(cost),
        replicates=reps,
        seed=seed,
    )
    cell_problems: list[str] = []
    for first, second in game.cells():  # settings that do not fit together, per cell
        try:
            game.scenario(first, second)
        except ConfigError as err:
            cell_problems += err.problems
    if cell_problems:
        raise ConfigError(list(dict.fromkeys(cell_problems)))
    return game


# --- the game's analysis ---------------------------------------------------------------------


def payoff_table(game: Game, runs: pd.DataFrame) -> pd.DataFrame:
    """Per run (cell × replicate): each player's payoff."""
    a, b = game.players
    out = runs[["first", "second", "replicate"]].copy()
    for me, rival in ((a, b), (b, a)):
        vote, other = runs[f"vote_share.{me}"] * 100, runs[f"vote_share.{rival}"] * 100
        if game.payoff == "margin":
            value = vote - other
        elif game.payoff == "vote_share":
            value = vote
        else:
            value = (vote > other).astype(float) * 100
        if game.cost_per_point > 0:
            value = value - runs[f"cost.{me}"] / game.cost_per_point
        out[me] = value
    return out


def best_responses(matrix: np.ndarray) -> list[list[int]]:
    """For a payoff matrix M[i, j] (my strategy i against rival strategy j), the best responses
    to each j: every i whose payoff is the column's maximum."""
    return [
        list(np.flatnonzero(matrix[:, j] == matrix[:, j].max())) for j in range(matrix.shape[1])
    ]


def pure_equilibria(first: np.ndarray, second: np.ndarray) -> list[tuple[int, int]]:
    """Cells (i, j) where i is a best response of the first player to j and j of the second
    player to i; ``first[i, j]`` and ``second[i, j]`` are their payoffs."""
    br_first = best_responses(first)  # per column j
    br_second = best_responses(second.T)  # per row i
    return [
        (i, j)
        for i in range(first.shape[0])
        for j in range(first.shape[1])
        if i in br_first[j] and j in br_second[i]
    ]


def analyse(game: Game, runs: pd.DataFrame) -> dict[str, Any]:
    """game.json: payoffs with intervals, best responses (and whether they are resolved), pure
    equilibria."""
    from model import contrasts as C

    a, b = game.players
    sa, sb = list(game.strategies[a]), list(game.strategies[b])
    pay = payoff_table(game, runs)
    means = {p: np.zeros((len(sa), len(sb))) for p in (a, b)}
    cells: dict[str, dict[str, Any]] = {}
    for i, x in enumerate(sa):
        for j, y in enumerate(sb):
            sel = pay[(pay["first"] == x) & (pay["second"] == y)]
            raw = runs[(runs["first"] == x) & (runs["second"] == y)]
            entry: dict[str, Any] = {}
            for p in (a, b):
                rival = b if p == a else a
                win = C.wilson(
                    int((raw[f"vote_share.{p}"] > raw[f"vote_share.{rival}"]).sum()), len(raw)
                )
                if game.payoff == "win" and game.cost_per_point == 0:  # a proportion: Wilson
                    stat = win | {
                        k: 100 * win[v]
                        for k, v in (("mean", "p"), ("ci_low", "ci_low"), ("ci_high", "ci_high"))
                    }
                else:
                    stat = C.t_interval(sel[p].to_numpy())
                means[p][i, j] = stat["mean"]
                entry[p] = stat
                entry[f"spend.{p}"] = float(raw[f"cost.{p}"].mean())
                entry[f"win.{p}"] = win
            cells.setdefault(x, {})[y] = entry
    br_a = best_responses(means[a])  # a's best responses to each of b's strategies
    br_b = best_responses(means[b].T)  # b's best responses to each of a's strategies
    eq = pure_equilibria(means[a], means[b])

    def resolved(player: str, mine: list[str], theirs: str, best: list[int]) -> bool:
        """The best response's paired advantage over every other option has its interval > 0."""
        if len(mine) < 2 or len(best) > 1:
            return False
        top = mine[best[0]]
        for other in mine:
            if other == top:
                continue
            if player == a:
                x = pay[(pay["first"] == top) & (pay["second"] == theirs)].set_index("replicate")[
                    player
                ]
                y = pay[(pay["first"] == other) & (pay["second"] == theirs)].set_index("replicate")[
                    player
                ]
            else:
                x = pay[(pay["first"] == theirs) & (pay["second"] == top)].set_index("replicate")[
                    player
                ]
                y = pay[(pay["first"] == theirs) & (pay["second"] == other)].set_index("replicate")[
                    player
                ]
            d = C.paired_contrast(x.to_numpy(), y.reindex(x.index).to_numpy())
            if d["ci_low"] is None or d["ci_low"] <= 0:
                return False
        return True

    return {
        "name": game.name,
        "players": list(game.players),
        "strategies": {a: sa, b: sb},
        "payoff": game.payoff,
        "payoff_unit": {
            "margin": "percentage points",
            "vote_share": "percentage points",
            "win": "percent of replicates",
        }[game.payoff]
        + (
            f", minus spend per 1,000 citizens / {game.cost_per_point:g}"
            if game.cost_per_point
            else ""
        ),
        "replicates": int(runs["replicate"].nunique()),
        "confidence": C.CONFIDENCE,
        "interval": "Student-t over replicates (win: Wilson), covering replicate noise only",
        "payoffs": cells,
        "best_responses": {
            a: {
                sb[j]: {
                    "best": [sa[i] for i in br_a[j]],
                    "resolved": resolved(a, sa, sb[j], br_a[j]),
                }
                for j in range(len(sb))
            },
            b: {
                sa[i]: {
                    "best": [sb[j] for j in br_b[i]],
                    "resolved": resolved(b, sb, sa[i], br_b[i]),
                }
                for i in range(len(sa))
            },
        },
        "equilibria": [{a: sa[i], b: sb[j]} for i, j in eq],
    }


# --- running it ------------------------------------------------------------------------------


def _cell(scenario: Scenario, seed: int, first: str, second: str, replicate: int) -> dict:
    """One run of one cell (module-level: it runs in worker processes)."""
    from model.runner import election_day_only, run

    final = run(election_day_only(scenario), seed=seed).summary["final"]
    row = {"first": first, "second": second, "replicate": replicate, "seed": seed}
    for p, v in final["vote_share"].items():
        row[f"vote_share.{p}"] = v
        row[f"cost.{p}"] = final["cost"][p]
    return row


def tasks(
    game: Game,
    replicates: int | None = None,
    seed: int | None = None,
    posterior: pd.DataFrame | None = None,
) -> list[tuple]:
    """(scenario, seed, first, second, replicate) for every cell and replicate. With a
    ``posterior``, replicate r of every cell runs with one draw chosen from its seed (as
    ``compare --posterior``: model.comparison.posterior_draws)."""
    from model.comparison import posterior_draws, with_posterior
    from model.rng import replicate_seeds

    seeds = replicate_seeds(game.seed if seed is None else seed, replicates or game.replicates)
    draws = posterior_draws(posterior, seeds) if posterior is not None else None
    out = []
    for first, second in game.cells():
        sc = game.scenario(first, second)
        out += [
            (sc if draws is None else with_posterior(sc, draws.iloc[r]), s, first, second, r)
            for r, s in enumerate(seeds)
        ]
    return out


def heatmaps(game: Game, result: dict[str, Any]):
    """One panel per player: its mean payoff in every cell; its best responses outlined, pure
    equilibria marked ★."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    a, b = game.players
    sa, sb = result["strategies"][a], result["strategies"][b]
    fig = Figure(figsize=(5.2 * 2 + 1, 1.0 * len(sa) + 2.4), layout="constrained")
    axes = fig.subplots(1, 2)
    eq = {(e[a], e[b]) for e in result["equilibria"]}
    for ax, player in zip(axes, (a, b), strict=True):
        m = np.array([[result["payoffs"][x][y][player]["mean"] for y in sb] for x in sa])
        lim = float(np.nanmax(np.abs(m))) or 1.0
        image = ax.imshow(m, cmap="PuOr", vmin=-lim, vmax=lim, aspect="auto")
        fig.colorbar(image, ax=ax, shrink=0.8, label=f"{player}'s payoff ({result['payoff_unit']})")
        for i, x in enumerate(sa):
            for j, y in enumerate(sb):
                text = f"{m[i, j]:+.1f}" + (" ★" if (x, y) in eq else "")
                dark = abs(m[i, j]) > 0.6 * lim  # white on the dark end of the scale
                ax.text(
                    j,
                    i,
                    text,
                    ha="center",
                    va="center",
                    fontsize=9,
                    color="white" if dark else "black",
                )
        br = result["best_responses"][player]
        for rival, entry in br.items():
            for best in entry["best"]:
                i, j = (
                    (sa.index(best), sb.index(rival))
                    if player == a
                    else (sa.index(rival), sb.index(best))
                )
                ax.add_patch(
                    Rectangle(
                        (j - 0.48, i - 0.48),
                        0.96,
                        0.96,
                        fill=False,
                        lw=2.5 if entry["resolved"] else 1.2,
                        ls="-" if entry["resolved"] else "--",
                        edgecolor="black",
                    )
                )
        ax.set_xticks(range(len(sb)), sb, fontsize=8)
        ax.set_yticks(range(len(sa)), sa, fontsize=8)
        ax.set_xlabel(f"{b}'s strategy")
        ax.set_ylabel(f"{a}'s strategy")
        ax.set_title(
            f"{player}'s payoff; outlined: {player}'s best responses (solid: resolved)", fontsize=9
        )
    fig.suptitle(
        f"{game.name}: {result['payoff']} over {result['replicates']} paired replicates; "
        "★ pure equilibrium"
    )
    return fig


def markdown(game: Game, result: dict[str, Any], command: str) -> str:
    a, b = game.players
    sa, sb = result["strategies"][a], result["strategies"][b]
    lines = [
        f"# Game: {game.name}",
        "",
        game.description.strip() or "",
        "",
        f"Generated by `{command}`. Every pair of strategies ran on the same "
        f"{result['replicates']} replicate seeds (common random numbers). Payoff: "
        f"**{result['payoff']}** "
        f"({result['payoff_unit']}), mean over replicates with a {result['confidence']:.0%} "
        f"{result['interval']}.",
        "",
    ]
    for player in (a, b):
        lines += [f"## {player}'s payoffs (rows: {a}, columns: {b})", ""]
        lines += ["| " + " | ".join([f"{a} \\ {b}", *sb]) + " |", "|" + "---|" * (len(sb) + 1)]
        for x in sa:
            cells = []
            for y in sb:
                s = result["payoffs"][x][y][player]
                ci = (
                    "" if s.get("ci_low") is None else f" [{s['ci_low']:+.1f}, {s['ci_high']:+.1f}]"
                )
                cells.append(f"{s['mean']:+.1f}{ci}")
            lines.append("| " + " | ".join([x, *cells]) + " |")
        lines.append("")
    lines += ["## Best responses", ""]
    for player in (a, b):
        for rival, entry in result["best_responses"][player].items():
            state = "resolved" if entry["resolved"] else "not resolved by the replicates"
            lines.append(f"- {player} against {rival}: {', '.join(entry['best'])} ({state})")
    lines += ["", "## Pure-strategy equilibria", ""]
    if result["equilibria"]:
        lines += [f"- {a}: {e[a]}, {b}: {e[b]}" for e in result["equilibria"]]
    else:
        lines.append("- none: every cell leaves one side a better reply")
    lines += ["", "![payoffs](game.png)", ""]
    return "\n".join(lines)


def headline(result: dict[str, Any]) -> str:
    """The README's sentence on the rival's response, from game.json: the pure equilibria with
    the first player's payoff there, and its best response to each of the rival's strategies."""
    a, b = result["players"]

    def cell_words(x: str, y: str) -> str:
        cell = result["payoffs"][x][y]
        s = cell[a]
        return (
            f"{a}'s {result['payoff'].replace('_', ' ')} {s['mean']:+.1f} [{s['ci_low']:+.1f}, "
            f"{s['ci_high']:+.1f}] ({result['payoff_unit']}; campaign spend per 1,000 citizens "
            f"{cell[f'spend.{a}']:,.0f} and {cell[f'spend.{b}']:,.0f})"
        )

    eq = result["equilibria"]
    if eq:
        found = "; ".join(
            f"{a} `{e[a]}` against {b} `{e[b]}`: {cell_words(e[a], e[b])}" for e in eq
        )
        text = f"the pure-strategy equilibri{'um is' if len(eq) == 1 else 'a are'} {found}"
    else:
        text = "no pure-strategy equilibrium"
    responses = ", ".join(
        f"`{'`/`'.join(r['best'])}` to `{y}`" + ("" if r["resolved"] else " (not resolved)")
        for y, r in result["best_responses"][a].items()
    )
    return (
        f"When the rival responds (`experiments/{result['name']}.yaml`, {result['replicates']} "
        f"replicates, intervals over replicates): {text}; {a}'s best responses: {responses}."
    )
