#!/usr/bin/env python3
"""embedcg OpenMM server: the Python half of @embedcg/forcefield-openmm.

Started by the Node package with `python3 embedcg_openmm_server.py`; it speaks a binary framed
protocol on stdin/stdout and nothing else touches stdout.

Frame = 12-byte header (b'ECG1', uint32 LE JSON length, uint32 LE payload length)
        + UTF-8 JSON header + payload of little-endian float64 arrays.
The JSON header lists the arrays of the payload in order as `"arrays": [[name, length], ...]`,
so coordinates, forces and energies never pass through JSON.

Requests carry `id` and `cmd`; every request gets exactly one response with the same `id` and
`ok: true|false`. Long commands (md) also send `{"id", "event": "progress", ...}` frames first.
Commands: init, evaluate, export, md, bench, sleep (debug: hang on purpose), exit.
"""
import json
import math
import os
import re
import signal
import struct
import sys
import time
import traceback

# OpenMM and Python code may print: keep the frame channel private. The frame fd is a duplicate
# of the real stdout; fd 1 (and sys.stdout) then point at stderr, so that even C++ prints from
# the OpenMM library cannot corrupt a frame.
_FRAME_FD = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
# Ctrl-C in a terminal reaches the whole process group: die quietly, the Node side reports.
signal.signal(signal.SIGINT, signal.SIG_DFL)

_MAGIC = b'ECG1'
_HEADER = struct.Struct('<4sII')

try:
    import numpy as np
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit
except ImportError as exc:  # reported by the Node side with install instructions
    sys.stderr.write('embedcg-openmm: cannot import OpenMM/numpy: %s\n' % exc)
    sys.exit(3)

KJ = unit.kilojoule_per_mole


class RequestError(Exception):
    """An error in the request itself (bad input); reported to Node without a traceback."""


# ---------------------------------------------------------------- framing

def _read_exact(n):
    chunks = []
    got = 0
    while got < n:
        b = os.read(0, n - got)
        if not b:
            if got == 0:
                return None
            raise EOFError('stdin closed in the middle of a frame')
        chunks.append(b)
        got += len(b)
    return b''.join(chunks)


def read_frame():
    head = _read_exact(_HEADER.size)
    if head is None:
        return None
    magic, jlen, plen = _HEADER.unpack(head)
    if magic != _MAGIC:
        raise EOFError('bad frame magic %r' % magic)
    header = json.loads(_read_exact(jlen).decode('utf-8')) if jlen else {}
    payload = _read_exact(plen) if plen else b''
    arrays = {}
    offset = 0
    for name, length in header.pop('arrays', []):
        arrays[name] = np.frombuffer(payload, dtype='<f8', count=length, offset=offset)
        offset += 8 * length
    return header, arrays


def _write_all(data):
    view = memoryview(data)
    while len(view):
        n = os.write(_FRAME_FD, view)
        view = view[n:]


def write_frame(header, arrays=None):
    parts = []
    listing = []
    for name, arr in (arrays or {}).items():
        a = np.ascontiguousarray(arr, dtype='<f8').reshape(-1)
        listing.append([name, int(a.size)])
        parts.append(a.tobytes())
    if listing:
        header = dict(header, arrays=listing)
    jb = json.dumps(header, allow_nan=False).encode('utf-8')
    payload = b''.join(parts)
    _write_all(_HEADER.pack(_MAGIC, len(jb), len(payload)) + jb)
    if payload:
        _write_all(payload)


# ---------------------------------------------------------------- systems

_SOLVENTS = ('vacuum', 'obc1', 'obc2')


def _platform(name):
    names = [mm.Platform.getPlatform(i).getName() for i in range(mm.Platform.getNumPlatforms())]
    if name not in names:
        raise RequestError('OpenMM platform "%s" is not available here; available: %s' % (name, ', '.join(names)))
    return mm.Platform.getPlatformByName(name)


