"""The deposition campaign (the paper's Fig 7): its config checks, protocols and runs.

Its settings are the ``deposition`` section of a campaign config, validated by
:class:`glassy_li.study.Study`: the schema and the shared checks
(:func:`glassy_li.config.compose.validate_config`), then this section's own
(:func:`validate_deposition`).  Runs live in the one run store, under
``results/runs/deposition/``, at paths naming substrate, potential, heat removal, rate and
replica, and ending in a digest of the rest of what their files depend on.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from glassy_li.config.compose import (
    ConfigError,
    derive_seed,
    effective_pair_style,
    potential_names,
    preset_timestep_fs,
    resolve_files,
    resolve_potential,
    run_digest,
)
from glassy_li.config.potential_files import PotentialFiles
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.deposition.analysis import DepositAnalysisSettings
from glassy_li.deposition.deposit import (
    DEPOSITION_TEMPLATES,
    DepositionProtocol,
    Substrate,
    build_substrate,
    flight_time_ps,
)
from glassy_li.lammps.run import template_digest
from glassy_li.plan.campaign import run_physics, structure_settings_for
from glassy_li.structure.identify import StructureSettings

__all__ = ["DepositionCampaign", "heat_route_for", "validate_deposition"]


DEFAULT_HEAT_ROUTES = {"bcc-slab": "substrate-layers", "inert-wall": "wall-layer"}
HEAT_ROUTE_SUBSTRATES = {"substrate-layers": "bcc-slab", "wall-layer": "inert-wall"}


def heat_route_for(deposition: Mapping[str, Any], substrate: Mapping[str, Any]) -> str:
    """The heat removal of a deposition run: the configured route, or the substrate's default."""
    return deposition["heat_removal"] or DEFAULT_HEAT_ROUTES[substrate["kind"]]


def validate_deposition(
    config: dict[str, Any], files: PotentialFiles, base_dir: str | Path | None = None
) -> None:
    """Deposition checks a schema cannot express (each error names its key)."""
    deposition = config["deposition"]
    if not deposition["enabled"]:
        return
    presets = config["potential_presets"]
    name = deposition["potential"] or config["potential"]
    if name not in presets:
        raise ConfigError(
            f"config key 'deposition.potential': unknown potential preset {name!r}; "
            f"known presets: {', '.join(sorted(presets))}"
        )
    resolve_potential(name, presets[name], base_dir, files)
    if deposition["heat_removal"] == "langevin-bath":
        raise ConfigError(
            "config key 'deposition.heat_removal': 'langevin-bath' is disabled in campaigns: "
            "in the default campaign one of its runs heated without bound (about 2e5 K, then "
            "lost atoms; docs/deposition.md). Use substrate-layers (bcc-slab) or wall-layer "
            "(inert-wall), or null for each substrate's own"
        )
    for index, substrate in enumerate(deposition["substrates"]):
        key = f"deposition.substrates[{index}]"
        route = heat_route_for(deposition, substrate)
        needed = HEAT_ROUTE_SUBSTRATES.get(route)
        if needed is not None and substrate["kind"] != needed:
            raise ConfigError(
                f"config key 'deposition.heat_removal': {route!r} needs a {needed} substrate, "
                f"but {key} is {substrate['kind']!r} (use langevin-bath, or null for each "
                "substrate's own route)"
            )
        if substrate["kind"] == "bcc-slab":
            layers = substrate["fixed_layers"] + substrate["thermostatted_layers"]
            if layers >= substrate["layers"]:
                raise ConfigError(
                    f"config key '{key}.layers': {substrate['layers']} planes leave no free "
                    f"surface plane above {substrate['fixed_layers']} fixed and "
                    f"{substrate['thermostatted_layers']} thermostatted ones"
                )
            if route == "substrate-layers" and substrate["thermostatted_layers"] < 1:
                raise ConfigError(
                    f"config key '{key}.thermostatted_layers': 0, but heat removal "
                    "'substrate-layers' needs at least one thermostatted plane"
                )
        _, geometry = build_substrate(Substrate(**substrate), deposition["deposited_atoms"])
        flight = flight_time_ps(
            geometry, deposition["incident_energy_eV"], float(presets[name]["mass_amu"])
        )
        if deposition["relax_duration_ps"] < flight:
            raise ConfigError(
                f"config key 'deposition.relax_duration_ps': {deposition['relax_duration_ps']} "
                f"ps is shorter than the {flight:.1f} ps an atom inserted last needs to reach "
                f"the surface of {key} (incident energy {deposition['incident_energy_eV']} eV)"
            )
    timestep_fs = preset_timestep_fs(config, name)
    for rate in deposition["rates_atoms_per_ps"]:
        if rate * timestep_fs * 1e-3 > 1.0:  # atoms per timestep
            raise ConfigError(
                f"config key 'deposition.rates_atoms_per_ps': {rate} atoms/ps is more than one "
                f"atom per {timestep_fs} fs timestep"
            )
    if config["structure"]["averaging_window_ps"] > deposition["trajectory_interval_ps"]:
        raise ConfigError(
            f"config key 'deposition.trajectory_interval_ps': "
            f"{deposition['trajectory_interval_ps']} ps is shorter than "
            f"structure.averaging_window_ps = {config['structure']['averaging_window_ps']} ps"
        )




