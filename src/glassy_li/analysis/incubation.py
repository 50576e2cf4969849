"""Incubation time of the amorphous-to-crystalline transition, with censoring.

The incubation time runs from a reference time (by default the start of equilibration) to
the first frame after which the order lasts: the order parameter reaches the threshold,
stays at or above it for the whole persistence window, and does not fall back below it for
a whole persistence window before the end of the run (such a fall is a *reversion*, counted
and reported).  A run that never orders, whose persistence window would run past the end of
the run, or whose order reverted and did not return, is *censored* at the run's end: we only
know that a lasting transition had not (verifiably) happened by then.  A run already
crystalline at the reference time, and staying so, is flagged rather than given a zero or
negative time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "GROUP_KEYS",
    "IncubationResult",
    "TRANSFORMED",
    "CENSORED",
    "CRYSTALLINE_AT_REFERENCE",
    "incubation_time",
]

GROUP_KEYS = [
    "group",
    "metal",
    "initial_state",
    "potential",
    "packing_density_g_cm3",
    "ensemble_size_atoms",
    "heat_temperature_K",
    "final_temperature_K",
    "thermostat",
    "thermostat_damping_ps",
    "atom_flux_atoms_per_ps",
]
"""Columns that define a group of replicas."""

TRANSFORMED = "transformed"
CENSORED = "censored"
CRYSTALLINE_AT_REFERENCE = "crystalline_at_reference"


@dataclass(frozen=True)
class IncubationResult:
    """Outcome of :func:`incubation_time`; times in ps from the reference time."""

    status: str
    """``transformed``, ``censored`` or ``crystalline_at_reference``."""
    incubation_time_ps: float
    """Time to the transition that lasted; NaN unless ``status == 'transformed'``."""
    observed_until_ps: float
    """Time observed after the reference (the censoring time for censored runs)."""
    reversions: tuple[float, ...] = ()
    """Times (ps from the reference) at which an ordered episode ended: the order fell
    below the threshold and stayed there for a whole persistence window."""
    first_order_ps: float = float("nan")
    """Start of the first ordered episode, lasting or not (NaN if none)."""

    @property
    def censored(self) -> bool:
        return self.status == CENSORED

    @property
    def n_reversions(self) -> int:
        return len(self.reversions)


def _streak_end(t: np.ndarray, flags: np.ndarray, i: int) -> int:
    """Index of the last frame of the streak of equal ``flags`` that starts at frame ``i``."""
    change = np.flatnonzero(flags[i:] != flags[i])
    return i + int(change[0]) - 1 if len(change) else len(t) - 1


def incubation_time(
    time_ps: np.ndarray,
    order_parameter: np.ndarray,
    threshold: float,
    persistence_ps: float,
    reference_time_ps: float,
) -> IncubationResult:
    """Incubation time of one run from its order-parameter series: the first crossing
    after which the order lasts to the end of the run.

    An *ordered episode* starts at a frame at or above the threshold from which the order
    stays at or above it on every frame for ``persistence_ps`` (that window must end within
    the run), and ends at a *reversion*: a fall below the threshold that lasts a whole
    persistence window (shorter dips are noise and do not end it).  The run has transformed
    if its last episode lasts to the end; its incubation time is that episode's start.  A run
    whose order came and went (it ends disordered) is censored, its reversions counted.

    Parameters
    ----------
    time_ps, order_parameter:
        The series, one value per frame, times increasing.  NaN counts as below threshold.
    threshold:
        Value at or above which a frame counts as crystalline.
    persistence_ps:
        Length (ps) of a streak above (below) the threshold that starts (ends) an episode.
    reference_time_ps:
        Zero of the incubation time (e.g. the start of equilibration); earlier frames never
        count.  A run ordered at the reference whose order lasts to the end is
        ``crystalline_at_reference`` (no time); if that order reverts, the run is timed by
        its later history.
    """
    t = np.asarray(time_ps, dtype=float)
    q = np.asarray(order_parameter, dtype=float)
    if t.shape != q.shape or t.ndim != 1:
        raise ValueError("time_ps and order_parameter must be 1-D arrays of equal length")
    if persistence_ps < 0:
        raise ValueError(f"persistence_ps must be >= 0, got {persistence_ps}")
    if len(t) > 1 and np.any(np.diff(t) <= 0):
        raise ValueError("time_ps must be strictly increasing")
    after = t >= reference_time_ps - 1e-9
    if not np.any(after):
        raise ValueError(
            f"reference time {reference_time_ps} ps lies after the last frame ({t[-1]} ps)"
        )
    t, q = t[after], q[after]
    end = t[-1]
    observed = end - reference_time_ps
    above = np.nan_to_num(q, nan=-np.inf) >= threshold
    starts: list[int] = []
    reversions: list[float] = []
    i, ordered = 0, False
    while i < len(t):
        last = _streak_end(t, above, i)
        span = t[last] - t[i]
        # ordered on the reference frame: an episode from the start (a short dip after it is
        # noise inside the episode, as anywhere else)
        if not ordered and above[i] and (span >= persistence_ps - 1e-9 or i == 0):
            ordered = True
            starts.append(i)
        elif ordered and not above[i] and span >= persistence_ps - 1e-9:
            ordered = False
            reversions.append(float(t[i] - reference_time_ps))
        i = last + 1
    first = float(t[starts[0]] - reference_time_ps) if starts else float("nan")
    if not ordered:
        return IncubationResult(CENSORED, float("nan"), observed, tuple(reversions), first)
    if starts[-1] == 0:
        return IncubationResult(CRYSTALLINE_AT_REFERENCE, float("nan"), observed,
                                tuple(reversions), first)
    return IncubationResult(TRANSFORMED, float(t[starts[-1]] - reference_time_ps), observed,
                            tuple(reversions), first)
