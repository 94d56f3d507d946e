"""OpenMM System <-> the embedcg system.json format (topology, bonded terms, nonbonded, GB).

Export refuses, naming the force, what the format cannot express (custom forces, cutoffs).
"""
import re

import openmm as mm
import openmm.app as app
import openmm.unit as unit

from embedcg_openmm_protocol import RequestError

KJ = unit.kilojoule_per_mole

_EXPORTABLE = 'HarmonicBondForce, HarmonicAngleForce, PeriodicTorsionForce, NonbondedForce (NoCutoff), ' \
              'GBSAOBCForce (OBC2) and the OBC1 CustomGBForce of an AMBER prmtop'


# ---------------------------------------------------------------- topology

def _element_from_mass(mass):
    best = None
    for el in (app.element.hydrogen, app.element.carbon, app.element.nitrogen, app.element.oxygen,
               app.element.sulfur, app.element.phosphorus, app.element.fluorine, app.element.chlorine,
               app.element.sodium, app.element.potassium):
        d = abs(el.mass.value_in_unit(unit.dalton) - mass)
        if d < 0.5 and (best is None or d < best[0]):
            best = (d, el)
    return best[1] if best else None


def topology_json(system, topology):
    """Atoms and bonds of the system; without a topology, elements are guessed from the masses."""
    atoms = []
    bonds = []
    n = system.getNumParticles()
    if topology is None:
        for i in range(n):
            mass = system.getParticleMass(i).value_in_unit(unit.dalton)
            el = _element_from_mass(mass)
            sym = el.symbol if el else ''
            atoms.append({'name': '%s%d' % (sym or 'X', i + 1), 'element': sym, 'mass': mass,
                          'residueName': 'UNK', 'residueIndex': 0})
        return {'atoms': atoms, 'bonds': bonds}
    for atom in topology.atoms():
        atoms.append({'name': atom.name, 'element': atom.element.symbol if atom.element is not None else '',
                      'mass': system.getParticleMass(atom.index).value_in_unit(unit.dalton),
                      'residueName': atom.residue.name, 'residueIndex': atom.residue.index})
    for a, b in topology.bonds():
        bonds.append([a.index, b.index])
    return {'atoms': atoms, 'bonds': bonds}


# ---------------------------------------------------------------- export

def _obc1_match(force):
    """If `force` is OpenMM's AMBER OBC1 CustomGBForce (no salt, no cutoff), return its settings."""
    if force.getNumEnergyTerms() < 2:
        return None
    expr = force.getEnergyTermParameters(0)[0]
    m_solv = re.search(r'solventDielectric=([-+0-9.eE]+)', expr)
    m_solu = re.search(r'soluteDielectric=([-+0-9.eE]+)', expr)
    if not m_solv or not m_solu:
        return None
    solv, solu = float(m_solv.group(1)), float(m_solu.group(1))
    from openmm.app.internal.customgbforces import GBSAOBC1Force
    for sa in ('ACE', None):
        ref = GBSAOBC1Force(solventDielectric=solv, soluteDielectric=solu, SA=sa, cutoff=None, kappa=0.0)
        same = (ref.getNumComputedValues() == force.getNumComputedValues()
                and ref.getNumEnergyTerms() == force.getNumEnergyTerms()
                and ref.getNumPerParticleParameters() == force.getNumPerParticleParameters()
                and all(ref.getComputedValueParameters(i) == force.getComputedValueParameters(i)
                        for i in range(ref.getNumComputedValues()))
                and all(ref.getEnergyTermParameters(i) == force.getEnergyTermParameters(i)
                        for i in range(ref.getNumEnergyTerms()))
                and force.getNonbondedMethod() == mm.CustomGBForce.NoCutoff)
        if same:
            return {'solventDielectric': solv, 'soluteDielectric': solu,
                    'surfaceAreaEnergy': 2.25936 if sa == 'ACE' else 0.0}
    return None


def system_to_json(system, topology, allow_obc1=True):
    """The system.json dict of an OpenMM System (RequestError for forces the format cannot hold)."""
    out = {'format': 'embedcg-system', 'version': 1}
    out.update(topology_json(system, topology))
    terms = {'bonds': [], 'angles': [], 'torsions': [], 'nonbonded': None, 'gb': None}
    for index, force in enumerate(system.getForces()):
        where = '%s (force %d of the System)' % (force.__class__.__name__, index)
        _export_force(force, where, terms, allow_obc1)
    n = system.getNumParticles()
    nonbonded = terms['nonbonded']
    if nonbonded is None:
        nonbonded = {'particles': [[0.0, 0.1, 0.0] for _ in range(n)], 'exceptions': []}
    out['harmonicBonds'] = terms['bonds']
    out['harmonicAngles'] = terms['angles']
    out['periodicTorsions'] = terms['torsions']
    out['nonbonded'] = nonbonded
    out['gb'] = terms['gb']
    return out


