"""Snakemake wrapper: the provenance record of one run (MD or deposition).

``params.sections`` are the settings that made the run; an input named ``record_<name>``
(a JSON file, e.g. a deposition run's geometry) is recorded as the section ``<name>``.
"""

import json

from glassy_li.core.logs import redirect_to_log
from glassy_li.report.provenance import run_provenance

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    sections = dict(params.sections)
    for name, path in snakemake.input.items():
        if name.startswith("record_"):
            with open(path) as handle:
                sections[name.removeprefix("record_")] = json.load(handle)
    record = run_provenance(
        run=params.run,
        config_sections=sections,
        potential_files=params.potential_files,
        lammps_dir=params.lammps_dir,
    )
    with open(snakemake.output.provenance, "w") as handle:
        json.dump(record, handle, indent=2)
    log(f"{params.run['run_id']}: {record['software']['lammps_run']}, "
        f"OVITO {record['software']['ovito_module']}, seeds {record['seeds']}")
