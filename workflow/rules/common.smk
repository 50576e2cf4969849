# Shared helpers: the config, read once, and the nucleation campaign's table of runs.
# The deposition campaign's helpers live in deposition_common.smk.
import dataclasses
import json
import sys
from pathlib import Path

from snakemake.logging import logger

from glassy_li.analysis.aggregate import stage_boundaries_ps
from glassy_li.plan.campaign import SYSTEM_RUN_KEYS, md_folder
from glassy_li.config.compose import ConfigError, compose_config, coupling_label
from glassy_li.lammps.run import SHARED_TEMPLATES
from glassy_li.plan import resources as resource_model
from glassy_li.md.protocol import stage_steps, step_clock
from glassy_li.study import Study
from glassy_li.report.results_page import DEPOSITION_PAGE_TABLES, PAGE_FIGURES, PAGE_TABLES


def is_dry_run():
    """Whether this is `snakemake -n`. Snakemake 9 sets `workflow.dryrun` only once the
    execution starts, after this file is read (it is False here); the command line's -n is
    already in `workflow.output_settings.dryrun`."""
    settings = getattr(workflow, "output_settings", None)
    return bool(getattr(settings, "dryrun", False)) or workflow.dryrun


PROJECT_ROOT = Path(workflow.basedir)
# The config, read once: config/potentials.yaml, then the campaign file (config/config.yaml,
# the default campaign, relative to the working directory, so `--directory .test` reads
# .test/config/config.yaml; or each --configfile after the profiles its `extends` names), then
# --config; validated against the schema, which fills in every default. `config` itself
# becomes that validated object, so rules and scripts read one thing. Potential files named
# by {url, sha256} are fetched (from a mirror or the address) while validating, before any
# job; a dry run fetches nothing and names what a run would fetch. Every config error is one
# line naming the key and the value.
try:
    config_composed = compose_config(
        workflow.overwrite_configfiles or ["config/config.yaml"],
        workflow.config_settings.overwrite_config,
        PROJECT_ROOT,
    )
    config.clear()
    config.update(config_composed)
    STUDY = Study.from_config(
        config,
        project_root=PROJECT_ROOT,
        in_place=True,
        download=not is_dry_run(),
        on_plan=lambda plan: logger.warning(f"glassy-li: {plan}"),
    )
    CAMPAIGN = STUDY.nucleation
    RUNS = CAMPAIGN.runs()
except ConfigError as error:
    print(error, file=sys.stderr)
    sys.exit(1)

OUT = f"results/{config['campaign_name']}"
"""Where this campaign's tables, figures, report and logs go (runs: results/runs/)."""
REPORT_LANDING = f"{OUT}/report/landing.rst"
"""The report's first page, written from the campaign's tables (rule report_landing)."""


def template(name):
    """A LAMMPS template of this workflow (absolute: `--directory` may move the results)."""
    return str(PROJECT_ROOT / "workflow" / "templates" / name)


SHARED_TEMPLATE_PATHS = [template(name) for name in SHARED_TEMPLATES]


wildcard_constraints:
    md=r"(grid|control-[A-Za-z0-9_.-]+)/[^ ]+?/rep-\d+-seed-\d+-cfg-[0-9a-f]{8}",
    ana=r"[0-9a-f]{8}",
    dep=r"deposition/sub-[^/]+/pot-[^/]+/heat-[^/]+/rate-[^/]+/rep-\d+-seed-\d+-cfg-[0-9a-f]{8}",
    preset=r"[A-Za-z0-9_.-]+",
    start_K=r"\d+",


MD_RUNS = {md_folder(run): run for run in reversed(RUNS.index)}
"""MD folder -> a run analysing it (the first): MD jobs read the run's values from it."""


def run_of(wildcards):
    """The run named by the wildcards: {md}/ana-{ana} (analysis jobs), or the first run of
    the MD folder {md} (MD jobs: every run of one MD folder has the same MD)."""
    if hasattr(wildcards, "ana"):
        return f"{wildcards.md}/ana-{wildcards.ana}"
    return MD_RUNS[wildcards.md]


