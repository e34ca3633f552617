"""docs/PERFORMANCE.md and its plot, from the JSON the benchmarks wrote (benchmarks/results/).

Run: .venv/bin/python benchmarks/report.py   (after the benchmarks; scripts/benchmarks does both)
"""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.bench_model import table as model_table  # noqa: E402
from benchmarks.bench_w1 import table as w1_table  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
PLOT = ROOT / "docs" / "img" / "performance.png"
DOC = ROOT / "docs" / "PERFORMANCE.md"
COLOURS = {"socialweb": "#1b6ac9", "mesa": "#d9822b", "ndlib": "#6a9e3f"}


def load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def plot(w1: dict | None, model: dict | None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    ax = axes[0]
    if w1:
        for peer, colour in COLOURS.items():
            rows = [r for r in w1["figures"]["rows"] if r["peer"] == peer and "step_s" in r]
            if rows:
                n = [r["n"] for r in rows]
                ax.loglog(
                    n, [r["interactions_per_s"] for r in rows], "o-", color=colour, label=peer
                )
        # issue 14's targets: 250 M/s at 10³ and 10⁴, 150 M at 10⁵, 27 M at 10⁶
        ax.plot([1e3, 1e4, 1e5, 1e6], [2.5e8, 2.5e8, 1.5e8, 2.7e7], "_", color="grey", ms=14)
        ax.text(1.1e3, 2.9e8, "targets (one per size)", fontsize=8, color="grey")
    ax.set(
        xlabel="citizens N",
        ylabel="interactions per second",
        title="W1: Deffuant on BA(m=3), stepping",
    )
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)

    ax = axes[1]
    if model:
        rows = [
            r
            for r in model["figures"]["rows"]
            if "step_s" in r and r["agents"] != "all" or "step_s" in r and r["n"] < 200_000
        ]
        n = [r["n"] for r in rows]
        per_step = [r["step_s"] / r["steps"] for r in rows]
        setup = [r["setup_s"] for r in rows]
        ax.loglog(n, per_step, "o-", color=COLOURS["socialweb"], label="one step")
        ax.loglog(n, setup, "s--", color="#888888", label="set-up")
        ref = [per_step[-1] * x / n[-1] for x in n]
        ax.loglog(n, ref, ":", color="black", lw=1, label="∝ N (linear)")
    ax.set(xlabel="citizens N", ylabel="seconds", title="Full model (champion_driven)")
    ax.legend()
    ax.grid(True, which="both", alpha=0.3)

    ax = axes[2]
    if model:
        for r in model["figures"]["rows"]:
            if "cumulative_step_s" not in r or (r["agents"] == "all" and r["n"] >= 200_000):
                continue
            marks = {int(k): v for k, v in r["cumulative_step_s"].items()}
            steps = sorted(marks)
            ax.plot(steps, [marks[s] for s in steps], "o-", ms=3, label=f"N = {r['n']:,}")
        ax.set_yscale("log")
    ax.set(
        xlabel="steps",
        ylabel="cumulative stepping time (s)",
        title="Full model: time grows linearly in steps",
    )
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PLOT, dpi=110)
    plt.close(fig)


