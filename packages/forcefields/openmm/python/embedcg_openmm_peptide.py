"""Capped peptides from their sequence: heavy atoms from ideal internal coordinates, hydrogens from
OpenMM's Modeller (the `sequence` system source of `prepare`).

The backbone starts extended-ish in the C7eq/beta region (phi = -80, psi = 75; trans peptide bonds) and
every side chain in a staggered rotamer; the caller minimises. Bond lengths (Angstrom) and angles
(degrees) are the usual Engh-Huber-like values; minimisation removes the small strain they leave.
"""
import random

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as unit

from embedcg_openmm_protocol import InputError

PHI, PSI, OMEGA = -80.0, 75.0, 180.0
CAPS = ('ACE', 'NME')

# Side chains: (atom, element, (ref1, ref2, ref3), bond, angle, dihedral) placed after CB, the
# references inside the residue. Atom D: |ref1-D| = bond, angle ref2-ref1-D, dihedral ref3-ref2-ref1-D.
_CHI = -60.0
SIDE_CHAINS = {
    'GLY': None,
    'ALA': [],
    'SER': [('OG', 'O', ('CB', 'CA', 'N'), 1.42, 111.0, _CHI)],
    'CYS': [('SG', 'S', ('CB', 'CA', 'N'), 1.81, 114.0, _CHI)],
    'VAL': [('CG1', 'C', ('CB', 'CA', 'N'), 1.53, 110.5, 180.0), ('CG2', 'C', ('CB', 'CA', 'N'), 1.53, 110.5, _CHI)],
    'THR': [('OG1', 'O', ('CB', 'CA', 'N'), 1.43, 109.5, _CHI), ('CG2', 'C', ('CB', 'CA', 'N'), 1.53, 110.5, 180.0)],
    'LEU': [('CG', 'C', ('CB', 'CA', 'N'), 1.53, 116.0, _CHI), ('CD1', 'C', ('CG', 'CB', 'CA'), 1.53, 110.5, 180.0),
            ('CD2', 'C', ('CG', 'CB', 'CA'), 1.53, 110.5, 60.0)],
    'ILE': [('CG1', 'C', ('CB', 'CA', 'N'), 1.53, 110.0, _CHI), ('CG2', 'C', ('CB', 'CA', 'N'), 1.53, 110.5, 180.0),
            ('CD1', 'C', ('CG1', 'CB', 'CA'), 1.53, 113.0, 180.0)],
    'MET': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 114.0, _CHI), ('SD', 'S', ('CG', 'CB', 'CA'), 1.81, 112.7, 180.0),
            ('CE', 'C', ('SD', 'CG', 'CB'), 1.79, 100.5, 180.0)],
    'ASP': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 113.0, _CHI), ('OD1', 'O', ('CG', 'CB', 'CA'), 1.25, 118.5, 90.0),
            ('OD2', 'O', ('CG', 'CB', 'CA'), 1.25, 118.5, -90.0)],
    'ASN': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 113.0, _CHI), ('OD1', 'O', ('CG', 'CB', 'CA'), 1.23, 120.5, -60.0),
            ('ND2', 'N', ('CG', 'CB', 'CA'), 1.33, 116.5, 120.0)],
    'GLU': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 114.0, _CHI), ('CD', 'C', ('CG', 'CB', 'CA'), 1.52, 113.0, 180.0),
            ('OE1', 'O', ('CD', 'CG', 'CB'), 1.25, 118.5, 90.0), ('OE2', 'O', ('CD', 'CG', 'CB'), 1.25, 118.5, -90.0)],
    'GLN': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 114.0, _CHI), ('CD', 'C', ('CG', 'CB', 'CA'), 1.52, 113.0, 180.0),
            ('OE1', 'O', ('CD', 'CG', 'CB'), 1.23, 120.5, -60.0), ('NE2', 'N', ('CD', 'CG', 'CB'), 1.33, 116.5, 120.0)],
    'LYS': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 114.0, _CHI), ('CD', 'C', ('CG', 'CB', 'CA'), 1.52, 111.5, 180.0),
            ('CE', 'C', ('CD', 'CG', 'CB'), 1.52, 111.5, 180.0), ('NZ', 'N', ('CE', 'CD', 'CG'), 1.49, 111.7, 180.0)],
    'ARG': [('CG', 'C', ('CB', 'CA', 'N'), 1.52, 114.0, _CHI), ('CD', 'C', ('CG', 'CB', 'CA'), 1.52, 111.5, 180.0),
            ('NE', 'N', ('CD', 'CG', 'CB'), 1.46, 112.0, 180.0), ('CZ', 'C', ('NE', 'CD', 'CG'), 1.33, 124.5, 180.0),
            ('NH1', 'N', ('CZ', 'NE', 'CD'), 1.33, 120.0, 0.0), ('NH2', 'N', ('CZ', 'NE', 'CD'), 1.33, 120.0, 180.0)],
    'PHE': [('CG', 'C', ('CB', 'CA', 'N'), 1.50, 114.0, _CHI), ('CD1', 'C', ('CG', 'CB', 'CA'), 1.39, 120.7, 90.0),
            ('CD2', 'C', ('CG', 'CB', 'CA'), 1.39, 120.7, -90.0), ('CE1', 'C', ('CD1', 'CG', 'CB'), 1.39, 120.0, 180.0),
            ('CE2', 'C', ('CD2', 'CG', 'CB'), 1.39, 120.0, 180.0), ('CZ', 'C', ('CE1', 'CD1', 'CG'), 1.39, 120.0, 0.0)],
    'TYR': [('CG', 'C', ('CB', 'CA', 'N'), 1.51, 114.0, _CHI), ('CD1', 'C', ('CG', 'CB', 'CA'), 1.39, 120.8, 90.0),
            ('CD2', 'C', ('CG', 'CB', 'CA'), 1.39, 120.8, -90.0), ('CE1', 'C', ('CD1', 'CG', 'CB'), 1.39, 121.2, 180.0),
            ('CE2', 'C', ('CD2', 'CG', 'CB'), 1.39, 121.2, 180.0), ('CZ', 'C', ('CE1', 'CD1', 'CG'), 1.38, 119.6, 0.0),
            ('OH', 'O', ('CZ', 'CE1', 'CD1'), 1.38, 119.9, 180.0)],
}

