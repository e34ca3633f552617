"""``socialweb calibrate`` with ``target: simulation``: fit scenario parameters to stated targets
by approximate Bayesian computation (docs/ODD.md, "Calibration to stated targets").

The engine is ABC-SMC (Toni et al. 2009, *J. R. Soc. Interface* 6:187; Beaumont et al. 2009,
*Biometrika* 96:983) as pyabc implements it (Schälte et al. 2022, *JOSS* 7:4304), an optional
extra (``pip install -e '.[abc]'``). Each parameter has a prior (uniform or log-uniform between
two values inside the scenario key's range); each target is an outcome of a run (a trial's
average treatment effect, or a final metric of summary.json) with the value the user states,
its standard error and its source. A particle's simulation runs the scenario with the
particle's values ``replicates`` times and averages each outcome; its distance to the targets is
Euclidean on the standardized differences, d = √Σ_k ((sim_k − value_k)/se_k)². Epsilon is
pyabc's default (the median of the previous generation's accepted distances) and the
perturbation its multivariate normal kernel; the run stops at ``abc.generations``, at
``abc.min_epsilon`` or when a generation's acceptance rate falls below ``abc.min_acceptance``.

Reproducibility. pyabc's own parallel samplers reseed every worker from the operating system,
so their posterior depends on timing and worker count. :class:`SeededMappingSampler` is pyabc's
``MappingSampler`` with seeds instead: a generation of N particles is N tasks; task i of
generation t gets a seed keyed by (calibration seed, t, i) and draws proposals from it until one
is accepted, on this process, local workers (``model.comparison.run_all``) or Dask. Results come
back in task order, so the posterior is the same for the same seed whatever ``--jobs`` or the
backend. A simulation's model seeds are keyed by the calibration seed, the particle's parameter
values and the replicate, so equal inputs give equal outputs on any process.

The history (pyabc's SQLite database, ``abc.db``) is written to the output folder as the run
goes; ``--resume`` continues a stopped run from its last finished generation (``ABCSMC.load``).
Generations are run one at a time, so a resumed run takes the same path as one never stopped.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import struct
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from model.config.experiment import PARTY_OUTPUTS, RUN_OUTPUTS
from model.config.load import (
    Checker,
    ConfigError,
    _fmt,
    check_name,
    load_scenario,
    resolve_path,
    scenario_to_dict,
    with_overrides,
)
from model.config.schema import Scenario

TOP_KEYS = (
    "name",
    "description",
    "target",
    "scenario",
    "set",
    "parameters",
    "targets",
    "abc",
    "seed",
)
ABC_KEYS = (
    "population",
    "generations",
    "min_epsilon",
    "min_acceptance",
    "replicates",
    "draws",
    "predictive",
)
PRIORS = ("uniform", "loguniform")
TRIAL_OUTCOMES = ("vote_share", "turnout", "opinion")
INSTALL = "install the abc extra: pip install -e '.[abc]'"
DB = "abc.db"
STATE = "abc-run.json"  # the digest of the file whose run abc.db holds (for --resume)
Z = 1.959963984540054


@dataclass(frozen=True)
class Prior:
    kind: str
    low: float
    high: float


@dataclass(frozen=True)
class Target:
    name: str
    outcome: str
    value: float
    se: float
    source: str


@dataclass(frozen=True)
class AbcSettings:
    population: int = 100
    generations: int = 8
    min_epsilon: float = 0.0
    min_acceptance: float = 0.01
    replicates: int = 1
    draws: int = 4000
    predictive: int = 100  # posterior predictive simulations (fresh seeds)


@dataclass(frozen=True)
class SimCalibration:
    name: str
    description: str
    target: str
    scenario: Scenario = field(repr=False)
    scenario_path: str
    overrides: dict[str, Any]
    parameters: dict[str, Prior]
    targets: list[Target]
    abc: AbcSettings
    seed: int
    digest: str


def is_simulation(data: Any) -> bool:
    """A calibration file of this kind (``target: simulation``)."""
    return isinstance(data, dict) and data.get("target") == "simulation"


def outcomes_of(scenario: Scenario) -> list[str]:
    """The outcomes a target can name: final metrics of summary.json (``turnout``,
    ``vote_share.blue``…) and, with a trial, its effects (``trial.opinion``…)."""
    names = [k for k in RUN_OUTPUTS if k != "steps"]
    names += [
        f"{k}.{p}"
        for k in PARTY_OUTPUTS
        if k != "average_cost_per_vote_point"
        for p in scenario.parties
    ]
    if scenario.trial.party:
        names += [f"trial.{k}" for k in TRIAL_OUTCOMES]
    return names


def outcome(final: dict[str, Any], name: str) -> float:
    """One outcome from a run's ``summary["final"]`` (a trial effect: its ATE)."""
    head, _, rest = name.partition(".")
    if head == "trial":
        return float(final["trial"][rest]["ate"])
    value = final[head]
    return float(value[rest] if rest else value)