def targets(
    w1: dict | None,
    model: dict | None,
    compare: dict | None,
    startup: dict | None,
    sweep: dict | None = None,
):
    """The performance targets of the project, each against this run's figure."""
    rows = []

    def row(target: str, value: float | None, text: str, ok: bool | None) -> None:
        mark = "—" if value is None else ("met" if ok else "**missed**")
        rows.append(f"| {target} | {text if value is not None else 'not measured'} | {mark} |")

    rate = {}
    if w1:
        for r in w1["figures"]["rows"]:
            if "interactions_per_s" in r:
                rate[(r["peer"], r["n"])] = r
    for n, goal in ((1_000, 2.5e8), (10_000, 2.5e8), (100_000, 1.5e8), (1_000_000, 2.7e7)):
        r = rate.get(("socialweb", n))
        v = r and r["interactions_per_s"]
        row(
            f"W1 at N = {n:,}: ≥ {goal / 1e6:.0f} M interactions/s",
            v,
            f"{v / 1e6:.1f} M/s" if v else "",
            v is not None and v >= goal,
        )
    for peer, goal in (("mesa", 100), ("ndlib", 1000)):
        a, b = rate.get(("socialweb", 100_000)), rate.get((peer, 100_000))
        v = a and b and a["interactions_per_s"] / b["interactions_per_s"]
        row(
            f"W1 at N = 10⁵: ≥ {goal:,}× {peer}",
            v,
            f"{v:,.0f}×" if v else "",
            bool(v) and v >= goal,
        )
    r = rate.get(("socialweb", 1_000_000))
    row(
        "W1 at N = 10⁶: set-up from an edge list ≤ 2 s",
        r and r["setup_s"],
        f"{r['setup_s']:.2f} s" if r else "",
        bool(r) and r["setup_s"] <= 2,
    )
    row(
        "W1 at N = 10⁶: peak RSS ≤ 600 MB",
        r and r["peak_rss_mb"],
        f"{r['peak_rss_mb']:.0f} MB" if r else "",
        bool(r) and r["peak_rss_mb"] <= 600,
    )
    if model:
        m = [
            x
            for x in model["figures"]["rows"]
            if x.get("n") == 1_000_000 and x.get("agents") != "all"
        ]
        m = m[0] if m and "step_s" in m[0] else None
        per100 = m and m["step_s"] * 100 / m["steps"]
        row(
            "full model, 10⁶ × 100 steps: stepping ≤ 12 s",
            per100,
            f"{per100:.1f} s" if m else "",
            bool(m) and per100 <= 12,
        )
        row(
            "full model, 10⁶: set-up ≤ 15 s",
            m and m["setup_s"],
            f"{m['setup_s']:.1f} s" if m else "",
            bool(m) and m["setup_s"] <= 15,
        )
        row(
            "full model, 10⁶: peak RSS ≤ 2.5 GB",
            m and m["peak_rss_mb"],
            f"{m['peak_rss_mb']:,.0f} MB" if m else "",
            bool(m) and m["peak_rss_mb"] <= 2560,
        )
        d = model["figures"].get("default_run")
        stepping = d and "step_s" in d and d["step_s"]
        row(
            "default run (2,000 × 365): stepping ≤ 0.06 s",
            stepping or None,
            f"{stepping:.3f} s" if stepping else "",
            bool(stepping) and stepping <= 0.06,
        )
    if compare:
        v = compare["figures"]["runs_speedup_median"]
        row("20-run compare: `--jobs 2` ≥ 1.7× `--jobs 1` (the runs)", v, f"{v:.2f}×", v >= 1.7)
    if sweep:
        v = sweep["figures"].get("local_2_workers_runs_per_s")
        row(
            "sweep of 500 × 120 runs, two workers: ≥ 80 runs/s",
            v,
            f"{v} runs/s",
            bool(v) and v >= 80,
        )
    if startup:
        v = startup["figures"]["help_s"]
        row("`socialweb --help` ≤ 0.5 s", v, f"{v:.3f} s", v <= 0.5)
    return [
        "## Targets",
        "",
        "| target | this run | |",
        "|---|---:|---|",
        *rows,
        "",
        "W1 at N = 10³: a step is 1,000 interactions, a few microseconds of kernel — less than "
        "Mesa's own cost of one event (an empty `step()`). So `model.run(k)` runs the steps "
        "between two recorded ones in one compiled call when nothing else acts in them "
        '(docs/ARCHITECTURE.md, "Fused steps"), and the encounters are drawn inside the kernel '
        "(SplitMix64 from one key per step, mapped to i and its neighbour by integer "
        "multiply-shift) instead of into an array. Its indices are unsigned, so the compiled loop "
        "skips Python's negative-index check on every access. From about 10⁵ citizens the time is "
        "memory latency: each encounter reads four places far apart (i's tie list, the partner's "
        "entry, both opinions), so when the opinions and the graph outgrow the caches the sweep "
        "looks ahead and asks for each a few encounters early (`model/dynamics/kernels.py`, "
        "`deffuant_sweep`, `LOOKAHEAD_BYTES`).",
        "",
    ]


