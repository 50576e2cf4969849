"""Structure identification: reading LAMMPS dumps, polyhedral template matching (OVITO) on
time-averaged positions, crystallinity and the largest crystalline cluster, perfect-crystal
references, and the early-stop rule with the watcher that ends a settled hold."""
