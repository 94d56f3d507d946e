"""Building the OpenMM System of a request: from a prmtop, System XML, PDB + force-field XML, or system.json."""
import json
import os

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as unit

from embedcg_openmm_peptide import build_peptide, parse_sequence
from embedcg_openmm_protocol import InputError, RequestError
from embedcg_openmm_system_json import system_from_json

_SOLVENTS = ('vacuum', 'obc1', 'obc2')


def platform(name):
    """The OpenMM platform `name` (RequestError listing the available ones when it is missing)."""
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
    if spec.get('systemJson'):
        system, topology, positions = _from_system_json(spec['systemJson'])
    elif spec.get('prmtop'):
        system, topology, positions = _from_prmtop(spec['prmtop'], solvent)
    elif spec.get('systemXml'):
        system, topology, positions = _from_system_xml(spec['systemXml'], spec.get('pdb'))
    elif spec.get('sequence'):
        system, topology, positions = _from_sequence(spec['sequence'], spec.get('forcefield') or [])
    elif spec.get('pdb'):
        system, topology, positions = _from_pdb_and_forcefield(spec['pdb'], spec.get('forcefield') or [], solvent)
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
            raise RequestError('coordinates hold %d atoms but the system has %d'
                               % (positions.shape[0], system.getNumParticles()))
    if topology is not None and topology.getNumAtoms() != system.getNumParticles():
        raise RequestError('topology has %d atoms but the system has %d particles'
                           % (topology.getNumAtoms(), system.getNumParticles()))
    return system, topology, positions


def _from_system_json(path):
    _require_file(path, 'system.json')
    with open(path) as fh:
        data = json.load(fh)
    system, topology = system_from_json(data, path)
    return system, topology, None


def _from_prmtop(path, solvent):
    _require_file(path, 'prmtop')
    prm = app.AmberPrmtopFile(path)
    implicit = {'vacuum': None, 'obc1': app.OBC1, 'obc2': app.OBC2}[solvent]
    system = prm.createSystem(nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False,
                              implicitSolvent=implicit)
    return system, prm.topology, None


def _from_system_xml(path, pdb_path):
    """A serialized System; topology and positions from `pdb_path` when given."""
    _require_file(path, 'OpenMM System XML')
    system = mm.XmlSerializer.deserialize(open(path).read())
    if not isinstance(system, mm.System):
        raise RequestError('"%s" holds a serialized %s, not a System' % (path, type(system).__name__))
    if not pdb_path:
        return system, None, None
    _require_file(pdb_path, 'PDB')
    pdb = app.PDBFile(pdb_path)
    return system, pdb.topology, pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer)


def _from_pdb_and_forcefield(pdb_path, names, solvent):
    if not names:
        raise RequestError('a PDB needs force-field XML names (forcefield: e.g. ["amber96.xml", "amber96_obc.xml"])')
    if solvent != 'vacuum':
        raise RequestError('with force-field XML files, implicit solvent comes from the XML list '
                           '(e.g. add "amber96_obc.xml"), not from solvent="%s"' % solvent)
    _require_file(pdb_path, 'PDB')
    pdb = app.PDBFile(pdb_path)
    ff = load_forcefield(names)
    try:
        system = ff.createSystem(pdb.topology, nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False)
    except Exception as exc:
        raise RequestError('force field %s cannot parameterise "%s": %s' % (names, pdb_path, exc))
    return system, pdb.topology, pdb.getPositions(asNumpy=True).value_in_unit(unit.nanometer)


def load_forcefield(names):
    """OpenMM's ForceField of the XML `names`; an unknown name is an InputError naming that file."""
    try:
        return app.ForceField(*names)
    except Exception as exc:
        error = exc
    for name in names:
        try:
            app.ForceField(name)
        except Exception as exc:
            known = os.path.join(os.path.dirname(app.__file__), 'data')
            if not os.path.isfile(name):
                raise InputError('force-field file "%s" is not known to OpenMM: it is neither a file here nor one of the '
                                 'files OpenMM ships in %s (e.g. amber96.xml, amber96_obc.xml, amber99sbildn.xml, '
                                 'amber14-all.xml)' % (name, known))
            raise InputError('force-field file "%s" cannot be read by OpenMM: %s' % (name, exc))
    raise InputError('the force-field files %s do not load together: %s' % (', '.join(names), error))


def _from_sequence(sequence, names):
    """A capped peptide built from its sequence (embedcg_openmm_peptide), parameterised by `names`."""
    if not names:
        raise InputError('a sequence needs force-field XML names (e.g. amber96.xml amber96_obc.xml)')
    parse_sequence(sequence)  # bad residues first: loading the force field takes seconds
    ff = load_forcefield(names)
    topology, positions = build_peptide(sequence, ff)
    try:
        system = ff.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=None, rigidWater=False)
    except Exception as exc:
        raise InputError('force field %s cannot parameterise the peptide "%s": %s' % (', '.join(names), sequence, exc))
    return system, topology, positions
