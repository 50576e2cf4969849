"""Incubation time of the amorphous-to-crystalline transition, with censoring.

The incubation time runs from a reference time (by default the start of equilibration) to
the first frame where the order parameter reaches the threshold and stays at or above it
for the whole persistence window.  A run that never does so, or whose persistence window
would run past the end of the run, is *censored* at the run's end: we only know that the
transition had not (verifiably) happened by then.  A run already crystalline at the
reference time is flagged rather than given a zero or negative time.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "IncubationResult",
    "TRANSFORMED",
    "CENSORED",
    "CRYSTALLINE_AT_REFERENCE",
    "incubation_time",
]

TRANSFORMED = "transformed"
CENSORED = "censored"
CRYSTALLINE_AT_REFERENCE = "crystalline_at_reference"


@dataclass(frozen=True)
class IncubationResult:
    """Outcome of :func:`incubation_time`; times in ps from the reference time."""

    status: str
    """``transformed``, ``censored`` or ``crystalline_at_reference``."""
    incubation_time_ps: float
    """Time to the transition; NaN unless ``status == 'transformed'``."""
    observed_until_ps: float
    """Time observed after the reference (the censoring time for censored runs)."""

    @property
    def censored(self) -> bool:
        return self.status == CENSORED


def incubation_time(
    time_ps: np.ndarray,
    order_parameter: np.ndarray,
    threshold: float,
    persistence_ps: float,
    reference_time_ps: float,
) -> IncubationResult:
    """Incubation time of one run from its order-parameter series.

    Parameters
    ----------
    time_ps, order_parameter:
        The series, one value per frame, times increasing.  NaN counts as below threshold.
    threshold:
        Value at or above which a frame counts as crystalline.
    persistence_ps:
        The order parameter must stay at or above the threshold on every frame from the
        crossing until ``crossing + persistence_ps``; that window must end within the run.
    reference_time_ps:
        Zero of the incubation time (e.g. the start of equilibration).
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
    if above[0]:
        return IncubationResult(CRYSTALLINE_AT_REFERENCE, float("nan"), observed)
    for i in np.flatnonzero(above):
        window_end = t[i] + persistence_ps
        if window_end > end + 1e-9:
            break  # the window cannot be verified inside the run: censored
        in_window = (t >= t[i] - 1e-9) & (t <= window_end + 1e-9)
        if np.all(above[in_window]):
            return IncubationResult(TRANSFORMED, float(t[i] - reference_time_ps), observed)
    return IncubationResult(CENSORED, float("nan"), observed)
