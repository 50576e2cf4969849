# Helpers shared by the rules: config validation (before any job) and the table of runs.
import dataclasses
import functools
import json
from pathlib import Path

from snakemake.logging import logger
from snakemake.utils import validate

from glassy_li.aggregate import stage_boundaries_ps
from glassy_li.config import COUPLING_KEYS, Campaign, coupling_label
from glassy_li.deposition import build_substrate, deposition_steps, heat_removal_statement
from glassy_li.md import stage_steps
from glassy_li.potential_files import PotentialFiles


def is_dry_run():
    """Whether this is `snakemake -n`. Snakemake 9 sets `workflow.dryrun` only once the
    execution starts, after this file is read (it is False here); the command line's -n is
    already in `workflow.output_settings.dryrun`."""
    settings = getattr(workflow, "output_settings", None)
    return bool(getattr(settings, "dryrun", False)) or workflow.dryrun


validate(config, schema="../schemas/config.schema.yaml")
# Files given as {url, sha256} come verified from the cache, filled from the mirrors or the
# address while the config is validated (before any job). A dry run fetches nothing and
# names what a run would fetch. Presets of `potential_checks` resolve when its jobs are
# planned (checks.smk), also before any job.
POTENTIAL_FILES = PotentialFiles.from_config(
    config,
    download=not is_dry_run(),
    on_plan=lambda plan: logger.warning(f"glassy-li: {plan}"),
)
CAMPAIGN = Campaign.from_config(config, files=POTENTIAL_FILES)
RUNS = CAMPAIGN.runs()


DEPOSITION_RUNS = CAMPAIGN.deposition_runs()


wildcard_constraints:
    run=r"(grid|control-[A-Za-z0-9_.-]+)/[^ ]+?/rep-\d+-seed-\d+",
    dep=r"sub-[^/]+/pot-[^/]+/heat-[^/]+/rate-[^/]+/rep-\d+-seed-\d+",


def run_info(wildcards):
    """Swept values of the run named by the {run} wildcard (plain Python types)."""
    return json.loads(RUNS.loc[wildcards.run].to_json())


def protocol_of(run_id):
    """The MD protocol of one run (positive controls may override the temperatures)."""
    info = json.loads(RUNS.loc[run_id].to_json())
    return CAMPAIGN.protocol(
        final_temperature_K=info["final_temperature_K"],
        heat_temperature_K=info["heat_temperature_K"],
        coupling={key: info[key] for key in COUPLING_KEYS},
        potential=info["potential"],
    )


def run_protocol(wildcards):
    """The MD protocol of the run named by {run}, as a plain dict."""
    return dataclasses.asdict(protocol_of(wildcards.run))


def boundaries_of(run_id):
    """Start times (ps) of heat, quench, equilibrate and the end of a run."""
    protocol = protocol_of(run_id)
    return stage_boundaries_ps(stage_steps(protocol), protocol.timestep_fs * 1e-3)


def md_needed_minutes(run_id):
    """Cluster time one run's MD needs in all (minutes): the protocol's atom-steps at the
    preset's measured throughput, times md.runtime_safety_factor, plus 10 minutes."""
    protocol = protocol_of(run_id)
    atoms = int(RUNS.loc[run_id, "ensemble_size_atoms"]) + protocol.flux_atoms
    preset = CAMPAIGN.config["potential_presets"][RUNS.loc[run_id, "potential"]]
    throughput = preset.get("throughput_atom_steps_per_s", 1.0e5)
    ranks = config["md"]["mpi_ranks"]
    seconds = stage_steps(protocol).total * atoms / (throughput * ranks)
    return int(config["md"]["runtime_safety_factor"] * seconds / 60 + 10)


def md_runtime_minutes(wildcards):
    """Run time an MD job asks for: what it needs, capped at md.max_runtime_minutes."""
    return min(md_needed_minutes(wildcards.run), config["md"]["max_runtime_minutes"])