def _read_coordinates(path):
    low = path.lower()
    if low.endswith('.pdb'):
        return app.PDBFile(path).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    if low.endswith(('.inpcrd', '.rst7', '.crd', '.rst')):
        return app.AmberInpcrdFile(path).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    if low.endswith('.xml'):
        state = mm.XmlSerializer.deserialize(open(path).read())
        return state.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    raise RequestError('coordinates "%s": unknown format (use .pdb, .inpcrd/.rst7 or an OpenMM State .xml)' % path)


def _require_file(path, what):
    if not os.path.isfile(path):
        raise RequestError('%s file "%s" does not exist' % (what, path))


def build_system(spec, arrays):
    """Build (system, topology or None, positions (n,3) nm or None) from an init/md/export spec."""
    solvent = spec.get('solvent') or 'vacuum'
    if solvent not in _SOLVENTS:
        raise RequestError('solvent must be one of %s, got "%s"' % ('/'.join(_SOLVENTS), solvent))
    topology = None
    positions = None
    if spec.get('systemJson'):
        _require_file(spec['systemJson'], 'system.json')
        with open(spec['systemJson']) as fh:
            data = json.load(fh)
        system, topology = system_from_json(data, spec['systemJson'])
    elif spec.get('prmtop'):
        _require_file(spec['prmtop'], 'prmtop')
        prm = app.AmberPrmtopFile(spec['prmtop'])
        implicit = {'vacuum': None, 'obc1': app.OBC1, 'obc2': app.OBC2}[solvent]
        system = prm.createSystem(nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False,
                                  implicitSolvent=implicit)
        topology = prm.topology
    elif spec.get('systemXml'):
        _require_file(spec['systemXml'], 'OpenMM System XML')
        system = mm.XmlSerializer.deserialize(open(spec['systemXml']).read())
        if not isinstance(system, mm.System):
            raise RequestError('"%s" holds a serialized %s, not a System' % (spec['systemXml'], type(system).__name__))
        if spec.get('pdb'):
            _require_file(spec['pdb'], 'PDB')
            pdb = app.PDBFile(spec['pdb'])
            topology = pdb.topology
            positions = pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    elif spec.get('pdb'):
        names = spec.get('forcefield') or []
        if not names:
            raise RequestError('a PDB needs force-field XML names (forcefield: e.g. ["amber96.xml", "amber96_obc.xml"])')
        if solvent != 'vacuum':
            raise RequestError('with force-field XML files, implicit solvent comes from the XML list '
                               '(e.g. add "amber96_obc.xml"), not from solvent="%s"' % solvent)
        _require_file(spec['pdb'], 'PDB')
        pdb = app.PDBFile(spec['pdb'])
        try:
            ff = app.ForceField(*names)
        except Exception as exc:
            raise RequestError('cannot load force field %s: %s' % (names, exc))
        try:
            system = ff.createSystem(pdb.topology, nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False)
        except Exception as exc:
            raise RequestError('force field %s cannot parameterise "%s": %s' % (names, spec['pdb'], exc))
        topology = pdb.topology
        positions = pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer)
    else:
        raise RequestError('no system given: pass prmtop, pdb + forcefield, systemXml or systemJson')
    if spec.get('coordinates'):
        _require_file(spec['coordinates'], 'coordinates')
        positions = _read_coordinates(spec['coordinates'])
    if 'coordinates' in arrays:
        positions = np.array(arrays['coordinates']).reshape(-1, 3)
    if positions is not None:
        positions = np.array(positions, dtype=float).reshape(-1, 3)
        if positions.shape[0] != system.getNumParticles():
            raise RequestError('coordinates hold %d atoms but the system has %d' % (positions.shape[0], system.getNumParticles()))
    if topology is not None and topology.getNumAtoms() != system.getNumParticles():
        raise RequestError('topology has %d atoms but the system has %d particles' % (topology.getNumAtoms(), system.getNumParticles()))
    return system, topology, positions


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


# ---------------------------------------------------------------- system.json export / import