@dataclass
class DepositionCampaign:
    """The deposition campaign of a validated config (:class:`glassy_li.study.Study` validates)."""

    config: dict[str, Any]
    files: PotentialFiles | None = field(default=None, repr=False, compare=False)
    project_root: Path | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.config["deposition"]["enabled"])

    def preset(self) -> PotentialSetup:
        """The deposition preset, resolved (called only by deposition jobs, so a disabled
        campaign's preset files need not exist)."""
        name = self.deposition_potential_name
        return resolve_potential(
            name, self.config["potential_presets"][name], self.project_root, self.files,
            accelerated=self.config["md"].get("accelerated_styles", True),
        )

    def preset_files(self) -> dict[str, str]:
        name = self.deposition_potential_name
        return resolve_files(
            name, self.config["potential_presets"][name], self.project_root, self.files
        )

    def structure_settings(self) -> StructureSettings:
        """Structure identification for the deposition preset's metal."""
        return structure_settings_for(self.config, self.deposition_potential_name)

    @property
    def deposition_potential_name(self) -> str:
        return self.config["deposition"]["potential"] or potential_names(self.config)[0]

    def deposition_timestep_fs(self) -> float:
        return preset_timestep_fs(self.config, self.deposition_potential_name)

    def substrate(self, index: int) -> Substrate:
        return Substrate(**self.config["deposition"]["substrates"][index])

    def deposition_protocol(self, substrate_index: int, rate_atoms_per_ps: float):
        """The deposition protocol of one substrate and rate."""
        dep = self.config["deposition"]
        substrate = dep["substrates"][substrate_index]
        preset = self.config["potential_presets"][self.deposition_potential_name]
        return DepositionProtocol(
            rate_atoms_per_ps=float(rate_atoms_per_ps),
            deposited_atoms=dep["deposited_atoms"],
            timestep_fs=self.deposition_timestep_fs(),
            temperature_K=dep["temperature_K"],
            incident_energy_eV=dep["incident_energy_eV"],
            heat_removal=heat_route_for(dep, substrate),
            bath_damping_ps=dep["bath_damping_ps"],
            wall_layer_thickness_A=dep["wall_layer_thickness_A"],
            relax_duration_ps=dep["relax_duration_ps"],
            anneal_temperature_K=dep["anneal_temperature_K"],
            anneal_duration_ps=dep["anneal_duration_ps"],
            trajectory_interval_ps=dep["trajectory_interval_ps"],
            thermo_interval_ps=dep["thermo_interval_ps"],
            averaging_window_ps=self.config["structure"]["averaging_window_ps"],
            restart_interval_ps=dep["restart_interval_ps"],
            walltime_budget_s=self.config["md"]["walltime_budget_s"],
            min_insert_distance_A=dep["min_insert_distance_A"],
            mass_amu=float(preset["mass_amu"]),
        )

    def run_digest(self, substrate_index: int, rate_atoms_per_ps: float) -> str:
        """What a deposition run's files depend on beyond its path segments (the LAMMPS
        templates of its input included)."""
        protocol, physics = run_physics(
            self.deposition_protocol(substrate_index, rate_atoms_per_ps),
            self.config["potential_presets"][self.deposition_potential_name],
            effective_pair_style(self.config, self.deposition_potential_name),
        )
        return run_digest(
            protocol,
            dataclasses.asdict(self.substrate(substrate_index)),
            physics,
            dataclasses.asdict(self.structure_settings()),
            self.config["deposition"]["analysis"],
            {"lammps_templates": template_digest(DEPOSITION_TEMPLATES)},
        )

    def deposit_analysis_settings(self) -> DepositAnalysisSettings:
        return DepositAnalysisSettings(**self.config["deposition"]["analysis"])

    def deposition_runs(self) -> pd.DataFrame:
        """One row per deposition run: substrate x rate x replica (empty when disabled).

        Replica k of every rate starts from the same seed (paired comparison of rates).
        """
        dep = self.config["deposition"]
        columns = ["run_id", "substrate", "substrate_index", "heat_removal", "potential",
                   "rate_atoms_per_ps", "replica", "seed"]
        rows: list[dict[str, Any]] = []
        if dep["enabled"]:
            potential = self.deposition_potential_name
            labels = [self.substrate(i).label for i in range(len(dep["substrates"]))]
            for index, plain_label in enumerate(labels):
                unique = labels.count(plain_label) == 1
                label = plain_label if unique else f"{plain_label}-{index}"
                route = heat_route_for(dep, dep["substrates"][index])
                for rate, replica in itertools.product(
                    dep["rates_atoms_per_ps"], range(dep["replicas"])
                ):
                    seed = derive_seed(self.config["base_seed"], "deposition", potential,
                                       label, replica)
                    digest = self.run_digest(index, rate)
                    run_id = (f"deposition/sub-{label}/pot-{potential}/heat-{route}/"
                              f"rate-{float(rate):g}/rep-{replica}-seed-{seed}-cfg-{digest}")
                    rows.append({
                        "run_id": run_id,
                        "substrate": label,
                        "substrate_index": index,
                        "heat_removal": route,
                        "potential": potential,
                        "rate_atoms_per_ps": float(rate),
                        "replica": replica,
                        "seed": seed,
                    })
        return pd.DataFrame(rows, columns=columns).set_index("run_id", drop=False)

