"""The default potential's droplets against the default campaign's own runs (reference data in
data/default_droplets, provenance in README.md): the physics the slow end-to-end droplet test
checked by rerunning 1500- and 100-atom droplets for 300 ps, in seconds.

Three things together stand for the rerun:

1. today's code plans the reference runs under the same MD folders: their ids hash the MD's
   inputs (settings, seeds, potential file checksums, LAMMPS templates, the pair style), not
   the Python that hands them to LAMMPS (the restart, timestep and .test tests run that);
2. LAMMPS reproduces the first 2 ps of the reference thermo from the system today's code
   generates (the wheel and the potential table still make that trajectory);
3. today's structure identification reads the reference runs' last frames as the campaign
   did: the 1500-atom droplet bcc, the 100-atom droplet amorphous, the bcc-seeded control
   crystalline.

The hold is not rerun and the outcomes (status, incubation time) are the campaign's, read
from runs.tsv; what today's code computes here is each last frame's structure.
"""

from __future__ import annotations

import dataclasses
import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glassy_li.config.compose import load_config
from glassy_li.md.protocol import run_md
from glassy_li.md.system import generate_system, write_lammps_data
from glassy_li.plan.campaign import Campaign, md_folder
from glassy_li.plan.jobs import RunJobs
from glassy_li.structure.identify import analyse_frame, read_lammps_dump

from ..conftest import REPO, SHARED_POTENTIALS

DATA = Path(__file__).parent / "data" / "default_droplets"
REFERENCE = pd.read_csv(DATA / "runs.tsv", sep="\t").set_index("name")
"""One row per reference run: its id (MD folder and analysis folder) and its outcome."""


@pytest.fixture(scope="module")
def default_jobs() -> RunJobs:
    """The default campaign's jobs, its potential files from ../shared (module-scoped: the
    conftest's shared_potentials fixture is per test)."""
    if not SHARED_POTENTIALS.is_dir():
        pytest.skip(f"needs the shared potential files at {SHARED_POTENTIALS} (absent here)")
    config = load_config(REPO / "config" / "potentials.yaml", REPO / "config" / "config.yaml")
    config["potential_mirrors"] = [str(SHARED_POTENTIALS)]
    return RunJobs(Campaign.from_config(config, project_root=REPO))


def planned_run(jobs: RunJobs, name: str) -> str:
    """The run id today's default campaign gives the reference run ``name``."""
    wanted = md_folder(REFERENCE.loc[name, "run_id"])
    matches = [run_id for run_id in jobs.runs.index if md_folder(run_id) == wanted]
    assert matches, (f"the default campaign no longer plans {wanted}: an MD input changed; "
                     "remake the reference (tests/validation/README.md)")
    return matches[0]


@pytest.mark.parametrize("name", list(REFERENCE.index))
def test_the_default_campaign_still_plans_the_reference_runs(default_jobs, name):
    planned_run(default_jobs, name)


@pytest.mark.parametrize("name", ["large", "small"])
def test_lammps_reproduces_the_first_2_ps_of_the_reference(default_jobs, tmp_path, name):
    """The system generated today, heated through the workflow's template with the run's own
    protocol (its stages cut short: the first 2 ps are the heat alone), gives the reference
    thermo rows to the table's 6 significant digits."""
    run_id = planned_run(default_jobs, name)
    info = default_jobs.info(run_id)
    system_keys = default_jobs.config["system"]
    potential = default_jobs.campaign.preset(info["potential"])
    system = generate_system(
        n_atoms=int(info["ensemble_size_atoms"]),
        packing_density_g_cm3=float(info["packing_density_g_cm3"]),
        initial_state=info["initial_state"], seed=int(info["seed"]),
        mass_amu=potential.mass_amu, min_distance_A=float(system_keys["min_distance_A"]),
        droplet_density_g_cm3=float(system_keys["droplet_density_g_cm3"]),
        seed_fraction=float(system_keys["seed_fraction"]))
    write_lammps_data(system, tmp_path / "system.data", atom_style=potential.atom_style)
    protocol = default_jobs.protocol_of(run_id)
    assert protocol.heat_duration_ps >= 2.0
    short = dataclasses.replace(protocol, heat_duration_ps=2.0, equilibrate_duration_ps=0.5,
                                quench_rate_K_per_ps=1e4, trajectory_interval_ps=0.5,
                                averaging_window_ps=0.5, restart_interval_ps=0.5)
    run_md(tmp_path / "system.data", tmp_path / "md", short, potential, int(info["seed"]),
           tmp_path / "thermo.tsv", tmp_path / "trajectory.lammpstrj", tmp_path / "final.data",
           tmp_path / "md.log")
    reference = pd.read_csv(DATA / f"{name}.thermo_first_2ps.tsv", sep="\t")
    thermo = pd.read_csv(tmp_path / "thermo.tsv", sep="\t")
    mine = thermo[thermo["time_ps"] <= reference["time_ps"].max() + 1e-9].reset_index(drop=True)
    assert len(mine) == len(reference) >= 4
    for column in ("temperature_K", "pe_eV_per_atom", "ke_eV_per_atom"):
        np.testing.assert_allclose(mine[column], reference[column], rtol=2e-6,
                                   err_msg=column)


@pytest.mark.parametrize("name", list(REFERENCE.index))
def test_the_last_frames_read_as_the_campaign_found(default_jobs, tmp_path, name):
    """The structure row of each run's last frame, computed today, equals the campaign's, and
    the outcomes are the physics: at 0.55 T_m the 1500-atom droplet turned bcc within the
    250-ps hold, the 100-atom droplet never ordered, the bcc-seeded control stayed
    crystalline."""
    frame_file = tmp_path / "frame.lammpstrj"
    with gzip.open(DATA / f"{name}.final_frame.lammpstrj.gz", "rt") as handle:
        frame_file.write_text(handle.read())
    (frame,) = read_lammps_dump(frame_file)
    assert frame.averaged_A is not None  # time-averaged positions, as the analysis reads them
    run_id = planned_run(default_jobs, name)
    settings = default_jobs.campaign.structure_settings(default_jobs.info(run_id)["potential"])
    row = analyse_frame(frame, settings)
    reference = pd.read_csv(DATA / f"{name}.structure_last_frame.tsv", sep="\t").iloc[0]
    for column in ("fraction_bcc", "fraction_fcc", "fraction_hcp", "fraction_other",
                   "largest_embryo_atoms", "largest_bcc_domain_atoms", "crystallinity",
                   "largest_embryo_bcc_fraction"):
        # the table holds 6 significant digits
        assert row[column] == pytest.approx(reference[column], rel=1e-5, abs=1e-9), column

    outcome = REFERENCE.loc[name]
    if name == "large":
        assert outcome["status"] == "transformed"
        assert row["crystallinity"] >= 0.5 and row["largest_embryo_bcc_fraction"] > 0.3
    elif name == "small":
        assert outcome["status"] == "censored"
        assert row["crystallinity"] < 0.2
    else:
        assert outcome["status"] in {"crystalline_at_reference", "transformed"}
        assert row["crystallinity"] >= 0.5
