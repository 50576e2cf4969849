"""Snakemake wrapper: the caloric curve of one free cluster of a preset's metal."""

from glassy_li.checks.cluster_melting import ClusterMeltingSettings, cluster_melting_curve
from glassy_li.config.metals import Metal
from glassy_li.config.potential_setup import PotentialSetup
from glassy_li.core.logs import redirect_to_log
from glassy_li.structure.identify import StructureSettings

snakemake = globals()["snakemake"]

with redirect_to_log(snakemake.log[0]) as log:
    params = snakemake.params
    curve = cluster_melting_curve(
        PotentialSetup(**params.potential),
        Metal(**params.metal),
        int(snakemake.wildcards.n_atoms),
        float(params.timestep_fs),
        ClusterMeltingSettings(**params.settings),
        None if params.bulk_melting_K is None else float(params.bulk_melting_K),
        StructureSettings(**params.structure),
        params.work_dir,
        snakemake.log[0],
        template_dir=str(snakemake.input.template).rsplit("/", 1)[0],
    )
    curve.to_csv(snakemake.output.curve, sep="\t", index=False, float_format="%.6g")
    log(curve.to_string())
