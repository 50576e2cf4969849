"""Reports: shared report text, the results page, the answer at the paper's conditions, run
provenance, and regenerating committed statistics."""