def rules_section(rules: dict) -> list[str]:
    """The opinion rules' costs (benchmarks/bench_rules.py)."""
    f = rules["figures"]
    n = f["n"]
    return [
        "## Opinion rules",
        "",
        f"`benchmarks/bench_rules.py`, N = {n:,} citizens on a Barabási–Albert graph (m = 3). "
        "Kernels: one sweep of N updates called directly (draws included, as the rules make "
        f"them), median of {f['repeats']}; the bound for the pairwise-encounter rules is 2× "
        "Deffuant per update. The q-voter draws q + 2 uniforms and reads up to q neighbours per "
        "update, so it costs more per update by design; the majority kernel's figure is per "
        "group of three; algorithmic bias weighs every neighbour of the drawn citizen to pick "
        "its partner (O(degree)), so it misses the 2× bound: the exact model needs those "
        "weights. Attraction–repulsion draws its encounters from a per-step key like Deffuant "
        "and moves one end only.",
        "",
        "| kernel | ns per update | × Deffuant |",
        "|---|---:|---:|",
        *[
            f"| `{r['kernel']}` | {r['ns_per_update']:.1f} | {r['vs_deffuant']:.2f} |"
            for r in f["kernels"]
        ],
        "",
        "Each rule through the public API (`model.step()`, parties off, no posting): the peer "
        "process plus the step's fixed work. The radicalization rows are its kernel alone (one "
        "network draw and one Runge-Kutta step of dt); at β > 0 every active citizen weighs all "
        "N (O(N²⟨a⟩) a step), so that row is at 10⁴ citizens.",
        "",
        "| rule | ms per step | ns per citizen |",
        "|---|---:|---:|",
        *[
            f"| `{r['rule']}` | {r['ms_per_step']:.2f} | {r['ns_per_citizen']:.1f} |"
            for r in f["rules"]
        ],
        "",
        f"Machine: {machine_line(rules)}.",
        "",
    ]


def calibration_section(calibration: dict) -> list[str]:
    c = calibration["figures"]
    b = c["batch"]
    return [
        "## Calibration loop",
        "",
        f"`benchmarks/bench_calibration.py`. `socialweb calibrate {c['experiment']}` (the vote "
        "model fitted on ANES 1996 with statsmodels, the hold-out bootstrap, posterior draws, "
        f"report and plot) takes {c['calibrate_median_s']:.1f} s as a command (median of "
        f"{len(c['calibrate_s'])}).",
        "",
        f"A batch of {b['replicates']} default runs (champion_driven, 2,000 × 365), each at its "
        f"own draw of the shipped posterior ({b['posterior_draws']:,} draws), as `compare "
        "--posterior` or a simulation-based fit runs them, in runs per second:",
        "",
        "| parameters | 1 worker | 2 workers |",
        "|---|---:|---:|",
        f"| a posterior draw per run (logit vote choice) | {b['posterior_jobs1_runs_per_s']:.2f} "
        f"| {b['posterior_jobs2_runs_per_s']:.2f} |",
        f"| the scenario's own (argmax vote choice) | {b['fixed_jobs1_runs_per_s']:.2f} "
        f"| {b['fixed_jobs2_runs_per_s']:.2f} |",
        "",
        *(
            [
                f"The ABC-SMC loop (`socialweb calibrate {c['abc']['experiment']}`, one worker): "
                f"{c['abc']['simulations']:,} model runs in {c['abc']['generations']} "
                f"generations, {c['abc']['seconds']:.1f} s as a command, "
                f"{c['abc']['runs_per_s']:.1f} runs/s.",
                "",
            ]
            if "abc" in c
            else []
        ),
        f"Machine: {machine_line(calibration)}.",
        "",
    ]


def machine_line(record: dict) -> str:
    m = record["machine"]
    return (
        f"{m.get('cpu_model')}, {m.get('cpus')} cores, {m.get('memory')}, Python {m.get('python')}"
        f" — commit {record.get('git_commit')}, {record['when']}"
    )


