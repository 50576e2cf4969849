"""Write ``bcc_sphere_reference.tsv``: how many atoms of a perfect bcc sphere PTM can call bcc.

Independent of glassy_li and of OVITO: only numpy and integer arithmetic.  Run from the
repository root::

    python tests/data/make_bcc_sphere_reference.py > tests/data/bcc_sphere_reference.tsv

Sites of the bcc lattice are written in units of half the lattice constant, a/2: the integer
triples (h, k, l) with all three even or all three odd.  A *sphere* is every site with
h^2 + k^2 + l^2 <= R2 around the site (0, 0, 0), for an R2 that is itself the squared
distance of a shell, so the sphere holds whole shells and no choice among equidistant sites
is needed; its atom count is then the number of sites nearest a lattice site that
``glassy_li.structure.identify.reference_fraction`` builds.

Polyhedral template matching's bcc template is an atom's 14 nearest neighbours: the first
shell, 8 sites at (+-1, +-1, +-1) (distance a sqrt(3)/2), and the second, 6 sites at
(+-2, 0, 0) and permutations (distance a).  With PTM's RMSD cutoff of 0.1 (the project's) an
atom is called bcc exactly when all 14 are present (checked once with OVITO 3.17.2, see
README.md: an atom lacking one has a third-shell site, a sqrt(2) away, or a farther one in its
place, outside the cutoff).  For the site
p = (h, k, l), the farthest first-shell neighbour from the centre is at
|p|^2 + 2(|h| + |k| + |l|) + 3 and the farthest second-shell neighbour at
|p|^2 + 4 max(|h|, |k|, |l|) + 4, so both shells are complete exactly when these two are
<= R2.  The script counts that closed form and checks it against a direct look-up of the 14
neighbours of every site.
"""

import sys

import numpy as np

LATTICE_CONSTANT_A = 3.51
"""Only for the radius column: the counts are the same for any lattice constant."""
SHELL_R2 = (11, 16, 19, 20, 27, 36, 52, 59, 75, 91, 99, 123, 152, 155)
"""Squared radii of the spheres, in units of (a/2)^2; each is the squared distance of a shell
(odd shells: 3 mod 8; even shells: multiples of 4)."""

FIRST_SHELL = np.array([(i, j, k) for i in (-1, 1) for j in (-1, 1) for k in (-1, 1)])
SECOND_SHELL = np.array([s * e for e in np.eye(3, dtype=int) for s in (-2, 2)])


def sphere_sites(r2: int) -> np.ndarray:
    """The bcc sites (units of a/2) within squared distance ``r2`` of the site at the origin."""
    m = int(np.ceil(np.sqrt(r2)))
    axis = np.arange(-m, m + 1)
    grid = np.stack(np.meshgrid(axis, axis, axis, indexing="ij"), axis=-1).reshape(-1, 3)
    parity = grid % 2
    sites = grid[(parity == parity[:, :1]).all(axis=1)]
    return sites[(sites * sites).sum(axis=1) <= r2]


def complete_shells(sites: np.ndarray, r2: int) -> np.ndarray:
    """Per site: are its 8 first- and 6 second-shell neighbours all within ``r2`` (closed form)."""
    norm2 = (sites * sites).sum(axis=1)
    first = norm2 + 2 * np.abs(sites).sum(axis=1) + 3
    second = norm2 + 4 * np.abs(sites).max(axis=1) + 4
    return (first <= r2) & (second <= r2)


def complete_shells_by_lookup(sites: np.ndarray) -> np.ndarray:
    """The same, by looking each of the 14 neighbours up among the sphere's sites."""
    present = {tuple(site) for site in sites.tolist()}
    offsets = np.concatenate([FIRST_SHELL, SECOND_SHELL])
    return np.array([all(tuple(site + offset) in present for offset in offsets) for site in sites])


def main() -> None:
    out = sys.stdout
    out.write(
        "# Perfect bcc spheres: every lattice site within radius_A of a lattice site (whole\n"
        "# shells; shell_r2 = squared radius in units of (a/2)^2, a = 3.51 A).  n_bcc = atoms\n"
        "# whose 8 first-shell and 6 second-shell neighbours are all in the sphere, the only\n"
        "# atoms PTM's 14-neighbour bcc template can match; counted with integer arithmetic by\n"
        "# tests/data/make_bcc_sphere_reference.py (numpy only, no glassy_li, no OVITO).\n"
        "# See tests/data/README.md.\n"
    )
    out.write("shell_r2\tradius_A\tn_atoms\tn_bcc\tbcc_fraction\n")
    for r2 in SHELL_R2:
        sites = sphere_sites(r2)
        full = complete_shells(sites, r2)
        if not np.array_equal(full, complete_shells_by_lookup(sites)):
            raise AssertionError(f"closed form and look-up disagree at R2 = {r2}")
        if not np.any((sites * sites).sum(axis=1) == r2):
            raise AssertionError(f"R2 = {r2} is not a shell of the bcc lattice")
        n, n_bcc = len(sites), int(full.sum())
        radius = np.sqrt(r2) * LATTICE_CONSTANT_A / 2
        out.write(f"{r2}\t{radius:.4f}\t{n}\t{n_bcc}\t{n_bcc / n:.6f}\n")


if __name__ == "__main__":
    main()
