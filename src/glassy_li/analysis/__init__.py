"""From per-run structure to answers: incubation times with censoring, statistics and
intervals, critical-size fits, mean first-passage times, aggregation over runs, robustness
verdicts, and the nucleation model with its study."""
