#!/usr/bin/env python3
"""Build alanine dipeptide (ACE-ALA-NME) from internal coordinates, with OpenMM only.

Heavy atoms come from standard peptide geometry (bond lengths in Angstrom, angles in degrees,
backbone in the C7eq basin: phi = -80, psi = 75); OpenMM's Modeller adds the hydrogens for
amber96.xml. The structure is not minimised here: `embedcg prepare --minimize` does that.

usage: /usr/bin/python3 tools/build-alanine-dipeptide.py OUT.pdb
"""
import os
import sys

import numpy as np
import openmm.app as app
import openmm.unit as unit

# The natural-extension placement is the one `embedcg prepare --sequence` builds peptides with.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'packages', 'forcefields', 'openmm', 'python'))
from embedcg_openmm_peptide import place  # noqa: E402

PHI, PSI = -80.0, 75.0

# (residue, atom name, element, (ref_bond, ref_angle, ref_dihedral), bond, angle, dihedral)
# Atom D is placed so that |C-D| = bond, angle B-C-D = angle, dihedral A-B-C-D = dihedral,
# where (A, B, C) = the three reference atoms, by name "RES:ATOM". The order (CB before C) gives the
# usual atom order after Modeller adds hydrogens: phi = atoms 4-6-8-14, psi = 6-8-14-16.
ZMATRIX = [
    ('ACE', 'CH3', 'C', None, None, None, None),
    ('ACE', 'C', 'C', ('ACE:CH3',), 1.52, None, None),
    ('ACE', 'O', 'O', ('ACE:C', 'ACE:CH3'), 1.23, 121.0, None),
    ('ALA', 'N', 'N', ('ACE:C', 'ACE:CH3', 'ACE:O'), 1.33, 116.0, 180.0),
    ('ALA', 'CA', 'C', ('ALA:N', 'ACE:C', 'ACE:CH3'), 1.46, 122.0, 180.0),
    # L-alanine: the C-beta sits at -120 degrees from C around the N-CA bond (checked below).
    ('ALA', 'CB', 'C', ('ALA:CA', 'ALA:N', 'ACE:C'), 1.53, 110.5, PHI - 120.0),
    ('ALA', 'C', 'C', ('ALA:CA', 'ALA:N', 'ACE:C'), 1.52, 111.0, PHI),
    ('ALA', 'O', 'O', ('ALA:C', 'ALA:CA', 'ALA:N'), 1.23, 120.5, PSI + 180.0),
    ('NME', 'N', 'N', ('ALA:C', 'ALA:CA', 'ALA:N'), 1.33, 116.0, PSI),
    ('NME', 'C', 'C', ('NME:N', 'ALA:C', 'ALA:CA'), 1.45, 122.0, 180.0),
]


def build():
    pos = {}
    for res, name, _, refs, bond, angle, dihedral in ZMATRIX:
        key = '%s:%s' % (res, name)
        if refs is None:
            pos[key] = np.zeros(3)
        elif len(refs) == 1:
            pos[key] = pos[refs[0]] + np.array([bond, 0.0, 0.0])
        elif len(refs) == 2:
            c, b = pos[refs[0]], pos[refs[1]]
            pos[key] = place(b + np.array([0.0, 1.0, 0.0]), b, c, bond, angle, 0.0)
        else:
            pos[key] = place(pos[refs[2]], pos[refs[1]], pos[refs[0]], bond, angle, dihedral)
    # Chirality check: for L-amino acids (CA->N) x (CA->C) points towards CB.
    ca, n, c, cb = (pos['ALA:' + k] for k in ('CA', 'N', 'C', 'CB'))
    if np.dot(np.cross(n - ca, c - ca), cb - ca) <= 0:
        raise SystemExit('internal error: built D-alanine')
    top = app.Topology()
    chain = top.addChain()
    residues = {}
    xyz = []
    for res, name, el, *_ in ZMATRIX:
        if res not in residues:
            residues[res] = top.addResidue(res, chain)
        top.addAtom(name, app.element.get_by_symbol(el), residues[res])
        xyz.append(pos['%s:%s' % (res, name)] / 10.0)  # nm
    atoms = {('%s:%s' % (a.residue.name, a.name)): a for a in top.atoms()}
    for a, b in [('ACE:CH3', 'ACE:C'), ('ACE:C', 'ACE:O'), ('ACE:C', 'ALA:N'), ('ALA:N', 'ALA:CA'),
                 ('ALA:CA', 'ALA:C'), ('ALA:CA', 'ALA:CB'), ('ALA:C', 'ALA:O'), ('ALA:C', 'NME:N'),
                 ('NME:N', 'NME:C')]:
        top.addBond(atoms[a], atoms[b])
    modeller = app.Modeller(top, np.array(xyz) * unit.nanometer)
    modeller.addHydrogens(forcefield=app.ForceField('amber96.xml'))
    return modeller


if __name__ == '__main__':
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    m = build()
    with open(sys.argv[1], 'w') as fh:
        app.PDBFile.writeFile(m.topology, m.positions, fh)