_EXPORTABLE = 'HarmonicBondForce, HarmonicAngleForce, PeriodicTorsionForce, NonbondedForce (NoCutoff), ' \
              'GBSAOBCForce (OBC2) and the OBC1 CustomGBForce of an AMBER prmtop'


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
    out = {'format': 'embedcg-system', 'version': 1}
    out.update(topology_json(system, topology))
    bonds, angles, torsions = [], [], []
    nonbonded = None
    gb = None
    for index, force in enumerate(system.getForces()):
        cls = force.__class__.__name__
        where = '%s (force %d of the System)' % (cls, index)
        if isinstance(force, mm.CMMotionRemover):
            continue  # no energy
        if isinstance(force, mm.HarmonicBondForce):
            for i in range(force.getNumBonds()):
                a, b, r0, k = force.getBondParameters(i)
                bonds.append([a, b, r0.value_in_unit(unit.nanometer), k.value_in_unit(KJ / unit.nanometer ** 2)])
        elif isinstance(force, mm.HarmonicAngleForce):
            for i in range(force.getNumAngles()):
                a, b, c, t0, k = force.getAngleParameters(i)
                angles.append([a, b, c, t0.value_in_unit(unit.radian), k.value_in_unit(KJ / unit.radian ** 2)])
        elif isinstance(force, mm.PeriodicTorsionForce):
            for i in range(force.getNumTorsions()):
                a, b, c, d, per, phase, k = force.getTorsionParameters(i)
                torsions.append([a, b, c, d, per, phase.value_in_unit(unit.radian), k.value_in_unit(KJ)])
        elif isinstance(force, mm.NonbondedForce):
            if nonbonded is not None:
                raise RequestError('cannot export %s: the format holds one NonbondedForce' % where)
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
                exc.append([a, b, qq.value_in_unit(unit.elementary_charge ** 2), s.value_in_unit(unit.nanometer), e.value_in_unit(KJ)])
            nonbonded = {'particles': parts, 'exceptions': exc}
        elif isinstance(force, mm.GBSAOBCForce):
            if gb is not None:
                raise RequestError('cannot export %s: the format holds one GB force' % where)
            if force.getNonbondedMethod() != mm.GBSAOBCForce.NoCutoff:
                raise RequestError('cannot export %s: nonbonded method must be NoCutoff' % where)
            parts = []
            for i in range(force.getNumParticles()):
                q, r, s = force.getParticleParameters(i)
                parts.append([q.value_in_unit(unit.elementary_charge), r.value_in_unit(unit.nanometer), s])
            gb = {'model': 'obc2', 'solventDielectric': force.getSolventDielectric(),
                  'soluteDielectric': force.getSoluteDielectric(),
                  'surfaceAreaEnergy': force.getSurfaceAreaEnergy().value_in_unit(KJ / unit.nanometer ** 2),
                  'particles': parts}
        elif isinstance(force, mm.CustomGBForce) and allow_obc1 and _obc1_match(force) is not None:
            if gb is not None:
                raise RequestError('cannot export %s: the format holds one GB force' % where)
            settings = _obc1_match(force)
            parts = []
            for i in range(force.getNumParticles()):
                q, orad, srad = force.getParticleParameters(i)
                # OpenMM stores offset radius and scale * offset radius; undo both (and the
                # last-digit noise of the subtraction, radii and scales have few decimals).
                parts.append([q, round(orad + 0.009, 12), round(srad / orad, 12)])
            gb = dict(model='obc1', particles=parts, **settings)
        else:
            raise RequestError('cannot export %s: the embedcg system.json format holds only %s. '
                               'Use OBC2 (GBSAOBCForce) or vacuum, or evaluate this system with the OpenMM engine.'
                               % (where, _EXPORTABLE))
    n = system.getNumParticles()
    if nonbonded is None:
        nonbonded = {'particles': [[0.0, 0.1, 0.0] for _ in range(n)], 'exceptions': []}
    out['harmonicBonds'] = bonds
    out['harmonicAngles'] = angles
    out['periodicTorsions'] = torsions
    out['nonbonded'] = nonbonded
    out['gb'] = gb
    return out


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
        if gb['model'] == 'obc2':
            f = mm.GBSAOBCForce()
            f.setNonbondedMethod(mm.GBSAOBCForce.NoCutoff)
            f.setSolventDielectric(gb['solventDielectric'])
            f.setSoluteDielectric(gb['soluteDielectric'])
            f.setSurfaceAreaEnergy(gb['surfaceAreaEnergy'])
            for q, r, s in gb['particles']:
                f.addParticle(q, r, s)
        elif gb['model'] == 'obc1':
            from openmm.app.internal.customgbforces import GBSAOBC1Force
            sa = gb['surfaceAreaEnergy']
            if sa != 0 and abs(sa - 2.25936) > 1e-9:
                raise RequestError('%s: gb.surfaceAreaEnergy for obc1 must be 0 or 2.25936 (OpenMM\'s ACE term), got %r' % (src, sa))
            f = GBSAOBC1Force(solventDielectric=gb['solventDielectric'], soluteDielectric=gb['soluteDielectric'],
                              SA='ACE' if sa else None, cutoff=None, kappa=0.0)
            for q, r, s in gb['particles']:
                f.addParticle([q, r, s])
            f.finalize()
        else:
            raise RequestError('%s: gb.model must be "obc1" or "obc2", got %r' % (src, gb['model']))
        system.addForce(f)
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
    for a, b in data.get('bonds', []):
        top.addBond(omm_atoms[a], omm_atoms[b])
    return system, top


