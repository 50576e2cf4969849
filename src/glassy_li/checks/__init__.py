"""Checks of a potential preset: lattice and cohesion, NPH melting, size-dependent cluster
melting, interface-velocity and free-energy melting points, and the timestep study."""
