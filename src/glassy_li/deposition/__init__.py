"""Deposition (the paper's Fig 7): atom-by-atom deposition MD on a substrate, the analysis of
the deposit, and the deposition campaign."""