def threads_section(threads: dict) -> list[str]:
    """Serial and threaded builds by size, and where the threaded one starts to pay."""
    from model.jit import THREADS_MIN

    f = threads["figures"]
    rows = f["rows"]
    sizes = sorted({r["n"] for r in rows})
    faster = [n for n in sizes if all(r["speedup"] >= 1.0 for r in rows if r["n"] == n)]
    pays = (
        f"every kernel's threaded build is faster from {faster[0]:,} elements on"
        if faster and all(n in faster for n in sizes if n >= faster[0])
        else "no size makes every kernel's threaded build faster throughout"
    )
    return [
        "## Threaded kernels",
        "",
        "`benchmarks/bench_threads.py`: each kernel `model.jit.threaded` may run on threads, "
        f"serial build and threaded build ({f['threads']} threads, numba's "
        f"`{f['threading_layer']}` layer), median ms per call, in one process. In this run, "
        f"{pays}; the threshold in use is `THREADS_MIN` = {THREADS_MIN:,} (`model/jit.py`).",
        "",
        "| kernel | elements | serial (ms) | threaded (ms) | speed-up |",
        "|---|---:|---:|---:|---:|",
        *[
            f"| `{r['kernel']}` | {r['n']:,} | {r['serial_ms']:.3f} | {r['threaded_ms']:.3f} "
            f"| {r['speedup']:.2f}× |"
            for r in rows
        ],
        "",
        f"Machine: {machine_line(threads)}.",
        "",
    ]


