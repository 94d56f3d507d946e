"""Reference Langevin dynamics for the `md` command: DCD, PDB, energies CSV with backbone
dihedrals, and a checkpoint at every frame so that `resume` continues an interrupted run exactly."""
import json
import math
import os
import struct
import time

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as unit

from embedcg_openmm_protocol import RequestError, write_frame
from embedcg_openmm_system_json import KJ, system_from_json, system_to_json
from embedcg_openmm_systems import build_system, platform


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
    """Run (or resume) the dynamics of an md request; progress events go out as frames on the way."""
    run = MdRun(req, arrays)
    if req.get('resume'):
        run.resume()
    else:
        run.start(req.get('minimize'))
    return run.run(rid, float(req.get('progressSeconds', 1.0))), {}


class MdRun:
    """One md request: the system, integrator and context, its output files and where it stands."""

    def __init__(self, req, arrays):
        spec = req['system']
        out = req['out']
        base = out[:-4] if out.lower().endswith('.dcd') else out
        self.paths = {'dcd': base + '.dcd', 'pdb': base + '.pdb', 'csv': base + '.energies.csv',
                      'chk': base + '.chk', 'info': base + '.chk.json'}
        T = float(req.get('temperature', 300.0))
        friction = float(req.get('friction', 1.0))
        self.dt = dt = float(req.get('timestep', 0.001))
        self.total = int(req['steps'])
        self.interval = interval = int(req.get('interval', 1000))
        self.seed = seed = int(req.get('seed', 0))
        if interval <= 0 or self.total < 0:
            raise RequestError('steps must be >= 0 and interval > 0')
        self.system, topology, self.positions = build_system(spec, arrays)
        if topology is None:
            topology = system_from_json(system_to_json(self.system, None, True), 'generated')[1]
        self.topology = topology
        self.settings = {'temperature': T, 'friction': friction, 'timestep': dt, 'interval': interval, 'seed': seed,
                         'integrator': 'LangevinMiddleIntegrator'}
        self.integrator = mm.LangevinMiddleIntegrator(T * unit.kelvin, friction / unit.picosecond,
                                                      dt * unit.picosecond)
        # OpenMM treats seed 0 as "pick one at random": keep runs reproducible by avoiding it.
        self.integrator.setRandomNumberSeed(seed if seed != 0 else 1)
        self.ctx = mm.Context(self.system, self.integrator, platform(req.get('platform') or 'Reference'))
        self.dihedrals = dihedrals = backbone_dihedrals(topology)
        single = (sum(1 for d in dihedrals if d[0] == 'phi') == 1
                  and sum(1 for d in dihedrals if d[0] == 'psi') == 1)
        self.columns = ['%s_deg' % kind if single else '%s_deg_%s' % (kind, label) for kind, label, _ in dihedrals]
        self.step = self.frames = 0

    def resume(self):
        """Continue from the checkpoint: same settings, files cut back to its step, then appended to."""
        paths = self.paths
        if not os.path.isfile(paths['info']) or not os.path.isfile(paths['chk']):
            raise RequestError('cannot resume: no checkpoint %s (run without resume first)' % paths['chk'])
        info = json.load(open(paths['info']))
        for k, v in self.settings.items():
            if info['settings'].get(k) != v:
                raise RequestError('cannot resume: %s was %r in the checkpoint, now %r'
                                   % (k, info['settings'].get(k), v))
        with open(paths['chk'], 'rb') as fh:
            self.ctx.loadCheckpoint(fh.read())
        self.step, self.frames = int(info['step']), int(info['frames'])
        _truncate_dcd(paths['dcd'], self.system.getNumParticles(), self.frames)
        rows = open(paths['csv']).read().splitlines()
        keep = [rows[0]] + [r for r in rows[1:] if r and int(r.split(',')[0]) <= self.step]
        _atomic_write(paths['csv'], ('\n'.join(keep) + '\n').encode())
        self.dcd_fh = open(paths['dcd'], 'r+b')
        self.dcd = app.DCDFile(self.dcd_fh, self.topology, self.dt * unit.picosecond, firstStep=self.interval,
                               interval=self.interval, append=True)
        self.csv_fh = open(paths['csv'], 'a')

    def start(self, minimize):
        """A fresh run: positions (minimised if asked), velocities, the PDB, and new DCD and CSV files."""
        if self.positions is None:
            raise RequestError('md needs starting coordinates (coordinates file, or a PDB)')
        ctx = self.ctx
        ctx.setPositions(self.positions)
        if minimize:
            mm.LocalEnergyMinimizer.minimize(ctx)
        ctx.setVelocitiesToTemperature(self.settings['temperature'] * unit.kelvin, self.seed if self.seed != 0 else 1)
        st = ctx.getState(getPositions=True)
        with open(self.paths['pdb'], 'w') as fh:
            app.PDBFile.writeFile(self.topology, st.getPositions(), fh)
        self.dcd_fh = open(self.paths['dcd'], 'wb')
        self.dcd = app.DCDFile(self.dcd_fh, self.topology, self.dt * unit.picosecond, firstStep=self.interval,
                               interval=self.interval)
        self.csv_fh = open(self.paths['csv'], 'w')
        self.csv_fh.write(','.join(['step', 'time_ps', 'potential_kJmol'] + self.columns) + '\n')

    def run(self, rid, progress_seconds):
        """Integrate up to the total step; a frame, CSV row and checkpoint every interval. Returns the result header."""
        start_step = self.step
        t0 = time.time()
        last_report = 0.0
        while self.step < self.total:
            k = min(self.interval - self.step % self.interval, self.total - self.step)
            self.integrator.step(k)
            self.step += k
            if self.step % self.interval != 0:
                continue  # the run ended between frames; the checkpoint below still records it
            epot = self._write_frame()
            now = time.time()
            if now - last_report >= progress_seconds or self.step >= self.total:
                last_report = now
                write_frame({'id': rid, 'event': 'progress', 'step': self.step, 'total': self.total,
                             'startStep': start_step, 'elapsed': now - t0, 'timePs': self.step * self.dt,
                             'potential': epot, 'frames': self.frames})
        if self.step % self.interval != 0 or self.step == start_step:
            self._checkpoint()
        self.dcd_fh.close()
        self.csv_fh.close()
        return {'step': self.step, 'frames': self.frames, 'files': self.paths, 'seconds': time.time() - t0,
                'stepsPerSecond': (self.step - start_step) / max(time.time() - t0, 1e-9), 'columns': self.columns}

    def _write_frame(self):
        """The DCD frame and CSV row of the current state, then a checkpoint; returns the potential energy."""
        st = self.ctx.getState(getPositions=True, getEnergy=True)
        pos = st.getPositions(asNumpy=True)
        x = pos.value_in_unit(unit.nanometer)
        self.dcd.writeModel(pos)
        self.frames += 1
        epot = st.getPotentialEnergy().value_in_unit(KJ)
        vals = (['%d' % self.step, '%.6f' % (self.step * self.dt), '%.6f' % epot]
                + ['%.4f' % dihedral_deg(x, idx) for _, _, idx in self.dihedrals])
        self.csv_fh.write(','.join(vals) + '\n')
        self.dcd_fh.flush()
        self.csv_fh.flush()
        self._checkpoint()
        return epot

    def _checkpoint(self):
        _atomic_write(self.paths['chk'], self.ctx.createCheckpoint())
        _atomic_write(self.paths['info'], json.dumps({'step': self.step, 'frames': self.frames,
                                                      'settings': self.settings}).encode())
