"""The MD stages of a run: the heat/quench/hold protocol with its step counts and clocks, and
the generation of initial systems (droplets, gas, crystals)."""