def run_info(wildcards):
    """Swept values of the run named by the wildcards (plain Python types)."""
    return json.loads(RUNS.loc[run_of(wildcards)].to_json())


def md_run_info(wildcards):
    """:func:`run_info` of an MD job, its run id cut to the MD folder: a param naming the
    analysis folder would rerun the MD (params trigger) whenever only the analysis changed."""
    info = run_info(wildcards)
    info["run_id"] = md_folder(info["run_id"])
    return info


def protocol_of(run_id):
    """The MD protocol of one run (positive controls may override the temperatures)."""
    return CAMPAIGN.run_protocol(json.loads(RUNS.loc[run_id].to_json()))


def run_protocol(wildcards):
    """The MD protocol of the run named by {run}, as a plain dict."""
    return dataclasses.asdict(protocol_of(run_of(wildcards)))


def run_settle_rule(wildcards):
    """When the run's hold may end (md.end_hold_when_settled), as a plain dict; None: never."""
    run_id = run_of(wildcards)
    settle = CAMPAIGN.settle_rule(protocol_of(run_id), RUNS.loc[run_id, "potential"])
    return None if settle is None else settle.as_dict()


def boundaries_of(run_id):
    """Start times (ps) of heat, quench, equilibrate and the end of a run."""
    protocol = protocol_of(run_id)
    return stage_boundaries_ps(stage_steps(protocol), protocol.timestep_ps)


def stage_boundaries(wildcards):
    return boundaries_of(run_of(wildcards))


def system_settings(wildcards):
    """The system keys that shape one run's initial structure (not the grid's lists)."""
    return {key: config["system"][key] for key in SYSTEM_RUN_KEYS}


# -- cluster resources, shared by MD and deposition jobs ------------------------------------
def needed_minutes(atom_steps, preset_name):
    """Cluster time (minutes) of `atom_steps` with a preset (glassy_li.plan.resources)."""
    return resource_model.needed_minutes(
        atom_steps,
        config["potential_presets"][preset_name]["throughput_atom_steps_per_s"],
        config["md"]["mpi_ranks"],
        config["md"]["runtime_safety_factor"],
    )


def runtime_minutes(needed):
    return resource_model.runtime_minutes(needed, config["md"]["max_runtime_minutes"])


def retries_for(longest_minutes):
    return resource_model.retries_for(
        longest_minutes, config["md"]["max_runtime_minutes"], config["md"]["retries"]
    )


def mem_mb_for(atoms):
    return resource_model.md_mem_mb(atoms, config["md"]["mpi_ranks"])


def md_mpi_launcher(wildcards):
    """Slurm `mpi` resource: the launcher when the job has several ranks, else empty (then
    Slurm allocates one task and LAMMPS runs without a launcher)."""
    return config["md"]["mpi_launcher"] if config["md"]["mpi_ranks"] > 1 else ""


def md_needed_minutes(run_id):
    """Cluster time one run's MD needs in all (minutes), inserted atoms included."""
    protocol = protocol_of(run_id)
    atoms = int(RUNS.loc[run_id, "ensemble_size_atoms"]) + protocol.flux_atoms
    return needed_minutes(stage_steps(protocol).total * atoms, RUNS.loc[run_id, "potential"])


def md_runtime_minutes(wildcards):
    return runtime_minutes(md_needed_minutes(run_of(wildcards)))


def md_mem_mb(wildcards):
    return mem_mb_for(RUNS.loc[run_of(wildcards), "ensemble_size_atoms"])


def analysis_runtime_minutes(wildcards):
    """Run time of the per-frame structure identification (glassy_li.plan.resources)."""
    protocol = protocol_of(run_of(wildcards))
    frames = protocol.total_duration_ps / protocol.trajectory_interval_ps + 1
    atoms = int(RUNS.loc[run_of(wildcards), "ensemble_size_atoms"]) + protocol.flux_atoms
    return resource_model.analysis_runtime_minutes(frames, atoms)


def analysis_mem_mb(wildcards):
    return resource_model.analysis_mem_mb(RUNS.loc[run_of(wildcards), "ensemble_size_atoms"])