def checked_number(b: Checker, data: dict, key: str, where: str, default, lo, hi, integer=False):
    """``data[key]`` (``default`` if absent) if it is a number (an integer if ``integer``) in
    [lo, hi]; else a problem at ``where`` and ``default``."""
    value = data.get(key, default)
    ok = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok or not lo <= value <= hi:
        kind = "an integer" if integer else "a number"
        b.fail(where, f"expected {kind} in [{lo:g}, {hi:g}], got {_fmt(value)}")
        return default
    return value


def open_calibration(path: Path, data: dict, top_keys: tuple[str, ...]) -> tuple[Checker, str]:
    """The checks every calibration file starts with: no key outside ``top_keys`` and a valid
    ``name`` (default: the file's stem). Returns the Checker collecting the problems, and the
    name."""
    b = Checker(str(path), path.parent)
    for key in data:
        if key not in top_keys:
            b.fail(str(key), f"unknown key; expected one of: {', '.join(top_keys)}")
    name = data.get("name", path.stem)
    check_name(b, "name", name)
    return b, name


def load_simulation_calibration(path: str | Path) -> SimCalibration:
    """Read and check a ``target: simulation`` file. Raises ConfigError, one line per problem
    (the file, the key path, what was expected)."""
    from model.config.load import read_yaml

    path = Path(path)
    data = read_yaml(path, "calibration")
    b, name = open_calibration(path, data, TOP_KEYS)
    raw_scenario = data.get("scenario")
    overrides = data.get("set") or {}
    if not isinstance(overrides, dict) or not all(isinstance(k, str) for k in overrides):
        b.fail("set", f"expected a mapping of scenario keys to values, got {_fmt(overrides)}")
        overrides = {}
    scenario = None
    if not isinstance(raw_scenario, str) or not raw_scenario:
        b.fail("scenario", "expected the path of a scenario file (relative to this file)")
    else:
        file = resolve_path(raw_scenario, path.parent)
        if not file.is_file():
            b.fail("scenario", f"expected a scenario file, {file} not found")
        else:
            try:
                scenario = load_scenario(file, overrides)
            except ConfigError as err:
                b.fail("scenario", f"the scenario (with set) does not load: {err.problems[0]}")
    if b.problems:
        raise ConfigError(b.problems[:1])
    assert scenario is not None
    parameters: dict[str, Prior] = {}
    raw = data.get("parameters")
    if not isinstance(raw, dict) or not raw:
        b.fail("parameters", "expected a mapping of scenario keys to priors")
        raw = {}
    for key, spec in raw.items():
        where = f"parameters.{key}"
        if not isinstance(spec, dict) or set(spec) - {"prior", "low", "high"}:
            b.fail(
                where, f"expected {{prior: uniform|loguniform, low: A, high: B}}, got {_fmt(spec)}"
            )
            continue
        kind = spec.get("prior", "uniform")
        if kind not in PRIORS:
            b.fail(f"{where}.prior", f"expected one of {', '.join(PRIORS)}, got {_fmt(kind)}")
            continue
        low, high = spec.get("low"), spec.get("high")
        bad = [
            (k, v)
            for k, v in (("low", low), ("high", high))
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v)
        ]
        if bad:
            b.fail(f"{where}.{bad[0][0]}", f"expected a number, got {_fmt(bad[0][1])}")
            continue
        if not low < high:
            b.fail(f"{where}.low", f"expected low < high, got low {low:g}, high {high:g}")
            continue
        if kind == "loguniform" and low <= 0:
            b.fail(f"{where}.low", f"expected low > 0 for a log-uniform prior, got {low:g}")
            continue
        problem = _check_key(scenario, str(key), float(low), float(high))
        if problem:
            b.fail(where, problem)
            continue
        parameters[str(key)] = Prior(kind, float(low), float(high))
    targets: list[Target] = []
    allowed = outcomes_of(scenario)
    raw_targets = data.get("targets")
    if not isinstance(raw_targets, list) or not raw_targets:
        b.fail("targets", "expected a list of {name, outcome, value, se, source}")
        raw_targets = []
    seen = set()
    for i, t in enumerate(raw_targets):
        where = f"targets[{i}]"
        if not isinstance(t, dict):
            b.fail(where, f"expected {{name, outcome, value, se, source}}, got {_fmt(t)}")
            continue
        extra = set(t) - {"name", "outcome", "value", "se", "source"}
        if extra:
            b.fail(
                f"{where}.{sorted(extra)[0]}",
                "unknown key; expected name, outcome, value, se, source",
            )
            continue
        tname = t.get("name", t.get("outcome"))
        if not isinstance(tname, str) or not tname or tname in seen:
            b.fail(f"{where}.name", f"expected a new name, got {_fmt(tname)}")
            continue
        seen.add(tname)
        out = t.get("outcome")
        if out not in allowed:
            hint = "" if scenario.trial.party else " (trial.* needs trial.party in the scenario)"
            b.fail(
                f"{where}.outcome",
                f"expected one of {', '.join(allowed)}{hint}, got {_fmt(out)}",
            )
            continue
        value, se = t.get("value"), t.get("se")
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            b.fail(f"{where}.value", f"expected a number (the target's value), got {_fmt(value)}")
            continue
        if isinstance(se, bool) or not isinstance(se, (int, float)) or not (0 < se < math.inf):
            b.fail(
                f"{where}.se",
                f"expected the target's standard error, a number > 0, got {_fmt(se)}",
            )
            continue
        source = t.get("source")
        if not isinstance(source, str) or not source.strip():
            b.fail(f"{where}.source", "expected where the value and its standard error come from")
            continue
        targets.append(Target(tname, str(out), float(value), float(se), source.strip()))
    raw_abc = data.get("abc") or {}
    if not isinstance(raw_abc, dict):
        b.fail("abc", f"expected a mapping of {', '.join(ABC_KEYS)}, got {_fmt(raw_abc)}")
        raw_abc = {}
    for key in raw_abc:
        if key not in ABC_KEYS:
            b.fail(f"abc.{key}", f"unknown key; expected one of: {', '.join(ABC_KEYS)}")
    d = AbcSettings()
    settings = AbcSettings(
        population=checked_number(
            b, raw_abc, "population", "abc.population", d.population, 10, 100_000, True
        ),
        generations=checked_number(
            b, raw_abc, "generations", "abc.generations", d.generations, 1, 1000, True
        ),
        min_epsilon=float(
            checked_number(b, raw_abc, "min_epsilon", "abc.min_epsilon", d.min_epsilon, 0, 1e12)
        ),
        min_acceptance=float(
            checked_number(
                b, raw_abc, "min_acceptance", "abc.min_acceptance", d.min_acceptance, 0, 1
            )
        ),
        replicates=checked_number(
            b, raw_abc, "replicates", "abc.replicates", d.replicates, 1, 1000, True
        ),
        draws=checked_number(b, raw_abc, "draws", "abc.draws", d.draws, 100, 1_000_000, True),
        predictive=checked_number(
            b, raw_abc, "predictive", "abc.predictive", d.predictive, 10, 100_000, True
        ),
    )
    seed = data.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        b.fail("seed", f"expected an integer >= 0, got {_fmt(seed)}")
        seed = 0
    if b.problems:
        raise ConfigError(b.problems)
    sha = hashlib.sha256(path.read_bytes())
    sha.update(json.dumps(scenario_to_dict(scenario), sort_keys=True, default=str).encode())
    return SimCalibration(
        name=str(name),
        description=str(data.get("description", "")),
        target="simulation",
        scenario=scenario,
        scenario_path=str(raw_scenario),
        overrides=dict(overrides),
        parameters=parameters,
        targets=targets,
        abc=settings,
        seed=seed,
        digest=sha.hexdigest()[:16],
    )


