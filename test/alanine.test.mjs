// Alanine dipeptide with the VAE-style CG model, end to end: the rigid-body transform against the
// native AMBER engine (energy invariance), a short training run that lowers the loss, and the
// commands that read a run (sample → DCD/PDB checked by mdtraj, cvs, decode, evaluate --reference).
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemblePlugins, createRng, selectBackend, train, validateRunConfig, writeRunFiles } from '@embedcg/core';
import {
  backboneDihedrals,
  canonicalFrame,
  chiralCentres,
  wrongChirality,
  createRigidBodyTransform,
  dihedralSeries,
  readDcd,
  readPdb,
} from '@embedcg/core/molecules';
import * as amber from '@embedcg/forcefield-amber';
import * as vae from '@embedcg/model-vae';
import { assertCleanError, repoRoot, runCli, tempDir } from './support.mjs';

const shared = process.env.EMBEDCG_SHARED ?? join(repoRoot, '..', 'shared');
const ala = join(shared, 'data', 'alanine-dipeptide');
const examples = join(repoRoot, 'examples');
const preloaded = { '@embedcg/forcefield-amber': amber.plugins, '@embedcg/model-vae': vae.plugins };

before(async () => {
  await selectBackend('wasm');
});

/** Random proper rotation (from a normalised quaternion) applied to every frame, plus a shift. */
function rigidlyMoved(x0, nAtoms, copies, rng) {
  const D = 3 * nAtoms;
  const out = new Float64Array(copies * D);
  for (let c = 0; c < copies; c++) {
    let q = [rng.normal(), rng.normal(), rng.normal(), rng.normal()];
    const l = Math.hypot(...q);
    q = q.map((v) => v / l);
    const [w, a, b, d] = q;
    const R = [
      [1 - 2 * (b * b + d * d), 2 * (a * b - d * w), 2 * (a * d + b * w)],
      [2 * (a * b + d * w), 1 - 2 * (a * a + d * d), 2 * (b * d - a * w)],
      [2 * (a * d - b * w), 2 * (b * d + a * w), 1 - 2 * (a * a + b * b)],
    ];
    const t = [5 * rng.normal(), 5 * rng.normal(), 5 * rng.normal()];
    for (let i = 0; i < nAtoms; i++) {
      for (let k = 0; k < 3; k++) {
        out[c * D + 3 * i + k] = R[k][0] * x0[3 * i] + R[k][1] * x0[3 * i + 1] + R[k][2] * x0[3 * i + 2] + t[k];
      }
    }
  }
  return out;
}

test('rigid-body transform: the AMBER energy of x and of its canonical form agree to 1e-9 relative', async () => {
  const ff = amber.createAmberForceField({
    prmtop: join(ala, 'alanine-dipeptide-implicit.prmtop'),
    coordinates: join(ala, 'alanine-dipeptide-implicit.inpcrd'),
    solvent: 'obc2',
    workers: 1,
  });
  try {
    const nAtoms = 22,
      n = 8;
    const x = rigidlyMoved(ff.initialPositions, nAtoms, n, createRng(1));
    const t = createRigidBodyTransform({ nAtoms, origin: 6, axis: 8, plane: 14 });
    const { y } = t.inverse64(x, n);
    assert.equal(y.length, n * 60);
    const xc = t.forward64(y, n).x;
    assert.deepEqual(Array.from(xc), Array.from(canonicalFrame(x, n, { nAtoms, origin: 6, axis: 8, plane: 14 })));
    const e = (await ff.evaluate(x, n, { energiesOnly: true })).energies;
    const ec = (await ff.evaluate(xc, n, { energiesOnly: true })).energies;
    const e0 = (await ff.evaluate(ff.initialPositions, 1, { energiesOnly: true })).energies[0];
    assert.ok(Math.abs(e0 - -137.4395) < 1e-3, `OBC2 energy of the inpcrd: ${e0}`);
    for (let i = 0; i < n; i++) {
      assert.ok(Math.abs(e[i] - ec[i]) <= 1e-9 * Math.abs(e[i]), `configuration ${i}: ${e[i]} vs canonical ${ec[i]}`);
      assert.ok(Math.abs(e[i] - e0) <= 1e-9 * Math.abs(e0), `configuration ${i}: rigid motion changed the energy`);
    }
  } finally {
    await ff.dispose();
  }
});

