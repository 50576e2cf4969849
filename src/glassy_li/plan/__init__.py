"""Planning a campaign: its runs and their folders from the config, the run and analysis
digests, and the cluster resources each job asks for."""
