"""glassy-li: a workflow-managed MD campaign on how electrodeposited Li embryos nucleate and order.

The package holds the logic of the Snakemake workflow (system generation, LAMMPS input
rendering and running, structure identification with OVITO, incubation analysis,
aggregation and figures) so that it can be imported and unit-tested without Snakemake.
"""

__version__ = "0.1.0"