def md_retries():
    """Retries of MD jobs: md.retries, plus as many as the longest run needs jobs of
    md.max_runtime_minutes to finish (each resumes from the previous job's restart)."""
    longest = max((md_needed_minutes(run) for run in RUNS.index), default=0)
    jobs = -(-longest // config["md"]["max_runtime_minutes"])
    return config["md"]["retries"] + max(jobs - 1, 0)


def md_mem_mb(wildcards):
    """Memory of an MD job: 300 MB per rank + 1 MB per 10 atoms (measured at 2000 atoms:
    LAMMPS 33 MB, the whole job 106 MB; docs/performance.md)."""
    atoms = int(RUNS.loc[wildcards.run, "ensemble_size_atoms"])
    return 300 * config["md"]["mpi_ranks"] + atoms // 10


def analysis_runtime_minutes(wildcards):
    """Run time of the per-frame structure identification: 1 s per frame per 1000 atoms
    (measured 0.08 s; docs/performance.md) plus 10 minutes."""
    protocol = protocol_of(wildcards.run)
    frames = protocol.total_duration_ps / protocol.trajectory_interval_ps + 1
    atoms = int(RUNS.loc[wildcards.run, "ensemble_size_atoms"]) + protocol.flux_atoms
    return int(10 + frames * atoms / 1000 / 60)


def analysis_mem_mb(wildcards):
    """Memory of the structure identification: 1 GB + 1 MB per 2 atoms (measured 126 MB at
    2000 atoms)."""
    return 1000 + int(RUNS.loc[wildcards.run, "ensemble_size_atoms"]) // 2


def md_mpi_launcher(wildcards):
    """Slurm `mpi` resource: the launcher when the job has several ranks, else empty (then
    Slurm allocates one task and LAMMPS runs without a launcher)."""
    return config["md"]["mpi_launcher"] if config["md"]["mpi_ranks"] > 1 else ""


def stage_boundaries(wildcards):
    return boundaries_of(wildcards.run)


BASE_COUPLING = coupling_label(CAMPAIGN.couplings()[0])
MAIN_GRID = RUNS[(RUNS["group"] == "grid") & (RUNS["coupling"] == BASE_COUPLING)]


def trace_runs():
    """Runs shown in the trace figure: every main-grid run of the configured (or largest) size."""
    size = config["figures"]["trace_size_atoms"] or int(MAIN_GRID["ensemble_size_atoms"].max())
    return list(MAIN_GRID.index[MAIN_GRID["ensemble_size_atoms"] == size])


def render_density(preset=None):
    """The packing density (g/cm3) whose final embryos are rendered, for one preset's metal:
    figures.render_density_g_cm3, else that metal's first density."""
    chosen = config["figures"]["render_density_g_cm3"]
    return chosen if chosen is not None else CAMPAIGN.packing_densities_g_cm3(preset)[0]


def rendered_runs():
    """One run per metal and ensemble size whose final embryo is rendered: the main grid's
    first replica at the render density, first initial state."""
    picked = []
    for preset in CAMPAIGN.potential_names:
        runs = MAIN_GRID[
            (MAIN_GRID["potential"] == preset)
            & (MAIN_GRID["packing_density_g_cm3"] == float(render_density(preset)))
            & (MAIN_GRID["initial_state"] == config["system"]["initial_states"][0])
            & (MAIN_GRID["replica"] == 0)
        ].sort_values("ensemble_size_atoms")
        picked += list(runs.index)
    return picked


def render_title():
    densities = ", ".join(
        f"{CAMPAIGN.metal(p).name} {render_density(p):g}" for p in CAMPAIGN.potential_names
    )
    return f"{config['campaign_name']}: final embryos at {densities} g/cm3"


def snapshot_run():
    """The run whose traces are shown with snapshots: the first of the trace runs."""
    return trace_runs()[0]


def metal_statement(preset):
    """A preset's metal, temperatures (K, and as fractions of the potential's and the
    experimental melting points), densities and timestep, for captions."""
    metal = CAMPAIGN.metal(preset)
    heat, final = CAMPAIGN.temperatures_K(preset)
    own = config["potential_presets"][preset].get("melting_point_K")
    melting = (f"T_m {own:.0f} K (potential; experiment {metal.melting_point_K:g} K)" if own
               else f"T_m {metal.melting_point_K:g} K (experiment; potential's not measured)")
    reference = own or metal.melting_point_K
    return (
        f"{metal.name} ({metal.reference_structure}) with '{preset}': {heat:.0f} K -> "
        f"{final:.0f} K ({heat / reference:.2f} -> {final / reference:.2f} T_m; {melting}), "
        f"packing densities {CAMPAIGN.packing_densities_g_cm3(preset)} g/cm3, timestep "
        f"{CAMPAIGN.timestep_fs(preset)} fs"
    )


def made_with():
    """What made the campaign's figures, for the report's captions."""
    md = config["md"]
    system = config["system"]
    sweep = config["coupling_sweep"]
    text = (
        f"Campaign '{config['campaign_name']}': "
        + "; ".join(metal_statement(name) for name in CAMPAIGN.potential_names)
        + f". {config['replicas']} replicas per point; initial states "
        f"{system['initial_states']}, sizes {system['ensemble_sizes_atoms']} atoms. Protocol: "
        f"{md['heat_duration_ps']} ps heat, quench at {md['quench_rate_K_per_ps']} K/ps, "
        f"hold {md['equilibrate_duration_ps']} ps; thermostat "
        f"{md['thermostat']} (damping {md['thermostat_damping_ps']} ps), atom flux "
        f"{md['atom_flux_atoms_per_ps']} atoms/ps. "
        f"Structure: {config['structure']['method']} on {config['structure']['positions']} "
        f"positions ({config['structure']['averaging_window_ps']} ps window). Incubation: "
        f"{config['incubation']['order_parameter']} >= {config['incubation']['threshold']} "
        f"for {config['incubation']['persistence_ps']} ps, counted from "
        f"{config['incubation']['reference']}."
    )
    if sweep["couplings"]:
        text += (
            f" Coupling sweep: {[coupling_label(c) for c in CAMPAIGN.couplings()]} at sizes "
            f"{sweep['ensemble_sizes_atoms'] or 'all'}, densities "
            f"{sweep['packing_densities_g_cm3'] or 'all'}."
        )
    return text


def trace_run_info():
    return [json.loads(RUNS.loc[run].to_json()) for run in trace_runs()]


def run_potential(wildcards):
    """The potential preset of the run named by {run}, with absolute file paths."""
    return dataclasses.asdict(CAMPAIGN.preset(RUNS.loc[wildcards.run, "potential"]))


def run_potential_files(wildcards):
    """Absolute paths of the files of the run's preset (for checksums)."""
    return CAMPAIGN.preset_files(RUNS.loc[wildcards.run, "potential"])


def run_structure_settings(wildcards):
    """Structure identification for the metal of the run named by {run}."""
    return dataclasses.asdict(
        CAMPAIGN.structure_settings(RUNS.loc[wildcards.run, "potential"])
    )


def run_timestep_ps(wildcards):
    return CAMPAIGN.timestep_fs(RUNS.loc[wildcards.run, "potential"]) * 1e-3


def all_runs(pattern):
    """`pattern` (with {run}) expanded over every run of the campaign."""
    return [pattern.format(run=run) for run in RUNS.index]


def checked_presets():
    """Presets that `snakemake potential_checks` checks (all by default)."""
    chosen = config["potential_checks"]["presets"]
    return list(chosen) if chosen else sorted(config["potential_presets"])


FIGURES = {
    "traces": "Traces of temperature, potential energy, crystallinity and largest embryo",
    "trace_snapshots": "One run's traces with rendered snapshots (Fig 3A)",
    "final_embryos": "Final embryo of each size, whole and sliced (Fig 3B)",
    "incubation_vs_size": "Incubation time versus ensemble size, Kaplan-Meier median (Fig 3C)",
    "crystallinity_vs_size": "Final crystallinity versus ensemble size (Fig 3D)",
    "critical_size": "Critical size per metal, in atoms and nm",
    "crystallinity_vs_density": "Final crystallinity versus packing density",
    "phase_map": "Size x density map of final crystallinity and outcome",
    "survival_curves": "Kaplan-Meier survival curves per size",
    "coupling_comparison": "Thermostat coupling and atom flux compared",
}
TABLES = [
    "campaign",
    "summary_by_size",
    "incubation_statistics",
    "survival_curves",
    "mfpt_fits",
    "mfpt_curves",
    "critical_size",
]


# -- the deposition campaign -----------------------------------------------------------------
def deposition_protocol_of(dep):
    info = DEPOSITION_RUNS.loc[dep]
    return CAMPAIGN.deposition_protocol(
        int(info["substrate_index"]), float(info["rate_atoms_per_ps"])
    )


def deposition_protocol_dict(wildcards):
    """The deposition protocol of the run named by {dep}, as a plain dict."""
    return dataclasses.asdict(deposition_protocol_of(wildcards.dep))


def deposition_substrate(wildcards):
    return CAMPAIGN.substrate(int(DEPOSITION_RUNS.loc[wildcards.dep, "substrate_index"]))


def deposition_potential():
    """The deposition campaign's potential preset, with absolute file paths (called only by
    deposition jobs, so a disabled campaign's preset files need not exist)."""
    return dataclasses.asdict(CAMPAIGN.preset(CAMPAIGN.deposition_potential_name))


def deposition_structure_settings():
    """Structure identification for the deposition preset's metal."""
    return dataclasses.asdict(CAMPAIGN.structure_settings(CAMPAIGN.deposition_potential_name))


@functools.lru_cache
def slab_atoms(substrate_index):
    """Atoms of a substrate (0 for the inert wall)."""
    substrate = CAMPAIGN.substrate(substrate_index)
    return len(build_substrate(substrate, config["deposition"]["deposited_atoms"])[0])


def deposition_needed_minutes(dep):
    """Cluster time one deposition run needs (minutes): its steps x (substrate + half the
    deposited atoms) at the preset's measured throughput, times md.runtime_safety_factor,
    plus 10 minutes."""
    protocol = deposition_protocol_of(dep)
    substrate_atoms = slab_atoms(int(DEPOSITION_RUNS.loc[dep, "substrate_index"]))
    preset = config["potential_presets"][CAMPAIGN.deposition_potential_name]
    throughput = preset.get("throughput_atom_steps_per_s", 1.0e5) * config["md"]["mpi_ranks"]
    atoms = substrate_atoms + protocol.deposited_atoms / 2
    seconds = deposition_steps(protocol).total * atoms / throughput
    return int(config["md"]["runtime_safety_factor"] * seconds / 60 + 10)


def deposition_runtime_minutes(wildcards):
    return min(deposition_needed_minutes(wildcards.dep), config["md"]["max_runtime_minutes"])


def deposition_retries():
    """As md_retries: enough jobs of md.max_runtime_minutes for the longest run."""
    longest = max((deposition_needed_minutes(d) for d in DEPOSITION_RUNS.index), default=0)
    jobs = -(-longest // config["md"]["max_runtime_minutes"])
    return config["md"]["retries"] + max(jobs - 1, 0)


def deposition_mem_mb(wildcards):
    """300 MB per rank + 1 MB per 10 atoms (substrate and deposit), as md_mem_mb."""
    protocol = deposition_protocol_of(wildcards.dep)
    index = int(DEPOSITION_RUNS.loc[wildcards.dep, "substrate_index"])
    atoms = slab_atoms(index) + protocol.deposited_atoms
    return 300 * config["md"]["mpi_ranks"] + atoms // 10


def deposition_runs_files(name):
    """results/deposition/runs/<run>/`name` of every deposition run."""
    return [f"results/deposition/runs/{dep}/{name}" for dep in DEPOSITION_RUNS.index]


def rendered_deposits():
    """Rendered side by side: each substrate's first replica at every rate, fastest first."""
    chosen = DEPOSITION_RUNS[DEPOSITION_RUNS["replica"] == 0].sort_values(
        ["substrate_index", "rate_atoms_per_ps"], ascending=[True, False]
    )
    return list(chosen.index)


def deposition_made_with():
    """What made the deposition figures, for the report's captions."""
    dep = config["deposition"]
    if not dep["enabled"]:
        return "deposition campaign disabled"
    statements = []
    for index in range(len(dep["substrates"])):
        substrate = CAMPAIGN.substrate(index)
        protocol = CAMPAIGN.deposition_protocol(index, dep["rates_atoms_per_ps"][0])
        statements.append(f"{substrate.label}: heat removal - "
                          f"{heat_removal_statement(protocol, substrate)}")
    return (
        f"Deposition campaign of '{config['campaign_name']}': potential preset "
        f"'{CAMPAIGN.deposition_potential_name}', {dep['deposited_atoms']} atoms per run at "
        f"{dep['rates_atoms_per_ps']} atoms/ps, {dep['replicas']} replicas (replica k of every "
        f"rate shares its seed), incident energy {dep['incident_energy_eV']} eV at normal "
        f"incidence, {dep['temperature_K']} K, relax {dep['relax_duration_ps']} ps, anneal "
        f"{dep['anneal_duration_ps']} ps at {dep['anneal_temperature_K']} K; timestep "
        f"{CAMPAIGN.deposition_timestep_fs()} fs. " + "; ".join(statements) + ". Structure: "
        f"{config['structure']['method']} on {config['structure']['positions']} positions; "
        f"voids with a {dep['analysis']['probe_radius_A']} A probe."
    )


def deposition_outputs():
    if not config["deposition"]["enabled"]:
        return []
    return [
        "results/tables/deposition_runs.tsv",
        "results/tables/deposition_by_rate.tsv",
        *deposition_runs_files("provenance.json"),
        *[f"results/figures/{name}.{ext}" for name in DEPOSITION_FIGURES
          for ext in ("png", "svg")],
    ]


DEPOSITION_FIGURES = {
    "deposits_by_rate": "Final deposits per rate, coloured by structure (Fig 7)",
    "deposition_vs_rate": "Roughness, crystallinity, porosity and defects versus rate",
    "deposition_traces": "Deposition time traces",
}


def final_outputs():
    """What a plain `snakemake` makes: the embryo campaign. The deposition campaign is its
    own target (`snakemake deposition`)."""
    return [
        *[f"results/tables/{name}.tsv" for name in TABLES],
        "results/tables/config.yaml",
        *[f"results/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "svg")],
        *all_runs("results/runs/{run}/provenance.json"),
    ]