# ---------------------------------------------------------------- evaluation

class Evaluator:
    def __init__(self, system, platform_name):
        # One force group per Force class, so per-term energies are keyed by class name.
        self.terms = []
        for force in system.getForces():
            if isinstance(force, mm.CMMotionRemover):
                continue
            name = force.__class__.__name__
            if name not in self.terms:
                if len(self.terms) == 32:
                    raise RequestError('more than 32 force classes: cannot split per-term energies')
                self.terms.append(name)
            force.setForceGroup(self.terms.index(name))
        self.natoms = system.getNumParticles()
        self.context = mm.Context(system, mm.VerletIntegrator(0.001), _platform(platform_name))
        self.platform = self.context.getPlatform().getName()

    def evaluate(self, positions, n, energies_only=False, terms=False):
        ctx = self.context
        pos = np.asarray(positions).reshape(n, self.natoms, 3)
        energies = np.empty(n)
        forces = None if energies_only else np.empty((n, self.natoms, 3))
        term_arrays = {t: np.empty(n) for t in self.terms} if terms else None
        for i in range(n):
            ctx.setPositions(pos[i])
            st = ctx.getState(getEnergy=True, getForces=not energies_only)
            energies[i] = st.getPotentialEnergy().value_in_unit(KJ)
            if forces is not None:
                forces[i] = st.getForces(asNumpy=True).value_in_unit(KJ / unit.nanometer)
            if terms:
                for g, t in enumerate(self.terms):
                    term_arrays[t][i] = ctx.getState(getEnergy=True, groups=1 << g).getPotentialEnergy().value_in_unit(KJ)
        return energies, forces, term_arrays


# ---------------------------------------------------------------- molecular dynamics

def backbone_dihedrals(topology):
    """[(label, (i, j, k, l)), ...] for phi = C(i-1)-N-CA-C and psi = N-CA-C-N(i+1), from atom names."""
    out = []
    for chain in topology.chains():
        res = list(chain.residues())
        names = [{a.name: a.index for a in r.atoms()} for r in res]
        for i, r in enumerate(res):
            cur = names[i]
            if not all(k in cur for k in ('N', 'CA', 'C')):
                continue
            label = '%s%d' % (r.name, r.index + 1)
            if i > 0 and 'C' in names[i - 1]:
                out.append(('phi', label, (names[i - 1]['C'], cur['N'], cur['CA'], cur['C'])))
            if i + 1 < len(res) and 'N' in names[i + 1]:
                out.append(('psi', label, (cur['N'], cur['CA'], cur['C'], names[i + 1]['N'])))
    return out


