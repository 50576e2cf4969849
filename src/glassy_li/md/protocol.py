"""The three-stage MD of one ensemble (heat -> quench -> hold): its protocol, step counts
and LAMMPS variables.  The input is the readable template ``workflow/templates/md.lammps``
(with ``stage.lammps``, ``thermostat.lammps`` and the shared includes); it runs, restartable,
through the one LAMMPS layer, :mod:`glassy_li.lammps.run`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.clock import StepClock
from glassy_li.core.units import (
    BOLTZMANN_EV_PER_K,
    EV_PER_AMU_TO_A2_PER_PS2,
    LammpsUnits,
    lammps_units,
)
from glassy_li.lammps.run import (
    FRESH_START,
    TEMPLATE_DIR,
    OutputSteps,
    derived_seeds,
    output_steps,
    potential_parameters,
    run_and_publish,
    steps_in,
    whole_intervals,
)
from glassy_li.structure.early_stop import HoldWatcher, SettleRule

__all__ = [
    "MD_TEMPLATES",
    "MDProtocol",
    "STAGES",
    "StageSteps",
    "lammps_parameters",
    "run_md",
    "stage_steps",
    "step_clock",
]

STAGES = {0: "setup", 1: "heat", 2: "quench", 3: "equilibrate"}
MD_TEMPLATES = ("md.lammps", "stage.lammps", "thermostat.lammps", "hold_timestep.lammps")
# config name -> the token md.lammps's `if` commands test (LAMMPS cannot compare "a-b")
LAMMPS_THERMOSTATS = {"nose-hoover": "nosehoover", "langevin": "langevin", "none": "none"}
"""Thermostat names of the config -> tokens of thermostat.lammps.  ``none``: Nose-Hoover
during heat and quench, then the hold at the final temperature without any thermostat (NVE),
so that the embryo keeps its latent heat (no energy exchange with a bath)."""


@dataclass(frozen=True)
class MDProtocol:
    """The three-stage protocol; all times in ps, temperatures in K.  Every field comes from
    the validated config (:meth:`glassy_li.plan.campaign.Campaign.protocol`): the schema is the
    only home of their defaults."""

    timestep_fs: float
    heat_temperature_K: float
    heat_duration_ps: float
    quench_rate_K_per_ps: float
    final_temperature_K: float
    equilibrate_duration_ps: float
    trajectory_interval_ps: float
    thermo_interval_ps: float
    averaging_window_ps: float
    thermostat: str
    thermostat_damping_ps: float
    minimisation_iterations: int
    restart_interval_ps: float
    """Restart files every this long (rounded up to whole trajectory intervals)."""
    walltime_budget_s: float
    """Wall-clock budget of one LAMMPS invocation (0: none); LAMMPS then stops with a restart."""
    atom_flux_atoms_per_ps: float
    """Atoms inserted at random into the gas during heating (mass exchange; 0: none)."""
    flux_min_distance_A: float
    """An inserted atom lands no closer than this to any other atom."""
    mass_amu: float
    """Mass of an inserted atom, for its thermal velocity at the heating temperature."""
    averaging_sample_interval_fs: float = 10.0
    """``fix ave/atom`` samples positions this often within the averaging window (not a
    config key: 10 fs resolves Li's vibrations; the window's length is)."""
    hold_timestep_fs: float | None = None
    """The hold's timestep (fs), an integer multiple of ``timestep_fs`` (None: the same)."""

    def __post_init__(self) -> None:
        ratio = self.hold_timestep_ps / self.timestep_ps
        if abs(ratio - round(ratio)) > 1e-9 or round(ratio) < 1:
            raise ValueError(
                f"hold timestep {self.hold_timestep_ps * 1e3:g} fs is not an integer multiple "
                f"of the heat and quench timestep {self.timestep_fs:g} fs"
            )

    @property
    def timestep_ps(self) -> float:
        """The heat and quench stages' timestep (ps)."""
        return self.timestep_fs * 1e-3

    @property
    def hold_timestep_ps(self) -> float:
        """The hold's timestep (ps)."""
        return (self.hold_timestep_fs or self.timestep_fs) * 1e-3

    def hold_outputs(self) -> MDProtocol:
        """The same protocol with the hold's timestep everywhere (its output cadence)."""
        return dataclasses.replace(self, timestep_fs=self.hold_timestep_ps * 1e3,
                                   hold_timestep_fs=None)

    @property
    def flux_atoms(self) -> int:
        """Atoms inserted: the flux over the heat stage less one trajectory interval.

        Insertion stops one trajectory interval before the heat stage ends, so that the
        frame at the end of heating has a whole averaging window without new atoms.
        """
        window = max(0.0, self.heat_duration_ps - self.trajectory_interval_ps)
        return int(math.floor(self.atom_flux_atoms_per_ps * window + 1e-9))

    @property
    def quench_duration_ps(self) -> float:
        """Time to ramp from the heating to the final temperature at the quench rate."""
        return abs(self.heat_temperature_K - self.final_temperature_K) / self.quench_rate_K_per_ps

    @property
    def total_duration_ps(self) -> float:
        return self.heat_duration_ps + self.quench_duration_ps + self.equilibrate_duration_ps


