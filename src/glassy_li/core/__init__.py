"""Foundations every stage may use: units, the simulated-time clock, logs, the project's paths
and the installed LAMMPS (its command, MPI library, styles and potential files)."""
