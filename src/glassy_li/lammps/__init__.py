"""Running LAMMPS: inputs rendered from the templates in ``workflow/templates``, the
restartable process (resume, walltime, early end on a flag), publishing outputs, and the
progress records a running job keeps."""