# -- per-run settings -----------------------------------------------------------------------
def run_potential(wildcards):
    """The potential preset of the run named by {run}, with absolute file paths."""
    return dataclasses.asdict(CAMPAIGN.preset(RUNS.loc[run_of(wildcards), "potential"]))


def run_potential_files(wildcards):
    """Absolute paths of the files of the run's preset (for checksums)."""
    return CAMPAIGN.preset_files(RUNS.loc[run_of(wildcards), "potential"])


def run_structure_settings(wildcards):
    """Structure identification for the metal of the run named by {run}."""
    return dataclasses.asdict(CAMPAIGN.structure_settings(RUNS.loc[run_of(wildcards), "potential"]))


def run_clock(wildcards):
    """The simulated time of each step of the run (its timesteps), as a plain dict."""
    return step_clock(protocol_of(run_of(wildcards))).as_dict()


def all_runs(pattern):
    """`pattern` (with {run}, or {md} for a run's MD folder) expanded over every run."""
    return [pattern.format(run=run, md=md_folder(run)) for run in RUNS.index]


BASE_COUPLING = coupling_label(CAMPAIGN.couplings()[0])
MAIN_GRID = RUNS[(RUNS["group"] == "grid") & (RUNS["coupling"] == BASE_COUPLING)]


# -- helpers of plots.smk ------------------------------------------------------
def trace_runs():
    """Runs shown in the trace figure: every main-grid run of the configured (or largest) size."""
    size = config["figures"]["trace_size_atoms"] or int(MAIN_GRID["ensemble_size_atoms"].max())
    return list(MAIN_GRID.index[MAIN_GRID["ensemble_size_atoms"] == size])


def trace_run_info():
    return [json.loads(RUNS.loc[run].to_json()) for run in trace_runs()]


def snapshot_run():
    """The run whose traces are shown with snapshots: the first of the trace runs."""
    return trace_runs()[0]


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
    "critical_size_by_hold",
]