def _export_force(force, where, terms, allow_obc1):
    """Add one Force's terms to `terms`; `where` names it in errors."""
    if isinstance(force, mm.CMMotionRemover):
        return  # no energy
    if isinstance(force, mm.HarmonicBondForce):
        for i in range(force.getNumBonds()):
            a, b, r0, k = force.getBondParameters(i)
            terms['bonds'].append([a, b, r0.value_in_unit(unit.nanometer), k.value_in_unit(KJ / unit.nanometer ** 2)])
    elif isinstance(force, mm.HarmonicAngleForce):
        for i in range(force.getNumAngles()):
            a, b, c, t0, k = force.getAngleParameters(i)
            terms['angles'].append([a, b, c, t0.value_in_unit(unit.radian), k.value_in_unit(KJ / unit.radian ** 2)])
    elif isinstance(force, mm.PeriodicTorsionForce):
        for i in range(force.getNumTorsions()):
            a, b, c, d, per, phase, k = force.getTorsionParameters(i)
            terms['torsions'].append([a, b, c, d, per, phase.value_in_unit(unit.radian), k.value_in_unit(KJ)])
    elif isinstance(force, mm.NonbondedForce):
        if terms['nonbonded'] is not None:
            raise RequestError('cannot export %s: the format holds one NonbondedForce' % where)
        terms['nonbonded'] = _export_nonbonded(force, where)
    elif isinstance(force, mm.GBSAOBCForce):
        if terms['gb'] is not None:
            raise RequestError('cannot export %s: the format holds one GB force' % where)
        terms['gb'] = _export_obc2(force, where)
    elif isinstance(force, mm.CustomGBForce) and allow_obc1 and _obc1_match(force) is not None:
        if terms['gb'] is not None:
            raise RequestError('cannot export %s: the format holds one GB force' % where)
        terms['gb'] = _export_obc1(force)
    else:
        raise RequestError('cannot export %s: the embedcg system.json format holds only %s. '
                           'Use OBC2 (GBSAOBCForce) or vacuum, or evaluate this system with the OpenMM engine.'
                           % (where, _EXPORTABLE))


def _export_nonbonded(force, where):
    if force.getNonbondedMethod() != mm.NonbondedForce.NoCutoff:
        raise RequestError('cannot export %s: nonbonded method must be NoCutoff (got method %d)'
                           % (where, force.getNonbondedMethod()))
    if force.getNumParticleParameterOffsets() or force.getNumExceptionParameterOffsets():
        raise RequestError('cannot export %s: parameter offsets are not supported' % where)
    parts = []
    for i in range(force.getNumParticles()):
        q, s, e = force.getParticleParameters(i)
        parts.append([q.value_in_unit(unit.elementary_charge), s.value_in_unit(unit.nanometer), e.value_in_unit(KJ)])
    exc = []
    for i in range(force.getNumExceptions()):
        a, b, qq, s, e = force.getExceptionParameters(i)
        exc.append([a, b, qq.value_in_unit(unit.elementary_charge ** 2), s.value_in_unit(unit.nanometer),
                    e.value_in_unit(KJ)])
    return {'particles': parts, 'exceptions': exc}


def _export_obc2(force, where):
    if force.getNonbondedMethod() != mm.GBSAOBCForce.NoCutoff:
        raise RequestError('cannot export %s: nonbonded method must be NoCutoff' % where)
    parts = []
    for i in range(force.getNumParticles()):
        q, r, s = force.getParticleParameters(i)
        parts.append([q.value_in_unit(unit.elementary_charge), r.value_in_unit(unit.nanometer), s])
    return {'model': 'obc2', 'solventDielectric': force.getSolventDielectric(),
            'soluteDielectric': force.getSoluteDielectric(),
            'surfaceAreaEnergy': force.getSurfaceAreaEnergy().value_in_unit(KJ / unit.nanometer ** 2),
            'particles': parts}


