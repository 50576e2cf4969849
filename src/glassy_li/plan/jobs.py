"""What the nucleation campaign's rules ask of its runs: the values a job reads (its run, its
protocol, preset and settings), the cluster resources it requests, and which runs the figures
show.  The workflow builds one :class:`RunJobs` (``workflow/rules/common.smk``) and its rules
call its methods as input functions, so this logic is plain, unit-tested Python.

A rule's wildcards name a run either as ``{md}/ana-{ana}`` (analysis jobs) or as its MD
folder ``{md}`` (MD jobs, shared by every run that analyses the same MD differently).
"""

from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from typing import Any

import pandas as pd

from glassy_li.analysis.aggregate import stage_boundaries_ps
from glassy_li.config.compose import coupling_label
from glassy_li.md.protocol import MDProtocol, stage_steps, step_clock
from glassy_li.plan import resources
from glassy_li.plan.campaign import SYSTEM_RUN_KEYS, Campaign, md_folder

__all__ = ["FIGURES", "TABLES", "RunJobs"]

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
"""The nucleation campaign's figures (``results/<campaign>/figures/<name>.{png,svg}``)."""

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
"""The nucleation campaign's tables (``results/<campaign>/tables/<name>.tsv``)."""


@dataclass
class RunJobs:
    """The runs of a validated nucleation campaign, as its jobs need them."""

    campaign: Campaign

    @functools.cached_property
    def runs(self) -> pd.DataFrame:
        """One row per run (:meth:`glassy_li.plan.campaign.Campaign.runs`)."""
        return self.campaign.runs()

    @property
    def config(self) -> dict[str, Any]:
        return self.campaign.config

    @property
    def out(self) -> str:
        """Where the campaign's tables, figures, report and logs go (runs: results/runs/)."""
        return f"results/{self.config['campaign_name']}"

    @functools.cached_property
    def md_runs(self) -> dict[str, str]:
        """MD folder -> a run analysing it (the first): MD jobs read the run's values from it."""
        return {md_folder(run): run for run in reversed(self.runs.index)}

    # -- the run a job names ----------------------------------------------------------------
    def run_of(self, wildcards: Any) -> str:
        """The run named by the wildcards: ``{md}/ana-{ana}`` (analysis jobs), or the first
        run of the MD folder ``{md}`` (MD jobs: every run of one MD folder has the same MD)."""
        if hasattr(wildcards, "ana"):
            return f"{wildcards.md}/ana-{wildcards.ana}"
        return self.md_runs[wildcards.md]

    def info(self, run_id: str) -> dict[str, Any]:
        """The swept values of one run, as plain Python types."""
        return json.loads(self.runs.loc[run_id].to_json())

    def run_info(self, wildcards: Any) -> dict[str, Any]:
        """:meth:`info` of the run named by the wildcards."""
        return self.info(self.run_of(wildcards))

    def md_run_info(self, wildcards: Any) -> dict[str, Any]:
        """:meth:`run_info` of an MD job, its run id cut to the MD folder: a param naming the
        analysis folder would rerun the MD (params trigger) whenever only the analysis
        changed."""
        info = self.run_info(wildcards)
        info["run_id"] = md_folder(info["run_id"])
        return info

    def all_runs(self, pattern: str) -> list[str]:
        """``pattern`` (with ``{run}``, or ``{md}`` for a run's MD folder) over every run."""
        return [pattern.format(run=run, md=md_folder(run)) for run in self.runs.index]

    # -- what a run's jobs read ----------------------------------------------------------------
    def protocol_of(self, run_id: str) -> MDProtocol:
        """The MD protocol of one run (positive controls may override the temperatures)."""
        return self.campaign.run_protocol(self.info(run_id))

    def run_protocol(self, wildcards: Any) -> dict[str, Any]:
        """The MD protocol of the run named by the wildcards, as a plain dict."""
        return dataclasses.asdict(self.protocol_of(self.run_of(wildcards)))

    def run_settle_rule(self, wildcards: Any) -> dict[str, Any] | None:
        """When the run's hold may end (``md.end_hold_when_settled``), as a plain dict; None:
        it holds to the end."""
        run_id = self.run_of(wildcards)
        settle = self.campaign.settle_rule(self.protocol_of(run_id),
                                           self.runs.loc[run_id, "potential"])
        return None if settle is None else settle.as_dict()

    def boundaries_of(self, run_id: str) -> dict[str, float]:
        """Start times (ps) of heat, quench, equilibrate and the end of a run."""
        protocol = self.protocol_of(run_id)
        return stage_boundaries_ps(stage_steps(protocol), protocol.timestep_ps)

    def stage_boundaries(self, wildcards: Any) -> dict[str, float]:
        return self.boundaries_of(self.run_of(wildcards))

    def system_settings(self, wildcards: Any) -> dict[str, Any]:
        """The system keys that shape one run's initial structure (not the grid's lists)."""
        return {key: self.config["system"][key] for key in SYSTEM_RUN_KEYS}

    def _preset(self, wildcards: Any) -> str:
        return str(self.runs.loc[self.run_of(wildcards), "potential"])

    def run_potential(self, wildcards: Any) -> dict[str, Any]:
        """The potential preset of the run, with absolute file paths."""
        return dataclasses.asdict(self.campaign.preset(self._preset(wildcards)))

    def run_potential_files(self, wildcards: Any) -> dict[str, str]:
        """Absolute paths of the files of the run's preset (for checksums)."""
        return self.campaign.preset_files(self._preset(wildcards))

    def run_structure_settings(self, wildcards: Any) -> dict[str, Any]:
        """Structure identification for the metal of the run."""
        return dataclasses.asdict(self.campaign.structure_settings(self._preset(wildcards)))

    def run_clock(self, wildcards: Any) -> dict[str, Any]:
        """The simulated time of each step of the run (its timesteps), as a plain dict."""
        return step_clock(self.protocol_of(self.run_of(wildcards))).as_dict()

    # -- cluster resources (glassy_li.plan.resources), shared by MD and deposition jobs ------
    def needed_minutes(self, atom_steps: float, preset: str) -> float:
        """Cluster time (minutes) of ``atom_steps`` with a preset."""
        md = self.config["md"]
        return resources.needed_minutes(
            atom_steps, self.config["potential_presets"][preset]["throughput_atom_steps_per_s"],
            md["mpi_ranks"], md["runtime_safety_factor"],
        )

    def runtime_minutes(self, needed: float) -> int:
        return resources.runtime_minutes(needed, self.config["md"]["max_runtime_minutes"])

    def retries_for(self, longest_minutes: float) -> int:
        md = self.config["md"]
        return resources.retries_for(longest_minutes, md["max_runtime_minutes"], md["retries"])

    def mem_mb_for(self, atoms: int) -> int:
        return resources.md_mem_mb(atoms, self.config["md"]["mpi_ranks"])

    def md_mpi_launcher(self, wildcards: Any = None) -> str:
        """Slurm ``mpi`` resource: the launcher when the job has several ranks, else empty
        (then Slurm allocates one task and LAMMPS runs without a launcher)."""
        md = self.config["md"]
        return md["mpi_launcher"] if md["mpi_ranks"] > 1 else ""

    def md_needed_minutes(self, run_id: str) -> float:
        """Cluster time one run's MD needs in all (minutes), inserted atoms included."""
        protocol = self.protocol_of(run_id)
        atoms = int(self.runs.loc[run_id, "ensemble_size_atoms"]) + protocol.flux_atoms
        return self.needed_minutes(stage_steps(protocol).total * atoms,
                                   str(self.runs.loc[run_id, "potential"]))

    def md_retries(self) -> int:
        """Retries of the MD rule: enough to finish the longest run in capped jobs."""
        return self.retries_for(max(map(self.md_needed_minutes, self.runs.index), default=0))

    def md_runtime_minutes(self, wildcards: Any) -> int:
        return self.runtime_minutes(self.md_needed_minutes(self.run_of(wildcards)))

    def md_mem_mb(self, wildcards: Any) -> int:
        return self.mem_mb_for(int(self.runs.loc[self.run_of(wildcards), "ensemble_size_atoms"]))

    def analysis_runtime_minutes(self, wildcards: Any) -> int:
        """Run time of the per-frame structure identification."""
        run_id = self.run_of(wildcards)
        protocol = self.protocol_of(run_id)
        frames = protocol.total_duration_ps / protocol.trajectory_interval_ps + 1
        atoms = int(self.runs.loc[run_id, "ensemble_size_atoms"]) + protocol.flux_atoms
        return resources.analysis_runtime_minutes(frames, atoms)

    def analysis_mem_mb(self, wildcards: Any) -> int:
        return resources.analysis_mem_mb(
            int(self.runs.loc[self.run_of(wildcards), "ensemble_size_atoms"])
        )

    # -- which runs the figures show ---------------------------------------------------------
    @property
    def base_coupling(self) -> str:
        """The path segment of the campaign's first (main) coupling."""
        return coupling_label(self.campaign.couplings()[0])

    @functools.cached_property
    def main_grid(self) -> pd.DataFrame:
        """The grid's runs under the main coupling (no controls, no sweep)."""
        runs = self.runs
        return runs[(runs["group"] == "grid") & (runs["coupling"] == self.base_coupling)]

    def trace_runs(self) -> list[str]:
        """Runs of the trace figure: every main-grid run of the configured (or largest) size."""
        grid = self.main_grid
        size = self.config["figures"]["trace_size_atoms"] or int(grid["ensemble_size_atoms"].max())
        return list(grid.index[grid["ensemble_size_atoms"] == size])

    def trace_run_info(self) -> list[dict[str, Any]]:
        return [self.info(run) for run in self.trace_runs()]

    def snapshot_run(self) -> str:
        """The run whose traces are shown with snapshots: the first of the trace runs."""
        return self.trace_runs()[0]

    def render_density(self, preset: str | None = None) -> float:
        """The packing density (g/cm3) whose final embryos are rendered, for one preset's
        metal: ``figures.render_density_g_cm3``, else that metal's first density."""
        chosen = self.config["figures"]["render_density_g_cm3"]
        return chosen if chosen is not None else self.campaign.packing_densities_g_cm3(preset)[0]

    def rendered_runs(self) -> list[str]:
        """One run per metal and size whose final embryo is rendered: the main grid's first
        replica at the render density, first initial state."""
        grid, picked = self.main_grid, []
        for preset in self.campaign.potential_names:
            chosen = grid[
                (grid["potential"] == preset)
                & (grid["packing_density_g_cm3"] == float(self.render_density(preset)))
                & (grid["initial_state"] == self.config["system"]["initial_states"][0])
                & (grid["replica"] == 0)
            ].sort_values("ensemble_size_atoms")
            picked += list(chosen.index)
        return picked

    def render_title(self) -> str:
        densities = ", ".join(
            f"{self.campaign.metal(p).name} {self.render_density(p):g}"
            for p in self.campaign.potential_names
        )
        return f"{self.config['campaign_name']}: final embryos at {densities} g/cm3"

    def final_outputs(self, report_landing: str) -> list[str]:
        """What a plain ``snakemake`` makes: the nucleation campaign, under
        ``results/<campaign>/`` (the deposition campaign is its own target)."""
        out = self.out
        return [
            *[f"{out}/tables/{name}.tsv" for name in TABLES],
            f"{out}/tables/config.yaml",
            report_landing,
            *[f"{out}/figures/{name}.{ext}" for name in FIGURES for ext in ("png", "svg")],
            *self.all_runs("results/runs/{run}/provenance.json"),
        ]