@dataclass(frozen=True)
class StageSteps(OutputSteps):
    """Step counts of the protocol (LAMMPS timesteps): the output cadence and the stages.
    The output fields are the heat and quench stages'; ``hold`` holds the hold's (its
    timestep may be longer: the same intervals in ps take fewer steps)."""

    heat: int
    quench: int
    equilibrate: int
    hold: OutputSteps | None = None
    """The hold's output cadence (None: the same as the other stages')."""
    clock: StepClock | None = None
    """Simulated time of each step (None: every step ``timestep_ps``)."""
    STAGES: ClassVar[tuple[str, ...]] = ("heat", "quench", "equilibrate")

    @property
    def heat_end(self) -> int:
        return self.stage_end("heat")

    @property
    def quench_end(self) -> int:
        return self.stage_end("quench")

    @property
    def hold_outputs(self) -> OutputSteps:
        return self.hold or self


def stage_steps(protocol: MDProtocol) -> StageSteps:
    """Convert the protocol's durations into step counts.

    Stage lengths are rounded to whole trajectory intervals so that every stage boundary
    is a trajectory frame (the heat and quench to whole intervals of both timesteps' frame
    cadences, so that the hold's frames, at its own cadence, continue the same grid).  The
    averaging window (``averaging_window_ps``) is sampled every
    ``averaging_sample_interval_fs`` and must fit inside one trajectory interval.
    """
    outputs = output_steps(protocol)
    hold = output_steps(protocol.hold_outputs())
    traj = outputs["trajectory_every"]
    ratio = round(protocol.hold_timestep_ps / protocol.timestep_ps)
    for key in ("trajectory_every", "thermo_every"):
        if hold[key] * ratio != outputs[key]:
            interval = key.replace("_every", "_interval_ps")
            raise ValueError(
                f"md.{interval} = {getattr(protocol, interval):g} ps is not a whole number of "
                f"hold timesteps ({protocol.hold_timestep_ps * 1e3:g} fs) and heat and quench "
                f"timesteps ({protocol.timestep_fs:g} fs) at once"
            )
    hot_grid = math.lcm(traj, hold["trajectory_every"])

    def stage(duration_ps: float, timestep_ps: float, every: int) -> int:
        return whole_intervals(steps_in(duration_ps, timestep_ps), every)

    heat = stage(protocol.heat_duration_ps, protocol.timestep_ps, hot_grid)
    quench = stage(protocol.quench_duration_ps, protocol.timestep_ps, hot_grid)
    two_steps = protocol.hold_timestep_ps != protocol.timestep_ps
    return StageSteps(
        **outputs,
        heat=heat,
        quench=quench,
        equilibrate=stage(protocol.equilibrate_duration_ps, protocol.hold_timestep_ps,
                          hold["trajectory_every"]),
        hold=OutputSteps(**hold) if two_steps else None,
        clock=StepClock(protocol.timestep_ps, protocol.hold_timestep_ps if two_steps else None,
                        heat + quench),
    )


def step_clock(protocol: MDProtocol) -> StepClock:
    """Simulated time (ps) of each step of a run with this protocol."""
    clock = stage_steps(protocol).clock
    assert clock is not None
    return clock