def dihedral_deg(x, idx):
    p0, p1, p2, p3 = (x[i] for i in idx)
    b0 = p0 - p1
    b1 = p2 - p1
    b2 = p3 - p2
    b1n = b1 / np.linalg.norm(b1)
    v = b0 - np.dot(b0, b1n) * b1n
    w = b2 - np.dot(b2, b1n) * b1n
    return math.degrees(math.atan2(np.dot(np.cross(b1n, v), w), np.dot(v, w)))


def _dcd_frame_bytes(natoms):
    return 3 * (8 + 4 * natoms)  # x, y, z blocks with Fortran record markers, no unit cell


def _truncate_dcd(path, natoms, frames):
    """Drop frames written after the last checkpoint (a run killed between frame and checkpoint)."""
    size = os.path.getsize(path)
    with open(path, 'r+b') as fh:
        fh.seek(8)
        (nset,) = struct.unpack('<i', fh.read(4))
        header = size - nset * _dcd_frame_bytes(natoms)
        if nset < frames or header <= 0:
            raise RequestError('cannot resume: %s holds %d frames but the checkpoint expects %d' % (path, nset, frames))
        if nset > frames:
            fh.truncate(header + frames * _dcd_frame_bytes(natoms))
            fh.seek(8)
            fh.write(struct.pack('<i', frames))


def _atomic_write(path, data, mode='wb'):
    tmp = path + '.tmp'
    with open(tmp, mode) as fh:
        fh.write(data)
    os.replace(tmp, path)


