"""W1 peer: Deffuant bounded confidence run by ndlib's `AlgorithmicBiasModel` with gamma = 0.

Run: .venv/bin/python benchmarks/peers/ndlib_w1.py --edges E.csv --opinions X.npy
     [--steps 10] [--budget SECONDS] [--seed 0] [--check]

ndlib has no model named Deffuant; `ndlib.models.opinions.AlgorithmicBiasModel` (Sîrbu et al.
2019, "Algorithmic bias amplifies opinion fragmentation and polarization", PLoS ONE 14(3)) is
Deffuant et al. (2000) plus a bias that picks the partner with probability ∝ |x_i - x_j|^-gamma;
with gamma = 0 every neighbour is equally likely, which is Deffuant. Read from ndlib 6.0.1's
source, one `iteration()` (after the first) does, N times:

- i = `random.choice(ids)` (stdlib `random`): a uniformly random node, with replacement;
- j = a neighbour of i drawn by inverse CDF over weights max(|x_i - x_j|, 1e-5)^-gamma
  (`np.random.random_sample`): uniform over neighbours at gamma = 0;
- if |x_i - x_j| < epsilon, both become (x_i + x_j) / 2: μ = 0.5 is fixed, both agents move,
  and the opinions are read and written in place, so the interactions are sequential.

So W1 maps one to one: opinions x on [-1, 1] go in as (x + 1) / 2, epsilon = d / 2 = 0.3, and
one iteration = one W1 step = N interactions.

Where ndlib needed help, and why:
- Initial opinions: ndlib cannot take given opinions (its configuration only names a
  distribution it samples from `np.random`); we overwrite `model.status` right after
  `set_initial_status`, which is what `iteration()` reads (`node_data`'s opinion copies are never
  read on an incomplete graph; on a complete graph `model.sts` is what it reads, so we set it too).
- Iteration 0 is a no-op in ndlib (it returns the initial status and a status count), so it is
  called once during set-up and not counted as a step.
- Agents without neighbours: ndlib raises on them (argmax of an empty array), so isolated nodes
  are left out of ndlib's graph; they would only skip in W1. Interactions are then counted as
  (N - isolates) per iteration, and the note says so.
- Seeding: `AlgorithmicBiasModel(graph, seed)` seeds the global `np.random`; the first pick uses
  the global stdlib `random`, so we seed that too.
- `model.iteration(node_status=False)` in our own loop rather than `iteration_bunch`:
  `iteration_bunch(k, node_status)` is only a loop over `iteration()` wrapped in tqdm that keeps
  every result, and W1's time budget needs a check after each iteration. `node_status=False` is
  the cheaper of ndlib's two modes (the status dict is not returned); each iteration still copies
  the status dict once, which is ndlib's own cost and counted.

Prints one JSON line (see `w1_common.report`).
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import ndlib.models.ModelConfig as mc
import networkx as nx
import numpy as np
from ndlib.models.opinions import AlgorithmicBiasModel

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.peers.w1_common import (  # noqa: E402
    CONFIDENCE,
    clusters,
    package_versions,
    parse_args,
    read_inputs,
    report,
    run_steps,
    say_check,
)


def build_model(graph: nx.Graph, opinions: np.ndarray, seed: int) -> AlgorithmicBiasModel:
    """An AlgorithmicBiasModel with gamma = 0 whose opinions are `opinions` mapped to [0, 1]."""
    random.seed(seed)  # ndlib's first pick uses stdlib random; the model seeds np.random
    model = AlgorithmicBiasModel(graph, seed=seed)
    config = mc.Configuration()
    config.add_model_parameter("epsilon", CONFIDENCE / 2)  # [-1, 1] → [0, 1] halves distances
    config.add_model_parameter("gamma", 0)
    model.set_initial_status(config)
    model.status = {node: (float(opinions[node]) + 1.0) / 2.0 for node in graph.nodes}
    model.initial_status = model.status.copy()
    if model.sts is not None:  # complete graph: ndlib reads opinions from this array instead
        model.sts = np.array([model.status[node] for node in model.ids], dtype=object)
    model.iteration(node_status=False)  # ndlib's iteration 0 only reports the initial state
    return model


def main(argv: list[str] | None = None) -> None:
    """Read the inputs, build the model, step it, print the JSON line."""
    args = parse_args("ndlib", argv)

    start = time.perf_counter()
    graph, initial = read_inputs(args.edges, args.opinions)
    read_s = time.perf_counter() - start
    isolates = list(nx.isolates(graph))
    active = graph.subgraph(n for n in graph if graph.degree(n) > 0).copy() if isolates else graph
    model = build_model(active, initial, args.seed)
    setup_s = time.perf_counter() - start

    steps, step_s, first_step_s = run_steps(
        lambda: model.iteration(node_status=False), args.steps, args.budget
    )

    note = (
        "ndlib AlgorithmicBiasModel, gamma=0 (= Deffuant), epsilon=0.3 on [0,1]; one iteration "
        "= N random-agent picks, uniform neighbour, both move to the average (mu=0.5); given "
        "opinions written into model.status after set_initial_status; iteration 0 (no-op) run "
        "in set-up; stepped with model.iteration(node_status=False)"
    )
    if isolates:
        note += f"; {len(isolates)} isolated nodes left out of ndlib's graph (ndlib raises on them)"
    extra = {
        "setup_detail": {"read_s": read_s, "build_s": setup_s - read_s},
        "first_step_s": first_step_s,
    }
    if args.check:
        final_opinions = initial.copy()
        for node, value in model.status.items():
            final_opinions[node] = 2.0 * value - 1.0
        final = clusters(final_opinions)
        extra["check"] = final
        say_check("ndlib", initial, final)
    report(
        peer="ndlib",
        graph=graph,
        setup_s=setup_s,
        steps=steps,
        step_s=step_s,
        interactions=steps * active.number_of_nodes(),
        versions=package_versions("ndlib", "networkx", "numpy"),
        note=note,
        extra=extra,
    )


if __name__ == "__main__":
    main()
