#!/usr/bin/env python3
"""glassy-li benchmarks: print a table of measured figures (not a test; nothing asserts).

    .venv/bin/python benchmarks/run_benchmarks.py            # everything (~15 min on 2 cores)
    .venv/bin/python benchmarks/run_benchmarks.py md layout  # some of them

Benchmarks (each prints its rows as it finishes; the table is repeated at the end):
  md        MD throughput inside the workflow (a one-run campaign of the default campaign's
            700-atom run, Snakemake job time) against bare `lmp -in md.lammps` on the same
            input in a copy of its folder; target >= 0.97
  layout    one 700-atom job on 2 cores: 1 rank, 2 MPI ranks, 1 rank x 2 OpenMP threads with
            the OPENMP suffix (MEAM has no /omp or /kk style in the wheel; fixes do)
  structure structure identification: s per frame per 1000 atoms, and its share of the MD
            time of the same runs (target <= 3%), from a campaign's benchmark files
  overhead  Snakemake overhead of a campaign of ~50 tiny jobs: wall time minus the summed job
            times over the cores, per job, and scaled to the default and paper campaigns
            (target <= 2% of a realistic campaign)
  bytes     trajectory bytes per atom per frame
  memory    peak RSS of the MD and of the structure identification at 2000 atoms
  progress  cost of the live progress record (glassy_li.lammps.progress): the MD driver's own CPU
            time while LAMMPS runs (polling the thermo table, writing progress.json) per
            LAMMPS CPU second, and the driver's wall time against bare `lmp` on the same input
  hold      the default campaign's 1500-atom droplet hold (at 0.55 T_m), the input of
            every campaign before 2026-12-07 (the preset's timestep_fs throughout, plain pair
            style) against today's (hold_timestep_fs, accelerated style), side by side,
            alternating, for Li, Na, K and the Cui MEAM: simulated ps per core-second,
            atom-steps/s, ns/day and their ratio (target for Li: >= 2.0)
  styles    plain vs /opt vs /omp (1 thread) pair styles per preset, on today's hold input
  neighbour the neighbour-list skin and neigh_modify every/delay/check on today's Li hold
            input: atom-steps/s and dangerous builds
  cadence   the thermo and trajectory cadence on today's Li hold input
  ranks     1 vs 2 MPI ranks for one 1500-atom Li hold (a campaign's tail: fewer runnable
            jobs than cores)

Work happens in a temporary directory (kept with --keep); results/ of the checkout is read
only (`structure`, `bytes` use the default campaign's results if present).
"""

from __future__ import annotations

import argparse
import dataclasses
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from glassy_li.core.lammps_env import accelerated_pair_style, lmp_command, lmp_environment  # noqa: E402
from glassy_li.core.project import copy_workflow  # noqa: E402
from glassy_li.lammps.run import SHARED_TEMPLATES, TEMPLATE_DIR, write_inputs  # noqa: E402
from glassy_li.md.protocol import MD_TEMPLATES, lammps_parameters, stage_steps  # noqa: E402
from glassy_li.md.system import generate_system, write_lammps_data  # noqa: E402
from glassy_li.plan.campaign import Campaign  # noqa: E402

ROWS: list[dict[str, str]] = []


def report(benchmark: str, quantity: str, value: str, target: str = "", note: str = "") -> None:
    row = {"benchmark": benchmark, "quantity": quantity, "value": value, "target": target,
           "note": note}
    ROWS.append(row)
    print(f"  {benchmark:10s} {quantity:58s} {value:>14s}  {target:10s} {note}", flush=True)


def snakemake(workdir: Path, config_text: str, cores: int = 2, *extra: str) -> float:
    (workdir / "bench.yaml").write_text(config_text)
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), *extra, "--configfile",
         "bench.yaml"],
        cwd=workdir, check=False, capture_output=True, text=True,
    )
    if result.returncode != 0:
        raise RuntimeError(f"snakemake failed in {workdir}:\n{result.stderr[-3000:]}")
    return time.perf_counter() - start