# Backbone of one residue after the previous residue's C (key 'C-'), N (-N) and CA (-CA):
# (atom, element, refs, bond, angle, dihedral-or-name), dihedral names resolved per residue.
_BACKBONE = [
    ('N', 'N', ('C-', 'CA-', 'N-'), 1.33, 116.0, 'psi-'),
    ('CA', 'C', ('N', 'C-', 'CA-'), 1.46, 122.0, 'omega'),
    ('CB', 'C', ('CA', 'N', 'C-'), 1.53, 110.5, 'phi-120'),
    ('C', 'C', ('CA', 'N', 'C-'), 1.52, 111.0, 'phi'),
    ('O', 'O', ('C', 'CA', 'N'), 1.23, 120.5, 'psi+180'),
]


def supported_residues():
    return sorted(SIDE_CHAINS)


def parse_sequence(sequence):
    """['ACE', 'ALA', ..., 'NME'] from 'ACE-ALA-...-NME' (InputError naming the bad residue)."""
    names = [s.strip().upper() for s in str(sequence).split('-')]
    supported = ', '.join(supported_residues())
    if len(names) < 3 or names[0] != 'ACE' or names[-1] != 'NME':
        raise InputError('sequence "%s": a peptide must start with the cap ACE and end with the cap NME, '
                           'around at least one of %s (e.g. ACE-ALA-ALA-ALA-NME)' % (sequence, supported))
    for i, name in enumerate(names[1:-1], start=2):
        if name not in SIDE_CHAINS:
            raise InputError('sequence "%s": residue %d "%s" is not supported; supported: %s, capped with ACE and NME'
                               % (sequence, i, name, supported))
    return names


def place(a, b, c, bond, angle, dihedral):
    """Natural-extension reference frame: D with |C-D| = bond, angle B-C-D, dihedral A-B-C-D (degrees)."""
    angle, dihedral = np.radians(angle), np.radians(dihedral)
    bc = (c - b) / np.linalg.norm(c - b)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    d = np.array([-bond * np.cos(angle), bond * np.sin(angle) * np.cos(dihedral), bond * np.sin(angle) * np.sin(dihedral)])
    return c + d[0] * bc + d[1] * m + d[2] * n


