# The nucleation model (glassy_li.analysis.nucleation_study): fitted to the committed campaign tables
# of nucleation_model.training_campaigns, predicting nucleation_model.held_out_campaigns.


rule nucleation_model:
    """docs/results/nucleation-model/ (committed): both hazard forms fitted to the training
    campaigns' droplet runs, the comparison, the held-out prediction, N_c(T, t) and
    P(ordered by t | N, T) with bands and the map; then the results page and the README's
    answer rewritten from the tables."""
    input:
        training=PAGE_JOBS.nucleation_model_inputs(held_out=False),
        held_out=PAGE_JOBS.nucleation_model_inputs(held_out=True),
        melting=config["nucleation_model"]["melting_fit"],
    output:
        folder=directory(f"{config['nucleation_model']['results_dir']}/nucleation-model"),
    log:
        "results/logs/nucleation_model.log",
    benchmark:
        "results/benchmarks/nucleation_model.tsv"
    conda:
        "../../envs/glassy-li.yaml"
    params:
        settings=config["nucleation_model"],
        bulk_melting_point_K=config["potential_presets"][config["potential"]].get("melting_point_K"),
        potential=config["potential"],
        project_root=str(PROJECT_ROOT),
        allow_uncommitted=config["results_page"]["allow_uncommitted"],
    script:
        "../scripts/nucleation_model.py"