/** A small alanine run: the project's system files, the rigid-body transform with anchors from names. */
function alanineConfig() {
  const example = JSON.parse(readFileSync(join(examples, 'alanine-dipeptide-vae.json'), 'utf8'));
  return {
    ...example,
    name: 'ala-test',
    transform: { package: '@embedcg/core', name: 'rigid-body' },
    model: {
      package: '@embedcg/model-vae',
      name: 'vae',
      options: {
        latentDim: 2,
        decoderHidden: [32, 32],
        encoderHidden: [32, 32],
        encoderActivations: ['selu', 'selu'],
        outputScale: 0.05,
      },
    },
    schedule: { package: '@embedcg/core', name: 'kl-increase', options: { initialFraction: 0.01, samples: 200 } },
    training: {
      ...example.training,
      batchSize: 64,
      learningRate: 0.003,
      initialSteps: 1000,
      stepsPerLevel: 10,
      finalSteps: 0,
      checkpointEvery: 1000,
      historyEvery: 1,
      backend: 'wasm',
    },
    evaluation: { samples: 500, batchSize: 500 },
  };
}

/** mdtraj on /usr/bin/python3, or undefined (a failure when EMBEDCG_REQUIRE_OPENMM=1). */
function mdtraj(code, args) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import mdtraj'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    if (process.env.EMBEDCG_REQUIRE_OPENMM === '1')
      throw new Error(
        `mdtraj required (EMBEDCG_REQUIRE_OPENMM=1) but /usr/bin/python3 cannot import it: ${probe.stderr}`,
      );
    return undefined;
  }
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mdtraj script failed: ${r.stderr}`);
  return r.stdout;
}

test('30 training steps on alanine dipeptide lower the loss; sample, cvs, decode and evaluate read the run', async (t) => {
  const runDir = tempDir(t, 'embedcg-ala-');
  const config = validateRunConfig(alanineConfig());
  const logs = [];
  const plugins = await assemblePlugins(config, { configDir: examples, preloaded, log: (m) => logs.push(m) });
  try {
    assert.equal(plugins.transform.inputDimension, 60);
    assert.ok(
      logs.some((m) => /origin atom 6, axis atom 8, plane atom 14/.test(m)),
      logs.join('\n'),
    );
    writeRunFiles(runDir, config, { configDir: examples });
    const r = await train({ runDir, config, ...plugins, progress: false, stopAfterSteps: 30 });
    assert.equal(r.status, 'stopped');
    assert.equal(r.state.step, 30);
    const losses = readFileSync(join(runDir, 'history.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
      .filter((h) => h.type === 'step')
      .map((h) => h.loss);
    assert.equal(losses.length, 30);
    // Medians: a step whose batch holds a clash has a loss tens of units above its neighbours'.
    const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
    const first = median(losses.slice(0, 5)),
      last = median(losses.slice(-5));
    assert.ok(last < first - 1, `loss should fall: first 5 steps ${first.toFixed(3)}, last 5 ${last.toFixed(3)}`);
    assert.ok(r.timing.forceFieldSeconds > 0 && r.timing.forceFieldSeconds < r.timing.totalSeconds);
  } finally {
    await plugins.forceField.dispose();
    plugins.model.dispose();
  }

  // sample: full 22-atom coordinates as DCD + PDB + log weights.
  const dcd = join(runDir, 'samples.dcd');
  const s = runCli(['sample', runDir, '-n', '200', '--out', dcd, '--seed', '3'], { timeout: 120_000 });
  assert.equal(s.code, 0, s.stderr);
  const ours = readDcd(dcd);
  assert.equal(ours.nAtoms, 22);
  assert.equal(ours.nFrames, 200);
  const logw = readFileSync(join(runDir, 'samples.logw.txt'), 'utf8').trim().split('\n').map(Number);
  assert.equal(logw.length, 200);
  assert.ok(logw.every((v) => !Number.isNaN(v)));

  // --chirality filter: the same draw, minus exactly the frames whose Cα has the other handedness
  // than the initial structure (checked here with core's chirality functions on the unfiltered set).
  const filteredDcd = join(runDir, 'filtered.dcd');
  const f = runCli(['sample', runDir, '-n', '200', '--out', filteredDcd, '--seed', '3', '--chirality', 'filter'], {
    timeout: 120_000,
  });
  assert.equal(f.code, 0, f.stderr);
  const initial = readPdb(join(examples, 'alanine-dipeptide', 'ala2.pdb')).positions.subarray(0, 66);
  const topo = readPdb(join(runDir, 'samples.pdb'));
  const centres = chiralCentres({ atoms: topo.atoms, bonds: topo.bonds ?? [] });
  assert.ok(centres.length >= 1, 'the Cα stereocentre is found from the written topology');
  const wrong = wrongChirality(ours.positions, 200, centres, initial);
  const nWrong = wrong.reduce((a, b) => a + b, 0);
  const filtered = readDcd(filteredDcd);
  assert.equal(
    filtered.nFrames,
    200 - nWrong,
    `filtered ${filtered.nFrames} frames, ${nWrong} of 200 are wrong-handed`,
  );
  assert.match(f.stderr + f.stdout, new RegExp(`dropped ${nWrong} of 200`));
  assert.equal(
    wrongChirality(filtered.positions, filtered.nFrames, centres, initial).reduce((a, b) => a + b, 0),
    0,
  );

  // cvs: z and φ/ψ of every frame; φ must match mdtraj's.
  const csv = join(runDir, 'cvs.csv');
  const c = runCli(['cvs', runDir, '--coords', dcd, '--out', csv]);
  assert.equal(c.code, 0, c.stderr);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  assert.equal(rows[0], 'frame,z1,z2,phi,psi');
  assert.equal(rows.length, 201);
  const phiOurs = rows.slice(1).map((l) => Number(l.split(',')[3]));
  // Writing the CSV onto a full disk is a failure during the work: exit 1, one message.
  const full = runCli(['cvs', runDir, '--coords', dcd, '--out', '/dev/full']);
  assert.match(assertCleanError(full, 1), /ENOSPC/);
  const bb = backboneDihedrals({ atoms: readPdb(join(runDir, 'samples.pdb')).atoms, bonds: [] });
  assert.deepEqual(bb.phi[0], [4, 6, 8, 14]);
  const phiCore = dihedralSeries(ours.positions, 66, 200, bb.phi[0]);
  phiOurs.forEach((p, i) => assert.ok(Math.abs(p - (phiCore[i] * 180) / Math.PI) < 2e-3, `frame ${i} φ`));

  const out = mdtraj(
    [
      'import sys, json, mdtraj as md',
      't = md.load(sys.argv[1], top=sys.argv[2])',
      'phi = md.compute_dihedrals(t, [[4, 6, 8, 14]])[:, 0]',
      'print(json.dumps({"frames": t.n_frames, "atoms": t.n_atoms, "residues": [r.name for r in t.topology.residues], "xyz": t.xyz[:3].reshape(-1).tolist(), "phi": phi.tolist()}))',
    ].join('\n'),
    [dcd, join(runDir, 'samples.pdb')],
  );
  if (out === undefined) {
    t.diagnostic('mdtraj not available: the independent read-back of the sample DCD/PDB was skipped');
  } else {
    const m = JSON.parse(out);
    assert.equal(m.frames, 200);
    assert.equal(m.atoms, 22);
    assert.deepEqual(m.residues, ['ACE', 'ALA', 'NME']);
    m.xyz.forEach((v, k) => assert.ok(Math.abs(v - ours.positions[k]) < 1e-6, `coordinate ${k}`));
    m.phi.forEach((p, i) => {
      const d = Math.abs((((p * 180) / Math.PI - phiOurs[i] + 540) % 360) - 180);
      assert.ok(d < 0.01, `frame ${i}: mdtraj φ ${(p * 180) / Math.PI} vs ours ${phiOurs[i]}`);
    });
  }

  // decode: a 5 × 5 latent grid as a multi-model PDB and a CSV with z, φ/ψ and energies.
  const dec = join(runDir, 'decoded.pdb');
  const d = runCli(['decode', runDir, '--grid', '5', '--out', dec]);
  assert.equal(d.code, 0, d.stderr);
  assert.equal((readFileSync(dec, 'utf8').match(/^MODEL/gm) ?? []).length, 25);
  const drows = readFileSync(join(runDir, 'decoded.csv'), 'utf8').trim().split('\n');
  assert.equal(drows[0], 'z1,z2,phi,psi,energy_kJmol');
  assert.equal(drows.length, 26);
  assert.deepEqual(drows[1].split(',').slice(0, 2).map(Number), [-3, -3]);
  assert.ok(drows.slice(1).every((l) => Number.isFinite(Number(l.split(',')[4]))));

  // evaluate --reference: the molecular metrics appear (the samples themselves serve as reference).
  const e = runCli(['evaluate', runDir, '--json', '-n', '300', '--reference', dcd]);
  assert.equal(e.code, 0, e.stderr);
  const metrics = JSON.parse(e.stdout);
  for (const k of [
    'mol.ramachandran.klRaw',
    'mol.ramachandran.jsRaw',
    'mol.deltaF.referenceKT',
    'mol.energy.w1RawKT',
    'mol.rg.w1RawNm',
    'mol.cv.phiSign.bestAccuracy',
    'mol.population.alphaR.raw',
    'mol.chirality.wrongRate',
  ]) {
    assert.ok(k in metrics, `${k} missing from evaluate --json`);
  }
  assert.ok(metrics['mol.ramachandran.jsRaw'] >= 0 && metrics['mol.ramachandran.jsRaw'] <= Math.LN2);
  assert.equal(metrics['mol.reference.frames'], 200);
  assert.ok(existsSync(join(runDir, 'samples.pdb')));

  // The same frames with the first two atoms listed in the other order (as another builder might):
  // same atom count, another system; refused, naming the atom, rather than scored.
  const swapped = join(runDir, 'swapped.dcd');
  copyFileSync(dcd, swapped);
  const lines = readFileSync(join(runDir, 'samples.pdb'), 'utf8').split('\n');
  const atomLines = lines.flatMap((l, k) => (/^(ATOM|HETATM)/.test(l) ? [k] : []));
  [lines[atomLines[0]], lines[atomLines[1]]] = [lines[atomLines[1]], lines[atomLines[0]]];
  writeFileSync(join(runDir, 'swapped.pdb'), lines.join('\n'));
  const swappedOrder =
    /swapped\.dcd: atom 0 is \w+ \(.*\) in .*swapped\.pdb but \w+ \(.*\) in force field .*another order/;
  const w = runCli(['evaluate', runDir, '--json', '-n', '50', '--reference', swapped]);
  assert.match(assertCleanError(w, 2), swappedOrder);
  // report --reference reads the reference the same way (it checked the atom count only).
  assert.match(assertCleanError(runCli(['report', runDir, '-n', '10', '--reference', swapped]), 2), swappedOrder);
});

test('bad input to cvs/decode/evaluate names the problem', async () => {
  const r = runCli(['cvs', join(repoRoot, 'no-such-run'), '--coords', 'x.dcd', '--out', 'c.csv']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /not a run directory/);
  const d = runCli(['decode', join(repoRoot, 'no-such-run'), '--out', 'x.xyz']);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /unsupported extension ".xyz"/);
});