def campaign_config(name: str, sizes: list[int], replicas: int, md: str, rho: float = 0.2136,
                    state: str = "droplet") -> str:
    return f"""
campaign_name: {name}
base_seed: 1
replicas: {replicas}
system:
  initial_states: [{state}]
  ensemble_sizes_atoms: {sizes}
  packing_densities_g_cm3: [{rho}]
coupling_sweep: {{couplings: []}}
potential_mirrors: [{REPO.parent / "shared" / "potentials"}]
potential_cache_dir: {REPO / "resources" / "potentials"}
md:
{md}
figures: {{trace_snapshots: 2, render_size_px: 120}}
statistics: {{bootstrap_samples: 50}}
"""


def job_seconds(workdir: Path, rule: str) -> list[float]:
    files = glob.glob(str(workdir / "results" / "benchmarks" / rule / "**" / "*.tsv"),
                      recursive=True)
    return [float(pd.read_csv(f, sep="\t")["s"].sum()) for f in files]


def timed_lmp(
    folder: Path, n_ranks: int = 1, extra: tuple[str, ...] = (), env: dict | None = None
) -> float:
    """Run `lmp -in md.lammps` in ``folder`` (``env`` added to its environment); wall s."""
    start = time.perf_counter()
    subprocess.run(
        [*lmp_command(n_ranks), "-in", "md.lammps", "-log", "bench.log", "-screen", "none",
         *extra],
        cwd=folder, env={**lmp_environment(), **(env or {})}, check=True, capture_output=True,
    )
    return time.perf_counter() - start


def fresh_md_copy(md_dir: Path, dest: Path) -> Path:
    """A copy of a finished run's md/ folder that starts from scratch (no restarts/outputs)."""
    dest.mkdir(parents=True)
    for name in (*MD_TEMPLATES, "params.lammps", "potential_extra.lammps", *SHARED_TEMPLATES):
        shutil.copy(md_dir / name, dest / name)
    params = (dest / "params.lammps").read_text()
    data_line = next(line for line in params.splitlines() if " data_file " in line)
    data = Path(data_line.split('"')[1])
    data = data if data.is_absolute() else (md_dir / data).resolve()
    shutil.copy(data, dest / "system.data")
    params = params.replace(data_line, f'variable {"data_file":<24s} string "system.data"')
    (dest / "params.lammps").write_text(params)
    return dest


MD_700 = """  heat_duration_ps: 10
  quench_rate_K_per_ps: 20
  equilibrate_duration_ps: 250
  trajectory_interval_ps: 2
  thermo_interval_ps: 0.5
"""
"""The default campaign's 700-atom run (since 2026-12-07; before: 20-ps heat, 80-ps hold at
0.2136 g/cm3: at today's speed a 30-s job, whose fixed Python start weighs twice what it did)."""


