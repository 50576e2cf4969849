"""The cluster resource model (glassy_li.plan.resources): what a job asks the scheduler for."""

import pytest

from glassy_li.plan import resources


def test_md_time_follows_atom_steps_throughput_ranks_and_safety():
    # 3000 atoms x 2.53e6 steps at Li's 3.24e6 atom-steps/s on one rank: 39 min, x2, + 10
    atom_steps = 3000 * 2.53e6
    assert resources.needed_minutes(atom_steps, 3.24e6, 1, 2.0) == int(
        2 * atom_steps / 3.24e6 / 60 + 10) == 88
    # two ranks halve the MD part, not the allowance
    assert resources.needed_minutes(atom_steps, 3.24e6, 2, 2.0) == 49
    with pytest.raises(ValueError, match="must be positive"):
        resources.needed_minutes(atom_steps, 0.0, 1, 2.0)


def test_a_run_longer_than_a_job_gets_capped_time_and_one_retry_per_extra_job():
    assert resources.runtime_minutes(5000, 2880) == 2880
    assert resources.runtime_minutes(90, 2880) == 90
    assert resources.retries_for(2880, 2880, 2) == 2      # fits one job
    assert resources.retries_for(2881, 2880, 2) == 3      # needs a second job
    assert resources.retries_for(3 * 2880, 2880, 0) == 2  # three jobs


def test_memory_grows_with_atoms_and_ranks():
    assert resources.md_mem_mb(2000, 1) == 500      # measured 106 MB: room to spare
    assert resources.md_mem_mb(2000, 2) == 800
    assert resources.analysis_mem_mb(2000) == 2000  # measured 126 MB
    # 2501 frames of 3000 atoms (a 5-ns hold, 2-ps frames): 10 + 125 min
    assert resources.analysis_runtime_minutes(2501, 3000) == 135
