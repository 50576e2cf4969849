# Helpers shared by the rules: config validation (before any job) and the table of runs.
import dataclasses
import json
from pathlib import Path

from snakemake.utils import validate

from glassy_li.aggregate import stage_boundaries_ps
from glassy_li.config import Campaign
from glassy_li.md import stage_steps


validate(config, schema="../schemas/config.schema.yaml")
CAMPAIGN = Campaign.from_config(config)
RUNS = CAMPAIGN.runs()


wildcard_constraints:
    run=r"(grid|control-[A-Za-z0-9_.-]+)/[^ ]+?/rep-\d+-seed-\d+",


def run_info(wildcards):
    """Swept values of the run named by the {run} wildcard (plain Python types)."""
    return json.loads(RUNS.loc[wildcards.run].to_json())


def protocol_of(run_id):
    """The MD protocol of one run (positive controls may override the temperatures)."""
    info = RUNS.loc[run_id]
    return CAMPAIGN.protocol(
        final_temperature_K=float(info["final_temperature_K"]),
        heat_temperature_K=float(info["heat_temperature_K"]),
    )


def run_protocol(wildcards):
    """The MD protocol of the run named by {run}, as a plain dict."""
    return dataclasses.asdict(protocol_of(wildcards.run))


def boundaries_of(run_id):
    """Start times (ps) of heat, quench, equilibrate and the end of a run."""
    protocol = protocol_of(run_id)
    return stage_boundaries_ps(stage_steps(protocol), protocol.timestep_fs * 1e-3)


def stage_boundaries(wildcards):
    return boundaries_of(wildcards.run)


def trace_runs():
    """Runs shown in the trace figure: every run of the configured (or largest) size."""
    size = config["figures"]["trace_size_atoms"] or int(RUNS["ensemble_size_atoms"].max())
    return list(RUNS.index[RUNS["ensemble_size_atoms"] == size])


def trace_run_info():
    return [json.loads(RUNS.loc[run].to_json()) for run in trace_runs()]


def potential_setup():
    """The potential preset, with absolute file paths."""
    return dataclasses.asdict(CAMPAIGN.potential())


def all_runs(pattern):
    """`pattern` (with {run}) expanded over every run of the campaign."""
    return [pattern.format(run=run) for run in RUNS.index]


def checked_presets():
    """Presets that `snakemake potential_checks` checks (all by default)."""
    chosen = config["potential_checks"]["presets"]
    return list(chosen) if chosen else sorted(config["potential_presets"])


FIGURES = {
    "traces": "Traces of temperature, potential energy, crystallinity and largest embryo",
    "incubation_vs_size": "Incubation time versus ensemble size",
    "crystallinity_vs_size": "Final crystallinity versus ensemble size",
    "crystallinity_vs_density": "Final crystallinity versus packing density",
}


def final_outputs():
    return [
        "results/tables/campaign.tsv",
        "results/tables/summary_by_size.tsv",
        *[f"results/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "svg")],
    ]