def _ace():
    """The acetyl cap: CH3, C, O in a plane; a fake previous 'N' keeps the frame of the first peptide bond."""
    ch3 = np.zeros(3)
    c = np.array([1.52, 0.0, 0.0])
    o = place(np.array([0.0, 1.0, 0.0]), ch3, c, 1.23, 121.0, 0.0)
    return [('CH3', 'C', ch3), ('C', 'C', c), ('O', 'O', o)]


def _residue(name, prev, dihedrals):
    """Heavy atoms [(atom, element, xyz)] of one residue, from the previous residue's atoms by name."""
    phi, psi_prev = dihedrals
    values = {'psi-': psi_prev, 'omega': OMEGA, 'phi': phi, 'phi-120': phi - 120.0, 'psi+180': PSI + 180.0}
    pos = {k + '-': v for k, v in prev.items()}
    out = []
    for atom, el, refs, bond, angle, dih in _BACKBONE:
        if atom == 'CB' and SIDE_CHAINS.get(name) is None:
            continue
        if name == 'NME' and atom != 'N':
            if atom == 'CA':  # the N-methyl carbon, named C in OpenMM's amber templates
                pos['C'] = place(pos[refs[2]], pos[refs[1]], pos[refs[0]], 1.45, 122.0, OMEGA)
                out.append(('C', 'C', pos['C']))
            continue
        pos[atom] = place(pos[refs[2]], pos[refs[1]], pos[refs[0]], bond, angle, values[dih])
        out.append((atom, el, pos[atom]))
        if atom == 'CB':
            for side, sel, srefs, sb, sa, sd in SIDE_CHAINS[name]:
                pos[side] = place(pos[srefs[2]], pos[srefs[1]], pos[srefs[0]], sb, sa, sd)
                out.append((side, sel, pos[side]))
    if 'CB' in pos and np.dot(np.cross(pos['N'] - pos['CA'], pos['C'] - pos['CA']), pos['CB'] - pos['CA']) <= 0:
        raise RuntimeError('internal error: built the D form of %s' % name)
    return out


def build_heavy_atoms(names):
    """[(residue, atom, element, xyz Angstrom)] for the parsed sequence."""
    atoms = [('ACE', a, el, x) for a, el, x in _ace()]
    # The acetyl C-CH3 plays the previous C-CA; its O sits trans to the next N as -N would.
    prev = {'C': atoms[1][3], 'CA': atoms[0][3], 'N': atoms[2][3]}
    psi_prev = 180.0  # dihedral O-CH3-C-N of the cap gives a trans amide
    for i, name in enumerate(names[1:], start=1):
        built = _residue(name, prev, (PHI, psi_prev))
        atoms += [(name, a, el, x) for a, el, x in built]
        prev = {a: x for a, _, x in built}
        psi_prev = PSI
    return atoms, len(names)


def build_peptide(sequence, forcefield):
    """(topology, positions (n, 3) nm) of the capped peptide with hydrogens added for `forcefield`."""
    names = parse_sequence(sequence)
    atoms, _ = build_heavy_atoms(names)
    top = app.Topology()
    chain = top.addChain()
    residues = []
    xyz = []
    for res_name, atom, el, x in atoms:
        if not residues or atom == 'N':  # every residue after the ACE cap starts with its N
            residues.append((res_name, top.addResidue(res_name, chain)))
        top.addAtom(atom, app.element.get_by_symbol(el), residues[-1][1])
        xyz.append(np.asarray(x) / 10.0)
    top.createStandardBonds()
    modeller = app.Modeller(top, np.array(xyz) * unit.nanometer)
    # Modeller starts hydrogens at random offsets (Python's random) and relaxes them on the fastest
    # platform (CPU: threaded, not bit-reproducible). Seeded and on Reference, one sequence always gives
    # the same structure. The global generator's state is put back afterwards.
    state = random.getstate()
    random.seed(20250)
    try:
        modeller.addHydrogens(forcefield=forcefield, platform=mm.Platform.getPlatformByName('Reference'))
    finally:
        random.setstate(state)
    return modeller.topology, modeller.getPositions().value_in_unit(unit.nanometer)
