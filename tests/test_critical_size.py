"""The kinetic critical size on outcomes with known answers: the profile-likelihood interval
(its coverage over 1000 synthetic campaigns is measured by benchmarks/critical_size_coverage.py),
separated outcomes as a bracket, and refusals where the data cannot decide."""

from __future__ import annotations

import math

import numpy as np
import pytest

from glassy_li.analysis.critical_size import (
    ABOVE,
    BELOW,
    NOT_RESOLVED,
    RESOLVED,
    SEPARATED,
    fit_critical_size,
)


def outcomes(*cells: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Runs from (size, transformed, runs) cells."""
    sizes = np.concatenate([np.full(n, size) for size, _, n in cells])
    transformed = np.concatenate([np.arange(n) < k for _, k, n in cells])
    return sizes, transformed


def test_nearly_separated_data_get_the_likelihood_interval_not_a_bootstrap_one():
    """The threshold campaign at 500 ps: 250 atoms 0/6, 400 atoms 4/6, 700 atoms 6/6.  The
    old bootstrap gave [316, 408]; inverting the plain likelihood ratio gives about [311,
    447] (the review's figure), the penalised one (the default) a wider interval around it,
    with a finite steepness."""
    runs = outcomes((250, 0, 6), (400, 4, 6), (700, 6, 6))
    plain = fit_critical_size(*runs, penalised=False)
    assert plain.status == RESOLVED
    assert plain.interval_atoms[0] == pytest.approx(311, rel=0.02)
    assert plain.interval_atoms[1] == pytest.approx(447, rel=0.02)
    assert "sharper than the sizes resolve" in plain.note  # its width is not measured
    fit = fit_critical_size(*runs)
    assert fit.status == RESOLVED and np.isfinite(fit.steepness_per_ln)
    low, high = fit.interval_atoms
    assert low < plain.interval_atoms[0] and high > plain.interval_atoms[1]
    assert low < fit.critical_size_atoms < high
    assert fit.covers(400) and not fit.covers(600)


def test_complete_separation_is_a_bracket_not_a_point():
    fit = fit_critical_size(*outcomes((100, 0, 3), (250, 0, 6), (400, 0, 6), (700, 6, 6)))
    assert fit.status == SEPARATED and not fit.fitted
    assert fit.bracket_atoms == (400.0, 700.0)
    assert "between 400 and 700 atoms" in fit.note
    low, high = fit.interval_atoms  # the likelihood interval holds the bracket
    assert low <= 400 and high >= 700


def test_a_fraction_that_falls_with_size_is_not_resolved():
    """The density campaign: 2/3 at 400 atoms, 1/3 at 700 (the old fit printed 529 [54.1,
    5172] atoms, the optimiser's bounds)."""
    fit = fit_critical_size(*outcomes((400, 2, 3), (700, 1, 3)))
    assert fit.status == NOT_RESOLVED and not fit.fitted
    assert math.isnan(fit.interval_atoms[0]) and math.isnan(fit.interval_atoms[1])
    assert "falls with size" in fit.note and "2/3 at 400" in fit.note
    flat = fit_critical_size(*outcomes((400, 2, 3), (700, 2, 3), (1100, 2, 3)))
    assert flat.status == NOT_RESOLVED and "does not change with size" in flat.note


def test_a_fit_at_the_edge_of_its_range_is_not_resolved():
    """One run of nine transforms, at the largest size: the likelihood keeps rising towards
    larger centres, past the sizes run: no critical size is claimed from it."""
    fit = fit_critical_size(*outcomes((250, 0, 3), (400, 0, 3), (700, 1, 3)))
    assert fit.status == NOT_RESOLVED
    assert "does not cross one half" in fit.note or "edge of the search range" in fit.note


def test_none_or_all_transformed_give_one_sided_bounds():
    runs = outcomes((250, 0, 3), (700, 0, 3), (2000, 0, 3))
    above = fit_critical_size(*runs)
    assert above.status == ABOVE and math.isnan(above.interval_atoms[1])
    # three amorphous runs at 2000 atoms do not exclude a wide step centred a little below
    assert 1000 < above.interval_atoms[0] < 2000
    assert fit_critical_size(*runs, penalised=False).interval_atoms[0] == pytest.approx(2000)
    # many amorphous runs: the bound is the largest size run, never beyond it (there the
    # penalty, not the runs, would speak)
    many = fit_critical_size(*outcomes((250, 0, 12), (700, 0, 12), (2000, 0, 12)))
    assert many.interval_atoms[0] == pytest.approx(2000)
    assert "none of 9 runs transformed" in above.note
    below = fit_critical_size(*outcomes((250, 3, 3), (700, 3, 3)))
    assert below.status == BELOW and math.isnan(below.interval_atoms[0])
    assert 250 < below.interval_atoms[1] < 500


def test_a_known_threshold_is_recovered_from_many_runs():
    rng = np.random.default_rng(11)
    sizes = np.repeat(np.geomspace(100, 2000, 8).round(), 25)
    p = 1 / (1 + np.exp(-(np.log(sizes) - math.log(700.0)) / 0.3))
    fit = fit_critical_size(sizes, rng.random(len(sizes)) < p)
    assert fit.status == RESOLVED and fit.note == ""
    assert fit.covers(700.0)
    assert fit.critical_size_atoms == pytest.approx(700.0, rel=0.25)
    assert 1 / fit.steepness_per_ln == pytest.approx(0.3, rel=0.5)


def test_more_replicas_narrow_the_interval_and_too_few_cannot_decide():
    """The same fractions (1/4, 2/4, 3/4) from 4, 16 and 32 runs per size: from 4 the
    likelihood interval spans the whole search range (not resolved), from 16 it closes and
    from 32 it narrows further."""
    few = fit_critical_size(*outcomes((250, 1, 4), (400, 2, 4), (700, 3, 4)))
    assert few.status == NOT_RESOLVED and "whole search range" in few.note
    more = fit_critical_size(*outcomes((250, 4, 16), (400, 8, 16), (700, 12, 16)))
    many = fit_critical_size(*outcomes((250, 8, 32), (400, 16, 32), (700, 24, 32)))
    assert more.status == many.status == RESOLVED
    assert many.covers(411) and more.covers(411)

    def ratio(fit):
        low, high = fit.interval_atoms
        return (high if math.isfinite(high) else math.inf) / (low if low > 0 else 0.0)

    assert ratio(many) < 0.8 * ratio(more)


def test_too_few_runs_for_a_bound_is_not_resolved():
    """One amorphous run at each of two sizes: the likelihood allows any centre above, so no
    bound is claimed (and no 'nan' or 'None' is written)."""
    fit = fit_critical_size(*outcomes((250, 0, 1), (400, 0, 1)))
    assert fit.status == NOT_RESOLVED and "too few for a bound" in fit.note
    assert "nan" not in fit.note.lower()
