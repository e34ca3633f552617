"""Memory estimates: refuse a model or a design that would not fit, before allocating anything.

A scenario whose values are each in range can still need more memory than the machine has (10⁷
citizens with mean degree 9,999; a complete network of 20,000; a grid of three keys with 10,000
points each). :func:`run_bytes` and :func:`design_bytes` estimate the peak memory from the
scenario's sizes, and :func:`check` refuses, in one line, what exceeds the limit: what it would
need, what there is.

The limit is the machine's total memory by default (``/proc/meminfo`` or ``os.sysconf``), or
``--max-memory`` / ``$SOCIALWEB_MAX_MEMORY`` (``500M``, ``8G``, or bytes) — tests set a small fixed
limit so their results do not depend on the machine.

The per-unit costs below were measured on this project's code (peak RSS above a warm interpreter,
Python 3.13, NumPy 2, two steps, ``scripts``-free: see the test of this module), rounded up:

=====================================  ============================================================
what                                   bytes (measured → used)
=====================================  ============================================================
interpreter, NumPy, numba, Mesa        ~310 MB → 350 MB once per process (:data:`PROCESS_BYTES`)
each person (citizen or staff)         ~290 → 600 (state arrays, feed and poll buffers)
each directed tie, by generator        Erdős–Rényi 164, Watts–Strogatz 171, stochastic block 166,
                                       Barabási–Albert 55, homophilous 60, complete 19
                                       → :data:`TIE_BYTES` (+5 % … +25 %); none: no ties
each citizen of a rule drawing its     radicalization: its contact buffers, 2·N·m sources and
own contacts, per contact m            targets (int64, worst case: all active, all returned)
                                       ~32 → 32 (:data:`CONTACT_BYTES`), plus activities,
                                       offsets and RK4 arrays ~70 → 80 (:data:`DRAWN_BYTES`)
each staff tie                         ~54 → 70
each recorded step, per output column  ~230 → 240 (DataCollector row, then the tidy table;
                                       two parties: 33 columns, 7.6 KB a step at 20,000 steps)
each design point (a sweep)            ~470 for the point + ~3,650 for its Scenario → 4,500
each run of a sweep (the final table)  → 400
=====================================  ============================================================

Measured as peak RSS above a warm interpreter (Python 3.13, NumPy 2, two steps) at 10⁵ citizens
with mean degree 10 (10⁶ at mean degree 2; complete graphs at 8,000 and 12,000; 10³ staff × 10⁴
ties; 12,000 steps), 2026-11-25, on the project's 2-core reference machine; radicalization on
network.kind none at 10⁶ citizens, m = 10 (2026-11-26): 169 B a citizen as published (γ = 2.1,
ε = 0.01, r = 0.5), 479 B in the worst case (every citizen active, r = 1), against 1,000
estimated.

These are estimates, not promises: a run may use somewhat more (the limit is on the estimate), and
the refusal names the estimate so a user who knows better can raise ``--max-memory``.
"""

from __future__ import annotations

import os
import re
from typing import Any

from model.config.load import ConfigError
from model.config.schema import OWN_CONTACT_RULES

PROCESS_BYTES = 350 * 2**20
PERSON_BYTES = 600
TIE_BYTES = {
    "erdos_renyi": 175,
    "watts_strogatz": 180,
    "stochastic_block": 175,
    "barabasi_albert": 65,
    "homophilous": 70,
    "complete": 24,
}
STAFF_TIE_BYTES = 70
CONTACT_BYTES = 32  # per citizen and opinion.contacts, a rule drawing its own contacts
DRAWN_BYTES = 80  # per citizen, the same rule's other arrays
STEP_COLUMN_BYTES = 240
POINT_BYTES = 4_500
RUN_ROW_BYTES = 400

_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([kmgt]i?b?|b)?\s*$", re.IGNORECASE)


def parse_size(text: str, where: str = "--max-memory") -> int:
    """``"500M"``, ``"8G"``, ``"1.5GiB"`` or a plain number of bytes → bytes (ConfigError)."""
    match = _SIZE.match(str(text))
    if not match:
        raise ConfigError(
            [f"{where}: expected a size such as 800M, 8G or a number of bytes, got {text!r}"]
        )
    number, unit = float(match.group(1)), (match.group(2) or "b")[0].lower()
    return int(number * {"b": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}[unit])


def machine_memory() -> int:
    """Total physical memory of this machine in bytes."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # pragma: no cover - exotic platforms
        return 16 * 2**30


def memory_limit(override: str | int | None = None) -> int:
    """The limit: ``override`` (``--max-memory``), else ``$SOCIALWEB_MAX_MEMORY``, else the
    machine's total memory."""
    if override is not None:
        return override if isinstance(override, int) else parse_size(override)
    env = os.environ.get("SOCIALWEB_MAX_MEMORY")
    if env:
        return parse_size(env, "SOCIALWEB_MAX_MEMORY")
    return machine_memory()