def cmd_md(req, arrays, rid):
    spec = req['system']
    out = req['out']
    base = out[:-4] if out.lower().endswith('.dcd') else out
    paths = {'dcd': base + '.dcd', 'pdb': base + '.pdb', 'csv': base + '.energies.csv',
             'chk': base + '.chk', 'info': base + '.chk.json'}
    T = float(req.get('temperature', 300.0))
    friction = float(req.get('friction', 1.0))
    dt = float(req.get('timestep', 0.001))
    total = int(req['steps'])
    interval = int(req.get('interval', 1000))
    seed = int(req.get('seed', 0))
    if interval <= 0 or total < 0:
        raise RequestError('steps must be >= 0 and interval > 0')
    system, topology, positions = build_system(spec, arrays)
    if topology is None:
        topology = system_from_json(system_to_json(system, None, True), 'generated')[1]
    settings = {'temperature': T, 'friction': friction, 'timestep': dt, 'interval': interval, 'seed': seed,
                'integrator': 'LangevinMiddleIntegrator'}
    integrator = mm.LangevinMiddleIntegrator(T * unit.kelvin, friction / unit.picosecond, dt * unit.picosecond)
    # OpenMM treats seed 0 as "pick one at random": keep runs reproducible by avoiding it.
    integrator.setRandomNumberSeed(seed if seed != 0 else 1)
    ctx = mm.Context(system, integrator, _platform(req.get('platform') or 'Reference'))
    dihedrals = backbone_dihedrals(topology)
    single = sum(1 for d in dihedrals if d[0] == 'phi') == 1 and sum(1 for d in dihedrals if d[0] == 'psi') == 1
    dcols = ['%s_deg' % kind if single else '%s_deg_%s' % (kind, label) for kind, label, _ in dihedrals]

    if req.get('resume'):
        if not os.path.isfile(paths['info']) or not os.path.isfile(paths['chk']):
            raise RequestError('cannot resume: no checkpoint %s (run without resume first)' % paths['chk'])
        info = json.load(open(paths['info']))
        for k, v in settings.items():
            if info['settings'].get(k) != v:
                raise RequestError('cannot resume: %s was %r in the checkpoint, now %r' % (k, info['settings'].get(k), v))
        with open(paths['chk'], 'rb') as fh:
            ctx.loadCheckpoint(fh.read())
        step, frames = int(info['step']), int(info['frames'])
        _truncate_dcd(paths['dcd'], system.getNumParticles(), frames)
        rows = open(paths['csv']).read().splitlines()
        keep = [rows[0]] + [r for r in rows[1:] if r and int(r.split(',')[0]) <= step]
        _atomic_write(paths['csv'], ('\n'.join(keep) + '\n').encode())
        dcd_fh = open(paths['dcd'], 'r+b')
        dcd = app.DCDFile(dcd_fh, topology, dt * unit.picosecond, firstStep=interval, interval=interval, append=True)
        csv_fh = open(paths['csv'], 'a')
    else:
        if positions is None:
            raise RequestError('md needs starting coordinates (coordinates file, or a PDB)')
        ctx.setPositions(positions)
        if req.get('minimize'):
            mm.LocalEnergyMinimizer.minimize(ctx)
        ctx.setVelocitiesToTemperature(T * unit.kelvin, seed if seed != 0 else 1)
        st = ctx.getState(getPositions=True)
        with open(paths['pdb'], 'w') as fh:
            app.PDBFile.writeFile(topology, st.getPositions(), fh)
        dcd_fh = open(paths['dcd'], 'wb')
        dcd = app.DCDFile(dcd_fh, topology, dt * unit.picosecond, firstStep=interval, interval=interval)
        csv_fh = open(paths['csv'], 'w')
        csv_fh.write(','.join(['step', 'time_ps', 'potential_kJmol'] + dcols) + '\n')
        step, frames = 0, 0
    start_step = step
    t0 = time.time()
    last_report = 0.0
    while step < total:
        k = min(interval - step % interval, total - step)
        integrator.step(k)
        step += k
        if step % interval != 0:
            continue  # the run ended between frames; the checkpoint below still records it
        st = ctx.getState(getPositions=True, getEnergy=True)
        pos = st.getPositions(asNumpy=True)
        x = pos.value_in_unit(unit.nanometer)
        dcd.writeModel(pos)
        frames += 1
        epot = st.getPotentialEnergy().value_in_unit(KJ)
        vals = ['%d' % step, '%.6f' % (step * dt), '%.6f' % epot] + ['%.4f' % dihedral_deg(x, idx) for _, _, idx in dihedrals]
        csv_fh.write(','.join(vals) + '\n')
        dcd_fh.flush()
        csv_fh.flush()
        _atomic_write(paths['chk'], ctx.createCheckpoint())
        _atomic_write(paths['info'], json.dumps({'step': step, 'frames': frames, 'settings': settings}).encode())
        now = time.time()
        if now - last_report >= float(req.get('progressSeconds', 1.0)) or step >= total:
            last_report = now
            write_frame({'id': rid, 'event': 'progress', 'step': step, 'total': total, 'startStep': start_step,
                         'elapsed': now - t0, 'timePs': step * dt, 'potential': epot, 'frames': frames})
    if step % interval != 0 or step == start_step:
        _atomic_write(paths['chk'], ctx.createCheckpoint())
        _atomic_write(paths['info'], json.dumps({'step': step, 'frames': frames, 'settings': settings}).encode())
    dcd_fh.close()
    csv_fh.close()
    return {'step': step, 'frames': frames, 'files': paths, 'seconds': time.time() - t0,
            'stepsPerSecond': (step - start_step) / max(time.time() - t0, 1e-9), 'columns': dcols}, {}


# ---------------------------------------------------------------- command loop