def bench_md(tmp: Path) -> Path:
    """Workflow job vs bare lmp on the same input: the default campaign's 700-atom run."""
    work = tmp / "md"
    copy_workflow(work)
    config = campaign_config("bench-md", [700], 1, MD_700, rho=0.0534)
    snakemake(work, config, 2, "results/bench-md/tables/campaign.tsv")
    performance = json.loads(next((work / "results" / "runs").rglob("md_performance.json"))
                             .read_text())
    atom_steps = performance["steps"] * performance["atoms"]
    job_s = job_seconds(work, "run_md")[0]
    md_dir = next((work / "results" / "runs").rglob("md"))
    # bare runs before and after a second workflow run: their spread is the machine's noise
    bare_first = timed_lmp(fresh_md_copy(md_dir, tmp / "md-bare-1"))
    rerun = tmp / "md-again"
    copy_workflow(rerun)
    snakemake(rerun, config, 2, "results/bench-md/tables/campaign.tsv")
    job_again = job_seconds(rerun, "run_md")[0]
    bare_second = timed_lmp(fresh_md_copy(md_dir, tmp / "md-bare-2"))
    bare_s = (bare_first + bare_second) / 2
    report("md", "workflow job, second run, atom-steps/s", f"{atom_steps / job_again:.3g}",
           note=f"{job_again:.1f} s")
    report("md", "bare lmp, two runs", f"{atom_steps / bare_s:.3g}",
           note=f"{bare_first:.1f} s and {bare_second:.1f} s")
    job_s = (job_s + job_again) / 2
    report("md", "atom-steps per run (700 atoms)", f"{atom_steps:.3g}")
    report("md", "workflow: whole Snakemake job, atom-steps/s", f"{atom_steps / job_s:.3g}",
           note=f"{job_s:.1f} s incl. Python wrapper")
    wrapper_s = job_s - performance["wall_s"]
    report("md", "workflow: LAMMPS only, atom-steps/s", f"{performance['atom_steps_per_s']:.3g}",
           note=f"{performance['wall_s']:.1f} s; wrapper {wrapper_s:.1f} s")
    report("md", "ratio workflow job / bare lmp (means of two each)", f"{bare_s / job_s:.3f}",
           ">= 0.97")
    return md_dir


def bench_layout(tmp: Path, md_dir: Path) -> None:
    """One 700-atom job on 2 cores, four ways, on the same input (first 20 ps of the run)."""
    variants = [
        ("1 MPI rank", 1, ()),
        ("2 MPI ranks (wheel mpiexec)", 2, ()),
        ("1 rank x 2 OpenMP threads (-sf omp -pk omp 2)", 1, ("-sf", "omp", "-pk", "omp", "2")),
    ]
    for label, ranks, extra in variants:
        folder = fresh_md_copy(md_dir, tmp / f"layout-{ranks}-{len(extra)}")
        params = (folder / "params.lammps").read_text()
        # only the heat stage (20 ps): equilibrate_end/quench_end moved to the heat end
        heat_end = next(int(line.split()[-1]) for line in params.splitlines()
                        if " heat_end " in line)
        for key in ("quench_end", "equilibrate_end"):
            line = next(line for line in params.splitlines() if f" {key} " in line)
            params = params.replace(line, f"variable {key:<24s} equal {heat_end}")
        (folder / "params.lammps").write_text(params)
        threads = {"OMP_NUM_THREADS": "2"} if extra else {}
        wall = timed_lmp(folder, ranks, extra, threads)
        report("layout", f"700 atoms, 20 ps heat: {label}", f"{700 * heat_end / wall:.3g}",
               note=f"atom-steps/s, {wall:.1f} s")


def bench_structure(campaign: Path) -> None:
    md = job_seconds(campaign, "run_md")
    ident = job_seconds(campaign, "identify_structure")
    if not md or not ident:
        report("structure", "no campaign results to read", "-", note=str(campaign))
        return
    frames_atoms = 0.0
    for path in (campaign / "results" / "runs").rglob("structure.tsv"):
        table = pd.read_csv(path, sep="\t")
        frames_atoms += float(table["n_atoms"].sum())
    report("structure", "s per frame per 1000 atoms (whole job)",
           f"{sum(ident) / (frames_atoms / 1000):.3f}", note=f"{len(ident)} jobs")
    report("structure", "share of the MD time of the same runs",
           f"{100 * sum(ident) / sum(md):.2f}%", "<= 3%",
           note=f"{sum(ident):.0f} s / {sum(md):.0f} s (time-averaged positions, PTM)")


