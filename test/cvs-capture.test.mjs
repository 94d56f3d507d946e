// `embedcg cvs --samples N --capture` on the alanine tetrapeptide VAE (a run of two training steps):
// the CSV of the draw and the capture come from the same draw, and every residue and rotor is there.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemblePlugins, selectBackend, train, validateRunConfig, writeRunFiles } from '@embedcg/core';
import { residueState } from '@embedcg/core/molecules';
import * as amber from '@embedcg/forcefield-amber';
import * as vae from '@embedcg/model-vae';
import { assertCleanError, repoRoot, runCli, tempDir } from './support.mjs';

const examples = join(repoRoot, 'examples');
const preloaded = { '@embedcg/forcefield-amber': amber.plugins, '@embedcg/model-vae': vae.plugins };

before(async () => {
  await selectBackend('wasm');
});

/** The example's recipe with small networks, no basin scan and two steps. */
function tinyTetrapeptideConfig() {
  const example = JSON.parse(readFileSync(join(examples, 'alanine-tetrapeptide-vae.json'), 'utf8'));
  const o = example.model.options;
  return {
    ...example,
    name: 'ala4-capture-test',
    model: {
      ...example.model,
      options: {
        ...o,
        latentDim: 3,
        decoderHidden: [16],
        encoderHidden: [16],
        encoderActivations: ['selu'],
        priorMixture: { ...o.priorMixture, scan: undefined },
      },
    },
    schedule: { ...example.schedule, options: { ...example.schedule.options, samples: 64 } },
    training: { ...example.training, batchSize: 32, initialSteps: 2, checkpointEvery: 1000 },
  };
}

test('cvs --samples: the CSV and the capture of one draw agree; every residue and rotor is measured', async (t) => {
  const runDir = tempDir(t, 'embedcg-ala4-');
  const config = validateRunConfig(tinyTetrapeptideConfig());
  const plugins = await assemblePlugins(config, { configDir: examples, preloaded, log: () => {} });
  try {
    writeRunFiles(runDir, config, { configDir: examples });
    await train({ runDir, config, ...plugins, progress: false, stopAfterSteps: 2 });
  } finally {
    await plugins.forceField.dispose();
    plugins.model.dispose();
  }
  const csv = join(runDir, 'draws.csv');
  const r = runCli(['cvs', runDir, '--samples', '300', '--seed', '4', '--out', csv, '--capture', '--json']);
  assert.equal(r.code, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  const rows = readFileSync(csv, 'utf8').trim().split('\n');
  const header = rows[0].split(',');
  assert.deepEqual(header, [
    'frame',
    'z1',
    'z2',
    'z3',
    ...['ALA2', 'ALA3', 'ALA4'].flatMap((res) => [`phi_${res}`, `psi_${res}`]),
  ]);
  assert.equal(rows.length, 301);
  assert.equal(m['mol.cv.capture.samples'], 300);
  // The state fractions of the capture are those of the CSV's angles: the same draw.
  const col = (name) => rows.slice(1).map((l) => Number(l.split(',')[header.indexOf(name)]));
  const DEG = Math.PI / 180;
  for (const res of ['ALA2', 'ALA3', 'ALA4']) {
    const phi = col(`phi_${res}`),
      psi = col(`psi_${res}`);
    const states = phi.map((p, i) => residueState(p * DEG, psi[i] * DEG));
    ['beta', 'alphaR', 'c7axAlphaL'].forEach((st, s) => {
      const f = states.filter((v) => v === s).length / 300;
      const key = `mol.cv.capture.state.${res}.${st}.fraction`;
      if (f === 0) assert.equal(m[key], undefined, key);
      else assert.ok(Math.abs(m[key] - f) < 0.01, `${key}: ${m[key]} vs ${f} from the CSV (angles rounded to 1e-3°)`);
    });
  }
  for (const k of [1, 2, 3])
    for (const t of ['ALA2.phi', 'ALA4.psi', 'ACE1.CH3', 'ALA3.CB', 'NME5.C']) {
      const mi = m[`mol.cv.capture.z${k}.${t}.mi`];
      assert.ok(mi >= 0 && mi <= Math.log(16), `z${k} ${t}: MI ${mi}`);
    }
  // The text report names every latent coordinate and the joint states.
  const text = runCli(['cvs', runDir, '--samples', '300', '--capture', '--bins', '8']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /latent capture of 300 frames \(300 model draws, seed 1, z as drawn/);
  assert.match(text.stdout, /8×8 histograms/);
  assert.match(text.stdout, /^ALA3\.CB \(3θ\) /m);
  assert.match(text.stdout, /^joint\.[bal]{3} /m);

  // One source of frames, and something to do.
  assert.match(assertCleanError(runCli(['cvs', runDir, '--capture'])), /give --coords FILES .* or --samples N/);
  assert.match(
    assertCleanError(runCli(['cvs', runDir, '--samples', '10', '--coords', 'x.dcd', '--capture'])),
    /one of them/,
  );
  assert.match(assertCleanError(runCli(['cvs', runDir, '--samples', '10'])), /nothing to do/);
  assert.match(assertCleanError(runCli(['cvs', runDir, '--samples', '10', '--capture', '--bins', '8.5'])), /--bins/);
});
