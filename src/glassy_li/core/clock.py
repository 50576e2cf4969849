"""Simulated time of a LAMMPS step when a run changes its timestep once (the hold may take a
longer step than the heat and quench: ``md.hold_timestep_fs``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["StepClock", "SimulatedTime"]


@dataclass(frozen=True)
class StepClock:
    """Steps up to ``switch_step`` last ``timestep_ps`` each, later ones
    ``later_timestep_ps`` (None: the same): :meth:`time_ps` of any step, array or scalar."""

    timestep_ps: float
    later_timestep_ps: float | None = None
    switch_step: int = 0

    def time_ps(self, step: Any) -> Any:
        """Simulated time (ps) at ``step`` (an int, or an array of them)."""
        if self.later_timestep_ps is None or self.later_timestep_ps == self.timestep_ps:
            return np.asarray(step) * self.timestep_ps if np.ndim(step) else step * self.timestep_ps
        steps = np.asarray(step, dtype=float)
        before = np.minimum(steps, self.switch_step) * self.timestep_ps
        after = np.maximum(steps - self.switch_step, 0.0) * self.later_timestep_ps
        total = before + after
        return total if np.ndim(step) else float(total)

    def interval_ps(self, first_step: int, last_step: int) -> float:
        """Simulated time (ps) from ``first_step`` to ``last_step``."""
        return float(self.time_ps(last_step) - self.time_ps(first_step))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def of(cls, value: StepClock | dict | float) -> StepClock:
        """A clock from a clock, its :meth:`as_dict`, or one timestep (ps) for every step."""
        if isinstance(value, StepClock):
            return value
        if isinstance(value, dict):
            return cls(**value)
        return cls(float(value))


class SimulatedTime:
    """Simulated time of a run's progress, for records with ``step``, ``total_steps``,
    ``timestep_ps`` and ``clock`` (a :class:`StepClock`, its :meth:`~StepClock.as_dict`, or
    None: every step ``timestep_ps``): the job's progress record and the status row both."""

    step: int
    total_steps: int
    timestep_ps: float
    clock: StepClock | dict | None

    @property
    def simulated_ps(self) -> float:
        """Simulated time (ps) at ``step``."""
        return float(StepClock.of(self.clock or self.timestep_ps).time_ps(self.step))

    @property
    def total_ps(self) -> float:
        """Simulated time (ps) of the whole run."""
        return float(StepClock.of(self.clock or self.timestep_ps).time_ps(self.total_steps))