def human(n: float) -> str:
    """Bytes as ``1.2 GB``."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"


def run_parts(scenario: Any) -> dict[str, int]:
    """Estimated peak memory of one run of ``scenario`` by what takes it (bytes)."""
    pop, net = scenario.population, scenario.network
    citizens = int(pop.citizens)
    counts = _staff_counts(scenario)
    staff = sum(counts)
    staff_ties = sum(
        c * int(p.staff.ties) for c, p in zip(counts, scenario.parties.values(), strict=True)
    )
    if net.kind == "complete":
        ties = citizens * (citizens - 1) * TIE_BYTES["complete"]
    elif net.kind == "none":
        ties = 0  # no ties: N + 1 offsets, counted with the people
    elif net.kind in ("edge_list", "graph_file"):
        ties = 0  # the file itself bounds it (read, and sized, before the run)
    else:
        degree = min(float(net.mean_degree), citizens - 1)
        ties = int(citizens * degree * TIE_BYTES.get(net.kind, max(TIE_BYTES.values())))
    return {
        "people": (citizens + staff) * PERSON_BYTES,
        "network": ties,
        "staff_ties": staff_ties * STAFF_TIE_BYTES,
        "contacts": drawn_contact_bytes(scenario),
        "timeseries": timeseries_bytes(scenario),
    }


def drawn_contact_bytes(scenario: Any) -> int:
    """A rule that draws its own contacts every step (radicalization): its buffers for 2·N·m
    directed contacts and its per-citizen arrays; 0 for every other rule."""
    if scenario.opinion.rule not in OWN_CONTACT_RULES:
        return 0
    citizens = int(scenario.population.citizens)
    return citizens * (CONTACT_BYTES * int(scenario.opinion.contacts) + DRAWN_BYTES)


def _part_label(part: str, scenario: Any) -> str:
    """What a part of :func:`run_parts` is, for the refusal line (built only when refusing)."""
    counts = _staff_counts(scenario)
    staff = sum(counts)
    net = scenario.network
    if part == "people":
        return f"{scenario.population.citizens:,} citizens and {staff:,} staff"
    if part == "network":
        return f"its {net.kind} network at mean degree {net.mean_degree:g}"
    if part == "staff_ties":
        ties = sum(
            c * int(p.staff.ties) for c, p in zip(counts, scenario.parties.values(), strict=True)
        )
        return f"{staff:,} staff with {ties:,} ties"
    if part == "contacts":
        return (
            f"the contacts its {scenario.opinion.rule} rule draws "
            f"(opinion.contacts {scenario.opinion.contacts:,} per citizen)"
        )
    return f"its time series of {scenario.steps:,} steps; raise output.every"


def run_bytes(scenario: Any) -> int:
    """Estimated peak memory of one run of ``scenario`` (above the process's own)."""
    return sum(run_parts(scenario).values())


def timeseries_bytes(scenario: Any) -> int:
    """The in-memory time series: recorded steps × output columns (``output.every`` bounds it)."""
    columns = 16 + 14 * len(scenario.parties)  # run-level + per-party (and per-source) metrics
    recorded = int(scenario.steps) // max(1, int(scenario.output.every)) + 2
    return recorded * columns * STEP_COLUMN_BYTES


def design_bytes(points: int, replicates: int) -> int:
    """Estimated memory of a sweep's design (a scenario per point) and its final runs table."""
    return points * POINT_BYTES + points * replicates * RUN_ROW_BYTES


def check(need: int, what: str, limit: int | None = None, source: str = "") -> None:
    """Refuse (ConfigError, exit 2) when ``need`` bytes exceed the limit; one line."""
    limit = memory_limit() if limit is None else limit
    if need > limit:
        prefix = f"{source}: " if source else ""
        raise ConfigError(
            [
                f"{prefix}{what} would need about {human(need)} of memory; the limit is "
                f"{human(limit)} (this machine's memory, or --max-memory / "
                "SOCIALWEB_MAX_MEMORY); make it smaller"
            ]
        )


def check_runs(
    scenarios: Any, *, concurrent: int = 1, limit: int | None = None, source: str = ""
) -> None:
    """Refuse scenarios whose largest run, ``concurrent`` at a time, would not fit (the caller
    says how many run at once: at most its workers, at most its runs)."""
    scenarios = list(scenarios)
    if not scenarios:
        return
    biggest = max(scenarios, key=run_bytes)
    parts = run_parts(biggest)
    jobs = max(1, concurrent)
    need = jobs * (sum(parts.values()) + PROCESS_BYTES)
    limit = memory_limit() if limit is None else limit
    if need <= limit:
        return
    main = _part_label(max(parts, key=parts.__getitem__), biggest)
    what = (
        f"a run of {biggest.population.citizens:,} citizens"
        + (f" × {jobs} at once" if jobs > 1 else "")
        + f", mostly {main},"
    )
    check(need, what, limit, source or f"scenario {biggest.name}")


def _staff_counts(scenario: Any) -> list[int]:
    """Staff members per party at the scenario's size (``model.config.plan``)."""
    from model.config.plan import plan

    n = scenario.population.citizens
    return [plan(p, n).staff_count for p in scenario.parties.values()]
