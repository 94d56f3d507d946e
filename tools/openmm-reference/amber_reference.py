#!/usr/bin/python3
"""OpenMM (Reference platform) energies, forces and per-Force energies for embedcg's tests.

Builds a System from an AMBER prmtop (AmberPrmtopFile.createSystem, NoCutoff, no constraints),
from OpenMM force-field XML files applied to a PDB, or from an embedcg system.json, then
evaluates configurations read from a raw little-endian float64 file (n x atoms x 3, nm).

Output (JSON): {"energies": [...], "forces": [[...flat 3N...], ...],
                "groups": {"bond": [...], "angle": [...], "torsion": [...], "nonbonded": [...], "gb": [...]}}

--export FILE writes the System in embedcg's system.json format instead of (or besides) evaluating.

Usage:
  amber_reference.py --prmtop ala.prmtop --solvent obc2 --positions x.f64 --out r.json
  amber_reference.py --pdb ala.pdb --forcefield amber96.xml amber96_obc.xml --export system.json
"""
import argparse
import json
import math
import sys

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as u

GROUPS = {'bond': 0, 'angle': 1, 'torsion': 2, 'nonbonded': 3, 'gb': 4}


def build_from_prmtop(path, solvent, solvent_dielectric, solute_dielectric, surface):
    prmtop = app.AmberPrmtopFile(path)
    implicit = {'vacuum': None, 'obc1': app.OBC1, 'obc2': app.OBC2}[solvent]
    kwargs = dict(nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False,
                  implicitSolvent=implicit, removeCMMotion=False)
    if implicit is not None:
        kwargs.update(solventDielectric=solvent_dielectric, soluteDielectric=solute_dielectric)
        if not surface:
            kwargs['gbsaModel'] = None
    return prmtop.createSystem(**kwargs), prmtop.topology


def build_from_xml(pdb_path, forcefield_files):
    pdb = app.PDBFile(pdb_path)
    ff = app.ForceField(*forcefield_files)
    system = ff.createSystem(pdb.topology, nonbondedMethod=app.NoCutoff, constraints=None,
                             rigidWater=False, removeCMMotion=False)
    return system, pdb.topology


def build_from_json(path):
    """Rebuild an OpenMM System from system.json with the Force classes the format names."""
    with open(path) as f:
        s = json.load(f)
    system = mm.System()
    for a in s['atoms']:
        system.addParticle(a['mass'])
    hb = mm.HarmonicBondForce()
    for i, j, r0, k in s['harmonicBonds']:
        hb.addBond(i, j, r0, k)
    ha = mm.HarmonicAngleForce()
    for i, j, k, t0, kk in s['harmonicAngles']:
        ha.addAngle(i, j, k, t0, kk)
    pt = mm.PeriodicTorsionForce()
    for i, j, k, l, n, ph, kk in s['periodicTorsions']:
        pt.addTorsion(i, j, k, l, int(n), ph, kk)
    nb = mm.NonbondedForce()
    nb.setNonbondedMethod(mm.NonbondedForce.NoCutoff)
    for q, sig, eps in s['nonbonded']['particles']:
        nb.addParticle(q, sig, eps)
    for i, j, qq, sig, eps in s['nonbonded']['exceptions']:
        nb.addException(i, j, qq, sig, eps)
    for force in (hb, ha, pt, nb):
        system.addForce(force)
    gb = s.get('gb')
    if gb:
        if gb['model'] == 'obc2':
            g = mm.GBSAOBCForce()
            g.setSolventDielectric(gb['solventDielectric'])
            g.setSoluteDielectric(gb['soluteDielectric'])
            g.setSurfaceAreaEnergy(gb['surfaceAreaEnergy'] * u.kilojoule_per_mole / u.nanometer ** 2)
            for q, r, sc in gb['particles']:
                g.addParticle(q, r, sc)
        else:
            from openmm.app.internal.customgbforces import GBSAOBC1Force
            g = GBSAOBC1Force(gb['solventDielectric'], gb['soluteDielectric'],
                              'ACE' if gb['surfaceAreaEnergy'] > 0 else None, None, 0.0)
            for q, r, sc in gb['particles']:
                g.addParticle([q, r, sc])
            g.finalize()
        system.addForce(g)
    return system, None


def assign_groups(system):
    for force in system.getForces():
        name = type(force).__name__
        group = {'HarmonicBondForce': 0, 'HarmonicAngleForce': 1, 'PeriodicTorsionForce': 2,
                 'NonbondedForce': 3, 'GBSAOBCForce': 4, 'CustomGBForce': 4}.get(name)
        if group is None and isinstance(force, mm.CustomGBForce):
            group = 4
        if group is None:
            if name == 'CMMotionRemover':
                continue
            raise SystemExit('unexpected force %s' % name)
        force.setForceGroup(group)


