"""W1 peer: Deffuant bounded confidence written the way Mesa 3.5's own examples are.

Run: .venv/bin/python benchmarks/peers/mesa_w1.py --edges E.csv --opinions X.npy
     [--steps 10] [--budget SECONDS] [--seed 0] [--check]

The idiom follows `mesa/examples/basic/virus_on_network`: a `mesa.discrete_space.Network` built
from the networkx graph with `capacity=1` and the model's `random`; one `FixedAgent` per node
(agents that never move, as in that example), holding an `opinion` on [-1, 1]; `Model.step` calls
`self.agents.shuffle_do("step")`; an agent's step draws a partner with
`self.cell.neighborhood.select_random_agent()`, then applies Deffuant et al. (2000):

    if |x_i - x_j| < d:  x_i += μ (x_j - x_i),  x_j += μ (x_i_old - x_j)   (d = 0.6, μ = 0.5)

Update order: one step is a random sequential sweep, every agent acting once in a fresh random
order, N interactions in all. That is Mesa's standard stand-in for "N times pick a uniformly
random agent"; both are asynchronous, and the expected number of interactions per agent per step
is 1 either way (the sweep just has no variance in who acts). The partner is uniform over the
agent's graph neighbours; an agent without neighbours skips (and still counts as one interaction
attempt, as in W1).

Departures from the example, each because W1 is a timing of the dynamics only:
- `layout=None`: Mesa 3.5's `Network` defaults to `nx.spring_layout` (unseeded, and minutes at
  N = 10^5) for drawing; W1 draws nothing.
- no `DataCollector`: W1 has no per-step reporters.

Randomness: `Model(rng=seed)` seeds `model.random`, which the network, its cells'
neighbourhoods and the agent set all share, so a seed reproduces the run.

Prints one JSON line (see `w1_common.report`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import mesa
import networkx as nx
import numpy as np
from mesa.discrete_space import FixedAgent, Network

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.peers.w1_common import (  # noqa: E402
    CONFIDENCE,
    CONVERGENCE,
    clusters,
    package_versions,
    parse_args,
    read_inputs,
    report,
    run_steps,
    say_check,
)


class OpinionAgent(FixedAgent):
    """A person at a network node, holding an opinion on [-1, 1]."""

    def __init__(self, model: DeffuantModel, opinion: float, cell) -> None:
        super().__init__(model)
        self.opinion = opinion
        self.cell = cell

    def step(self) -> None:
        """Meet one random neighbour; if close enough (|gap| < d), both move μ of the gap."""
        other = self.cell.neighborhood.select_random_agent(default=None)
        if other is None:
            return
        gap = other.opinion - self.opinion
        if abs(gap) < self.model.confidence:
            self.opinion += self.model.convergence * gap
            other.opinion -= self.model.convergence * gap


class DeffuantModel(mesa.Model):
    """Deffuant bounded confidence on a given graph, one agent per node."""

    def __init__(
        self,
        graph: nx.Graph,
        opinions: np.ndarray,
        confidence: float = CONFIDENCE,
        convergence: float = CONVERGENCE,
        rng: int | None = None,
    ) -> None:
        super().__init__(rng=rng)
        self.confidence = confidence
        self.convergence = convergence
        self.grid = Network(graph, capacity=1, random=self.random, layout=None)
        OpinionAgent.create_agents(
            self,
            graph.number_of_nodes(),
            opinions.tolist(),
            list(self.grid.all_cells),
        )

    def step(self) -> None:
        """One random sequential sweep: every agent interacts once, in random order."""
        self.agents.shuffle_do("step")

    def opinions(self) -> np.ndarray:
        """Opinions in node order."""
        return np.array([cell.agents[0].opinion for cell in self.grid.all_cells])


def main(argv: list[str] | None = None) -> None:
    """Read the inputs, build the model, step it, print the JSON line."""
    args = parse_args("mesa", argv)

    start = time.perf_counter()
    graph, initial = read_inputs(args.edges, args.opinions)
    read_s = time.perf_counter() - start
    model = DeffuantModel(graph, initial, rng=args.seed)
    setup_s = time.perf_counter() - start

    steps, step_s, first_step_s = run_steps(model.step, args.steps, args.budget)

    extra = {
        "setup_detail": {"read_s": read_s, "build_s": setup_s - read_s},
        "first_step_s": first_step_s,
    }
    if args.check:
        final = clusters(model.opinions())
        extra["check"] = final
        say_check("mesa", initial, final)
    report(
        peer="mesa",
        graph=graph,
        setup_s=setup_s,
        steps=steps,
        step_s=step_s,
        interactions=steps * graph.number_of_nodes(),
        versions=package_versions("mesa", "networkx", "numpy"),
        note=(
            "idiomatic Mesa 3.5: FixedAgent per node on discrete_space.Network (layout=None), "
            "step = agents.shuffle_do('step'), a random sequential sweep of N interactions; "
            "partner = cell.neighborhood.select_random_agent()"
        ),
        extra=extra,
    )


if __name__ == "__main__":
    main()