def bench_overhead(tmp: Path) -> None:
    """~50 tiny jobs: 10 runs of 20 atoms x (system, MD, structure, summary, provenance) + 8."""
    work = tmp / "overhead"
    copy_workflow(work)
    md = """  heat_duration_ps: 1
  quench_rate_K_per_ps: 200
  equilibrate_duration_ps: 1
  trajectory_interval_ps: 0.5
  thermo_interval_ps: 0.1
"""
    config = campaign_config("bench-overhead", [20, 30, 40, 50, 60], 2, md)
    config += "structure: {averaging_window_ps: 0.5}\nincubation: {persistence_ps: 0.5, " \
              "final_window_ps: 0.5}\n"
    wall = snakemake(work, config, 2)
    jobs = [
        float(pd.read_csv(f, sep="\t")["s"].sum())
        for f in glob.glob(str(work / "results" / "benchmarks" / "**" / "*.tsv"), recursive=True)
    ]
    busy = sum(jobs) / 2
    overhead = wall - busy
    per_job = overhead / len(jobs)
    report("overhead", f"campaign of {len(jobs)} tiny jobs on 2 cores: wall", f"{wall:.1f} s")
    report("overhead", "summed job time / 2 cores", f"{busy:.1f} s")
    report("overhead", "overhead (wall - job time / cores), per job", f"{per_job:.2f} s",
           note=f"{overhead:.1f} s in all")
    default_jobs, default_wall = 116, 735.0
    report("overhead", "scaled to the default campaign (116 jobs, 735 s)",
           f"{100 * per_job * default_jobs / default_wall:.1f}%", "<= 2%")
    # paper: 24 ReaxFF runs of 5.2 ns at ~7 ns/day on one core each, ~6 jobs per run
    paper_jobs, paper_core_s = 24 * 6 + 10, 24 * 5.2 / 7 * 86400
    report("overhead", "scaled to the paper campaign (ReaxFF, 24 runs)",
           f"{100 * per_job * paper_jobs / (paper_core_s / 2):.4f}%", "<= 2%",
           note="MD time at 7 ns/day per run, 2 cores")


def bench_bytes(campaign: Path) -> None:
    total_bytes = total = 0
    for path in (campaign / "results" / "runs").rglob("trajectory.lammpstrj"):
        table = pd.read_csv(path.with_name("structure.tsv"), sep="\t")
        total_bytes += path.stat().st_size
        total += int(table["n_atoms"].sum())
    if total:
        report("bytes", "trajectory bytes per atom per frame", f"{total_bytes / total:.1f}",
               note="id type xu yu zu + 3 averaged, %.6g text")


def bench_memory(tmp: Path) -> None:
    work = tmp / "memory"
    copy_workflow(work)
    md = """  heat_duration_ps: 4
  quench_rate_K_per_ps: 200
  equilibrate_duration_ps: 4
  trajectory_interval_ps: 1
  thermo_interval_ps: 0.5
"""
    config = campaign_config("bench-memory", [2000], 1, md)
    config += "structure: {averaging_window_ps: 1}\nincubation: {persistence_ps: 1, " \
              "final_window_ps: 1}\n"
    snakemake(work, config, 2, "results/bench-memory/tables/campaign.tsv")
    for rule in ("run_md", "identify_structure"):
        files = glob.glob(str(work / "results" / "benchmarks" / rule / "**" / "*.tsv"),
                          recursive=True)
        rss = pd.read_csv(files[0], sep="\t")["max_rss"].iloc[0]
        report("memory", f"2000 atoms: {rule}, Snakemake benchmark max_rss", f"{rss:.0f} MB",
               note="sampled; may miss short peaks")
    md_dir = next((work / "results" / "runs").rglob("md"))
    bare = fresh_md_copy(md_dir, tmp / "memory-bare")
    lmp_kb = peak_rss_kb([*lmp_command(1), "-in", "md.lammps", "-log", "none", "-screen",
                          "none"], bare, lmp_environment())
    report("memory", "2000 atoms: peak RSS of the MD (lmp, 1 rank, /usr/bin/time)",
           f"{lmp_kb / 1024:.0f} MB")
    trajectory = next((work / "results" / "runs").rglob("trajectory.lammpstrj"))
    code = (
        "from glassy_li.structure.identify import StructureSettings, analyse_trajectory; "
        f"analyse_trajectory({str(trajectory)!r}, StructureSettings(), 0.001, lambda s: 'x')"
    )
    analysis_kb = peak_rss_kb([sys.executable, "-c", code], tmp, dict(os.environ))
    report("memory", "2000 atoms: peak RSS of the structure identification (/usr/bin/time)",
           f"{analysis_kb / 1024:.0f} MB")