def _check_key(scenario: Scenario, key: str, low: float, high: float) -> str:
    """'' if both ends of the prior load into the scenario, else what is wrong."""
    for value, end in ((low, "low"), (high, "high")):
        try:
            with_overrides(scenario, {key: value})
        except ConfigError as err:
            problem = err.problems[0].split(": ", 1)[-1].removeprefix(f"{key}: ")
            return f"the prior's {end} end ({value:g}) is not a value of this key: {problem}"
    inner = low + 0.5123456789 * (high - low)  # not a whole number: integer keys are refused
    try:
        with_overrides(scenario, {key: inner})
    except ConfigError:
        return "expected a key holding a real number (integer and text keys cannot be fitted)"
    # an unknown key is accepted by apply_overrides only if it creates nothing: check it landed
    probe = with_overrides(scenario, {key: low})
    node: Any = probe
    for part in key.split("."):
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, _MISSING)
        if node is _MISSING:
            return "expected a scenario key (e.g. population.openness), got an unknown key"
    if isinstance(node, bool) or not isinstance(node, (int, float)):
        return f"expected a numeric scenario key, got one holding {_fmt(node)}"
    return ""


_MISSING = object()


# -- the simulations ------------------------------------------------------------------------


def model_seed(seed: int, values: tuple[float, ...], replicate: int, stream: int = 0) -> int:
    """A run's model seed, keyed by the calibration seed, the particle's parameter values (their
    exact bits), the stream (0: the ABC's simulations; 1 + i: posterior predictive draw i) and
    the replicate: the same inputs give the same run on any process."""
    digest = hashlib.sha256(struct.pack(f"<{len(values)}d", *values)).digest()
    key = (int.from_bytes(digest[:8], "little"), stream, replicate)
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1, np.uint32)[0])


