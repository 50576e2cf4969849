"""Snakemake wrapper: write the campaign's merged, validated config (for the report)."""

import yaml

from glassy_li.core.logs import redirect_to_log

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    with open(snakemake.output.config, "w") as handle:
        handle.write("# The merged config of this campaign, defaults filled in (glassy-li).\n")
        yaml.safe_dump(dict(snakemake.params.config), handle, sort_keys=False)
    log(f"config written to {snakemake.output.config}")
