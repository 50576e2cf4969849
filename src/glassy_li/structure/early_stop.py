"""Ending a run's hold once its outcome is settled (``md.end_hold_when_settled``).

A run whose order parameter has stayed at or above the incubation threshold, on every frame,
for ``incubation.persistence_ps + incubation.final_window_ps`` has transformed, and its final
window is crystalline: holding it longer buys nothing for the campaign's statistics, while
transformed runs are most of a threshold campaign's cost.  Runs that never settle (censored
ones) still run the whole hold.

How it works, without a second integration loop: while LAMMPS runs, the job's driver
(:func:`glassy_li.lammps.run.run_lammps_restartable`) follows the trajectory as it is
written (:class:`HoldWatcher`), identifies structure on each new hold frame with the very
function the analysis uses (:func:`glassy_li.structure.identify.analyse_frame`) and, once the rule
holds at frame step S, writes S into ``settled.flag``.  LAMMPS checks for that file at every
trajectory frame of the hold (``fix halt`` on ``is_file(settled.flag)``, which does not touch
the dynamics) and ends the hold there.  The published thermo table and trajectory are then
cut back to step S, so the outcome does not depend on how far LAMMPS ran past S while the
watcher caught up: the published trajectory is the first S steps of the run that would have
held to the end, frame for frame.  Since every frame up to S is unchanged and S lies at least
the persistence window after the crossing, the incubation time read from the shortened run
is the one the full run gives (``tests/test_early_stop.py`` checks both).  ``final.data`` is
the state where LAMMPS stopped (at most the watcher's lag after S).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from glassy_li.core.clock import StepClock
from glassy_li.structure.identify import Frame, StructureSettings, analyse_frame, read_new_frames

__all__ = ["SettleRule", "HoldWatcher", "settled_time"]



@dataclass(frozen=True)
class SettleRule:
    """When a run's hold may end: the analysis settings of its campaign."""

    structure: StructureSettings
    order_parameter: str
    """Column of :func:`glassy_li.structure.identify.analyse_frame`
    (``incubation.order_parameter``)."""
    threshold: float
    window_ps: float
    """``incubation.persistence_ps + incubation.final_window_ps``."""
    reference_time_ps: float
    """Start of the incubation clock (frames before it never count)."""
    timestep_ps: float
    """The heat and quench stages' timestep (ps) ..."""
    hold_timestep_ps: float | None = None
    """... and the hold's, from step ``hold_start_step`` on (None: the same)."""
    hold_start_step: int = 0

    @property
    def clock(self) -> StepClock:
        """Simulated time of each step."""
        return StepClock(self.timestep_ps, self.hold_timestep_ps, self.hold_start_step)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SettleRule:
        return cls(**{**values, "structure": StructureSettings(**values["structure"])})


def settled_time(
    time_ps: np.ndarray,
    order_parameter: np.ndarray,
    threshold: float,
    window_ps: float,
    reference_time_ps: float,
) -> float | None:
    """Time (ps) of the first frame at which the order parameter has been at or above
    ``threshold`` on every frame (from ``reference_time_ps`` on) for at least ``window_ps``;
    None if there is none yet.  NaN counts as below."""
    t = np.asarray(time_ps, dtype=float)
    q = np.nan_to_num(np.asarray(order_parameter, dtype=float), nan=-np.inf)
    streak_start = None
    for time, value in zip(t, q, strict=True):
        if time < reference_time_ps - 1e-9 or value < threshold:
            streak_start = None
            continue
        if streak_start is None:
            streak_start = time
        if time - streak_start >= window_ps - 1e-9:
            return float(time)
    return None


class HoldWatcher:
    """Follows a trajectory as LAMMPS writes it and says when the hold may end.

    Call :meth:`poll` now and then; it reads the frames completed since the last call and
    returns the step S at which :class:`SettleRule` first holds (then also written to
    ``flag``), or None.  Values are rounded as the structure table stores them
    (``%.6g``), so that the watcher and the analysis read the same numbers."""

    def __init__(
        self, trajectory: str | Path, flag: str | Path, rule: SettleRule,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self.trajectory = Path(trajectory)
        self.flag = Path(flag)
        self.rule = rule
        self.log = log
        self.offset = 0
        self.previous: Frame | None = None
        self.times: list[float] = []
        self.values: list[float] = []
        self.settled_step: int | None = None

    def poll(self) -> int | None:
        if self.settled_step is not None or not self.trajectory.exists():
            return self.settled_step
        frames, self.offset = read_new_frames(self.trajectory, self.offset)
        rule = self.rule
        for frame in frames:
            if self.previous is not None and frame.step <= self.previous.step:
                continue  # a repeated step (a resumed run's first frame)
            time = rule.clock.time_ps(frame.step)
            if time >= rule.reference_time_ps - 1e-9:
                interval = (
                    rule.clock.interval_ps(self.previous.step, frame.step)
                    if self.previous is not None else None
                )
                row = analyse_frame(frame, rule.structure, self.previous, interval)
                self.times.append(time)
                self.values.append(float(f"{float(row[rule.order_parameter]):.6g}"))
                settled = settled_time(
                    np.array(self.times), np.array(self.values), rule.threshold,
                    rule.window_ps, rule.reference_time_ps,
                )
                if settled is not None:
                    self.settled_step = frame.step
                    self.flag.write_text(f"{frame.step}\n")
                    if self.log is not None:
                        self.log(
                            f"glassy-li: outcome settled at {time:.1f} ps (step {frame.step}): "
                            f"{rule.order_parameter} >= {rule.threshold} for "
                            f"{rule.window_ps:g} ps; ending the hold"
                        )
                    return self.settled_step
            self.previous = frame
        return None
