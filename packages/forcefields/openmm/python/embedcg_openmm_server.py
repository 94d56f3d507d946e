#!/usr/bin/env python3
"""embedcg OpenMM server: the Python half of @embedcg/forcefield-openmm.

Started by the Node package with `python3 embedcg_openmm_server.py`; it speaks a binary framed
protocol on stdin/stdout (embedcg_openmm_protocol.py) and nothing else touches stdout. Its
modules sit beside this script, which Python puts first on sys.path.

Requests carry `id` and `cmd`; every request gets exactly one response with the same `id` and
`ok: true|false`. Long commands (md) also send `{"id", "event": "progress", ...}` frames first.
Commands: init, evaluate, export, energy_of_json, md, bench, sleep (debug: hang on purpose), exit.
"""
import json
import os
import signal
import sys
import threading
import time
import traceback

# OpenMM and Python code may print: keep the frame channel private. The frame fd is a duplicate
# of the real stdout; fd 1 (and sys.stdout) then point at stderr, so that even C++ prints from
# the OpenMM library cannot corrupt a frame. This runs before any module that imports OpenMM.
_FRAME_FD = os.dup(1)
os.dup2(2, 1)
sys.stdout = sys.stderr
# Ctrl-C in a terminal reaches the whole process group. The Node parent owns it: it finishes the
# batch in flight, writes a checkpoint and only then closes this server, so SIGINT is ignored here.
signal.signal(signal.SIGINT, signal.SIG_IGN)
# The package folder may be read-only or shared: no __pycache__ beside the modules.
sys.dont_write_bytecode = True

try:
    import numpy as np
    import openmm as mm
    import openmm.app as app
    import openmm.unit as unit
except ImportError as exc:  # reported by the Node side with install instructions
    sys.stderr.write('embedcg-openmm: cannot import OpenMM/numpy: %s\n' % exc)
    sys.exit(3)

# The modules beside this script: on sys.path already when it runs as a script, but not when it is
# run another way (runpy.run_path, as the tests' stand-in interpreters do).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import embedcg_openmm_protocol as protocol  # noqa: E402
from embedcg_openmm_md import cmd_md
from embedcg_openmm_protocol import RequestError, read_frame, write_frame
from embedcg_openmm_system_json import KJ, system_from_json, system_to_json, topology_json
from embedcg_openmm_systems import build_system, platform

protocol.use_frame_fd(_FRAME_FD)


class Evaluator:
    """Energies, forces and per-Force-class energies of configurations, in one OpenMM Context."""

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
        self.context = mm.Context(system, mm.VerletIntegrator(0.001), platform(platform_name))
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


class Server:
    """The command loop; `cmd_<name>(req, arrays, rid)` returns (header, arrays) of the response."""

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
            raise RequestError('evaluate: expected %d positions, got %d'
                               % (n * ev.natoms * 3, 0 if pos is None else pos.size))
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
                ctx = mm.Context(system, mm.VerletIntegrator(0.001), platform(req.get('platform') or 'Reference'))
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
                write_frame({'id': rid, 'ok': False, 'error': str(exc), 'kind': exc.kind})
            except Exception as exc:  # OpenMM errors: send the message, keep the trace on stderr
                traceback.print_exc(file=sys.stderr)
                write_frame({'id': rid, 'ok': False, 'error': '%s: %s' % (type(exc).__name__, exc)})


def exit_when_orphaned(period=0.5):
    """Exit at once when the parent dies, even in the middle of a batch.

    A SIGKILLed parent cannot close stdin in an orderly way, and a batch can take a minute, so
    waiting for the next read is too late: the process is re-parented, which getppid() shows.
    """
    parent = os.getppid()

    def watch():
        while True:
            time.sleep(period)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name='orphan-watch', daemon=True).start()


if __name__ == '__main__':
    exit_when_orphaned()
    try:
        Server().serve()
    except (EOFError, BrokenPipeError):
        pass