def simulate(
    scenario: Scenario,
    keys: list[str],
    values: tuple[float, ...],
    cal_seed: int,
    outcomes: list[str],
    replicates: int,
    stream: int = 0,
) -> dict[str, float]:
    """Run the scenario with ``keys`` set to ``values``, ``replicates`` times; each outcome's
    mean over the replicates."""
    from model.runner import election_day_only, run

    sc = election_day_only(with_overrides(scenario, dict(zip(keys, values, strict=True))))
    sums = dict.fromkeys(outcomes, 0.0)
    for r in range(replicates):
        final = run(sc, seed=model_seed(cal_seed, values, r, stream)).summary["final"]
        for name in outcomes:
            sums[name] += outcome(final, name)
    return {name: s / replicates for name, s in sums.items()}


@dataclass
class ScenarioModel:
    """pyabc's model: parameters → simulated outcomes (picklable: it travels to workers)."""

    scenario: Scenario
    keys: list[str]
    outcomes: list[str]
    replicates: int
    seed: int
    names: list[str]

    def __call__(self, pars: dict) -> dict[str, float]:
        values = tuple(float(pars[k]) for k in self.keys)
        sim = simulate(self.scenario, self.keys, values, self.seed, self.outcomes, self.replicates)
        return {n: sim[o] for n, o in zip(self.names, self.outcomes, strict=True)}


@dataclass
class Standardized:
    """Euclidean distance on (simulated − target)/se."""

    se: dict[str, float]

    def __call__(self, x: dict, x0: dict) -> float:
        return math.sqrt(sum(((x[k] - x0[k]) / s) ** 2 for k, s in self.se.items()))


