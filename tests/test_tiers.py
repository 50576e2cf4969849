"""The unit tier's guard (tests/conftest.py): a unit test that starts Snakemake or LAMMPS
fails, naming the tier it belongs to; what a unit test may start still starts."""

import subprocess
import sys

import pytest

from glassy_li.core import lammps_env


@pytest.mark.parametrize("command", [
    [sys.executable, "-m", "snakemake", "--version"],
    ["/opt/somewhere/lammps/lmp", "-in", "md.lammps"],
    "srun --mpi=pmi2 -n 2 lmp -in md.lammps",
    ["mpiexec", "-n", "2", "lmp"],
])
def test_a_unit_test_starting_md_or_the_workflow_fails(command):
    with pytest.raises(AssertionError, match="mark it with a tier"):
        subprocess.run(command, shell=isinstance(command, str), check=False)


def test_a_unit_test_reaching_lammps_fails_in_process_and_in_a_child():
    with pytest.raises(lammps_env.MDNotAllowed, match="the unit tier"):
        lammps_env.import_lammps()
    with pytest.raises(lammps_env.MDNotAllowed):
        lammps_env.lmp_command(1)
    child = subprocess.run(
        [sys.executable, "-c", "from glassy_li.core.lammps_env import lmp_command; lmp_command()"],
        capture_output=True, text=True, check=False)
    assert child.returncode != 0 and "MDNotAllowed" in child.stderr


def test_other_programs_and_the_lmp_style_list_still_start():
    assert subprocess.run([sys.executable, "-c", "print(6 * 7)"], capture_output=True,
                          text=True, check=True).stdout.strip() == "42"
    lammps_env.installed_lammps.cache_clear()  # so that it runs `lmp -h` here (allowed)
    assert "eam/fs" in lammps_env.installed_lammps().pair_styles