def bench_progress(tmp: Path) -> None:
    """The MD driver (run_md, progress tracker on) against bare lmp: 700-atom Baskes droplet,
    2 ps heat, 2 ps quench, 16 ps hold (thermo every 0.1 ps: 200 records), two runs each."""
    import resource  # noqa: PLC0415

    sys.path.insert(0, str(REPO))
    from glassy_li.md.system import generate_system  # noqa: PLC0415
    from tests.md_helpers import run_short_md  # noqa: PLC0415

    system = generate_system(700, 0.2136, "droplet", seed=1, mass_amu=6.94)
    driver_cpu, lammps_cpu, walls, records = [], [], [], []
    for attempt in (1, 2):
        folder = tmp / f"progress-{attempt}"
        folder.mkdir()
        self_before = resource.getrusage(resource.RUSAGE_SELF)
        children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        run_short_md(folder, system, heat_temperature_K=500, final_temperature_K=300,
                     heat_duration_ps=2, quench_rate_K_per_ps=100, equilibrate_duration_ps=16,
                     trajectory_interval_ps=1.0, averaging_window_ps=1.0)
        walls.append(time.perf_counter() - start)
        self_after = resource.getrusage(resource.RUSAGE_SELF)
        children_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        driver_cpu.append(self_after.ru_utime + self_after.ru_stime - self_before.ru_utime
                          - self_before.ru_stime)
        lammps_cpu.append(children_after.ru_utime + children_after.ru_stime
                          - children_before.ru_utime - children_before.ru_stime)
        records.append(sum(1 for line in (folder / "md.log").read_text().splitlines()
                           if "progress:" in line))
    bare = [timed_lmp(fresh_md_copy(tmp / "progress-1" / "md", tmp / f"progress-bare-{i}"))
            for i in (1, 2)]
    report("progress", "MD driver CPU per LAMMPS CPU (poll every 2 s)",
           f"{100 * sum(driver_cpu) / sum(lammps_cpu):.2f}%", "< 1%",
           f"{sum(driver_cpu):.2f} s of {sum(lammps_cpu):.1f} s; incl. writing inputs, "
           f"publishing")
    report("progress", "driver wall / bare lmp wall (means of two)",
           f"{sum(walls) / sum(bare):.3f}", "",
           f"driver {walls[0]:.1f} s, {walls[1]:.1f} s; bare {bare[0]:.1f} s, {bare[1]:.1f} s")
    report("progress", "human progress lines in the rule log per run", f"{records[0]}")


HOLD_PRESETS = ("eam-nichol2016-li", "eam-nichol2016-na", "eam-nichol2016-k", "meam-cui2012")


