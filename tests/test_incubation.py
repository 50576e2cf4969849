"""Incubation time on synthetic order-parameter series (threshold 0.5, persistence 10 ps);
which order parameters the config accepts."""

import numpy as np
import pytest
import yaml

from glassy_li.analysis.incubation import (
    CENSORED,
    CRYSTALLINE_AT_REFERENCE,
    TRANSFORMED,
    incubation_time,
)
from glassy_li.config.compose import _validator

T = np.arange(0.0, 100.1, 1.0)  # frames every ps, 0..100 ps
REF = 20.0


def series(on_from=None, on_until=None):
    q = np.full_like(T, 0.1)
    if on_from is not None:
        q[(T >= on_from) & (T < (on_until if on_until is not None else np.inf))] = 0.9
    return q


def test_clean_step_gives_its_time_from_the_reference():
    result = incubation_time(T, series(on_from=47.0), 0.5, 10.0, REF)
    assert result.status == TRANSFORMED
    assert result.incubation_time_ps == pytest.approx(27.0)


def test_flicker_shorter_than_persistence_does_not_count():
    q = series(on_from=30.0, on_until=35.0)  # 5 ps above threshold, then back
    q[(T >= 60.0)] = 0.9  # lasting crossing later
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.status == TRANSFORMED
    assert result.incubation_time_ps == pytest.approx(40.0)


def test_flicker_alone_is_censored():
    result = incubation_time(T, series(on_from=30.0, on_until=35.0), 0.5, 10.0, REF)
    assert result.status == CENSORED
    assert np.isnan(result.incubation_time_ps)
    assert result.observed_until_ps == pytest.approx(80.0)


def test_crossing_whose_window_runs_past_the_end_is_censored():
    result = incubation_time(T, series(on_from=95.0), 0.5, 10.0, REF)
    assert result.status == CENSORED
    assert result.censored
    assert np.isnan(result.incubation_time_ps)
    assert result.observed_until_ps == pytest.approx(80.0)


def test_crossing_whose_window_ends_exactly_at_the_end_counts():
    result = incubation_time(T, series(on_from=90.0), 0.5, 10.0, REF)
    assert result.status == TRANSFORMED
    assert result.incubation_time_ps == pytest.approx(70.0)


def test_never_crossing_is_censored_at_the_end():
    result = incubation_time(T, series(), 0.5, 10.0, REF)
    assert result.status == CENSORED
    assert result.observed_until_ps == pytest.approx(100.0 - REF)


def test_crystalline_at_reference_is_flagged_not_timed():
    result = incubation_time(T, series(on_from=5.0), 0.5, 10.0, REF)
    assert result.status == CRYSTALLINE_AT_REFERENCE
    assert np.isnan(result.incubation_time_ps)


def test_crossing_before_reference_then_melting_counts_only_the_later_one():
    q = series(on_from=5.0, on_until=15.0)
    q[T >= 50.0] = 0.9
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.status == TRANSFORMED
    assert result.incubation_time_ps == pytest.approx(30.0)


def test_nan_counts_as_below_threshold():
    q = series(on_from=40.0)
    q[45] = np.nan
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.incubation_time_ps == pytest.approx(26.0)


@pytest.mark.parametrize(
    ("order_parameter", "threshold", "accepted"),
    [
        ("any_crystal_crystallinity", 0.5, True),
        ("any_crystal_crystallinity", 1.5, False),  # a fraction of a perfect sphere's
        ("crystallinity", 1.5, False),
        ("largest_reference_domain_atoms", 40, True),  # atoms
        ("not_an_order_parameter", 0.5, False),
    ],
)
def test_schema_accepts_the_order_parameters(repo, order_parameter, threshold, accepted):
    # the schema's incubation section alone (the whole config is test_config's business)
    with open(repo / "workflow" / "schemas" / "config.schema.yaml") as handle:
        schema = yaml.safe_load(handle)
    section = {**schema["properties"]["incubation"], "definitions": schema["definitions"]}
    incubation = {"order_parameter": order_parameter, "threshold": threshold}
    errors = list(_validator(section).iter_errors(incubation))
    assert not errors if accepted else errors
    if accepted:
        assert incubation["final_window_ps"] == 10.0  # defaults filled in


def test_order_that_reverts_is_not_a_transition_and_is_counted():
    """Ordered from 30 to 60 ps, then below for 40 ps to the end (a gas-start run read as
    transformed at 238 ps once ended at crystallinity 0.0007): censored, one reversion."""
    result = incubation_time(T, series(on_from=30.0, on_until=60.0), 0.5, 10.0, REF)
    assert result.status == CENSORED
    assert result.reversions == (40.0,)  # 60 ps, from the reference at 20
    assert result.first_order_ps == pytest.approx(10.0)


def test_a_transition_after_a_reversion_is_timed_from_the_lasting_crossing():
    q = series(on_from=30.0, on_until=45.0)
    q[T >= 70.0] = 0.9
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.status == TRANSFORMED
    assert result.incubation_time_ps == pytest.approx(50.0)
    assert result.n_reversions == 1 and result.first_order_ps == pytest.approx(10.0)


def test_a_dip_shorter_than_the_persistence_window_is_not_a_reversion():
    q = series(on_from=30.0)
    q[(T >= 50.0) & (T < 58.0)] = 0.1  # 8 ps below (frames 50..57 span 7 ps < 10 ps)
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.status == TRANSFORMED and result.n_reversions == 0
    assert result.incubation_time_ps == pytest.approx(10.0)


def test_a_crystal_at_the_reference_that_melts_is_censored_with_its_reversion():
    """The positive control's question: a crystal that does not survive the hold."""
    result = incubation_time(T, series(on_from=0.0, on_until=50.0), 0.5, 10.0, REF)
    assert result.status == CENSORED and result.reversions == (30.0,)


def test_a_crystal_at_the_reference_with_a_short_dip_stays_crystalline_at_the_reference():
    """A dip shorter than the persistence window just after the reference is noise, not a
    melting and a new transition."""
    q = series(on_from=0.0)
    q[(T >= 23.0) & (T < 26.0)] = 0.1
    result = incubation_time(T, q, 0.5, 10.0, REF)
    assert result.status == CRYSTALLINE_AT_REFERENCE and result.n_reversions == 0