class Server:
    def __init__(self):
        self.ev = None

    def cmd_init(self, req, arrays, rid):
        system, topology, positions = build_system(req, arrays)
        self.ev = Evaluator(system, req.get('platform') or 'Reference')
        out = {'natoms': system.getNumParticles(), 'topology': topology_json(system, topology),
               'terms': self.ev.terms, 'platform': self.ev.platform, 'openmmVersion': mm.__version__,
               'pid': os.getpid()}
        return out, ({'positions': positions} if positions is not None else {})

    def _need_ev(self):
        if self.ev is None:
            raise RequestError('no system: send init first')
        return self.ev

    def cmd_evaluate(self, req, arrays, rid):
        ev = self._need_ev()
        n = int(req['n'])
        pos = arrays.get('positions')
        if pos is None or pos.size != n * ev.natoms * 3:
            raise RequestError('evaluate: expected %d positions, got %d' % (n * ev.natoms * 3, 0 if pos is None else pos.size))
        e, f, terms = ev.evaluate(pos, n, bool(req.get('energiesOnly')), bool(req.get('terms')))
        out = {'energies': e}
        if f is not None:
            out['forces'] = f
        if terms:
            for k, v in terms.items():
                out['term:' + k] = v
        return {}, out

    def cmd_bench(self, req, arrays, rid):
        """Time the same evaluation loop in-process (no framing), for the bridge overhead benchmark."""
        ev = self._need_ev()
        n = int(req['n'])
        repeats = int(req.get('repeats', 1))
        pos = arrays['positions']
        t0 = time.perf_counter()
        for _ in range(repeats):
            ev.evaluate(pos, n, bool(req.get('energiesOnly')), False)
        return {'seconds': time.perf_counter() - t0, 'evaluations': n * repeats}, {}

    def cmd_export(self, req, arrays, rid):
        system, topology, positions = build_system(req, arrays)
        data = system_to_json(system, topology, allow_obc1=True)
        out = {'system': data}
        res = {}
        if positions is not None:
            if req.get('minimize'):
                ctx = mm.Context(system, mm.VerletIntegrator(0.001), _platform(req.get('platform') or 'Reference'))
                ctx.setPositions(positions)
                mm.LocalEnergyMinimizer.minimize(ctx, float(req.get('tolerance', 1.0)), 0)
                positions = ctx.getState(getPositions=True).getPositions(asNumpy=True).value_in_unit(unit.nanometer)
                out['minimizedEnergy'] = ctx.getState(getEnergy=True).getPotentialEnergy().value_in_unit(KJ)
            if req.get('outPdb'):
                top = topology if topology is not None else system_from_json(data)[1]
                with open(req['outPdb'], 'w') as fh:
                    app.PDBFile.writeFile(top, positions * unit.nanometer, fh, keepIds=False)
            res['positions'] = positions
        elif req.get('outPdb') or req.get('minimize'):
            raise RequestError('--out-pdb/--minimize need coordinates (a PDB, or coordinates for the prmtop)')
        return out, res

    def cmd_energy_of_json(self, req, arrays, rid):
        """Energies of the given positions for a system.json, built back into OpenMM (export check)."""
        with open(req['systemJson']) as fh:
            system, _ = system_from_json(json.load(fh), req['systemJson'])
        ev = Evaluator(system, req.get('platform') or 'Reference')
        n = int(req['n'])
        e, f, _ = ev.evaluate(arrays['positions'], n)
        return {}, {'energies': e, 'forces': f}

    def cmd_sleep(self, req, arrays, rid):
        time.sleep(float(req.get('seconds', 3600)))
        return {'slept': True}, {}

    def cmd_md(self, req, arrays, rid):
        return cmd_md(req, arrays, rid)

    def serve(self):
        while True:
            frame = read_frame()
            if frame is None:
                return  # stdin closed: the parent is gone or done
            req, arrays = frame
            rid = req.get('id')
            cmd = req.get('cmd')
            if cmd == 'exit':
                write_frame({'id': rid, 'ok': True})
                return
            handler = getattr(self, 'cmd_' + str(cmd), None)
            try:
                if handler is None:
                    raise RequestError('unknown command %r' % cmd)
                header, out = handler(req, arrays, rid)
                write_frame(dict(header, id=rid, ok=True), out)
            except RequestError as exc:
                write_frame({'id': rid, 'ok': False, 'error': str(exc)})
            except Exception as exc:  # OpenMM errors: send the message, keep the trace on stderr
                traceback.print_exc(file=sys.stderr)
                write_frame({'id': rid, 'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)})


if __name__ == '__main__':
    try:
        Server().serve()
    except (EOFError, BrokenPipeError):
        pass
