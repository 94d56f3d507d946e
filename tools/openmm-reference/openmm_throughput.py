#!/usr/bin/python3
"""Energy+force throughput of OpenMM's Reference platform driven from Python, the way a Python
training loop calls it: for each configuration, context.setPositions then
getState(getEnergy=True, getForces=True).

Usage: openmm_throughput.py --prmtop F --solvent vacuum|obc1|obc2 --positions x.f64 [--min-seconds 2]
Prints JSON {"configurations": n, "seconds": t, "per_second": n/t, "energies": [first 8]}.
"""
import argparse
import json
import time

import numpy as np
import openmm as mm
import openmm.app as app
import openmm.unit as u

ap = argparse.ArgumentParser()
ap.add_argument('--prmtop', required=True)
ap.add_argument('--solvent', default='vacuum', choices=['vacuum', 'obc1', 'obc2'])
ap.add_argument('--positions', required=True)
ap.add_argument('--min-seconds', type=float, default=2.0)
a = ap.parse_args()

prmtop = app.AmberPrmtopFile(a.prmtop)
implicit = {'vacuum': None, 'obc1': app.OBC1, 'obc2': app.OBC2}[a.solvent]
system = prmtop.createSystem(nonbondedMethod=app.NoCutoff, constraints=None, implicitSolvent=implicit, removeCMMotion=False)
context = mm.Context(system, mm.VerletIntegrator(0.001), mm.Platform.getPlatformByName('Reference'))
x = np.fromfile(a.positions, dtype='<f8').reshape(-1, system.getNumParticles(), 3)
energies = []
done = 0
t0 = time.perf_counter()
while True:
    for conf in x:
        context.setPositions(conf)
        st = context.getState(getEnergy=True, getForces=True)
        e = st.getPotentialEnergy().value_in_unit(u.kilojoule_per_mole)
        f = st.getForces(asNumpy=True)
        if len(energies) < 8:
            energies.append(e)
        done += 1
    if time.perf_counter() - t0 >= a.min_seconds:
        break
t = time.perf_counter() - t0
print(json.dumps({'configurations': done, 'seconds': t, 'per_second': done / t, 'energies': energies}))
