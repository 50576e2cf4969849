"""The nucleation campaign: its validated config and the table of its runs.

Every run lives in one store, ``results/runs/``.  Its MD folder has a readable path that
names its swept values and ends in a digest of everything else its MD depends on (protocol,
potential preset, system generation, the LAMMPS templates); its analysis (structure, summary,
provenance) sits in a folder inside, named by a digest of the analysis settings and code, e.g.
``grid/state-droplet/pot-eam-nichol2016-li/rho-0.0534/coup-nose-hoover-0.1ps/
Th-716.1K-Tf-358.1K/N-700/rep-0-seed-123456-cfg-1a2b3c4d/ana-5e6f7a8b``, the run's id.  Two
campaigns whose runs agree share the folders (the run is reused, not redone); campaigns
that differ only in their analysis share the MD and analyse it each their way; runs that
differ in their MD never collide.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from glassy_li.analysis.aggregate import reference_time_ps, stage_boundaries_ps
from glassy_li.config.compose import (
    COUPLING_KEYS,
    ConfigError,
    _density_label,
    _temperature_K,
    compose_config,
    coupling_label,
    derive_seed,
    effective_pair_style,
    potential_names,
    preset_hold_timestep_fs,
    preset_timestep_fs,
    resolve_files,
    resolve_potential,
    run_digest,
    validate_config,
)
from glassy_li.config.metals import Metal, metal_from_config
from glassy_li.config.potential_files import PotentialFiles
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.lammps.run import template_digest
from glassy_li.md.protocol import MD_TEMPLATES, MDProtocol, stage_steps
from glassy_li.plan.code_digest import analysis_code_digest
from glassy_li.structure.early_stop import SettleRule
from glassy_li.structure.identify import StructureSettings

__all__ = [
    "EXECUTION_FIELDS",
    "PRESET_RUN_KEYS",
    "SYSTEM_RUN_KEYS",
    "Campaign",
    "md_folder",
    "run_physics",
    "structure_settings_for",
]


def md_folder(run_id: str) -> str:
    """The MD folder of a run (its id without the analysis folder ``/ana-<digest>``)."""
    return run_id.rsplit("/ana-", 1)[0]

PRESET_RUN_KEYS = ("units", "atom_style", "pair_style", "pair_coeff", "files", "mass_amu",
                   "neighbor_skin_A", "extra_commands")
"""Keys of a potential preset that change what a run computes (its citation, notes and
measured figures do not)."""
EXECUTION_FIELDS = ("walltime_budget_s", "restart_interval_ps")
"""Protocol fields that change how a run is executed, not its physics: left out of digests."""


def run_physics(
    protocol: Any, preset: Mapping[str, Any], pair_style: str | None = None
) -> tuple[dict, dict]:
    """What a run computes, for its folder's digest: the protocol (an MD or deposition
    protocol dataclass) without :data:`EXECUTION_FIELDS`, and the preset's
    :data:`PRESET_RUN_KEYS`, with ``pair_style`` the one the run uses where it differs (an
    accelerated variant: same forces to floating-point noise, which chaos turns into another
    trajectory)."""
    fields = {k: v for k, v in dataclasses.asdict(protocol).items() if k not in EXECUTION_FIELDS}
    physics = {key: preset.get(key) for key in PRESET_RUN_KEYS}
    if pair_style is not None and pair_style != preset["pair_style"]:
        physics["pair_style"] = pair_style
    return fields, physics

SYSTEM_RUN_KEYS = ("min_distance_A", "droplet_density_g_cm3", "seed_fraction")
"""Keys of the ``system`` section that shape one run's initial system (the grid's lists do
not: adding a size must not touch the other runs)."""


def structure_settings_for(config: Mapping[str, Any], preset_name: str) -> StructureSettings:
    """Structure identification for a preset's metal: its reference structure, and its
    cutoffs unless the ``structure`` section sets them."""
    s = config["structure"]
    preset = config["potential_presets"][preset_name]
    metal = metal_from_config(preset["metal"], config["metals"][preset["metal"]])
    return StructureSettings(
        method=s["method"],
        positions=s["positions"],
        ptm_rmsd_cutoff=s["ptm_rmsd_cutoff"],
        cluster_cutoff_A=s["cluster_cutoff_A"] or metal.cluster_cutoff_A,
        min_embryo_atoms=s["min_embryo_atoms"],
        domain_cutoff_A=s["domain_cutoff_A"] or metal.domain_cutoff_A,
        reference_structure=metal.reference_structure,
    )


@dataclass
class Campaign:
    """A validated configuration and the runs it defines.

    ``files`` gives the presets' files named by address and checksum (default: the cache and
    mirrors the config sets, relative to ``project_root``; in a dry run, one with
    ``download=False``).  ``project_root`` roots the presets' relative paths (default: the
    working directory)."""

    config: dict[str, Any]
    files: PotentialFiles | None = field(default=None, repr=False, compare=False)
    project_root: Path | None = None

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = PotentialFiles.from_config(self.config, self.project_root)

    @classmethod
    def from_config(
        cls,
        config: dict[str, Any],
        files: PotentialFiles | None = None,
        project_root: str | Path | None = None,
        *,
        in_place: bool = False,
        download: bool = True,
        on_plan: Callable[[Any], None] | None = None,
    ) -> Campaign:
        """Validate ``config`` (a copy, or ``config`` itself when ``in_place``: then the
        caller's object is the one validated and filled) and wrap it.  Without ``files``,
        potential files come from the cache and mirrors the config sets (``download`` and
        ``on_plan`` as :meth:`PotentialFiles.from_config`)."""
        checked = config if in_place else copy.deepcopy(dict(config))
        root = Path(project_root) if project_root is not None else None
        files = validate_config(
            checked, files=files, base_dir=root, download=download, on_plan=on_plan
        )
        return cls(checked, files, root)

    @classmethod
    def from_files(cls, *paths: str | Path) -> Campaign:
        """A campaign composed from campaign files as ``snakemake --configfile`` would
        (:func:`glassy_li.config.compose.compose_config`: presets, ``extends`` chain, files)."""
        return cls.from_config(compose_config(paths))

    # -- potential, metal and protocol ------------------------------------------------------
    @property
    def potential_names(self) -> list[str]:
        """The campaign's presets (several when the metal is a campaign dimension)."""
        return potential_names(self.config)

    @property
    def potential_name(self) -> str:
        """The first (for most campaigns the only) preset."""
        return self.potential_names[0]

    def metal(self, preset_name: str | None = None) -> Metal:
        """The metal of a preset (default: the first preset's)."""
        preset = self.config["potential_presets"][preset_name or self.potential_name]
        return metal_from_config(preset["metal"], self.config["metals"][preset["metal"]])

    def temperatures_K(self, preset_name: str | None = None) -> tuple[float, float]:
        """(heat, final) temperatures in K: md's kelvin values, or its fractions of the
        preset's measured melting point."""
        melting_K = self.config["potential_presets"][preset_name or self.potential_name].get(
            "melting_point_K"
        )
        md = self.config["md"]
        heat_K = _temperature_K(md, "heat_temperature", melting_K)
        assert heat_K is not None  # validate_config: exactly one of the pair
        return heat_K, self.final_temperatures_K(preset_name)[0]

    def final_temperatures_K(self, preset_name: str | None = None) -> list[float]:
        """The hold temperatures (K) of the grid: ``md.final_temperature_K``, or its fractions
        of the preset's measured melting point; one value, or a list (then the hold
        temperature is a campaign dimension, like the size)."""
        melting_K = self.config["potential_presets"][preset_name or self.potential_name].get(
            "melting_point_K"
        )
        md = self.config["md"]
        given = md["final_temperature_K"]
        if given is None:
            given, melting = md["final_temperature_fraction_of_melting"], float(melting_K)
        else:
            melting = 1.0
        values = given if isinstance(given, list) else [given]
        return [float(value) * melting for value in values]

    def packing_densities_g_cm3(self, preset_name: str | None = None) -> list[float]:
        """The grid's packing densities (g/cm3) for a preset's metal."""
        system = self.config["system"]
        if system["packing_densities_g_cm3"] is not None:
            return [float(v) for v in system["packing_densities_g_cm3"]]
        bulk = self.metal(preset_name).bulk_density_g_cm3
        return [round(f * bulk, 6) for f in system["packing_densities_fraction_of_bulk"]]

    def potential(self, base_dir: str | Path | None = None) -> PotentialSetup:
        """The campaign's potential preset, resolved."""
        return self.preset(self.potential_name, base_dir)

    def preset(self, name: str, base_dir: str | Path | None = None) -> PotentialSetup:
        """Any preset of the config, resolved (its files must exist)."""
        presets = self.config["potential_presets"]
        if name not in presets:
            raise ConfigError(
                f"unknown potential preset {name!r}; known presets: {', '.join(sorted(presets))}"
            )
        return resolve_potential(name, presets[name], base_dir or self.project_root, self.files,
                                 accelerated=self.config["md"].get("accelerated_styles", True))

    def potential_files(self, base_dir: str | Path | None = None) -> dict[str, str]:
        """Absolute paths of the campaign preset's files (for checksums)."""
        return self.preset_files(self.potential_name, base_dir)

    def preset_files(self, name: str, base_dir: str | Path | None = None) -> dict[str, str]:
        """Absolute paths of a preset's files (for checksums)."""
        return resolve_files(
            name, self.config["potential_presets"][name], base_dir or self.project_root,
            self.files,
        )

    def timestep_fs(self, preset_name: str | None = None) -> float:
        """The heat and quench stages' timestep (fs) of a preset's runs."""
        return preset_timestep_fs(self.config, preset_name or self.potential_name)

    def hold_timestep_fs(self, preset_name: str | None = None) -> float:
        """The hold's timestep (fs) of a preset's runs."""
        return preset_hold_timestep_fs(self.config, preset_name or self.potential_name)

    def protocol(
        self,
        final_temperature_K: float | None = None,
        heat_temperature_K: float | None = None,
        coupling: Mapping[str, Any] | None = None,
        potential: str | None = None,
    ) -> MDProtocol:
        """The MD protocol of a preset (default: the first); positive controls may override
        the two temperatures, and a coupling (keys of ``coupling_sweep.couplings``) the
        thermostat and the atom flux."""
        md = {**self.config["md"], **(coupling or {})}
        heat_K, final_K = self.temperatures_K(potential)
        hold_timestep_fs = self.hold_timestep_fs(potential)
        if md["thermostat"] == "none" and self.config["md"].get("hold_timestep_fs") is None:
            # an NVE hold keeps every bit of the drift it makes: the heat and quench step
            hold_timestep_fs = self.timestep_fs(potential)
        return MDProtocol(
            timestep_fs=self.timestep_fs(potential),
            hold_timestep_fs=hold_timestep_fs,
            heat_temperature_K=heat_temperature_K or heat_K,
            heat_duration_ps=md["heat_duration_ps"],
            quench_rate_K_per_ps=md["quench_rate_K_per_ps"],
            final_temperature_K=final_temperature_K or final_K,
            equilibrate_duration_ps=md["equilibrate_duration_ps"],
            trajectory_interval_ps=md["trajectory_interval_ps"],
            thermo_interval_ps=md["thermo_interval_ps"],
            averaging_window_ps=self.config["structure"]["averaging_window_ps"],
            thermostat=md["thermostat"],
            thermostat_damping_ps=md["thermostat_damping_ps"],
            minimisation_iterations=md["minimisation_iterations"],
            restart_interval_ps=md["restart_interval_ps"],
            walltime_budget_s=md["walltime_budget_s"],
            atom_flux_atoms_per_ps=md["atom_flux_atoms_per_ps"],
            flux_min_distance_A=self.config["system"]["min_distance_A"],
            mass_amu=self.potential_mass_amu(potential),
        )

    def run_protocol(self, run: Mapping[str, Any]) -> MDProtocol:
        """The MD protocol of one row of :meth:`runs` (positive controls may override the
        temperatures; the coupling is the row's)."""
        return self.protocol(
            final_temperature_K=run["final_temperature_K"],
            heat_temperature_K=run["heat_temperature_K"],
            coupling={key: run[key] for key in COUPLING_KEYS},
            potential=run["potential"],
        )

    def potential_mass_amu(self, preset_name: str | None = None) -> float:
        return float(self.config["potential_presets"][preset_name or self.potential_name]
                     ["mass_amu"])

    def couplings(self) -> list[dict[str, Any]]:
        """The md-section coupling first, then those of ``coupling_sweep`` (completed)."""
        md = self.config["md"]
        base = {key: md[key] for key in COUPLING_KEYS}
        swept = [{**base, **c} for c in self.config["coupling_sweep"]["couplings"]]
        unique: list[dict[str, Any]] = []
        for coupling in [base, *swept]:
            if coupling not in unique:
                unique.append(coupling)
        return unique

    def structure_settings(self, preset_name: str | None = None) -> StructureSettings:
        """Structure identification for a preset's metal (:func:`structure_settings_for`)."""
        return structure_settings_for(self.config, preset_name or self.potential_name)

    # -- the runs ---------------------------------------------------------------------------
    def md_digest(
        self, potential: str, heat_K: float, final_K: float, coupling: Mapping[str, Any]
    ) -> str:
        """The digest ending a run's MD folder: what its system and trajectory depend on beyond
        the readable segments (protocol, the preset's physics, system generation).  Execution
        settings that do not change the physics (wall-clock budget, restart interval, MPI
        ranks) are left out: changing them keeps the folder.  The content of every LAMMPS
        template and include of the MD input is in: editing one moves the run."""
        md_protocol = self.protocol(final_K, heat_K, coupling, potential)
        protocol, physics = run_physics(md_protocol, self.config["potential_presets"][potential],
                                        effective_pair_style(self.config, potential))
        system = {key: self.config["system"][key] for key in SYSTEM_RUN_KEYS}
        settle = self.settle_rule(md_protocol, potential)
        templates = {"lammps_templates": template_digest(MD_TEMPLATES)}
        if settle is None:
            return run_digest(protocol, physics, system, templates)
        return run_digest(protocol, physics, system, settle.as_dict(), templates)

    def settle_rule(self, protocol: MDProtocol, potential: str) -> SettleRule | None:
        """When a run's hold may end (``md.end_hold_when_settled``; None: it holds to the
        end): this campaign's order parameter, threshold and persistence + final windows,
        from the run's incubation reference time."""
        if not self.config["md"].get("end_hold_when_settled", False):
            return None
        incubation = self.config["incubation"]
        steps = stage_steps(protocol)
        boundaries = stage_boundaries_ps(steps, protocol.timestep_ps)
        clock = steps.clock
        assert clock is not None
        return SettleRule(
            structure=self.structure_settings(potential),
            order_parameter=incubation["order_parameter"],
            threshold=float(incubation["threshold"]),
            window_ps=float(incubation["persistence_ps"]) + float(incubation["final_window_ps"]),
            reference_time_ps=reference_time_ps(incubation["reference"], boundaries),
            timestep_ps=clock.timestep_ps,
            hold_timestep_ps=clock.later_timestep_ps,
            hold_start_step=clock.switch_step,
        )

    def analysis_digest(self, potential: str) -> str:
        """The digest naming a run's analysis folder (``ana-<digest>`` inside its MD folder):
        structure identification and incubation settings, and the version of the analysis
        code (:func:`~glassy_li.plan.code_digest.analysis_code_digest`).  Changing them re-analyses
        the runs; it does not redo their MD."""
        return run_digest(
            dataclasses.asdict(self.structure_settings(potential)), self.config["incubation"],
            {"analysis_code": analysis_code_digest()},
        )

    def runs(self) -> pd.DataFrame:
        """One row per run: its id (``<MD folder>/ana-<digest>`` under ``results/runs``; see
        :func:`md_folder`) and every swept value.

        Seeds depend on everything but the coupling, so that couplings compare pairwise on
        the same initial configurations and velocities.
        """
        cfg = self.config
        system = cfg["system"]
        rows: list[dict[str, Any]] = []
        fractional_temperatures = cfg["md"]["heat_temperature_K"] is None or (
            cfg["md"]["final_temperature_K"] is None
        ) or isinstance(cfg["md"]["final_temperature_K"], list)

        def add(
            potential: str,
            group: str,
            state: str,
            rho: float,
            size: int,
            replica: int,
            heat_T: float,
            final_T: float,
            coupling: Mapping[str, Any],
        ):
            seed = derive_seed(cfg["base_seed"], group, state, potential, rho, size, replica)
            segments = [
                group,
                f"state-{state}",
                f"pot-{potential}",
                f"rho-{_density_label(rho)}",
                coupling_label(coupling),
                f"N-{size}",
            ]
            # controls override temperatures; fractions of a melting point give other ones
            if group != "grid" or fractional_temperatures:
                segments.insert(-1, f"Th-{heat_T:.4g}K-Tf-{final_T:.4g}K")
            digest = self.md_digest(potential, heat_T, final_T, coupling)
            segments.append(f"rep-{replica}-seed-{seed}-cfg-{digest}")
            segments.append(f"ana-{self.analysis_digest(potential)}")
            metal = self.metal(potential)
            preset = cfg["potential_presets"][potential]
            melting_K = float(preset.get("melting_point_K") or float("nan"))
            rows.append(
                {
                    "run_id": "/".join(segments),
                    "group": group,
                    "metal": metal.name,
                    "reference_structure": metal.reference_structure,
                    "mass_amu": float(preset["mass_amu"]),
                    "bulk_density_g_cm3": metal.bulk_density_g_cm3,
                    "melting_point_potential_K": melting_K,
                    "melting_point_experiment_K": metal.melting_point_K,
                    "initial_state": state,
                    "potential": potential,
                    "packing_density_g_cm3": float(rho),
                    "packing_density_fraction_of_bulk": float(rho) / metal.bulk_density_g_cm3,
                    "ensemble_size_atoms": int(size),
                    "heat_temperature_K": float(heat_T),
                    "final_temperature_K": float(final_T),
                    "thermostat": coupling["thermostat"],
                    "thermostat_damping_ps": float(coupling["thermostat_damping_ps"]),
                    "atom_flux_atoms_per_ps": float(coupling["atom_flux_atoms_per_ps"]),
                    "coupling": coupling_label(coupling),
                    "replica": replica,
                    "seed": seed,
                }
            )

        base, *swept = self.couplings()
        sweep = cfg["coupling_sweep"]
        for potential, final_T in (
            (name, final) for name in self.potential_names
            for final in self.final_temperatures_K(name)
        ):
            heat_T = self.temperatures_K(potential)[0]
            densities = self.packing_densities_g_cm3(potential)
            grids = [([base], system["initial_states"], densities, system["ensemble_sizes_atoms"])]
            if swept:
                grids.append(
                    (
                        [base, *swept],
                        sweep["initial_states"] or system["initial_states"],
                        sweep["packing_densities_g_cm3"] or densities,
                        sweep["ensemble_sizes_atoms"] or system["ensemble_sizes_atoms"],
                    )
                )
            for couplings, states, rhos, sizes in grids:
                for coupling, state, rho, size in itertools.product(
                    couplings, states, rhos, sizes
                ):
                    for replica in range(self.replicas_at(size)):
                        add(potential, "grid", state, rho, size, replica, heat_T, final_T,
                            coupling)
            self._add_controls(add, potential, base)
        # the sweep's grid repeats the main grid's runs with the md coupling: keep one each
        table = pd.DataFrame(rows).drop_duplicates()
        if table["run_id"].duplicated().any():
            dup = table.loc[table["run_id"].duplicated(), "run_id"].iloc[0]
            raise ConfigError(f"two runs share the path {dup}: check positive_controls labels")
        return table.set_index("run_id", drop=False)

    def replicas_at(self, size: int) -> int:
        """Replicas of the grid at one ensemble size (``replicas_per_size``, else
        ``replicas``)."""
        counts = {int(entry["ensemble_size_atoms"]): int(entry["replicas"])
                  for entry in self.config.get("replicas_per_size", [])}
        return counts.get(int(size), int(self.config["replicas"]))

    def control_temperatures_K(
        self, control: Mapping[str, Any], potential: str
    ) -> tuple[float, float]:
        """(heat, final) temperatures (K) of a positive control: its own kelvins or fractions
        of the potential's melting point, else the campaign's."""
        heat_K, final_K = self.temperatures_K(potential)
        melting_K = self.config["potential_presets"][potential].get("melting_point_K")
        own_heat_K = _temperature_K(control, "heat_temperature", melting_K)
        own_final_K = _temperature_K(control, "final_temperature", melting_K)
        return (heat_K if own_heat_K is None else own_heat_K,
                final_K if own_final_K is None else own_final_K)

    def _add_controls(self, add, potential: str, base) -> None:
        cfg = self.config
        for control in cfg.get("positive_controls", []):
            heat_T, final_T = self.control_temperatures_K(control, potential)
            for replica in range(control.get("replicas", cfg["replicas"])):
                add(
                    potential,
                    f"control-{control['label']}",
                    control["initial_state"],
                    control["packing_density_g_cm3"],
                    control["ensemble_size_atoms"],
                    replica,
                    heat_T,
                    final_T,
                    base,
                )