def export_system(system, topology):
    """The System in embedcg's system.json format (OpenMM units)."""
    atoms = []
    if topology is not None:
        for atom in topology.atoms():
            atoms.append({'name': atom.name, 'element': atom.element.symbol if atom.element else '',
                          'mass': system.getParticleMass(atom.index).value_in_unit(u.dalton),
                          'residueName': atom.residue.name, 'residueIndex': atom.residue.index})
        bonds = [[b[0].index, b[1].index] for b in topology.bonds()]
    out = {'format': 'embedcg-system', 'version': 1, 'atoms': atoms, 'bonds': bonds,
           'harmonicBonds': [], 'harmonicAngles': [], 'periodicTorsions': [],
           'nonbonded': {'particles': [], 'exceptions': []}, 'gb': None}
    for f in system.getForces():
        if isinstance(f, mm.HarmonicBondForce):
            for k in range(f.getNumBonds()):
                i, j, r0, kk = f.getBondParameters(k)
                out['harmonicBonds'].append([i, j, r0.value_in_unit(u.nanometer), kk.value_in_unit(u.kilojoule_per_mole / u.nanometer ** 2)])
        elif isinstance(f, mm.HarmonicAngleForce):
            for k in range(f.getNumAngles()):
                i, j, l, t0, kk = f.getAngleParameters(k)
                out['harmonicAngles'].append([i, j, l, t0.value_in_unit(u.radian), kk.value_in_unit(u.kilojoule_per_mole / u.radian ** 2)])
        elif isinstance(f, mm.PeriodicTorsionForce):
            for k in range(f.getNumTorsions()):
                i, j, l, m, n, ph, kk = f.getTorsionParameters(k)
                out['periodicTorsions'].append([i, j, l, m, n, ph.value_in_unit(u.radian), kk.value_in_unit(u.kilojoule_per_mole)])
        elif isinstance(f, mm.NonbondedForce):
            for k in range(f.getNumParticles()):
                q, s, e = f.getParticleParameters(k)
                out['nonbonded']['particles'].append([q.value_in_unit(u.elementary_charge), s.value_in_unit(u.nanometer), e.value_in_unit(u.kilojoule_per_mole)])
            for k in range(f.getNumExceptions()):
                i, j, qq, s, e = f.getExceptionParameters(k)
                out['nonbonded']['exceptions'].append([i, j, qq.value_in_unit(u.elementary_charge ** 2), s.value_in_unit(u.nanometer), e.value_in_unit(u.kilojoule_per_mole)])
        elif isinstance(f, mm.GBSAOBCForce):
            parts = []
            for k in range(f.getNumParticles()):
                q, r, sc = f.getParticleParameters(k)
                parts.append([q.value_in_unit(u.elementary_charge), r.value_in_unit(u.nanometer), sc])
            out['gb'] = {'model': 'obc2', 'solventDielectric': f.getSolventDielectric(), 'soluteDielectric': f.getSoluteDielectric(),
                         'surfaceAreaEnergy': f.getSurfaceAreaEnergy().value_in_unit(u.kilojoule_per_mole / u.nanometer ** 2), 'particles': parts}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--prmtop')
    ap.add_argument('--pdb')
    ap.add_argument('--forcefield', nargs='*')
    ap.add_argument('--system-json')
    ap.add_argument('--solvent', default='vacuum', choices=['vacuum', 'obc1', 'obc2'])
    ap.add_argument('--solvent-dielectric', type=float, default=78.5)
    ap.add_argument('--solute-dielectric', type=float, default=1.0)
    ap.add_argument('--no-surface', action='store_true', help='GB without the ACE surface-area term')
    ap.add_argument('--positions', help='raw float64 file, n x atoms x 3 (nm)')
    ap.add_argument('--out')
    ap.add_argument('--export')
    a = ap.parse_args()

    if a.prmtop:
        system, topology = build_from_prmtop(a.prmtop, a.solvent, a.solvent_dielectric, a.solute_dielectric, not a.no_surface)
    elif a.pdb and a.forcefield:
        system, topology = build_from_xml(a.pdb, a.forcefield)
    elif a.system_json:
        system, topology = build_from_json(a.system_json)
    else:
        raise SystemExit('give --prmtop, --pdb with --forcefield, or --system-json')

    if a.export:
        with open(a.export, 'w') as f:
            json.dump(export_system(system, topology), f)

    if a.positions:
        assign_groups(system)
        natoms = system.getNumParticles()
        x = np.fromfile(a.positions, dtype='<f8').reshape(-1, natoms, 3)
        context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName('Reference'))
        groups_present = sorted({f.getForceGroup() for f in system.getForces()})
        result = {'energies': [], 'forces': [], 'groups': {k: [] for k, g in GROUPS.items() if g in groups_present}}
        for conf in x:
            context.setPositions(conf)
            st = context.getState(getEnergy=True, getForces=True)
            result['energies'].append(st.getPotentialEnergy().value_in_unit(u.kilojoule_per_mole))
            result['forces'].append(st.getForces(asNumpy=True).value_in_unit(u.kilojoule_per_mole / u.nanometer).reshape(-1).tolist())
            for name, g in GROUPS.items():
                if g in groups_present:
                    e = context.getState(getEnergy=True, groups={g}).getPotentialEnergy()
                    result['groups'][name].append(e.value_in_unit(u.kilojoule_per_mole))
        with open(a.out, 'w') as f:
            json.dump(result, f)


if __name__ == '__main__':
    main()