def hold_input(folder: Path, preset: str, today: bool, hold_ps: float, atoms: int = 1500,
               md: dict | None = None, pair_style: str | None = None) -> dict:
    """Write the MD input of a droplet held at the default campaign's hold temperature
    (0.55 T_m) for ``hold_ps`` (no heat or quench: the hold alone) into ``folder``.
    ``today``: the preset's hold timestep and accelerated style; else the input of every
    campaign before 2026-12-07 (its timestep_fs throughout, the plain style). ``md``
    overrides md keys, ``pair_style`` the style. Returns what the run is: steps, atoms,
    simulated ps."""
    campaign = Campaign.from_files(REPO / "config" / "config.yaml")
    config = campaign.config
    # minimised to a local minimum first (an amorphous droplet, as after a quench; the
    # minimisation's time is not counted), then held
    config["md"].update({"accelerated_styles": today, "heat_duration_ps": 0,
                         "equilibrate_duration_ps": hold_ps, "minimisation_iterations": 2000,
                         **(md or {})})
    if not today:
        config["md"]["hold_timestep_fs"] = config["potential_presets"][preset]["timestep_fs"]
    final_K = campaign.final_temperatures_K(preset)[0]
    protocol = campaign.protocol(final_K, final_K, potential=preset)
    potential = campaign.preset(preset)
    if pair_style is not None:
        potential = dataclasses.replace(potential, pair_style=pair_style)
    metal = campaign.metal(preset)
    droplet_fraction = config["system"]["droplet_density_g_cm3"] / 0.534
    system = generate_system(atoms, 0.1 * metal.bulk_density_g_cm3, "droplet", seed=7,
                             mass_amu=potential.mass_amu,
                             min_distance_A=2.2 * metal.lattice_constant_A / 3.51,
                             droplet_density_g_cm3=droplet_fraction * metal.bulk_density_g_cm3,
                             element=metal.element)
    folder.mkdir(parents=True, exist_ok=True)
    write_lammps_data(system, folder / "system.data")
    parameters = lammps_parameters(protocol, potential, "system.data", 7)
    write_inputs(folder, parameters, TEMPLATE_DIR, potential.after_pair_coeff, MD_TEMPLATES)
    steps = stage_steps(protocol)
    return {"steps": steps.total, "atoms": atoms, "simulated_ps": hold_ps,
            "pair_style": potential.pair_style,
            "timesteps_fs": f"{protocol.hold_timestep_ps * 1e3:g}"}


def loop_seconds(folder: Path) -> float:
    """LAMMPS's own time for the run's MD steps: the sum of its run commands' loop times
    (the minimisation's left out)."""
    text = (folder / "bench.log").read_text()
    total = 0.0
    for block in text.split("Loop time of ")[1:]:
        seconds = float(block.split()[0])
        if "Minimization stats" not in block[:2000]:
            total += seconds
    return total


def dangerous_builds(folder: Path) -> int:
    return sum(int(n) for n in re.findall(r"Dangerous builds = (\d+)",
                                          (folder / "bench.log").read_text()))


def _hold_pair(tmp: Path, name: str, preset: str, hold_ps: float, repeats: int = 2,
               **variants: dict) -> dict[str, list[float]]:
    """Alternate the variants (name -> hold_input keyword arguments) ``repeats`` times;
    return each variant's LAMMPS loop seconds and its run description."""
    times: dict[str, list[float]] = {v: [] for v in variants}
    described = {}
    for repeat in range(repeats):
        for variant, kwargs in variants.items():
            folder = tmp / name / f"{preset}-{variant}-{repeat}"
            described[variant] = hold_input(folder, preset, hold_ps=hold_ps, **kwargs)
            timed_lmp(folder)
            times[variant].append(loop_seconds(folder))
    return {"times": times, "runs": described}


def bench_hold(tmp: Path, presets: tuple[str, ...] = HOLD_PRESETS) -> None:
    """Today's hold input against the old one, per preset (1500 atoms)."""
    for preset in presets:
        hold_ps = 6.0 if preset.startswith("meam") else 20.0
        result = _hold_pair(tmp, "hold", preset, hold_ps,
                            old={"today": False}, today={"today": True})
        rates = {}
        for variant in ("old", "today"):
            run = result["runs"][variant]
            seconds = sum(result["times"][variant]) / len(result["times"][variant])
            ps_per_s = run["simulated_ps"] / seconds
            rates[variant] = ps_per_s
            report("hold", f"{preset} {variant}: {run['pair_style']}, hold at "
                   f"{run['timesteps_fs']} fs", f"{ps_per_s:.3g} ps/s",
                   note=f"{run['atoms'] * run['steps'] / seconds:.3g} atom-steps/s, "
                   f"{ps_per_s * 86.4:.3g} ns/day; loop s "
                   + ", ".join(f"{t:.1f}" for t in result["times"][variant]))
        report("hold", f"{preset}: ratio today / old (simulated ps per core-second)",
               f"{rates['today'] / rates['old']:.2f}",
               ">= 2.0" if preset == "eam-nichol2016-li" else "")