def final_outputs():
    """What a plain `snakemake` makes: the nucleation campaign, under results/<campaign>/.
    The deposition campaign is its own target (`snakemake deposition`)."""
    return [
        *[f"{OUT}/tables/{name}.tsv" for name in TABLES],
        f"{OUT}/tables/config.yaml",
        REPORT_LANDING,
        *[f"{OUT}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "svg")],
        *all_runs("results/runs/{run}/provenance.json"),
    ]


# -- helpers of render.smk -----------------------------------------------------
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


# -- helpers of checks.smk -----------------------------------------------------
def size_melting_presets():
    """Presets of `snakemake size_melting` (default: the campaign's)."""
    presets = config["potential_checks"]["size_melting"]["presets"]
    return list(CAMPAIGN.potential_names if presets is None else presets)


def size_melting_outputs():
    """The per-campaign size-dependent melting table, fit and figure of each preset."""
    return [
        f"{OUT}/{folder}/size_melting{kind}_{preset}.{ext}"
        for preset in size_melting_presets()
        for folder, kind, ext in (
            ("tables", "", "tsv"),
            ("tables", "_fit", "tsv"),
            ("figures", "", "png"),
        )
    ]


def page_files(kind):
    """The files `rule results_page` copies, of one ``kind`` (tables, figures, provenance,
    performance, melting): the grid's unless ``results_page.grid`` is false, and the deposition
    series' when ``deposition.enabled``."""
    grid = config["results_page"]["grid"]
    deposition = config["deposition"]["enabled"]
    files = {
        "tables": [f"{OUT}/tables/{name}" for name in PAGE_TABLES] if grid else [],
        "figures": [f"{OUT}/figures/{name}" for name in PAGE_FIGURES] if grid else [],
        "provenance": all_runs("results/runs/{run}/provenance.json") if grid else [],
        "performance": all_runs("results/runs/{md}/md_performance.json") if grid else [],
        "melting": size_melting_outputs() if grid else [],
    }[kind]
    if deposition:
        files += {
            "tables": [f"{OUT}/tables/{name}" for name in DEPOSITION_PAGE_TABLES],
            "figures": [f"{OUT}/figures/{name}.png" for name in DEPOSITION_FIGURES],
            "provenance": deposition_runs_files("provenance.json"),
            "performance": deposition_runs_files("md_performance.json"),
            "melting": [],
        }[kind]
    return files


def results_page_command():
    """The command that regenerates this campaign's part of docs/results/."""
    files = " ".join(
        f"--configfile {project_relative(path)}" for path in workflow.overwrite_configfiles or []
    )
    return f"snakemake --cores 2 {files} -- results_page".replace("  ", " ")


def project_relative(path):
    """``path`` relative to the project root where it lies inside it (for commands shown)."""
    try:
        return str(Path(path).resolve().relative_to(PROJECT_ROOT.resolve()))
    except ValueError:
        return str(path)


def size_melting_settings():
    """How each cluster is heated (glassy_li.checks.cluster_melting.ClusterMeltingSettings)."""
    section = config["potential_checks"]["size_melting"]
    return {
        "start_fraction": section["start_fraction_of_melting"],
        "stop_fraction": section["stop_fraction_of_melting"],
        "step_K": section["step_K"],
        "settle_ps": section["settle_ps"],
        "measure_ps": section["measure_ps"],
        "start_K": section["start_K"],
        "stop_K": section["stop_K"],
    }


def size_melting_heating_reference_K(preset):
    """The melting point the heating fractions refer to (None where start_K and stop_K fix
    the grid: then a re-measured melting point reruns only the fit, not the clusters)."""
    section = config["potential_checks"]["size_melting"]
    if section["start_K"] is not None and section["stop_K"] is not None:
        return None
    return config["potential_presets"][preset]["melting_point_K"]


def interface_melting_starts():
    """(preset, start K) of every interface-velocity search (default start: the metal's
    experimental melting point, so that no search starts at an earlier answer)."""
    section = config["potential_checks"]["interface_melting"]
    return [
        (preset, round(start))
        for preset, entry in section["presets"].items()
        for start in (entry or {}).get("starts_K") or [CAMPAIGN.metal(preset).melting_point_K]
    ]


def interface_melting_outputs():
    return [
        f"results/potential_checks/interface_melting/{preset}/from-{start}K.json"
        for preset, start in interface_melting_starts()
    ]


def interface_melting_settings(preset):
    """glassy_li.checks.interface_melting.InterfaceSettings of one preset (its entry overrides)."""
    section = config["potential_checks"]["interface_melting"]
    entry = dict(section["presets"].get(preset) or {})
    entry.pop("starts_K", None)
    shared = {k: v for k, v in section.items() if k not in ("presets", "mpi_ranks")}
    return {**shared, **entry, "n_ranks": section["mpi_ranks"]}


def timestep_study_outputs(name):
    presets = config["potential_checks"]["timestep_study"]["presets"]
    return [f"results/potential_checks/timestep_study/{preset}/{name}" for preset in presets]


def timestep_study_settings(preset):
    """glassy_li.checks.timestep_study.TimestepStudySettings keys of one preset (its overrides)."""
    return dict(config["potential_checks"]["timestep_study"]["presets"].get(preset) or {})


def checked_presets():
    """Presets that `snakemake potential_checks` checks (all by default)."""
    chosen = config["potential_checks"]["presets"]
    return list(chosen) if chosen else sorted(config["potential_presets"])


def free_energy_melting_outputs():
    section = config["potential_checks"]["free_energy_melting"]
    return [
        f"results/potential_checks/free_energy_melting/{preset}.json"
        for preset in section["presets"]
    ]


def free_energy_melting_settings():
    """glassy_li.checks.free_energy.FreeEnergySettings of potential_checks.free_energy_melting."""
    section = config["potential_checks"]["free_energy_melting"]
    return {key: value for key, value in section.items() if key != "presets"}


def nucleation_model_inputs(held_out):
    """The campaign tables the model reads: every training one (a missing one is an error,
    naming it), and the held-out ones that have run (one not run yet is predicted all the
    same)."""
    section = config["nucleation_model"]
    root = Path(section["results_dir"])
    names = section["held_out_campaigns" if held_out else "training_campaigns"]
    paths = [root / name / "tables" / "campaign.tsv" for name in names]
    return [str(p) for p in paths if not held_out or p.is_file()]