def _export_obc1(force):
    settings = _obc1_match(force)
    parts = []
    for i in range(force.getNumParticles()):
        q, orad, srad = force.getParticleParameters(i)
        # OpenMM stores offset radius and scale * offset radius; undo both (and the
        # last-digit noise of the subtraction, radii and scales have few decimals).
        parts.append([q, round(orad + 0.009, 12), round(srad / orad, 12)])
    return dict(model='obc1', particles=parts, **settings)


# ---------------------------------------------------------------- import

def _need(data, key, src):
    if key not in data:
        raise RequestError('%s: missing field "%s"' % (src, key))
    return data[key]


def system_from_json(data, src='system.json'):
    """Build an OpenMM System (+ Topology) from the embedcg system.json format."""
    if data.get('format') != 'embedcg-system' or data.get('version') != 1:
        raise RequestError('%s: not an embedcg-system version 1 file (format=%r, version=%r)'
                           % (src, data.get('format'), data.get('version')))
    atoms = _need(data, 'atoms', src)
    system = mm.System()
    for a in atoms:
        system.addParticle(float(a['mass']))
    hb = mm.HarmonicBondForce()
    for a, b, r0, k in _need(data, 'harmonicBonds', src):
        hb.addBond(int(a), int(b), r0, k)
    system.addForce(hb)
    ha = mm.HarmonicAngleForce()
    for a, b, c, t0, k in _need(data, 'harmonicAngles', src):
        ha.addAngle(int(a), int(b), int(c), t0, k)
    system.addForce(ha)
    pt = mm.PeriodicTorsionForce()
    for a, b, c, d, per, phase, k in _need(data, 'periodicTorsions', src):
        pt.addTorsion(int(a), int(b), int(c), int(d), int(per), phase, k)
    system.addForce(pt)
    nbd = _need(data, 'nonbonded', src)
    nb = mm.NonbondedForce()
    nb.setNonbondedMethod(mm.NonbondedForce.NoCutoff)
    for q, s, e in nbd['particles']:
        nb.addParticle(q, s, e)
    for a, b, qq, s, e in nbd['exceptions']:
        nb.addException(int(a), int(b), qq, s, e)
    system.addForce(nb)
    gb = data.get('gb')
    if gb:
        system.addForce(_gb_force(gb, src))
    return system, _topology_from_json(atoms, data.get('bonds', []))


def _gb_force(gb, src):
    """The GBSAOBCForce (obc2) or OBC1 CustomGBForce of a system.json's `gb`."""
    if gb['model'] == 'obc2':
        f = mm.GBSAOBCForce()
        f.setNonbondedMethod(mm.GBSAOBCForce.NoCutoff)
        f.setSolventDielectric(gb['solventDielectric'])
        f.setSoluteDielectric(gb['soluteDielectric'])
        f.setSurfaceAreaEnergy(gb['surfaceAreaEnergy'])
        for q, r, s in gb['particles']:
            f.addParticle(q, r, s)
        return f
    if gb['model'] == 'obc1':
        from openmm.app.internal.customgbforces import GBSAOBC1Force
        sa = gb['surfaceAreaEnergy']
        if sa != 0 and abs(sa - 2.25936) > 1e-9:
            raise RequestError('%s: gb.surfaceAreaEnergy for obc1 must be 0 or 2.25936 (OpenMM\'s ACE term), got %r'
                               % (src, sa))
        f = GBSAOBC1Force(solventDielectric=gb['solventDielectric'], soluteDielectric=gb['soluteDielectric'],
                          SA='ACE' if sa else None, cutoff=None, kappa=0.0)
        for q, r, s in gb['particles']:
            f.addParticle([q, r, s])
        f.finalize()
        return f
    raise RequestError('%s: gb.model must be "obc1" or "obc2", got %r' % (src, gb['model']))


def _topology_from_json(atoms, bonds):
    top = app.Topology()
    chain = top.addChain()
    residues = {}
    omm_atoms = []
    for a in atoms:
        ri = int(a['residueIndex'])
        if ri not in residues:
            residues[ri] = top.addResidue(a['residueName'], chain)
        el = None
        if a.get('element'):
            try:
                el = app.element.get_by_symbol(a['element'])
            except KeyError:
                el = None
        omm_atoms.append(top.addAtom(a['name'], el, residues[ri]))
    for a, b in bonds:
        top.addBond(omm_atoms[a], omm_atoms[b])
    return top
