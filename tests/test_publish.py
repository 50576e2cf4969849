"""What the LAMMPS layer checks before it publishes a run (glassy_li.lammps.run.check_complete):
a full disk or a file-size limit cuts LAMMPS's files without stopping it, and such a run must
fail, naming the file, instead of publishing outputs that look complete.  The files are
written here by hand in LAMMPS's formats (no LAMMPS run)."""

from __future__ import annotations

import pytest

from glassy_li.lammps.run import IncompleteOutputs, check_complete

HEADER = "stage step time_ps temperature_K pe_eV_per_atom ke_eV_per_atom pressure_bar\n"


def frame(step: int, n_atoms: int = 3) -> str:
    lines = ["ITEM: TIMESTEP", str(step), "ITEM: NUMBER OF ATOMS", str(n_atoms),
             "ITEM: BOX BOUNDS pp pp pp", "0 10", "0 10", "0 10",
             "ITEM: ATOMS id type xu yu zu f_averaged[1] f_averaged[2] f_averaged[3]"]
    lines += [f"{i + 1} 1 {i}.0 0.0 0.0 {i}.0 0.0 0.0" for i in range(n_atoms)]
    return "\n".join(lines) + "\n"


def final_data(n_atoms: int = 3) -> str:
    body = "\n".join(f"{i + 1} 1 {i}.0 0.0 0.0" for i in range(n_atoms))
    return (f"LAMMPS data file\n\n{n_atoms} atoms\n1 atom types\n\n0 10 xlo xhi\n0 10 ylo yhi\n"
            f"0 10 zlo zhi\n\nMasses\n\n1 6.94\n\nAtoms # atomic\n\n{body}\n")


@pytest.fixture
def work(tmp_path):
    (tmp_path / "thermo.raw.txt").write_text(
        HEADER + "".join(f"3 {s} {s / 1000:g} 300 -1.5 0.04 1\n" for s in (0, 500, 1000)))
    (tmp_path / "trajectory.lammpstrj").write_text(frame(0) + frame(500) + frame(1000))
    (tmp_path / "final.data").write_text(final_data())
    return tmp_path


def test_complete_outputs_pass(work):
    check_complete(work, 1000)
    # a run whose last step falls between outputs: its last row and frame are earlier
    check_complete(work, 1200, thermo_every=500, trajectory_every=500)
    with pytest.raises(IncompleteOutputs, match="thermo.raw.txt ends at step 1000"):
        check_complete(work, 1500, thermo_every=500, trajectory_every=500)


def test_a_cut_trajectory_fails_naming_it(work):
    text = (work / "trajectory.lammpstrj").read_text()
    (work / "trajectory.lammpstrj").write_text(text[: len(text) - 20])  # last frame cut
    with pytest.raises(IncompleteOutputs, match="trajectory.lammpstrj's last complete frame"):
        check_complete(work, 1000)


def test_a_cut_final_structure_fails_naming_it(work):
    text = (work / "final.data").read_text()
    (work / "final.data").write_text(text[: len(text) - 30])
    with pytest.raises(IncompleteOutputs, match="final.data holds 1 Atoms rows for 3 atoms"):
        check_complete(work, 1000)


def test_a_thermo_table_short_of_the_last_step_fails(work):
    with pytest.raises(IncompleteOutputs, match="expected step 1500.*thermo.raw.txt ends at "
                                                "step 1000.*bytes free"):
        check_complete(work, 1500)