def _one_particle(pickled: bytes, seed: int, cap: float):
    """One task of a generation: draw proposals from ``seed`` until one is accepted (pyabc's
    MappingSampler.map_function, seeded instead of reseeded from the operating system), or until
    ``cap`` simulations (then the sample is marked not ok: the acceptance rate is too low).

    pyabc draws its proposals from numpy's global random state (it offers no Generator), so
    this is the one place that seeds it (tests/test_architecture.py names it); the state is
    restored afterwards. The model's own runs use their keyed Generators (model_seed)."""
    import cloudpickle

    simulate_one, factory = cloudpickle.loads(pickled)
    saved = np.random.get_state()  # noqa: NPY002
    np.random.seed(seed)  # noqa: NPY002 - pyabc's proposals come from the global state
    try:
        sample = factory()
        n = 0
        while True:
            particle = simulate_one()
            n += 1
            sample.append(particle)
            if particle.accepted:
                return sample, n
            if n >= cap:
                sample.ok = False
                return sample, n
    finally:
        np.random.set_state(saved)  # noqa: NPY002


def sampler(seed: int, jobs: int = 1, executor: Executor | None = None):
    """A pyabc sampler whose result depends on ``seed`` only (see the module docstring): task i
    of call c in generation t is seeded by SeedSequence(seed, spawn_key=(17, t + 1, c)); with a
    limit on simulations (``max_eval``, from ``abc.min_acceptance``) each task may run its share,
    ⌈max_eval/n⌉, and the generation fails if one of them finds no accepted particle."""
    import cloudpickle
    from pyabc.sampler import Sampler

    from model.comparison import run_all

    class SeededMappingSampler(Sampler):
        def __init__(self):
            super().__init__()
            self.calls: dict[int, int] = {}

        def sample_until_n_accepted(
            self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None
        ):
            call = self.calls.get(t, 0)
            self.calls[t] = call + 1
            stream = np.random.SeedSequence(seed, spawn_key=(17, t + 1, call))
            seeds = [int(s) for s in stream.generate_state(n, np.uint32)]
            cap = math.ceil(max_eval / n) if math.isfinite(max_eval) else math.inf
            pickled = cloudpickle.dumps((simulate_one, self.sample_factory))
            results = run_all(
                [(pickled, s, cap) for s in seeds], jobs=jobs, executor=executor, fn=_one_particle
            )
            self.nr_evaluations_ = sum(k for _, k in results)
            sample = self._create_empty_sample()
            for part, _ in results:
                sample += part
            sample.ok = all(part.ok for part, _ in results)
            return sample

    return SeededMappingSampler()


def _quiet_pyabc() -> None:
    for name in ("ABC", "pyabc", "History", "Epsilon", "Distance", "Acceptor", "Sampler"):
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith(("ABC", "pyabc")):
            logging.getLogger(name).setLevel(logging.WARNING)


def have_pyabc() -> bool:
    import importlib.util

    return importlib.util.find_spec("pyabc") is not None


def _abcsmc(cal: SimCalibration, the_sampler):
    import pyabc

    priors = pyabc.Distribution(
        **{
            k: pyabc.RV("uniform", p.low, p.high - p.low)
            if p.kind == "uniform"
            else pyabc.RV("loguniform", p.low, p.high)
            for k, p in cal.parameters.items()
        }
    )
    model = ScenarioModel(
        scenario=cal.scenario,
        keys=list(cal.parameters),
        outcomes=[t.outcome for t in cal.targets],
        replicates=cal.abc.replicates,
        seed=cal.seed,
        names=[t.name for t in cal.targets],
    )
    distance = Standardized({t.name: t.se for t in cal.targets})
    return pyabc.ABCSMC(
        model,
        priors,
        distance,
        population_size=cal.abc.population,
        sampler=the_sampler,
    )