def bench_styles(tmp: Path, presets: tuple[str, ...] = HOLD_PRESETS) -> None:
    """Plain, /opt and /omp variants of each preset's pair style on today's hold input."""
    for preset in presets:
        base = Campaign.from_files(REPO / "config" / "config.yaml").config[
            "potential_presets"][preset]["pair_style"]
        variants = {"plain": {"today": True, "pair_style": base}}
        for suffix in ("opt", "omp"):
            style = accelerated_pair_style(base, suffix)
            if style != base:
                variants[suffix] = {"today": True, "pair_style": style}
        hold_ps = 4.0 if preset.startswith("meam") else 20.0
        result = _hold_pair(tmp, "styles", preset, hold_ps, **variants)
        plain = sum(result["times"]["plain"])
        for variant in variants:
            run = result["runs"][variant]
            seconds = sum(result["times"][variant]) / len(result["times"][variant])
            report("styles", f"{preset}: {run['pair_style']}",
                   f"{run['atoms'] * run['steps'] / seconds:.3g}",
                   note=f"atom-steps/s; x{plain / sum(result['times'][variant]):.3f} of plain")


NEIGHBOUR_SETTINGS = ("every 1 delay 0 check yes", "every 2 delay 0 check yes",
                      "every 5 delay 0 check yes", "every 10 delay 0 check yes")


def bench_neighbour(tmp: Path, preset: str = "eam-nichol2016-li") -> None:
    """Skin and rebuild settings on today's Li hold input (20 ps, 1500 atoms)."""
    runs = []
    for skin in (0.5, 1.0, 1.5, 2.0):
        runs.append((f"skin {skin} A, {NEIGHBOUR_SETTINGS[0]}", skin, NEIGHBOUR_SETTINGS[0]))
    for setting in NEIGHBOUR_SETTINGS[1:]:
        runs.append((f"skin 1.0 A, {setting}", 1.0, setting))
    for repeat in range(2):
        for label, skin, setting in runs:
            folder = tmp / "neighbour" / f"{label.replace(' ', '_').replace(',', '')}-{repeat}"
            run = hold_input(folder, preset, True, 20.0)
            params = folder / "params.lammps"
            params.write_text(params.read_text().replace(
                next(line for line in params.read_text().splitlines()
                     if line.startswith("variable neighbor_skin ")),
                f"variable {'neighbor_skin':<24s} equal {skin}"))
            potential = folder / "potential.lammps"
            potential.write_text(potential.read_text().replace(
                "every 1 delay 0 check yes", setting))
            timed_lmp(folder)
            seconds = loop_seconds(folder)
            report("neighbour", f"{preset} {label} (run {repeat + 1})",
                   f"{run['atoms'] * run['steps'] / seconds:.3g}",
                   note=f"atom-steps/s; dangerous builds {dangerous_builds(folder)}")


def bench_cadence(tmp: Path, preset: str = "eam-nichol2016-li") -> None:
    """Thermo and trajectory cadence on today's Li hold input (20 ps, 1500 atoms)."""
    variants = {
        "campaigns' cadence: thermo 0.5 ps, frames 2 ps": {},
        "thermo 0.1 ps": {"thermo_interval_ps": 0.1},
        "thermo 5 ps": {"thermo_interval_ps": 5.0},
        "frames 10 ps": {"trajectory_interval_ps": 10.0},
        "one frame (20 ps)": {"trajectory_interval_ps": 20.0},
    }
    result = _hold_pair(tmp, "cadence", preset, 20.0,
                        **{k: {"today": True, "md": v} for k, v in variants.items()})
    first = sum(result["times"][next(iter(variants))])
    for variant in variants:
        run = result["runs"][variant]
        seconds = sum(result["times"][variant]) / len(result["times"][variant])
        report("cadence", f"{preset}: {variant}", f"{run['atoms'] * run['steps'] / seconds:.3g}",
               note=f"atom-steps/s; x{first / sum(result['times'][variant]):.3f} of the "
               "campaigns' cadence")