def main() -> None:
    w1, model = load("w1"), load("model")
    compare, startup, sweep = load("compare"), load("startup"), load("sweep")
    app, rules, threads = load("app"), load("rules"), load("threads")
    calibration = load("calibration")
    plot(w1, model)
    parts = [
        "# Performance",
        "",
        "Generated by `scripts/benchmarks` (runs every benchmark, then `benchmarks/report.py`). "
        "Figures are from one run on the machine named under each table; the machine is shared "
        "and noisy, so compare figures as ratios within a table, not across runs.",
        "",
        "![scaling](img/performance.png)",
        "",
    ]
    parts += targets(w1, model, compare, startup, sweep)
    if w1:
        parts += [
            "## W1: Deffuant on a Barabási–Albert graph",
            "",
            "N citizens on BA(m = 3), opinions U[-1, 1], d = 0.6 on our scale (0.3 on [0, 1]), "
            "μ = 0.5; one step = N interactions (a random citizen and a random neighbour). Every "
            "engine reads the same edge list and opinions in its own process "
            "(`benchmarks/bench_w1.py`). Ours runs through the public API: the `deffuant` rule, "
            "`network.kind: edge_list`, the opinions passed to `SocialWebModel`, metrics recorded "
            "at the end (`output.every`), so `model.run` runs the steps in one compiled call "
            '(docs/ARCHITECTURE.md, "Fused steps"). Interactions/s count stepping only; set-up is '
            "reading the edge list and building the model; peak RSS is the whole process.",
            "",
            w1_table(w1["figures"]["rows"]),
            "",
            f"Machine: {machine_line(w1)}.",
            "",
        ]
    if model:
        f = model["figures"]
        parts += [
            "## Full model",
            "",
            f"`champion_driven` with N citizens, {f['rows'][0]['steps']} steps, each size in its "
            "own process (`benchmarks/bench_model.py`). Metrics are recorded every step, as in a "
            "normal run. By default (`agents: auto`) every citizen gets a Mesa agent up to "
            "200,000 citizens; above that only institutions, staff and champions do (citizens "
            "stay rows of the population arrays, reachable as `model.population`); the last row "
            "measures the alternative with a Mesa agent per citizen.",
            "",
            model_table(f["rows"]),
            "",
        ]
        threaded = [r for r in f["rows"] if r.get("threading_layer")]
        if threaded:
            parts += [
                "The kernels whose iterations are independent and that gain from threads (a "
                "round of the contagion, the feed's attention cap and neighbour lists, "
                "the keyed draws' hash) run on "
                f"{threaded[0]['threads']} threads (numba's `{threaded[0]['threading_layer']}` "
                "layer) on arrays of `model.jit.THREADS_MIN` elements or more (the citizens, or "
                "the candidate posts of a step), on one below; the results "
                "are the same for any number of threads (`tests/test_threads.py`). The rest of "
                "a step (NumPy, Python) runs on one core.",
                "",
            ]
        d = f.get("default_run")
        if d and "step_s" in d:
            runs = d.get("step_s_runs") or [d["step_s"]]
            parts += [
                f"The default run (2,000 citizens × 365 steps): set-up {d['setup_s']:.3f} s, "
                f"stepping {d['step_s']:.3f} s — `model.run()`, as the runner, the CLI and "
                f"sweeps step a run, the median of {len(runs)} runs of a fresh model in one "
                "process (each run's: "
                + ", ".join(f"{r:.3f}" for r in runs)
                + " s; the first also pays the process's one-time costs).",
                "",
            ]
            fl = d.get("floor")
            if fl:
                parts += [
                    "Its memory-traffic floor (`benchmarks/model_run.py`, `traffic_floor`): a "
                    "step must at least read and write back the model's state (population "
                    "columns, the network's adjacency, the parties' arrays: "
                    f"{fl['state_bytes'] / 1e3:,.0f} kB) and the messages it delivers "
                    f"({fl['message_bytes_per_step'] / 1e3:,.1f} kB a step), "
                    f"{fl['bytes_per_citizen_step']:,.0f} bytes per citizen-step. A compiled "
                    "pass doing just that once a step takes "
                    f"{fl['floor_s'] * 1e3:.1f} ms for the 365 steps "
                    f"({fl['bandwidth_gb_s']:,.0f} GB/s: the state fits in the cache). Stepping "
                    f"takes {d['step_s'] / fl['floor_s']:,.0f}× that floor, and the 0.06 s "
                    f"target is {0.06 / fl['floor_s']:,.0f}× it: the time goes to per-step "
                    f"Python work ({fl['python_calls_per_step']:,.0f} Python-level calls a "
                    "step, cProfile's count, between and around the compiled kernels) and "
                    "arithmetic, not to memory.",
                    "",
                ]
                split = fl.get("split")
                if split:
                    inside = split["kernel_s"] / split["step_s"]
                    parts += [
                        "Split (`benchmarks/model_run.py`, `kernel_split`: a separate process "
                        "that times every compiled kernel call from Python, dispatch included; "
                        "best of three runs): of its "
                        f"{split['step_s']:.3f} s of stepping, "
                        f"{split['kernel_s']:.3f} s ({inside:.0%}) is inside the compiled "
                        f"kernels ({split['kernel_calls_per_step']:.1f} calls a step) and "
                        f"{split['step_s'] - split['kernel_s']:.3f} s in the Python and NumPy "
                        "between them; the kernels alone take "
                        f"{split['kernel_s'] / 0.06:.0%} of the 0.06 s target.",
                        "",
                    ]
        prof = f.get("profile", {}).get("profile")
        if prof:
            parts += [
                "Where the time goes (cProfile, 100,000 citizens, 20 steps, own time; a compiled "
                "kernel's time counts in its caller's, as cProfile cannot see inside it):",
                "",
                "| share | seconds | function |",
                "|---:|---:|---|",
                *[f"| {p['share']:.1%} | {p['seconds']:.3f} | `{p['function']}` |" for p in prof],
                "",
            ]
        parts += [f"Machine: {machine_line(model)}.", ""]
    if rules:
        parts += rules_section(rules)
    if threads:
        parts += threads_section(threads)
    if compare:
        c = compare["figures"]
        parts += [
            "## Both cores",
            "",
            f"A {c['runs']}-run comparison ({', '.join(c['scenarios'])}, 10 replicates each), "
            "`--jobs 1` and `--jobs 2` alternating (`benchmarks/bench_compare.py`):",
            "",
            "| what is timed | speed-up of `--jobs 2` (median) | pairs |",
            "|---|---:|---|",
            f"| the runs (`compare()` after start-up) | **{c['runs_speedup_median']:.2f}×** | "
            f"{', '.join(f'{r:.2f}' for r in c['runs_speedup_per_pair'])} |",
            f"| the whole `socialweb compare` command | {c['speedup_median']:.2f}× | "
            f"{', '.join(f'{r:.2f}' for r in c['speedup_per_pair'])} |",
            "",
            "The runs took "
            f"{statistics.median(c['runs_jobs1_s']):.2f} s with `--jobs 1` and "
            f"{statistics.median(c['runs_jobs2_s']):.2f} s with `--jobs 2` (medians), "
            f"{statistics.median(c['runs_jobs1_s']) / c['runs']:.3f} s a run. The command's own "
            "process runs replicates beside the pool's worker, and the worker forks from a "
            "server that starts with the command and imports the simulator (and loads the "
            "compiled kernels) while the command does its own start-up. What stays serial is "
            "start-up (the imports), handing each worker's results back, and writing the report "
            "and plots: with runs this short that caps the speed-up (Amdahl), the whole "
            "command's most; longer or more runs approach two.",
            "",
        ]
    if sweep:
        s = sweep["figures"]
        parts += [
            "## Sweeps",
            "",
            f"`benchmarks/bench_sweep.py`, {s['runs']} runs of 500 citizens × 120 steps: 1 worker "
            f"{s['local_1_worker_runs_per_s']:.1f} runs/s; 2 local workers "
            f"{s['local_2_workers_runs_per_s']:.1f} runs/s ({s['speedup_2_vs_1_local']:.2f}×; "
            f"{s['speedup_2_vs_1_local_with_pool_start']:.2f}× counting the pool's start); Dask "
            f"LocalCluster {s['dask_2_workers_runs_per_s']:.1f} runs/s ("
            f"{s['dask_cluster_start_s']:.1f} s to start, {s['dask_overhead_per_run_ms']:.0f} ms "
            "more per run than the local pool).",
            "",
        ]
        c = s.get("per_run")
        if c:
            parts += [
                "One run of that sweep, in one process (median of 10): building the model "
                f"{c['setup_ms']:.1f} ms, stepping {c['stepping_ms']:.1f} ms; the whole worker "
                f"task (run, summary, row, Parquet file) {c['task_ms']:.1f} ms, so the fixed "
                f"cost per run (set-up and writing) is {c['fixed_ms']:.1f} ms and the rest is "
                "stepping. A sweep run records its metrics on election day only "
                "(`sweeps.run_outcomes`), so no day between is measured.",
                "",
            ]
    if calibration:
        parts += calibration_section(calibration)
    if app:
        a = app["figures"]
        rows = [
            f"| {mode} | {a[mode]['render']['median_ms']:.0f} / {a[mode]['render']['p90_ms']:.0f} "
            f"| {a[mode]['page']['median_ms']:.0f} / {a[mode]['page']['p90_ms']:.0f} |"
            for mode in ("single", "side by side")
            if mode in a
        ]
        parts += [
            "## Classroom app",
            "",
            f"One Step of the 500-citizen classroom scenario, {a['steps']} steps "
            "(`benchmarks/bench_app.py`), median / p90 in ms; the budget is "
            f"{a['budget_ms']:.0f} ms:",
            "",
            "| mode | model step + figures | whole page (Step click, rendered in-process) |",
            "|---|---:|---:|",
            *rows,
            "",
        ]
    if startup:
        s = startup["figures"]
        parts += [
            "## Start-up",
            "",
            f"- `socialweb --help`: {s['help_s']:.3f} s (imports no NumPy, pandas or Mesa).",
            "- Compiled kernels, first use on a machine (compile): "
            f"{s['kernels_first_use_compile_s']:.2f} s; every later process loads them from the "
            f"cache in {s['kernels_from_cache_s']:.2f} s "
            f"({s['import_numba_and_kernels_s']:.2f} s of it importing numba).",
            "- The cache lives in `NUMBA_CACHE_DIR`, by default `~/.cache/socialweb/numba`; "
            "if that is not writable, a temporary folder; a read-only install works "
            "(`tests/test_jit.py`).",
            "",
        ]
    parts += [
        "## Reproduce",
        "",
        "```",
        "scripts/benchmarks     # every benchmark, then this page and docs/img/performance.png",
        ".venv/bin/python benchmarks/bench_w1.py --sizes 1000 10000   # one, fewer sizes",
        "```",
        "",
    ]
    DOC.write_text("\n".join(parts), encoding="utf-8")
    print(f"written {DOC.relative_to(ROOT)} and {PLOT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
