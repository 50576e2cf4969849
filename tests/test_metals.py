"""Metals as a campaign dimension: definitions, presets against experiment, structure of
thermalised Na (bcc) and Mg (hcp) crystals, the melting-point check.

Reference values: experimental cohesive energies from Kittel (Li 1.63, Na 1.113, K 0.934,
Mg 1.51 eV/atom), melting points from the CRC Handbook; Mg_mm.eam.fs's own melting point
914 K is the value its authors published (Sun et al., PRB 73, 024116 (2006)).
"""

import copy
import subprocess
import sys

import numpy as np
import pytest

from glassy_li.checks.potential_checks import MeltingSettings, check_potential, melting_point
from glassy_li.config.compose import ConfigError, load_config
from glassy_li.core.lammps_env import lammps_potentials_dir, lmp_command, lmp_environment
from glassy_li.plan.campaign import Campaign
from glassy_li.structure.identify import (
    STRUCTURE_TYPES,
    StructureSettings,
    crystal_lattice,
    identify_structures,
    read_lammps_dump,
    reference_fraction,
    unit_cell_edges_A,
)

METAL_PRESETS = ["meam-baskes1992", "meam-baskes1992-na", "meam-baskes1992-k",
                 "meam-baskes1992-mg", "eam-sun2006-mg"]


@pytest.fixture
def config(default_config_files):
    return load_config(*default_config_files)


@pytest.fixture
def metals_campaign(repo, default_config_files):
    return Campaign.from_files(*default_config_files, repo / "config" / "metals.yaml")


def refused(config) -> str:
    with pytest.raises(ConfigError) as error:
        Campaign.from_config(config)
    return str(error.value)


# -- definitions refused before any job, naming the key ------------------------------------
def test_metal_without_mass_is_refused(config):
    del config["metals"]["Na"]["mass_amu"]
    message = refused(config)
    assert "metals.Na" in message and "mass_amu" in message


def test_metal_with_unknown_reference_structure_is_refused(config):
    config["metals"]["Mg"]["reference_structure"] = "hex"
    message = refused(config)
    assert "metals.Mg.reference_structure" in message and "'hex'" in message


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda c: c["potential_presets"]["meam-baskes1992-k"].update(metal="Kr"),
         "potential_presets.meam-baskes1992-k.metal"),
        (lambda c: c["metals"]["Mg"].pop("lattice_constant_c_A"),
         "metals.Mg.lattice_constant_c_A"),
        (lambda c: c["md"].update(heat_temperature_K=500),
         "md.heat_temperature_K' / 'md.heat_temperature_fraction_of_melting"),
        (lambda c: c["system"].update(packing_densities_g_cm3=None),
         "system.packing_densities_g_cm3' / 'system.packing_densities_fraction_of_bulk"),
        (lambda c: c["potential_presets"]["eam-nichol2016-li"].pop("melting_point_K", None),
         "potential_presets.eam-nichol2016-li.melting_point_K"),
    ],
)
def test_inconsistent_metal_settings_name_their_key(config, change, named):
    bad = copy.deepcopy(config)
    change(bad)
    assert named in refused(bad)


def test_positive_control_temperatures_as_fractions_of_the_melting_point(config):
    """A control's fraction keys scale the preset's own melting point; K and fraction of one
    temperature together are refused, naming both keys."""
    config["potential"] = "meam-baskes1992-na"
    config["positive_controls"] = [{
        "label": "seed", "initial_state": "seeded-droplet", "ensemble_size_atoms": 300,
        "packing_density_g_cm3": 0.0968, "replicas": 1,
        "heat_temperature_fraction_of_melting": 0.66,
        "final_temperature_fraction_of_melting": 0.66,
    }]
    config["deposition"]["enabled"] = False
    runs = Campaign.from_config(copy.deepcopy(config)).runs()
    control = runs[runs["group"] == "control-seed"].iloc[0]
    melting_K = config["potential_presets"]["meam-baskes1992-na"]["melting_point_K"]
    assert control["final_temperature_K"] == pytest.approx(0.66 * melting_K)
    assert control["heat_temperature_K"] == pytest.approx(0.66 * melting_K)
    assert f"Th-{0.66 * melting_K:.4g}K" in control["run_id"]  # kelvins in the run path
    config["positive_controls"][0]["final_temperature_K"] = 300
    assert "positive_controls[0].final_temperature_K" in refused(config)


@pytest.mark.workflow
def test_snakemake_refuses_a_metal_without_mass_before_any_job(repo, tmp_path):
    overlay = tmp_path / "bad.yaml"
    overlay.write_text("metals:\n  Na:\n    mass_amu: null\n")
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "-n", "--cores", "1", "--configfile", str(overlay)],
        cwd=repo, capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0
    assert result.stderr.startswith("config key 'metals.Na.mass_amu': None is not of type")
    assert "Job stats" not in result.stdout + result.stderr