def bench_ranks(tmp: Path, preset: str = "eam-nichol2016-li") -> None:
    """1 vs 2 MPI ranks for one 1500-atom hold (today's input, 20 ps)."""
    seconds: dict[int, list[float]] = {1: [], 2: []}
    run = None
    for repeat in range(2):
        for ranks in (1, 2):
            folder = tmp / "ranks" / f"{ranks}-{repeat}"
            run = hold_input(folder, preset, True, 20.0)
            timed_lmp(folder, n_ranks=ranks)
            seconds[ranks].append(loop_seconds(folder))
    assert run is not None
    for ranks, values in seconds.items():
        mean = sum(values) / len(values)
        report("ranks", f"{preset} 1500-atom hold, {ranks} MPI rank(s)",
               f"{run['atoms'] * run['steps'] / mean:.3g}",
               note="atom-steps/s; loop s " + ", ".join(f"{v:.1f}" for v in values))
    report("ranks", "speed-up of 2 ranks over 1 (one job alone on 2 cores)",
           f"{sum(seconds[1]) / sum(seconds[2]):.2f}")


def peak_rss_kb(command: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Peak resident memory (kB) of ``command`` and its children, from GNU time."""
    result = subprocess.run(["/usr/bin/time", "-f", "%M", *command], cwd=cwd, env=env,
                            capture_output=True, text=True, check=True)
    return int(result.stderr.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", nargs="*", default=["md", "layout", "structure", "overhead",
                                                       "bytes", "memory", "progress", "hold",
                                                       "styles", "neighbour", "cadence",
                                                       "ranks"])
    parser.add_argument("--campaign", type=Path, default=REPO,
                        help="folder whose results/ are read by structure and bytes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--presets", nargs="+", default=list(HOLD_PRESETS),
                        help="presets of hold and styles (default: Li, Na, K EAM, Cui MEAM)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="glassy-li-bench-"))
    print(f"glassy-li benchmarks, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
          f"{platform.node()} ({os.cpu_count()} cores, {platform.machine()}), lammps "
          f"{metadata.version('lammps')}, ovito {metadata.version('ovito')}, snakemake "
          f"{metadata.version('snakemake')}; work in {tmp}")
    try:
        md_dir = None
        if "md" in args.which or "layout" in args.which:
            md_dir = bench_md(tmp)
        if "layout" in args.which:
            bench_layout(tmp, md_dir)
        if "structure" in args.which:
            bench_structure(args.campaign)
        if "overhead" in args.which:
            bench_overhead(tmp)
        if "bytes" in args.which:
            bench_bytes(args.campaign)
        if "memory" in args.which:
            bench_memory(tmp)
        if "progress" in args.which:
            bench_progress(tmp)
        presets = tuple(args.presets)
        if "hold" in args.which:
            bench_hold(tmp, presets)
        if "styles" in args.which:
            bench_styles(tmp, presets)
        for name, bench in (("neighbour", bench_neighbour), ("cadence", bench_cadence),
                            ("ranks", bench_ranks)):
            if name in args.which:
                bench(tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print()
    print("| " + " | ".join(ROWS[0]) + " |" if ROWS else "")
    print("|---" * len(ROWS[0]) + "|" if ROWS else "")
    for row in ROWS:
        print("| " + " | ".join(row.values()) + " |")


if __name__ == "__main__":
    main()