def fit(
    cal: SimCalibration,
    out: Path,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    say: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], pd.DataFrame, dict]:
    """Run (or continue) ABC-SMC with its history in ``out/abc.db``: (calibration.json content,
    equal-weight posterior draws, what the plot needs)."""
    db = out / DB
    uri = f"sqlite:///{db.resolve()}"
    the_sampler = sampler(cal.seed, jobs=jobs, executor=executor)
    _quiet_pyabc()  # after pyabc's import, which sets its loggers' levels
    if not (resume and db.exists()):
        from model.store import write_json

        write_json({"digest": cal.digest}, out / STATE)
        _abcsmc(cal, the_sampler).new(uri, {t.name: t.value for t in cal.targets})
    stop = ""
    while True:
        # every generation continues the stored run (ABCSMC.load), as --resume does, so a
        # resumed run takes the same path as one never stopped (epsilon, transition and
        # distances are set up from the last stored generation either way)
        abc = _abcsmc(cal, the_sampler)
        abc.load(uri, 1)
        _quiet_pyabc()
        history = abc.history
        t = history.max_t  # -1 before the first generation
        if t + 1 >= cal.abc.generations:
            stop = f"generations ({cal.abc.generations})"
            break
        if t >= 0:
            eps = float(history.get_all_populations().query("t >= 0")["epsilon"].iloc[-1])
            if eps <= cal.abc.min_epsilon:
                stop = f"min_epsilon ({cal.abc.min_epsilon:g})"
                break
        abc.run(max_nr_populations=1, min_acceptance_rate=cal.abc.min_acceptance)
        if history.max_t == t:  # the generation failed: its acceptance rate fell too low
            stop = f"min_acceptance ({cal.abc.min_acceptance:g})"
            break
        last = history.get_all_populations().query("t >= 0").iloc[-1]
        samples = int(last["samples"])
        if progress:
            progress(int(last["t"]) + 1, cal.abc.generations)
        if say:
            say(
                f"calibrate {cal.name}: generation {int(last['t']) + 1}: epsilon "
                f"{last['epsilon']:.4g}, {samples} simulations, acceptance "
                f"{cal.abc.population / max(samples, 1):.1%}"
            )
        if cal.abc.min_acceptance and cal.abc.population / samples < cal.abc.min_acceptance:
            stop = f"min_acceptance ({cal.abc.min_acceptance:g})"
            break
    return summarise(cal, history, stop, jobs=jobs, executor=executor)


def _resample(frame: pd.DataFrame, weights: np.ndarray, n: int, seed: int) -> pd.DataFrame:
    """``n`` equal-weight draws from weighted particles (multinomial, seeded)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(23,)))
    picks = rng.choice(len(frame), size=n, replace=True, p=weights / weights.sum())
    return frame.iloc[picks].reset_index(drop=True)


def predictive_runs(
    cal: SimCalibration,
    posterior: pd.DataFrame,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Posterior predictive simulations: the first ``abc.predictive`` posterior draws (already a
    random resample), each simulated as the ABC did (``replicates`` runs averaged) with fresh
    model seeds (stream 1 + i), so model noise is drawn anew rather than selected by acceptance."""
    from model.comparison import run_all

    keys = list(cal.parameters)
    outcomes = [t.outcome for t in cal.targets]
    rows = posterior.iloc[: cal.abc.predictive]
    tasks = [
        (
            cal.scenario,
            keys,
            tuple(float(v) for v in row),
            cal.seed,
            outcomes,
            cal.abc.replicates,
            1 + i,
        )
        for i, row in enumerate(rows[keys].itertuples(index=False))
    ]
    sims = run_all(tasks, jobs=jobs, executor=executor, fn=simulate)
    return pd.DataFrame([{t.name: sim[t.outcome] for t in cal.targets} for sim in sims])