# -- the metals campaign ---------------------------------------------------------------------
def test_metals_campaign_runs_each_metal_at_its_reduced_conditions(metals_campaign):
    runs = metals_campaign.runs()
    assert sorted(runs["metal"].unique()) == ["K", "Li", "Mg", "Na"]
    config = metals_campaign.config
    for _, run in runs.iterrows():
        metal = config["metals"][run["metal"]]
        preset = config["potential_presets"][run["potential"]]
        assert run["packing_density_g_cm3"] == pytest.approx(0.1 * metal["bulk_density_g_cm3"])
        assert run["heat_temperature_K"] == pytest.approx(1.10 * preset["melting_point_K"])
        assert run["final_temperature_K"] == pytest.approx(0.66 * preset["melting_point_K"])
        assert run["mass_amu"] == pytest.approx(metal["mass_amu"])
    mg = metals_campaign.structure_settings("meam-baskes1992-mg")
    assert mg.reference_structure == "hcp" and mg.cluster_cutoff_A == 4.2
    assert metals_campaign.structure_settings("meam-baskes1992").reference_structure == "bcc"
    protocol = metals_campaign.protocol(potential="meam-baskes1992-k")
    assert protocol.mass_amu == pytest.approx(39.098) and protocol.timestep_fs == 2.0


def test_li_defaults_are_homologous_at_the_papers_density(config):
    campaign = Campaign.from_config(config)
    runs = campaign.runs()
    assert set(runs["metal"]) == {"Li"}
    grid = runs[runs["group"] == "grid"]
    melting_K = config["potential_presets"][config["potential"]]["melting_point_K"]
    assert np.allclose(grid["heat_temperature_K"], 1.10 * melting_K)
    assert np.allclose(grid["final_temperature_K"], 0.55 * melting_K)
    assert set(grid["packing_density_g_cm3"]) == {0.0534}
    settings = campaign.structure_settings()
    assert (settings.cluster_cutoff_A, settings.domain_cutoff_A) == (4.0, 3.3)


# -- structure identification of each metal's crystal ---------------------------------------
@pytest.mark.parametrize("structure", ["bcc", "hcp", "fcc"])
def test_perfect_crystals_read_as_themselves(structure):
    positions = crystal_lattice(structure, 4, 3.2)
    edges = 4 * unit_cell_edges_A(structure, 3.2)
    types = identify_structures(positions, np.zeros(3), edges, StructureSettings())
    assert np.all(types == STRUCTURE_TYPES[structure])


def test_reference_sphere_fraction_of_hcp_grows_with_size():
    settings = StructureSettings(reference_structure="hcp")
    small, large = reference_fraction(100, settings), reference_fraction(700, settings)
    assert 0.05 < small < large < 0.8


THERMALISE = """
units metal
atom_style atomic
boundary p p p
lattice {structure} {a}
region box block 0 6 0 {ny} 0 6
create_box 1 box
create_atoms 1 box
mass 1 {mass}
pair_style meam
pair_coeff * * {library} {element} {parameters} {element}
timestep 0.002
velocity all create {T2} 4321 mom yes rot yes dist gaussian
fix npt all npt temp {T} {T} 0.1 {barostat} 0 0 1.0
compute unwrapped all property/atom xu yu zu
fix averaged all ave/atom 1 1000 2500 c_unwrapped[1] c_unwrapped[2] c_unwrapped[3]
dump frames all custom 2500 frames.dump id xu yu zu f_averaged[1] f_averaged[2] f_averaged[3]
run 7500
"""


@pytest.mark.validation
@pytest.mark.parametrize(
    ("preset", "temperature_K"),
    [("meam-baskes1992-na", 300), ("meam-baskes1992-na", 200), ("meam-baskes1992-mg", 300)],
)
def test_thermalised_crystal_reads_its_own_structure(
    metals_campaign, tmp_path, preset, temperature_K
):
    """bcc Na and hcp Mg held at room temperature for 15 ps (NPT): at least 85% of the atoms
    read the metal's own structure with the default method (PTM on 2 ps time-averaged
    positions) in every frame after the first 5 ps (5, 10, 15 ps), and less than 5% the other
    metal's
    structure. Baskes's Na melts at about 230 K (coexistence, docs/potentials.md), so at
    300 K its crystal is superheated (it has no surface to melt from); 200 K checks a
    crystal below the potential's own melting point as well."""
    metal = metals_campaign.metal(preset)
    potential = metals_campaign.preset(preset)
    library, parameters = potential.pair_coeff.split()[2], potential.pair_coeff.split()[4]
    hcp = metal.reference_structure == "hcp"
    (tmp_path / "in.lammps").write_text(THERMALISE.format(
        structure=metal.reference_structure, a=metal.lattice_constant_A, ny=3 if hcp else 6,
        mass=metal.mass_amu, library=library, parameters=parameters, element=metal.element,
        barostat="aniso" if hcp else "iso", T=temperature_K, T2=2 * temperature_K,
    ))
    subprocess.run([*lmp_command(1), "-in", "in.lammps", "-log", "log.lammps"], cwd=tmp_path,
                   env=lmp_environment(), check=True, capture_output=True)
    settings = metals_campaign.structure_settings(preset)
    assert settings.positions == "time-averaged" and settings.method == "ptm"
    other = "bcc" if hcp else "hcp"
    frames = [f for f in read_lammps_dump(tmp_path / "frames.dump") if f.step >= 2500]
    assert len(frames) == 3
    for frame in frames:
        types = identify_structures(frame.averaged_A, frame.box_lo_A, frame.box_edges_A,
                                    settings)
        assert np.mean(types == STRUCTURE_TYPES[metal.reference_structure]) >= 0.85
        assert np.mean(types == STRUCTURE_TYPES[other]) < 0.05


