"""Ending the hold once the outcome is settled (glassy_li.structure.early_stop): the rule on
synthetic series, the incubation time unchanged by the cut, and a LAMMPS run whose early-ended
trajectory is, frame for frame, the start of the same run held to the end."""

import numpy as np
import pandas as pd
import pytest

from glassy_li.analysis.incubation import CRYSTALLINE_AT_REFERENCE, TRANSFORMED, incubation_time
from glassy_li.structure.early_stop import SettleRule, settled_time
from glassy_li.structure.identify import StructureSettings, read_lammps_dump

from .md_helpers import bcc_crystal, run_short_md

T = np.arange(0.0, 100.1, 1.0)
REF = 20.0


def test_settles_once_the_order_parameter_stays_above_for_the_window():
    q = np.where(T >= 47.0, 0.9, 0.1)
    assert settled_time(T, q, 0.5, 16.0, REF) == pytest.approx(63.0)


def test_a_dip_restarts_the_window_and_frames_before_the_reference_never_count():
    q = np.where(T >= 10.0, 0.9, 0.1)  # above from 10 ps, before the clock starts at 20
    q[T == 30.0] = np.nan  # NaN counts as below: the streak from 20 ps breaks after 9 ps
    assert settled_time(T, q, 0.5, 16.0, REF) == pytest.approx(47.0)


def test_never_settles_without_a_long_enough_streak():
    q = np.where((T >= 30.0) & (T < 45.0), 0.9, 0.1)
    assert settled_time(T, q, 0.5, 16.0, REF) is None


def test_cutting_a_run_where_it_settles_keeps_its_incubation_time():
    """On 2000 random series (flickers, lasting crossings, crystalline at the reference), the
    incubation result of the series cut at its settled frame equals the full series', unless
    the full series' order reverts after that frame: a reversion after the hold ended is
    what early stopping cannot see (the settled run then reads transformed, the full one
    censored), so those series are counted apart."""
    rng = np.random.default_rng(12)
    persistence, final_window = 6.0, 10.0
    settled_runs = reverted_later = 0
    for _ in range(2000):
        flips = np.sort(rng.choice(T, size=rng.integers(0, 8), replace=False))
        q = np.zeros_like(T)
        above = rng.random() < 0.2
        for time in T:
            if time in flips:
                above = not above
            q[T == time] = 0.8 if above else 0.2
        full = incubation_time(T, q, 0.5, persistence, REF)
        settled = settled_time(T, q, 0.5, persistence + final_window, REF)
        if settled is None:
            continue
        settled_runs += 1
        cut = T <= settled + 1e-9
        short = incubation_time(T[cut], q[cut], 0.5, persistence, REF)
        if any(r + REF > settled for r in full.reversions):
            reverted_later += 1
            assert short.status in (TRANSFORMED, CRYSTALLINE_AT_REFERENCE)
            continue
        assert short.status == full.status
        assert short.incubation_time_ps == pytest.approx(full.incubation_time_ps, nan_ok=True)
    assert settled_runs > 200
    assert 0 < reverted_later < settled_runs


@pytest.mark.validation
def test_a_settled_run_ends_its_hold_and_publishes_the_start_of_the_full_run(tmp_path):
    """A bcc crystal held at 100 K (Baskes MEAM: solid there) is crystalline from the start of
    the hold, so it settles one window later; the early-ended run halts LAMMPS (fix halt) and
    its published frames and thermo rows are those of the same run held to the end."""
    protocol = dict(
        heat_temperature_K=100.0, heat_duration_ps=1.0, quench_rate_K_per_ps=10.0,
        final_temperature_K=100.0, equilibrate_duration_ps=20.0,
        trajectory_interval_ps=0.5, averaging_window_ps=0.5,
    )
    (tmp_path / "full").mkdir()
    full = run_short_md(tmp_path / "full", bcc_crystal(4), **protocol)
    reference_ps = 1.0
    rule = SettleRule(
        structure=StructureSettings(), order_parameter="crystallinity", threshold=0.5,
        window_ps=3.0, reference_time_ps=reference_ps, timestep_ps=0.001,
    )
    (tmp_path / "early").mkdir()
    early = run_short_md(tmp_path / "early", bcc_crystal(4), settle_rule=rule, **protocol)

    early_frames = list(read_lammps_dump(early["trajectory"]))
    full_frames = list(read_lammps_dump(full["trajectory"]))
    assert early_frames[-1].step * 0.001 == pytest.approx(reference_ps + 3.0)
    assert len(full_frames) > len(early_frames) + 20
    for mine, theirs in zip(early_frames, full_frames, strict=False):
        assert mine.step == theirs.step
        np.testing.assert_array_equal(mine.unwrapped_A, theirs.unwrapped_A)
    early_thermo = pd.read_csv(early["thermo"], sep="\t")
    full_thermo = pd.read_csv(full["thermo"], sep="\t")
    assert early_thermo["step"].max() == early_frames[-1].step
    pd.testing.assert_frame_equal(early_thermo, full_thermo.iloc[: len(early_thermo)])
    assert "Fix halt condition for fix-id settled met" in (
        tmp_path / "early" / "md" / "log.lammps"
    ).read_text()
    assert "hold ended early" in (tmp_path / "early" / "md.log").read_text()