def summarise(
    cal: SimCalibration,
    history,
    stop: str,
    *,
    jobs: int = 1,
    executor: Executor | None = None,
) -> tuple[dict[str, Any], pd.DataFrame, dict]:
    """calibration.json's content, the equal-weight posterior draws and what the plot needs,
    from the stored history (its last generation) and the posterior predictive simulations."""
    pops = history.get_all_populations()
    gens = pops[pops["t"] >= 0]
    if gens.empty:
        raise ConfigError([f"calibrate {cal.name}: no generation finished (abc settings)"])
    frame, w = history.get_distribution(m=0, t=history.max_t)
    keys = list(cal.parameters)
    frame = frame[keys].astype(float)
    weights = np.asarray(w, dtype=float)
    posterior = _resample(frame, weights, cal.abc.draws, cal.seed)
    predictive = predictive_runs(cal, posterior, jobs=jobs, executor=executor)
    parameters = {}
    for k, prior in cal.parameters.items():
        v = posterior[k]
        parameters[k] = {
            "prior": {"kind": prior.kind, "low": prior.low, "high": prior.high},
            "mean": float(v.mean()),
            "median": float(v.median()),
            "sd": float(v.std(ddof=1)),
            "ci95": [float(v.quantile(0.025)), float(v.quantile(0.975))],
        }
    targets = {}
    for t in cal.targets:
        v = predictive[t.name]
        lo, hi = float(v.quantile(0.025)), float(v.quantile(0.975))
        band = [t.value - Z * t.se, t.value + Z * t.se]
        targets[t.name] = {
            "outcome": t.outcome,
            "value": t.value,
            "se": t.se,
            "target_ci95": band,
            "source": t.source,
            "predictive_mean": float(v.mean()),
            "predictive_ci95": [lo, hi],
            "covers_value": bool(lo <= t.value <= hi),
        }
    generations = [
        {
            "t": int(r["t"]),
            "epsilon": float(r["epsilon"]),
            "simulations": int(r["samples"]),
            "acceptance": cal.abc.population / max(int(r["samples"]), 1),
        }
        for _, r in gens.iterrows()
    ]
    abc_runs = int(gens["samples"].sum()) * cal.abc.replicates
    prior_runs = int(pops.loc[pops["t"] < 0, "samples"].sum()) * cal.abc.replicates
    predictive_n = len(predictive) * cal.abc.replicates
    simulations = abc_runs + prior_runs + predictive_n
    result = {
        "name": cal.name,
        "target": "simulation",
        "scenario": cal.scenario_path,
        "set": cal.overrides,
        "seed": cal.seed,
        "parameters": parameters,
        "targets": targets,
        "simulations": simulations,
        "simulations_by_use": {
            "abc_generations": abc_runs,
            "prior_calibration": prior_runs,
            "posterior_predictive": predictive_n,
        },
        "generations": generations,
        "stopped_by": stop,
        "abc": {
            "engine": "ABC-SMC (pyabc "
            + __import__("pyabc").__version__
            + "), seeded mapping sampler",
            "population": cal.abc.population,
            "generations": cal.abc.generations,
            "min_epsilon": cal.abc.min_epsilon,
            "min_acceptance": cal.abc.min_acceptance,
            "replicates": cal.abc.replicates,
            "draws": cal.abc.draws,
            "predictive": cal.abc.predictive,
            "distance": "Euclidean on (simulated - value)/se over the targets",
            "epsilon": "pyabc default: median of the previous generation's accepted distances",
            "transition": "pyabc default: multivariate normal kernel",
            "history": DB,
        },
        "posterior": {
            "file": "posterior.parquet",
            "draws": len(posterior),
            "method": "the last generation's weighted particles resampled with replacement "
            "(multinomial) to equal-weight draws",
        },
        "intervals": "95 % posterior intervals: quantiles of the ABC posterior at the final "
        "epsilon (an approximation of the posterior given the targets' values and standard "
        "errors, wider than it by the tolerance); posterior predictive intervals: quantiles of "
        f"{len(predictive)} fresh simulations at posterior draws (parameter uncertainty and the "
        "model's own run-to-run noise), set against the target's value ± 1.96 se",
        "digest": cal.digest,
    }
    plot = {"posterior": posterior, "predictive": predictive}
    return result, posterior, plot