# -- presets against experiment --------------------------------------------------------------
@pytest.mark.validation
@pytest.mark.parametrize("preset", METAL_PRESETS)
def test_metal_preset_cohesive_energy_within_10_percent(metals_campaign, tmp_path, preset):
    metal = metals_campaign.metal(preset)
    row = check_potential(
        metals_campaign.preset(preset), metal, metals_campaign.timestep_fs(preset),
        tmp_path / "w", tmp_path / "log", nve_duration_ps=0.2, throughput_steps=10,
    )
    assert row["cohesive_energy_eV"] == pytest.approx(metal.cohesive_energy_eV, rel=0.10)
    assert row["lattice_constant_A"] == pytest.approx(metal.lattice_constant_A, rel=0.03)
    if metal.reference_structure == "hcp":
        assert row["lattice_constant_c_A"] == pytest.approx(metal.lattice_constant_c_A, rel=0.03)


@pytest.mark.validation
def test_k_needs_its_parameter_file(metals_campaign, tmp_path):
    """Without a parameter file LAMMPS cuts MEAM off at 4.0 A, inside K's 4.62 A nearest
    neighbour distance: the crystal has no cohesion at all. The preset's file fixes it."""
    potential = metals_campaign.preset("meam-baskes1992-k")
    library = potential.pair_coeff.split()[2]
    bare = type(potential)(**{**potential.__dict__, "pair_coeff": f"* * {library} K NULL K"})
    row = check_potential(bare, metals_campaign.metal("meam-baskes1992-k"), 2.0, tmp_path / "w",
                          tmp_path / "log", nve_duration_ps=0.1, throughput_steps=10)
    assert abs(row["cohesive_energy_eV"]) < 1e-6


@pytest.mark.validation
def test_coexistence_reproduces_the_published_melting_point_of_mg_eam(metals_campaign, tmp_path):
    """Sun et al. (2006) fitted Mg_mm.eam.fs to melt at 914 K (experiment 923 K); a small
    coexistence box (4 x 2 x 12 hcp cells, 384 atoms, 15 ps NPH) gets within 60 K."""
    preset = "eam-sun2006-mg"
    result = melting_point(
        metals_campaign.preset(preset), metals_campaign.metal(preset), 2.0, tmp_path / "w",
        tmp_path / "log", MeltingSettings(coexistence_ps=15.0, cells_across=4),
        progress=lambda message: None,
    )
    assert result["melting_point_K"] == pytest.approx(914.0, abs=60.0)
    assert 0.1 < result["melting_crystalline_fraction"] < 0.9


def test_user_supplied_zn_preset_works_through_the_preset_mechanism(config, tmp_path):
    """A user's own potential file, named by path in an ordinary preset, validates and sets
    the campaign's metal (Zn: hcp). The file here is the wheel's ZnOH ReaxFF, copied to a
    user directory as a user would supply one."""
    ffield = tmp_path / "ffield.reax.ZnOH"
    ffield.write_text((lammps_potentials_dir() / "ffield.reax.ZnOH").read_text())
    config["potential_presets"]["reaxff-zn"] = {
        "metal": "Zn", "units": "real", "atom_style": "charge",
        "pair_style": "reaxff NULL checkqeq no", "pair_coeff": "* * {ffield} Zn",
        "files": {"ffield": str(ffield)}, "timestep_fs": 0.5,
    }
    config["potential"] = "reaxff-zn"
    config["md"].update(heat_temperature_K=700, heat_temperature_fraction_of_melting=None,
                        final_temperature_K=400, final_temperature_fraction_of_melting=None)
    config["positive_controls"] = []  # the default's control is given in fractions of T_m
    config["deposition"]["enabled"] = False   # the deposition campaign is Li's (bcc Li slab)
    campaign = Campaign.from_config(config)
    assert campaign.potential().mass_amu == pytest.approx(65.38)
    assert campaign.potential().pair_coeff == f"* * {ffield.resolve()} Zn"
    assert campaign.structure_settings().reference_structure == "hcp"
    assert set(campaign.runs()["metal"]) == {"Zn"}
    ffield.unlink()
    assert "potential_presets.reaxff-zn.files.ffield" in refused(config)