def lammps_parameters(
    protocol: MDProtocol,
    potential: PotentialSetup,
    data_file: str,
    seed: int,
    end_hold_when_settled: bool = False,
) -> dict[str, str | int | float]:
    """Values of the LAMMPS variables that ``md.lammps`` expects, in the preset's units
    (``seed``: the run's seed; the others derive from it, :func:`derived_seeds`;
    ``end_hold_when_settled``: the hold ends when the job's watcher writes ``settled.flag``,
    :mod:`glassy_li.structure.early_stop`)."""
    units = lammps_units(potential.units)
    steps = stage_steps(protocol)
    hold = steps.hold_outputs
    return {
        **potential_parameters(potential, protocol.timestep_fs),
        "data_file": data_file,
        "minimisation_iterations": protocol.minimisation_iterations,
        "heat_T": protocol.heat_temperature_K,
        "final_T": protocol.final_temperature_K,
        **derived_seeds(seed),
        "thermostat": LAMMPS_THERMOSTATS[protocol.thermostat],
        "thermostat_damping": protocol.thermostat_damping_ps / units.time_to_ps,
        "heat_end": steps.heat_end,
        "quench_end": steps.quench_end,
        "equilibrate_end": steps.total,
        "trajectory_every": steps.trajectory_every,
        "restart_every": steps.restart_every,
        "walltime_budget_s": protocol.walltime_budget_s,
        "thermo_every": steps.thermo_every,
        **_flux_parameters(protocol, units),
        "average_every": steps.average_every,
        "average_samples": steps.average_samples,
        # the hold: its own timestep and, with it, its own output cadence in steps
        "hold_timestep": protocol.hold_timestep_ps / units.time_to_ps,
        "hold_trajectory_every": hold.trajectory_every,
        "hold_restart_every": hold.restart_every,
        "hold_thermo_every": hold.thermo_every,
        "hold_average_every": hold.average_every,
        "hold_average_samples": hold.average_samples,
        "end_hold_when_settled": int(end_hold_when_settled),
        **FRESH_START,
    }


def _flux_parameters(protocol: MDProtocol, units: LammpsUnits) -> dict[str, int | float]:
    """LAMMPS variables of the optional atom flux (fix deposit) during heating."""
    dt_ps = protocol.timestep_ps
    n_atoms = protocol.flux_atoms
    every = (
        max(1, steps_in(1.0 / protocol.atom_flux_atoms_per_ps, dt_ps)) if n_atoms > 0 else 1
    )
    # uniform velocity components with the variance of a Maxwell distribution at heat_T
    sigma_A_per_ps = math.sqrt(
        BOLTZMANN_EV_PER_K * protocol.heat_temperature_K / protocol.mass_amu
        * EV_PER_AMU_TO_A2_PER_PS2
    )
    speed = math.sqrt(3.0) * sigma_A_per_ps / units.distance_to_A * units.time_to_ps
    return {
        "flux_atoms": n_atoms,
        "flux_every": every,
        "flux_speed": speed,
        "flux_min_distance": protocol.flux_min_distance_A / units.distance_to_A,
    }


def run_md(
    data_file: str | Path,
    work_dir: str | Path,
    protocol: MDProtocol,
    potential: PotentialSetup,
    seed: int,
    thermo_out: str | Path,
    trajectory_out: str | Path,
    final_data_out: str | Path,
    log_file: str | Path,
    n_ranks: int = 1,
    mpi_launcher: str | None = None,
    template_dir: str | Path = TEMPLATE_DIR,
    settle_rule: SettleRule | None = None,
) -> dict[str, float]:
    """Run the three stages (resuming from the newest restart if any) and publish the outputs.

    LAMMPS works in ``work_dir``, which keeps its restart files between invocations (see
    :func:`run_lammps_restartable` for the resume rules and the exceptions raised).  With a
    ``settle_rule`` the hold ends once the run's outcome is settled
    (:mod:`glassy_li.structure.early_stop`); the outputs then end at that frame.
    """
    parameters = lammps_parameters(
        protocol, potential, str(Path(data_file).resolve()), seed,
        end_hold_when_settled=settle_rule is not None,
    )
    return run_and_publish(
        work_dir,
        parameters,
        MD_TEMPLATES,
        stage_steps(protocol).total,
        potential,
        thermo_out,
        trajectory_out,
        final_data_out,
        log_file,
        STAGES,
        n_ranks=n_ranks,
        mpi_launcher=mpi_launcher,
        template_dir=template_dir,
        walltime_budget_s=protocol.walltime_budget_s,
        hold_watcher=None if settle_rule is None else (
            lambda trajectory, flag, log: HoldWatcher(trajectory, flag, settle_rule, log=log)
        ),
    )