def figure(cal: SimCalibration, result: dict, plot: dict):
    """Posterior marginals per parameter (prior range shaded) and posterior predictive per target
    against the target ± 1.96 se."""
    from matplotlib.figure import Figure

    keys, targets = list(cal.parameters), cal.targets
    cols = max(len(keys), len(targets))
    fig = Figure(figsize=(max(3.6 * cols + 0.6, 7.0), 6.4), layout="constrained")
    axes = fig.subplots(2, cols, squeeze=False)
    for j, k in enumerate(keys):
        ax = axes[0][j]
        p = cal.parameters[k]
        ax.hist(plot["posterior"][k], bins=30, color="0.35", density=True)
        ax.set_xlim(p.low, p.high)
        if p.kind == "uniform":
            ax.axhline(1 / (p.high - p.low), color="tab:blue", ls="--", lw=1, label="prior")
        else:
            xs = np.linspace(p.low, p.high, 200)
            ax.plot(
                xs,
                1 / (xs * math.log(p.high / p.low)),
                color="tab:blue",
                ls="--",
                lw=1,
                label="prior",
            )
        lo, hi = result["parameters"][k]["ci95"]
        ax.axvspan(lo, hi, color="tab:orange", alpha=0.15, label="95 % interval")
        ax.set(xlabel=k, ylabel="density", title=f"Posterior: {k.split('.')[-1]}")
        ax.legend(fontsize=7)
    for j, t in enumerate(targets):
        ax = axes[1][j]
        v = plot["predictive"][t.name]
        ax.hist(v, bins=30, color="tab:purple", alpha=0.7, density=True)
        ax.axvline(t.value, color="k", lw=1.5, label="target")
        ax.axvspan(t.value - Z * t.se, t.value + Z * t.se, color="k", alpha=0.1, label="± 1.96 se")
        ax.set(xlabel=t.outcome, ylabel="density", title=f"Posterior predictive: {t.name}")
        ax.legend(fontsize=7)
    for row in axes:
        for ax in row:
            if not ax.has_data():
                ax.set_axis_off()
    gens = result["generations"]
    fig.suptitle(
        f"{cal.name}: ABC-SMC, {len(gens)} generations, {result['simulations']} simulations, "
        f"final epsilon {gens[-1]['epsilon']:.3g}",
        fontsize=10,
    )
    return fig


def markdown(cal: SimCalibration, result: dict, command: str) -> str:
    gens = result["generations"]
    lines = [
        f"# Calibration: {cal.name}",
        "",
        f"`{command}`",
        "",
        cal.description.strip(),
        "",
        f"Scenario `{cal.scenario_path}`"
        + (
            f" with {', '.join(f'`{k}={v}`' for k, v in cal.overrides.items())}"
            if cal.overrides
            else ""
        )
        + f". ABC-SMC (pyabc), {cal.abc.population} particles per generation, "
        f"{cal.abc.replicates} replicate run(s) per simulation, seed {cal.seed}; stopped by "
        f"{result['stopped_by']}. Model runs used: **{result['simulations']}**.",
        "",
        "## Parameters",
        "",
        "| key | prior | posterior mean | median | 95 % interval |",
        "|---|---|---:|---:|---|",
        *(
            f"| `{k}` | {p['prior']['kind']} [{p['prior']['low']:g}, {p['prior']['high']:g}] | "
            f"{p['mean']:.4g} | {p['median']:.4g} | [{p['ci95'][0]:.4g}, {p['ci95'][1]:.4g}] |"
            for k, p in result["parameters"].items()
        ),
        "",
        "## Targets and posterior predictive checks",
        "",
        "| target | outcome | value ± 1.96 se | posterior predictive mean | 95 % | source |",
        "|---|---|---|---:|---|---|",
        *(
            f"| {n} | `{t['outcome']}` | {t['value']:.4g} [{t['target_ci95'][0]:.4g}, "
            f"{t['target_ci95'][1]:.4g}] | {t['predictive_mean']:.4g} | "
            f"[{t['predictive_ci95'][0]:.4g}, {t['predictive_ci95'][1]:.4g}] | {t['source']} |"
            for n, t in result["targets"].items()
        ),
        "",
        "## Generations",
        "",
        "| generation | epsilon | simulations | acceptance |",
        "|---:|---:|---:|---:|",
        *(
            f"| {g['t'] + 1} | {g['epsilon']:.4g} | {g['simulations']} | {g['acceptance']:.1%} |"
            for g in gens
        ),
        "",
        f"Intervals: {result['intervals']}.",
        "",
        "![calibration](calibration.png)",
        "",
    ]
    return "\n".join(lines)


def finished(out: Path, cal: Any) -> bool:
    """A finished calibration of the same file (either kind: its ``digest``) is in ``out``
    (for --resume)."""
    try:
        done = json.loads((out / "calibration.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return done.get("digest") == cal.digest and (out / "posterior.parquet").exists()


def started(out: Path, cal: SimCalibration) -> bool:
    """A stopped run of the same file (its history) is in ``out`` (for --resume)."""
    try:
        state = json.loads((out / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return state.get("digest") == cal.digest and (out / DB).exists()
